"""What of a company's documents may be said to a customer.

A sales playbook talks to the reps ("Remind them that...", "Предложите образцы"); a lead
qualification guide is internal altogether. A document that says it is internal
(`internal_markers`) is never quoted; in any other document a line marked for the rep, or a
sentence that opens with an instruction to the rep, is a note and never reaches a customer.
What a company marks as customer-facing ("Say: ...", "> ...") is kept.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.understanding.resources import load_yaml

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_FIRST_WORDS = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
# Russian imperatives addressed to the rep: "Напомните", "не спорьте", "договоритесь".
_RU_IMPERATIVE = re.compile(r"^(?:не\s)?[а-яё]{3,}(?:ите|йте|ьте|итесь|йтесь|ьтесь)$", re.IGNORECASE)


@lru_cache(maxsize=1)
def _data() -> dict[str, list[str]]:
    raw = load_yaml("playbook.yaml")
    return {k: [str(v).lower() for v in values] for k, values in raw.items()}


def is_internal(text: str) -> bool:
    """Whether a document says it is for the company's eyes only."""
    lowered = text.lower().replace("ё", "е")
    return any(marker.replace("ё", "е") in lowered for marker in _data()["internal_markers"])


def customer_sentences(text: str, internal: bool = False) -> list[str]:
    """The sentences of a text that may be said to a customer, rep notes left out.

    When the text marks any line for the customer, only marked lines are said; otherwise every
    sentence that is not a note is, unless the document is `internal` (then nothing is)."""
    lines = [line.strip(" -•*\t") for line in text.splitlines() if line.strip(" -•*\t")]
    marks = [_marked(line) for line in lines]
    if internal and "customer" not in marks:
        return []
    if "customer" in marks:
        return [_strip_marker(line) for line, mark in zip(lines, marks, strict=True) if mark == "customer"]
    kept: list[str] = []
    for line, mark in zip(lines, marks, strict=True):
        if mark == "note" or is_internal(line):
            continue
        kept.extend(s.strip() for s in _SENTENCE.split(line) if s.strip() and not is_note(s))
    return kept


def is_note(sentence: str) -> bool:
    """A sentence addressed to the rep: any clause opens with an instruction ("If they say it is
    expensive, remind them...", "Предложите образцы"), or it talks about "the customer"."""
    for clause in re.split(r"[,;:—–]\s*|\s(?:and|then|и|а|затем)\s", sentence):
        words = [w.lower() for w in _FIRST_WORDS.findall(clause)[:2]]
        if not words:
            continue
        first = " ".join(words) if words[0] in ("не", "don't", "do") and len(words) > 1 else words[0]
        if _RU_IMPERATIVE.match(first) or words[0] in _data()["imperatives"]:
            return True
    return False


def _marked(sentence: str) -> str | None:
    lowered = sentence.lower()
    if any(lowered.startswith(m) for m in _data()["note_markers"]):
        return "note"
    if any(lowered.startswith(m) for m in _data()["customer_markers"]):
        return "customer"
    return None


def _strip_marker(sentence: str) -> str:
    """The words to say, without the marker and the quotes around them."""
    said = re.sub(r"^(?:>\s*|[^:]{1,25}:\s*)", "", sentence).strip()
    quoted = re.fullmatch(r"[\"“«](.+)[\"”»]\.?", said)
    return quoted.group(1).strip() if quoted else said
