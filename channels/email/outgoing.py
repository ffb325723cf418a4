"""Replies in the customer's thread, sent over SMTP (aiosmtplib).

A reply answers the customer's last message: `Re:` its subject, `In-Reply-To`
its Message-ID, `References` the thread so far, the customer's words quoted
below, plain text and HTML. Its own Message-ID is derived from our idempotency
key, so a reply sent twice (a crash between SMTP and the ledger) is one message
to every mail client, and the customer's answer to it threads back here.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib
import structlog

from bot.model import ConversationKey, OutboundMessage
from channels.backoff import backoff_delay
from channels.email.parsing import ParsedEmail
from channels.email.settings import EmailSettings

log = structlog.get_logger(__name__)


def reply_id(idempotency_key: str, address: str) -> str:
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}@{address.rpartition('@')[2]}>"


def build_reply(
    key: ConversationKey, message: OutboundMessage, idempotency_key: str, address: str, last: ParsedEmail | None
) -> EmailMessage:
    """The reply as a MIME message (plain text and HTML alternatives)."""
    text = message.text + "".join(f"\n• {b.title}" for b in message.buttons)
    mail = EmailMessage()
    mail["From"] = address
    mail["To"] = key.user
    mail["Message-ID"] = reply_id(idempotency_key, address)
    mail["Date"] = formatdate(localtime=False)
    # RFC 3834: well-behaved autoresponders do not answer this, which keeps two bots from looping.
    mail["Auto-Submitted"] = "auto-replied"
    subject = last.subject if last else ""
    mail["Subject"] = subject if subject.lower().startswith(("re:", "на:")) else f"Re: {subject}".strip()
    quote = ""
    if last is not None:
        mail["In-Reply-To"] = last.message_id
        mail["References"] = " ".join(dict.fromkeys([*last.references, last.message_id]))
        quote = "\n\n" + "\n".join(f"> {line}" for line in last.text.splitlines())
    mail.set_content(text + quote)
    mail.add_alternative(_html(text, last), subtype="html")
    return mail


def _html(text: str, last: ParsedEmail | None) -> str:
    paragraphs = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n") if p)
    quoted = ""
    if last is not None and last.text:
        quoted = f"<blockquote>{html.escape(last.text).replace(chr(10), '<br>')}</blockquote>"
    return f"<html><body>{paragraphs}{quoted}</body></html>"


async def send_mail(settings: EmailSettings, mail: EmailMessage) -> None:
    """Hand the message to our SMTP server, retrying transient failures with backoff."""
    server = settings.smtp()
    for attempt in range(settings.max_attempts):
        try:
            await aiosmtplib.send(
                mail, hostname=server.host, port=server.port, username=server.user or None,
                password=server.password or None, use_tls=server.tls, start_tls=server.starttls or None,
                timeout=30,
            )
            return
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code < 500 and attempt < settings.max_attempts - 1:  # 4xx: try again later
                log.warning("email.smtp_retry", code=exc.code)
                await asyncio.sleep(backoff_delay(attempt))
                continue
            raise
        except (aiosmtplib.SMTPException, OSError):
            if attempt == settings.max_attempts - 1:
                raise
            log.warning("email.smtp_retry", attempt=attempt + 1)
            await asyncio.sleep(backoff_delay(attempt))
