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
    """Phone numbers as E.164, each read the way that uses all its digits if any does.

    `regions` are tried in order for numbers written without a country code; a reading that
    uses the whole run of digits beats one in an earlier region that drops some ("8 701 555 12 34"
    is a Kazakh number, not a US one without its 8). Only numbers `phonenumbers` holds valid count,
    or possible ones written with their country code or trunk prefix (new ranges open before the
    metadata knows them): prices, dates and counts are not, and the caller masks them beforehand.
    """
    ordered = list(dict.fromkeys(regions))
    windows = [(m.start(), m.group()) for m in _PHONE_WINDOW.finditer(text)][:_MAX_WINDOWS]
    return [phone for start, window in windows if (phone := _phone_in(window, start, ordered))]


def _phone_in(window: str, offset: int, regions: list[str]) -> Contact | None:
    """The best reading of a stretch of digits, dropping stray groups at either end if need be."""
    best: tuple[tuple[int, int, int], Contact] | None = None
    for trim, (start, end) in enumerate(_trims(window)):
        for rank, region in enumerate(regions):
            found = _parse(window[start:end], region, whole=trim == 0)
            if found is None:
                continue
            tier, number = found
            key = (tier, trim, rank)
            if best is None or key < best[0]:
                best = (key, Contact(number, Span(offset + start, offset + end)))
    return best[1] if best else None


def _trims(window: str) -> list[tuple[int, int]]:
    """The window, then without up to three trailing or two leading digit groups of a few stray
    digits ("… 45 67 2 шт"); dropping more would read a phone into an account number."""
    groups = [(m.start(), m.end()) for m in re.finditer(r"\d+", window)]
    spans = [(0, len(window))]
    spans += [(0, groups[-1 - n][1]) for n in range(1, min(4, len(groups)))]
    spans += [(groups[n][0], len(window)) for n in range(1, min(3, len(groups)))]
    total = _digits(window)
    return [(a, b) for a, b in spans if 7 <= (kept := _digits(window[a:b])) <= 15 and total - kept <= _MAX_STRAY]


_MAX_STRAY = 3


def _digits(text: str) -> int:
    return sum(c.isdecimal() for c in text)


# Tiers of a reading, best first.
_VALID, _POSSIBLE_INTERNATIONAL, _POSSIBLE_NATIONAL, _VALID_PART = range(4)
_POSSIBLE = phonenumbers.ValidationResult.IS_POSSIBLE


def _parse(candidate: str, region: str, *, whole: bool) -> tuple[int, str] | None:
    """(tier, E.164) of one reading of the candidate in a region, None if it is no number there."""
    candidate = candidate.strip()
    international = candidate.startswith(("+", "00"))
    if candidate.startswith("00"):  # the ITU international prefix most countries dial
        candidate = "+" + candidate[2:]
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    e164 = str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    if phonenumbers.is_valid_number(number):
        return (_VALID if whole else _VALID_PART), e164
    # A number possible only as a local one ("1234567") is too short to be anyone's contact.
    if not whole or phonenumbers.is_possible_number_with_reason(number) != _POSSIBLE:
        return None
    if international:
        return _POSSIBLE_INTERNATIONAL, e164
    return (_POSSIBLE_NATIONAL, e164) if _has_trunk_prefix(candidate, region) else None


def _has_trunk_prefix(candidate: str, region: str) -> bool:
    """Whether a national number starts with its country's trunk prefix ("0" in 07700 900123)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    prefix: str | None = metadata.national_prefix if metadata else None
    digits = "".join(c for c in candidate if c.isdecimal())
    return prefix is not None and prefix != "" and digits.startswith(prefix)
