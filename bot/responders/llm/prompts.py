"""The system prompt: a template per language (files beside this module, or the company's own),
the company's voice, and its sales playbook turned into guidance.

Only company-written text goes here, the same for every conversation in a language and
channel, so it caches. The customer's words never do: they go in the messages, delimited.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.knowledge import Passage
from bot.responders.playbook import customer_sentences

PACKAGED = Path(__file__).resolve().parent / "prompts"
GUIDANCE_HEAD = {
    "en": "Guidance from the company's sales playbook (for you only: follow it in your own words, never quote it):",
    "ru": "Рекомендации из книги продаж компании (только для вас: следуйте им своими словами, не цитируйте):",
}
VOICE_HEAD = {"en": "The company's voice:", "ru": "Тон компании:"}


@dataclass(frozen=True, slots=True)
class PromptSettings:
    company: str = ""
    voice: str = ""
    templates_dir: Path | None = None  # a company's own `en.md`, `ru.md`; the packaged ones otherwise


class Prompts:
    """Renders the system prompt of a language and channel, and names what must stay secret."""

    def __init__(self, settings: PromptSettings, playbook: Sequence[Passage] = ()) -> None:
        self.settings = settings
        self.playbook = tuple(playbook)

    def system(self, language: str, channel: str) -> str:
        return _render(self._template(language), self.settings, channel, self._guidance(language), language)

    def secrets(self, languages: Sequence[str] = ("en", "ru")) -> list[str]:
        """The instructions and the playbook's notes to reps: a reply quoting them leaks the prompt.
        What the playbook marks as sayable to customers is left out: quoting that is its purpose."""
        texts = [_render(self._template(lang), self.settings, "", "", lang) for lang in languages]
        for passage in self.playbook:
            texts += rep_notes(passage.text)
        return texts

    def _template(self, language: str) -> str:
        own = self.settings.templates_dir
        for folder in ([own] if own else []) + [PACKAGED]:
            path = folder / f"{language}.md"
            if path.is_file():
                return _read(path)
        return _read(PACKAGED / "en.md")

    def _guidance(self, language: str) -> str:
        if not self.playbook:
            return ""
        sections = [f"## {p.heading}\n{p.text.strip()}" if p.heading else p.text.strip() for p in self.playbook]
        return "\n\n".join([GUIDANCE_HEAD.get(language, GUIDANCE_HEAD["en"]), *sections])


def rep_notes(text: str, internal: bool = False) -> list[str]:
    """The lines of a company text that are not for customers: everything but what it marks (or,
    in a document that is not internal, writes) as sayable."""
    sayable = customer_sentences(text, internal=internal)
    return [line for line in text.splitlines() if line.strip() and not any(s in line for s in sayable)]


@cache
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _render(template: str, settings: PromptSettings, channel: str, guidance: str, language: str) -> str:
    voice = f"{VOICE_HEAD.get(language, VOICE_HEAD['en'])} {settings.voice.strip()}" if settings.voice.strip() else ""
    company = settings.company or ("the company" if language == "en" else "компании")
    text = string.Template(template).safe_substitute(company=company, channel=channel or "chat",
                                                     voice=voice, guidance=guidance)
    return "\n".join(line.rstrip() for line in text.strip().splitlines()).replace("\n\n\n", "\n\n")
