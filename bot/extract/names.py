"""The customer's name: introductions, a name listed with a contact or the company, the signature.

Russian names are confirmed by Natasha's NER (a capitalized Russian word may as well be a city or
a company); English ones by their place alone, as no English NER ships offline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import pairwise

import regex

from bot.extract.authority import ROLE_WORDS
from bot.extract.legal_forms import any_form
from bot.extract.lexicon import words
from bot.extract.russian_ner import of_kind
from bot.extract.signature import lines_of, signature
from bot.extract.text import CAP_WORD, Span

NAME = rf"{CAP_WORD}(?: {CAP_WORD}){{0,2}}"
_TITLE = r"(?:(?:Dr|Mr|Mrs|Ms|Miss|Prof|Ing)\.?\s)?"
# What may follow a name in "I'm Jane Doe, ..." — anything else means the capital word was no name.
_END = r"(?=\s*(?:[,.!?;:)\n]|$|\s(?i:from|at|here|and|with|из|и|от|с)\b))"
_INTRO = regex.compile(rf"\b(?:I'm|I am|Im|This is|this is|Это|это|Я|я)\s?[—–-]?\s(?P<intro>{NAME}){_END}")
# "Tom Baker here", "Hi! Ola Nordmann from Fjord AS": a name opening a sentence, then "here"/"from".
_OPENING = regex.compile(
    rf"(?:^|[.!?,]\s{{1,3}}|\n)(?:(?i:hi|hello|hey|good (?:morning|afternoon|evening))[,!]?\s{{1,3}})?"
    rf"(?P<opening>{NAME})\s(?:here\b|from\s\p{{Lu}})"
)
# After an explicit "my name is" people often don't bother with capitals: "меня зовут иван".
_ANY_WORD = r"\p{L}\p{Ll}{1,30}(?:-\p{L}\p{Ll}{1,30})?"
_NAMED = regex.compile(
    rf"(?i:\b(?:my name is|my name's|name\s?:|меня зовут|мо[её] имя|имя\s?:))\s{{0,3}}"
    rf"(?P<named>{_ANY_WORD}(?: {_ANY_WORD})?)"
)
_AFTER_CONTACT = regex.compile(rf"\s{{0,3}}[,;–—-]\s{{0,3}}({NAME})\s*(?:[.!;]|$|\n)")
_BEFORE_CONTACT = regex.compile(rf"(?:^|[.!?\n]\s{{0,3}})({NAME})\s?[,:–—-]\s{{0,3}}$")
_WHOLE_LINE = regex.compile(rf"^\s*{_TITLE}({NAME})\s*,?\s*$")
# A sentence ends at punctuation followed by a capital or a line break, not inside "Sp. z o.o.".
_SENTENCE_END = regex.compile(r"[.!?]+\s+(?=\p{Lu})|\n")
_SEGMENT_BREAK = regex.compile(r"\s*[,;:–—]\s*")
_LEGAL_FORM = regex.compile(rf"(?<![\w.])(?:{any_form()})(?![\w])")
_CYRILLIC = regex.compile(r"\p{Cyrillic}")
_CONNECTORS = frozenset({"and", "from", "at", "with", "here", "и", "из", "от", "с", "а"})


def _not_names() -> frozenset[str]:
    return words("names", "not_names")


def find_name(text: str, contacts: Sequence[Span], is_product: Callable[[str], bool] = lambda _: False) -> str | None:
    """The name the customer gives: an introduction first, then one listed with a contact or the
    company, then the signature, then a name signing off the message. `is_product` rejects
    capitalized product names ("This is Printer 500")."""
    found = (*_introduced(text), *_listed(text, contacts), *_signed(text), *_opening(text), *_signing_off(text))
    for candidate in found:
        name = _clean(candidate)
        if name and not is_product(name):
            return name
    return None


def _introduced(text: str) -> list[str]:
    named = [_title(m.group("named")) for m in _NAMED.finditer(text)]
    opening = [m.group("opening") for m in _OPENING.finditer(text)]
    return named + [m.group("intro") for m in _INTRO.finditer(text)] + opening


def _title(name: str) -> str:
    """Title-case a name ("john smith" → "John Smith"), stopping at the first word that is no name."""
    out: list[str] = []
    for word in name.split():
        if word.lower() in _not_names() or word.lower() in _CONNECTORS:
            break
        out.append(word if word[0].isupper() else word[0].upper() + word[1:])
    return " ".join(out)


def _listed(text: str, contacts: Sequence[Span]) -> Iterator[str]:
    """A name right next to a contact, or one item of a list that holds a contact or the company's
    legal form ("Ержан Сатпаев, ТОО «Алтын», +7 701 …", "— Jane Roe, jane@acme.example")."""
    for span in contacts:
        after = _AFTER_CONTACT.match(text, span.end)
        if after:
            yield after.group(1)
        line_start = text.rfind("\n", 0, span.start) + 1
        before = _BEFORE_CONTACT.search(text[max(line_start, span.start - 80) : span.start])
        if before:
            yield before.group(1)
    anchors = [*contacts, *(Span(m.start(), m.end()) for m in _LEGAL_FORM.finditer(text))]
    for start, end in _sentences(text):
        if any(start <= a.start < end for a in anchors):
            yield from _name_items(text, start, end)


def _sentences(text: str) -> list[tuple[int, int]]:
    bounds = [0, *(m.end() for m in _SENTENCE_END.finditer(text)), len(text)]
    return [(a, b) for a, b in pairwise(bounds) if b > a]


def _name_items(text: str, start: int, end: int) -> Iterator[str]:
    """Items of a listing sentence that are a whole name, Russian ones confirmed as persons."""
    sentence = text[start:end]
    offset = 0
    for item in _SEGMENT_BREAK.split(sentence):
        at = sentence.find(item, offset)
        offset = at + len(item)
        item = item.strip(" .!?\n")
        whole = regex.fullmatch(f"{_TITLE}{NAME}", item) and (len(item.split()) > 1 or _CYRILLIC.search(item))
        if whole and _is_person(text, start + at, item):
            yield regex.sub(rf"^{_TITLE}", "", item)


def _is_person(text: str, at: int, name: str) -> bool:
    """Latin names pass on their place; a Russian one must be a person Natasha found there."""
    if not _CYRILLIC.search(name):
        return True
    return any(e.start <= at + 1 and at + len(name) - 1 <= e.end for e in of_kind(text, "PER"))


def _is_person_alone(name: str) -> bool:
    """The model misses a name cut short by a full stop ("Галина. Пока …"); read alone it tells."""
    return any(e.start == 0 and e.end >= len(name) - 1 for e in of_kind(name, "PER"))


def _signed(text: str) -> list[str]:
    """The first line of the signature after a closing, or a name line that heads role, company or
    contact lines at the end of an email with no closing."""
    lines = signature(text)
    if lines:
        match = _WHOLE_LINE.match(lines[0].text)
        return [match.group(1)] if match else []
    return list(_unclosed_signature(text))


def _unclosed_signature(text: str) -> Iterator[str]:
    lines = [line for line in lines_of(text) if line.text.strip()]
    for index, line in enumerate(lines[:-1]):
        match = _WHOLE_LINE.match(line.text)
        if match and _signature_line(lines[index + 1].text) and _is_person(text, line.start, match.group(1)):
            yield match.group(1)


def _signature_line(line: str) -> bool:
    """A role ("главный инженер", "Head of Operations"), company or contact line."""
    return bool(
        regex.search(rf"(?i:\b(?:{ROLE_WORDS}))", line) or _LEGAL_FORM.search(line) or regex.search(r"@|\d{3}", line)
    )


def _signing_off(text: str) -> list[str]:
    """A name alone at the very end ("… покупать не скоро. Алия", "\n\nTomasz")."""
    start, end = _sentences(text.rstrip())[-1] if text.strip() else (0, 0)
    last = text[start:end].strip(" .!\n")
    if not regex.fullmatch(NAME, last) or len(last.split()) > 2:
        return []
    alone_on_line = text[:start].endswith("\n")
    if _CYRILLIC.search(last):
        return [last] if _is_person(text, start + text[start:end].find(last), last) else []
    return [last] if alone_on_line or len(last.split()) == 2 else []


def _opening(text: str) -> list[str]:
    """A name alone opening the message ("Галина. Пока ничего конкретного")."""
    sentences = _sentences(text)
    if len(sentences) < 2:
        return []
    start, end = sentences[0]
    first = text[start:end].strip(" .!,\n")
    if not regex.fullmatch(NAME, first) or len(first.split()) > 2:
        return []
    if _CYRILLIC.search(first):
        return [first] if _is_person_alone(first) else []
    return [first] if len(first.split()) == 2 else []


def _clean(candidate: str) -> str | None:
    """Drop trailing non-name words; None when nothing of a name is left or it is a company."""
    if _LEGAL_FORM.search(candidate):
        return None
    parts = candidate.split()
    while parts and parts[-1].lower() in _not_names():
        parts.pop()
    if not parts or any(word.lower() in _not_names() for word in parts):
        return None
    return " ".join(parts)
