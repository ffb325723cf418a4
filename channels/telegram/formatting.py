"""Replies shaped for Telegram: HTML-escaped parts of at most 4096 characters, buttons as inline keyboards.

Telegram counts a message's length after entity parsing, in UTF-16 code units
(an emoji outside the BMP counts twice). Parts are cut from the plain text
first and escaped afterwards, so a cut never falls inside an entity such as
`&amp;`, and what the customer sees adds up to the reply exactly.
"""

from __future__ import annotations

import html
import re
import zlib

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.model import Button

MAX_UNITS = 4096
CALLBACK_DATA_BYTES = 64
PARSE_MODE = "HTML"
# Preferred places to cut, best first: a blank line, a line end, a sentence end, a space.
_BREAKS = (re.compile(r"\n\s*\n"), re.compile(r"\n"), re.compile(r"(?<=[.!?…])\s"), re.compile(r"\s"))


def units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_UNITS) -> list[str]:
    """Cut `text` into parts of at most `limit` UTF-16 units, at the best break in each window."""
    parts: list[str] = []
    rest = text.strip()
    while units(rest) > limit:
        window = _prefix(rest, limit)
        cut = _best_break(window)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def _prefix(text: str, limit: int) -> str:
    """The longest prefix within `limit` units (never half of a surrogate pair: we cut characters)."""
    total = 0
    for index, char in enumerate(text):
        total += 2 if ord(char) > 0xFFFF else 1
        if total > limit:
            return text[:index]
    return text


def _best_break(window: str) -> int:
    """Where to cut a window: after its last break of the best kind found in its second half."""
    for pattern in _BREAKS:
        ends = [m.end() for m in pattern.finditer(window) if m.end() > len(window) // 2]
        if ends:
            return ends[-1]
    return len(window)  # one long word: cut it


def escape(text: str) -> str:
    """Text as literal HTML for parse_mode=HTML (Telegram needs only <, > and & escaped)."""
    return html.escape(text, quote=False)


def keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    """One button a row; a press sends back `callback_data`, which the webhook reads as text."""
    if not buttons:
        return None
    rows = [[InlineKeyboardButton(text=b.title, callback_data=callback_data(b))] for b in buttons]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def callback_data(button: Button) -> str:
    """The payload if it fits Telegram's 64 bytes, else the title, else the payload cut at a character."""
    for candidate in (button.payload, button.title):
        if len(candidate.encode()) <= CALLBACK_DATA_BYTES:
            return candidate
    cut = button.payload.encode()[:CALLBACK_DATA_BYTES]
    return cut.decode(errors="ignore")


def draft_number(draft_id: str) -> int:
    """sendMessageDraft wants a non-zero integer id; the same draft always maps to the same one."""
    return zlib.crc32(draft_id.encode()) % 2_147_483_646 + 1
