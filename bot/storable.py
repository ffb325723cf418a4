"""Text every database can hold: what channels receive is normalised before it is stored.

PostgreSQL's text type refuses NUL, and UTF-8 cannot encode a lone surrogate (JSON's
"\\ud800" decodes to one). Either used to fail the insert *after* a message was
half-accepted; now such text is made storable first, so it is stored, acknowledged
and answered like any other.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.model import ConversationKey, InboundMessage

# C0 controls and DEL carry no meaning in a chat message; tab and line breaks do.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")  # only lone ones: a str holds pairs as one code point


def storable_text(text: str) -> str:
    """`text` without control characters (but tab and line breaks), lone surrogates as U+FFFD."""
    return _SURROGATES.sub("\ufffd", _CONTROLS.sub("", text))


def storable_message(message: InboundMessage) -> InboundMessage:
    """The message with every stored string made storable (the same object when nothing changes)."""
    key = message.key
    parts = (key.channel, key.account, key.conversation, key.user)
    clean_parts = tuple(storable_text(part) for part in parts)
    changes: dict[str, object] = {}
    if clean_parts != parts:
        changes["key"] = ConversationKey(*clean_parts)
    for name in ("message_id", "text", "quoted_text"):
        value = getattr(message, name)
        clean = storable_text(value)
        if clean != value:
            changes[name] = clean
    return replace(message, **changes) if changes else message  # type: ignore[arg-type]
