"""Email addresses and phone numbers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from bot.extract.text import Span

# Tokens are cut at whitespace and brackets first, so no pattern ever scans a long run twice.
_TOKEN = re.compile(r"[^\s<>()\[\]{},;\"«»]{3,254}")
_EDGE_PUNCT = ".,:;!?'\"`*_-"
# Stretches that could hold one phone number; the matcher runs on each alone because on a long
# digit-heavy text it is slow. Bounded, and never starting or ending inside a run of digits.
_PHONE_WINDOW = re.compile(r"(?<![\w+(])[+(]{0,2}\d[\d \-().\/]{5,24}\d(?!\d)")
_MAX_WINDOWS = 15  # a message holds a few numbers; a wall of digits is not worth reading through


@dataclass(frozen=True, slots=True)
class Contact:
    """An email address or a phone number (E.164) and where it was written."""

    value: str
    span: Span


def find_emails(text: str) -> list[Contact]:
    """Syntactically valid email addresses, lowercased, in the order written."""
    found: list[Contact] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if "@" not in token:
            continue
        candidate, offset = _strip_edges(token)
        if candidate.lower().startswith("mailto:"):
            candidate, offset = candidate[7:], offset + 7
        address = _valid_email(candidate)
        if address:
            start = match.start() + offset
            found.append(Contact(address, Span(start, start + len(candidate))))
    return found


def _strip_edges(token: str) -> tuple[str, int]:
    """Drop punctuation glued to a token ("jane@x.com," → "jane@x.com") and the offset removed."""
    stripped = token.lstrip(_EDGE_PUNCT)
    offset = len(token) - len(stripped)
    return stripped.rstrip(_EDGE_PUNCT), offset


def _valid_email(candidate: str) -> str | None:
    try:
        result = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError:
        return None
    return result.normalized.lower()


def find_phones(text: str, regions: Iterable[str]) -> list[Contact]:
    """Valid phone numbers as E.164, trying each region in turn until one finds any.

    Only numbers `phonenumbers` holds valid count: prices, dates and counts are not, and the
    caller masks money and dates beforehand to be sure.
    """
    windows = [(m.start(), m.group()) for m in _PHONE_WINDOW.finditer(text)][:_MAX_WINDOWS]
    for region in regions:
        found = [phone for start, window in windows if (phone := _phone_in(window, start, region))]
        if found:
            return found
    return []


def _phone_in(window: str, offset: int, region: str) -> Contact | None:
    """The number in a stretch of digits, dropping stray groups at either end ("... 45 67 2 шт")."""
    for start, end in _trims(window):
        number = _parse(window[start:end], region)
        if number:
            return Contact(number, Span(offset + start, offset + end))
    return None


def _trims(window: str) -> list[tuple[int, int]]:
    """The window, then without up to three trailing or two leading digit groups."""
    groups = [(m.start(), m.end()) for m in re.finditer(r"\d+", window)]
    spans = [(0, len(window))]
    spans += [(0, groups[-1 - n][1]) for n in range(1, min(4, len(groups)))]
    spans += [(groups[n][0], len(window)) for n in range(1, min(3, len(groups)))]
    return [(a, b) for a, b in spans if 7 <= sum(c.isdecimal() for c in window[a:b]) <= 15]


def _parse(candidate: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
