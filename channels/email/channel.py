"""The email channel: a mailbox read over IMAP, replies sent over SMTP in the same thread.

A conversation is a thread with one customer: (our address, the thread's first
Message-ID, the sender). A message that references a message of a known thread
joins it; one from another sender starts its own, so quoting someone's
Message-ID cannot put a stranger into their conversation.
"""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path

import structlog
from fastapi import APIRouter

from bot.model import Attachment, Contact, ConversationKey, InboundMessage, OutboundMessage
from channels.base import Channel, ChannelContext
from channels.email.attachments import AttachmentStore
from channels.email.bounces import Bounce
from channels.email.outgoing import build_reply, reply_id, send_mail
from channels.email.parsing import ParsedEmail, parse_email, synthetic_id
from channels.email.reader import MailboxReader
from channels.email.settings import EmailSettings
from channels.parts import send_once
from channels.tasks import BackgroundTasks

log = structlog.get_logger(__name__)
BOUNCED = "bounced"


def address_key(address: str) -> ConversationKey:
    """The key under which an address is blocked, whichever thread it wrote in."""
    return ConversationKey("email", "*", address, address)


class EmailChannel(Channel):
    """One mailbox (`EmailSettings`): no HTTP routes, a reader task instead."""

    name = "email"

    def __init__(self, context: ChannelContext) -> None:
        super().__init__(context)
        self.settings = EmailSettings.from_mapping(context.settings)
        self.ledger = context.require_ledger(self.name)
        self.reader = MailboxReader(self.settings, self.ledger, self.receive, self.name)
        folder = Path(self.settings.attachment_dir) if self.settings.attachment_dir else None
        self.files = AttachmentStore(folder, self.settings.max_attachment_bytes)
        self.tasks = BackgroundTasks()

    def router(self) -> APIRouter:
        return APIRouter()

    async def start(self) -> None:
        self.tasks.start(self.reader.run(), "email-reader")

    async def stop(self) -> None:
        await self.tasks.cancel_all()

    async def check(self) -> None:
        """Ready when the reader is connected to the mailbox."""
        if not self.reader.connected.is_set():
            raise ConnectionError(self.reader.last_error or "not connected to the mailbox yet")

    async def receive(self, raw: bytes) -> None:
        """Keep one raw email and hand it to the dialogue, unless no person wrote it."""
        try:
            parsed = parse_email(raw)
        except Exception:
            # Raising would make the reader fetch this message again forever; kept, it is not lost.
            log.exception("email.unreadable")
            await self.ledger.keep(_unreadable(raw, self.settings.our_address), raw, "unreadable")
            return
        if parsed.sender == self.settings.our_address:
            return  # our own reply, copied into the folder: answering it would loop
        # Machine mail's files (a bounce returns our own message) are not the customer's: not kept.
        files = () if parsed.automatic else tuple([await self.files.keep(a) for a in parsed.attachments])
        message = InboundMessage(
            await self._conversation(parsed), parsed.message_id, parsed.text or _marker(files),
            attachments=files, quoted_text=parsed.quoted, signature=parsed.signature,
            contact=Contact(name=parsed.sender_name, email=parsed.sender),
        )
        if parsed.automatic:
            log.info("email.not_answered", reason=parsed.automatic, message_id=parsed.message_id)
            await self.ledger.keep(message, raw, parsed.automatic)
            if parsed.bounce is not None:
                await self._bounced(parsed.bounce)
            return
        await self.ledger.keep(message, raw)
        await self.context.inbox.submit(message)

    async def send(self, key: ConversationKey, message: OutboundMessage, *, idempotency_key: str) -> None:
        """Reply in the thread, once under this key however many workers try (`channels.parts`);
        an address that bounced for good is never mailed again."""
        if reason := await self.ledger.blocked(address_key(key.user)):
            log.info("email.not_sent", reason=reason, idempotency_key=idempotency_key)
            return
        await send_once(self.ledger, key, idempotency_key, partial(self._mail, key, message, idempotency_key), "sent")

    async def _mail(self, key: ConversationKey, message: OutboundMessage, idempotency_key: str) -> str:
        """Hand the reply to SMTP; returns its Message-ID."""
        raw = await self.ledger.latest_raw(key)
        last = await asyncio.to_thread(parse_email, raw) if raw else None
        address = self.settings.address or ""
        await send_mail(self.settings, build_reply(key, message, idempotency_key, address, last))
        return reply_id(idempotency_key, address)

    async def send_text(self, key: ConversationKey, text: str, *, idempotency_key: str) -> None:
        await self.send(key, OutboundMessage(text), idempotency_key=idempotency_key)

    async def _bounced(self, bounce: Bounce) -> None:
        """A hard bounce of a message we sent: its address is never mailed again, and its
        conversation shows why. A report naming no message of ours to that address changes
        nothing: anyone can forge a bounce, only the recipient saw our Message-ID."""
        for returned in bounce.returned_ids:
            delivery = await self.ledger.record_status(self.name, returned, BOUNCED, bounce.diagnostic)
            if delivery is not None and delivery.key.user in bounce.recipients:
                log.info("email.address_bounced", idempotency_key=delivery.message_id)
                await self.ledger.block(address_key(delivery.key.user), BOUNCED)
                await self.ledger.block(delivery.key, BOUNCED)

    async def _conversation(self, parsed: ParsedEmail) -> ConversationKey:
        known = await self.ledger.conversation_of(self.name, parsed.thread_ids)
        if known is not None and known.user == parsed.sender:
            return known
        return ConversationKey(self.name, self.settings.our_address, parsed.root, parsed.sender)


def _marker(files: tuple[Attachment, ...]) -> str:
    """The text of a message that is only files: what came, in no particular language."""
    return f"📎 {', '.join(f.filename for f in files)}" if files else ""


def _unreadable(raw: bytes, our_address: str) -> InboundMessage:
    """A message the parser failed on, as the ledger records it: under the hash of its bytes."""
    message_id = synthetic_id(raw)
    return InboundMessage(ConversationKey("email", our_address, message_id, ""), message_id, "")
