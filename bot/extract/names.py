"""The customer's name: introductions, a name written next to a contact, the signature."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot.extract.signature import signature
from bot.extract.text import CAP_WORD, Span

NAME = rf"{CAP_WORD}(?: {CAP_WORD}){{0,2}}"
# What may follow a name in "I'm Jane Doe, ..." — anything else means the capital word was no name.
_END = r"(?=\s*(?:[,.!?;:)\n]|$|\s(?i:from|at|here|and|with|из|и|от|с)\b))"
_INTRO = re.compile(rf"\b(?:I'm|I am|Im|This is|this is|Это|это|Я|я)\s?[—–-]?\s(?P<intro>{NAME}){_END}")
# After an explicit "my name is" people often don't bother with capitals: "меня зовут иван".
_ANY_WORD = r"[A-Za-zА-Яа-яЁё][a-zа-яё]{1,30}(?:-[A-Za-zА-Яа-яЁё][a-zа-яё]{1,30})?"
_NAMED = re.compile(
    rf"(?i:\b(?:my name is|my name's|name\s?:|меня зовут|мо[её] имя|имя\s?:))\s{{0,3}}"
    rf"(?P<named>{_ANY_WORD}(?: {_ANY_WORD})?)"
)
_AFTER_CONTACT = re.compile(rf"\s{{0,3}}[,;–—-]\s{{0,3}}({NAME})\s*(?:[.!;]|$|\n)")
_BEFORE_CONTACT = re.compile(rf"(?:^|[.!?\n]\s{{0,3}})({NAME})\s?[,:–—-]\s{{0,3}}$")
_WHOLE_LINE = re.compile(rf"^\s*({NAME})\s*,?\s*$")

_CONNECTORS = frozenset({"and", "from", "at", "with", "here", "и", "из", "от", "с", "а"})
# Capitalized words that follow "I'm"/"This is"/"Я" or sit next to a contact but are no names.
NOT_NAME_WORDS = frozenset(
    """
    i i'm im we you he she it they the a an this that my your our is am are was be hi hello hey dear
    thanks thank regards best
    interested looking here just sorry glad happy ready sure also still currently planning thinking
    hoping wondering writing calling contacting reaching trying going fine good great ok okay not new
    urgent asap interesting email e-mail mail phone tel telephone mobile cell contact contacts name
    company address website site fax whatsapp telegram skype
    owner ceo cto cfo coo director manager founder co-founder head chief president purchasing
    procurement buyer assistant secretary admin administrator office sales team customer client
    monday tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december
    здравствуйте привет добрый доброе добрая спасибо уважением почта email телефон тел имя компания
    директор владелец менеджер руководитель основатель собственник бухгалтер администратор
    закупщик снабженец секретарь помощник сотрудник интересует нужно нужен нужна хотим хочу
    понедельник вторник среда четверг пятница суббота воскресенье
    """.split()
)


def find_name(text: str, contacts: Sequence[Span], is_product: Callable[[str], bool] = lambda _: False) -> str | None:
    """The name the customer gives: an introduction first, then one next to a contact, then
    the signature. `is_product` rejects capitalized product names ("This is Office 300")."""
    for candidate in (*_introduced(text), *_next_to_contacts(text, contacts), *_signed(text)):
        name = _clean(candidate)
        if name and not is_product(name):
            return name
    return None


def _introduced(text: str) -> list[str]:
    named = [_title(m.group("named")) for m in _NAMED.finditer(text)]
    return named + [m.group("intro") for m in _INTRO.finditer(text)]


def _title(name: str) -> str:
    """Title-case a name ("john smith" → "John Smith"), stopping at the first word that is no name."""
    words: list[str] = []
    for word in name.split():
        if word.lower() in NOT_NAME_WORDS or word.lower() in _CONNECTORS:
            break
        words.append(word if word[0].isupper() else word[0].upper() + word[1:])
    return " ".join(words)


def _next_to_contacts(text: str, contacts: Sequence[Span]) -> list[str]:
    found: list[str] = []
    for span in contacts:
        after = _AFTER_CONTACT.match(text, span.end)
        if after:
            found.append(after.group(1))
        line_start = text.rfind("\n", 0, span.start) + 1
        before = _BEFORE_CONTACT.search(text[max(line_start, span.start - 80) : span.start])
        if before:
            found.append(before.group(1))
    return found


def _signed(text: str) -> list[str]:
    lines = signature(text)
    if not lines:
        return []
    match = _WHOLE_LINE.match(lines[0].text)
    return [match.group(1)] if match else []


def _clean(candidate: str) -> str | None:
    """Drop trailing non-name words; None when nothing of a name is left."""
    words = candidate.split()
    while words and words[-1].lower() in NOT_NAME_WORDS:
        words.pop()
    if not words or any(word.lower() in NOT_NAME_WORDS for word in words):
        return None
    return " ".join(words)
