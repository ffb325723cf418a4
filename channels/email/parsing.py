"""A raw email → what the dialogue and the thread need. Pure, no I/O.

Plain text is preferred, HTML turned into text; the reply parser splits the
customer's new words from the quoted thread, and the signature (where the
lead's name, role, company and phone often are) from the words: the lead reads
it, the reply does not answer it. Mail that no person wrote is recognised so
it is recorded but never answered: answering an auto-reply starts a mail loop.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr

from bs4 import BeautifulSoup

from bot.email_text import split_reply, split_signature
from bot.model import Attachment
from channels.email.attachments import attachments_of
from channels.email.bounces import Bounce, hard_bounce

_IDS = re.compile(r"<[^<>\s]+>")
_BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_MAILER = re.compile(r"^(mailer-daemon|postmaster)@", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ParsedEmail:
    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    sender: str  # lower-cased address
    sender_name: str | None
    text: str  # the customer's new words
    signature: str  # their signature block, closing included
    quoted: str  # the thread they quoted
    automatic: str | None  # why no person wrote this: "auto-reply", "bounce", "bulk"
    bounce: Bounce | None  # the permanent failures a delivery report lists
    attachments: tuple[Attachment, ...]  # with their bytes

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Ids of earlier messages in this thread, nearest last."""
        return tuple(dict.fromkeys([*self.references, *self.in_reply_to]))

    @property
    def root(self) -> str:
        """The thread's first message: References start with it (RFC 5322), else our own id."""
        return (self.references or self.in_reply_to or (self.message_id,))[0]


def parse_email(raw: bytes) -> ParsedEmail:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    name, address = parseaddr(_header(message, "From"))
    new, quoted = split_reply(_body(message))
    text, signed = split_signature(new)
    automatic = _automatic(message, address)
    return ParsedEmail(
        message_id=_ids(message, "Message-ID")[:1][0] if _ids(message, "Message-ID") else synthetic_id(raw),
        in_reply_to=tuple(_ids(message, "In-Reply-To")),
        references=tuple(_ids(message, "References")),
        subject=_header(message, "Subject").strip(),
        sender=address.lower(),
        sender_name=name.strip() or None,
        text=text,
        signature=signed,
        quoted=quoted,
        automatic=automatic,
        bounce=hard_bounce(message) if automatic == "bounce" else None,
        attachments=attachments_of(message),
    )


def _ids(message: EmailMessage, header: str) -> list[str]:
    return _IDS.findall(" ".join(_headers(message, header)))


def _header(message: EmailMessage, name: str) -> str:
    return " ".join(_headers(message, name))


def _headers(message: EmailMessage, name: str) -> list[str]:
    """A header's values; read raw when the standard library's parser fails on a malformed one
    (a lone "<" in Message-ID raises IndexError): one bad header must not make the mail unreadable."""
    try:
        return [str(value) for value in message.get_all(name, [])]
    except Exception:
        return [str(value) for key, value in message.raw_items() if key.lower() == name.lower()]


def synthetic_id(raw: bytes) -> str:
    """A message without Message-ID still deduplicates: the same bytes give the same id."""
    return f"<{hashlib.sha256(raw).hexdigest()[:32]}@no-message-id>"


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = str(part.get_content())
    except (LookupError, ValueError):  # an unknown charset or a broken transfer encoding
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    if part.get_content_type() == "text/html":
        content = BeautifulSoup(content, "html.parser").get_text("\n")
    return re.sub(r"\n{3,}", "\n\n", content).strip()


def _automatic(message: EmailMessage, address: str) -> str | None:
    """Why no person wrote this message (RFC 3834 and the usual conventions), or None."""
    if message.get_content_type() == "multipart/report" or _MAILER.match(address) or not address:
        return "bounce"
    if _header(message, "Return-Path").strip() == "<>":
        return "bounce"
    auto = (_header(message, "Auto-Submitted").strip() or "no").lower()
    if auto != "no" or _header(message, "X-Autoreply") or _header(message, "X-Autorespond"):
        return "auto-reply"
    if _header(message, "Precedence").strip().lower() in _BULK_PRECEDENCE:
        return "bulk"
    if _header(message, "List-Id") or _header(message, "List-Unsubscribe"):
        return "bulk"
    return None

