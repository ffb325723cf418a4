"""The signature block: the lines after a closing such as "Best regards," or "С уважением,"."""

from __future__ import annotations

import re
from dataclasses import dataclass

import regex

from bot.extract.lexicon import load

# Closings are data (lexicon/closings.yaml); longest first so "best regards" wins over "best".
CLOSING = "|".join(
    re.escape(phrase).replace(r"\ ", r"\s") for phrase in sorted(load("closings")["closings"], key=len, reverse=True)
)
# The closing alone on its line, optionally followed on the same line by what it closes with.
# What follows on the same line must look like a signature ("Thanks, Mark"), not a sentence.
_CLOSING_LINE = regex.compile(rf"^\s*(?i:{CLOSING})\s?(?:[,.!-]\s*(?P<rest>\p{{Lu}}[^.!?]{{0,60}})?)?\s*$")
_DASHES = re.compile(r"^\s*--\s*$")
MAX_SIGNATURE_LINES = 5
# A closing further up than this is part of the body ("Thanks!" before the actual request).
_MAX_LINES_AFTER_CLOSING = 8


@dataclass(frozen=True, slots=True)
class Line:
    """A line of the message with its offset."""

    start: int
    text: str


def lines_of(text: str) -> list[Line]:
    """The lines of a text with their offsets."""
    out: list[Line] = []
    offset = 0
    for raw in text.split("\n"):
        out.append(Line(offset, raw))
        offset += len(raw) + 1
    return out


def signature(text: str) -> list[Line]:
    """The lines after the last closing or "--" line: the name first, then role, company, phone.

    A closing that carries text on its own line ("Best regards, Mark Stein") contributes that text
    as the first signature line.
    """
    lines = lines_of(text)
    index = _closing_index(lines)
    if index is None:
        return []
    line = lines[index]
    match = _CLOSING_LINE.match(line.text)
    rest = match.group("rest") if match else None
    head = [Line(line.start + match.start("rest"), rest)] if match and rest else []
    return head + _non_empty(lines[index + 1 :])


def signature_start(text: str) -> int | None:
    """The offset of the line that opens the signature block (its closing or "--"), or None."""
    lines = lines_of(text)
    index = _closing_index(lines)
    return lines[index].start if index is not None else None


def _closing_index(lines: list[Line]) -> int | None:
    """The last closing or "--" line near the end of the message."""
    last = len(lines) - 1
    for index in range(last, max(-1, last - _MAX_LINES_AFTER_CLOSING - 1), -1):
        if _DASHES.match(lines[index].text) or _CLOSING_LINE.match(lines[index].text):
            return index
    return None


def _non_empty(lines: list[Line]) -> list[Line]:
    return [line for line in lines if line.text.strip()][:MAX_SIGNATURE_LINES]
