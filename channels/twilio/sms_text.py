"""Replies shaped for SMS: plain text in as few segments as the alphabet allows.

An SMS segment holds 160 characters of the GSM 7-bit alphabet (153 when the
message is split) but only 70 (67) once a single character is outside it, as
all Cyrillic is. So typographic characters that have a GSM twin are replaced
("•" would halve a segment of English for nothing), and a reply longer than
`max_segments` goes as several messages cut at sentence ends.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from bot.model import OutboundMessage

# GSM 03.38: the basic table, and the extension table whose characters take two septets.
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")
_TWINS = str.maketrans({
    "•": "-", "·": "-", "–": "-", "—": "-", "−": "-", "‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"',
    "„": '"', "«": '"', "»": '"', "×": "x", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\t": " ",
})
_MARKUP = re.compile(r"(\*\*|__|`)")
WHATSAPP_MAX_CHARS = 1600  # Twilio's limit on a message body
_SENTENCE_END = re.compile(r"((?<=[.!?…])[ \t]+|\n+)")


def is_gsm(text: str) -> bool:
    return all(c in _GSM_BASIC or c in _GSM_EXTENDED for c in text)


def segments(text: str) -> int:
    """How many SMS segments `text` takes."""
    if is_gsm(text):
        septets = sum(2 if c in _GSM_EXTENDED else 1 for c in text)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


def plain(message: OutboundMessage) -> str:
    """The reply as plain text: markup dropped, GSM twins used, buttons listed one a line."""
    text = _MARKUP.sub("", message.text).translate(_TWINS)
    if message.buttons:
        text += "\n" + "\n".join(f"- {b.title.translate(_TWINS)}" for b in message.buttons)
    text = "\n".join(line.rstrip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def split_sms(text: str, max_segments: int) -> list[str]:
    """Messages of at most `max_segments` segments each, cut between sentences where possible."""
    return _split(text, lambda part: segments(part) <= max_segments)


def split_whatsapp(text: str) -> list[str]:
    return _split(text, lambda part: len(part) <= WHATSAPP_MAX_CHARS)


def _split(text: str, fits: Callable[[str], bool]) -> list[str]:
    # Separators are kept (a list of buttons stays one a line) but never start or end a message.
    tokens = _SENTENCE_END.split(text)
    messages: list[str] = []
    current = ""
    for piece, separator in zip(tokens[::2], [*tokens[1::2], ""], strict=True):
        if fits(current + piece):
            current += piece + separator
            continue
        if current.strip():
            messages.append(current.strip())
        current = piece
        while not fits(current):  # one sentence longer than a message: cut it at a space
            cut = _longest_fitting(current, fits)
            messages.append(current[:cut].rstrip())
            current = current[cut:].lstrip()
        current += separator
    if current.strip():
        messages.append(current.strip())
    return messages


def _longest_fitting(text: str, fits: Callable[[str], bool]) -> int:
    low, high = 1, len(text)
    while low < high:  # binary search on the prefix length
        middle = (low + high + 1) // 2
        if fits(text[:middle]):
            low = middle
        else:
            high = middle - 1
    space = text.rfind(" ", 0, low)
    return space if space > low // 2 else low
