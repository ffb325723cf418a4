"""Delivery status notifications (RFC 3464): who failed for good, and which message of ours bounced.

A hard bounce is a recipient whose `Action` is "failed" with a 5.x.x `Status`;
a 4.x.x status or a "delayed" action is temporary and changes nothing. The
returned message (or its headers) names the Message-ID that bounced, which is
how the channel tells a real bounce of its own mail from a forged one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.parser import HeaderParser

_IDS = re.compile(r"<[^<>\s]+>")
_DIAGNOSTIC_LIMIT = 300


@dataclass(frozen=True, slots=True)
class Bounce:
    """What a delivery report says failed permanently."""

    recipients: tuple[str, ...]  # lower-cased addresses
    returned_ids: tuple[str, ...]  # Message-IDs of the message that bounced
    diagnostic: str


def hard_bounce(message: EmailMessage) -> Bounce | None:
    """The permanent failures a `multipart/report` delivery report lists, or None."""
    if message.get_content_type() != "multipart/report":
        return None
    recipients: list[str] = []
    diagnostics: list[str] = []
    returned: list[str] = []
    for part in message.iter_parts():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            for block in _blocks(part):
                address = _failed_recipient(block)
                if address:
                    recipients.append(address)
                    diagnostics.append(str(block.get("Diagnostic-Code") or block.get("Status", "")).strip())
        elif kind in ("message/rfc822", "text/rfc822-headers"):
            returned += _returned_ids(part)
    if not recipients:
        return None
    diagnostic = "; ".join(diagnostics)[:_DIAGNOSTIC_LIMIT]
    return Bounce(tuple(dict.fromkeys(recipients)), tuple(dict.fromkeys(returned)), diagnostic)


def _blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [block for block in payload if isinstance(block, Message)] if isinstance(payload, list) else []


def _failed_recipient(block: Message) -> str | None:
    """The address of a per-recipient block that failed permanently."""
    action = str(block.get("Action", "")).strip().lower()
    status = str(block.get("Status", "")).strip()
    recipient = str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
    if action != "failed" or not status.startswith("5") or ";" not in recipient:
        return None
    address = recipient.partition(";")[2].strip().strip("<>").lower()  # "rfc822; anna@client.example"
    return address if "@" in address else None


def _returned_ids(part: Message) -> list[str]:
    payload = part.get_payload()
    if isinstance(payload, list):  # message/rfc822: the returned message itself
        headers = payload[0] if payload and isinstance(payload[0], Message) else None
    else:  # text/rfc822-headers: only its header block
        text = part.get_payload(decode=True)
        headers = HeaderParser().parsestr(text.decode("utf-8", "replace")) if isinstance(text, bytes) else None
    if headers is None:
        return []
    try:
        return _IDS.findall(str(headers.get("Message-ID", "")))
    except Exception:  # the standard library's parser fails on some malformed ids; read it raw
        return _IDS.findall(" ".join(str(v) for k, v in headers.raw_items() if k.lower() == "message-id"))
