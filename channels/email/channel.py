"""The email channel: a mailbox read over IMAP, replies sent over SMTP in the same thread.

A conversation is a thread with one customer: (our address, the thread's first
Message-ID, the sender). A message that references a message of a known thread
joins it; one from another sender starts its own, so quoting someone's
Message-ID cannot put a stranger into their conversation.
"""

from __future__ import annotations

import asyncio

import structlog
from fastapi import APIRouter

from bot.model import Contact, ConversationKey, InboundMessage, OutboundMessage
from channels.base import Channel, ChannelContext
from channels.email.outgoing import build_reply, reply_id, send_mail
from channels.email.parsing import ParsedEmail, parse_email
from channels.email.reader import MailboxReader
from channels.email.settings import EmailSettings
from channels.tasks import BackgroundTasks

log = structlog.get_logger(__name__)


class EmailChannel(Channel):
    """One mailbox (`EmailSettings`): no HTTP routes, a reader task instead."""

    name = "email"

    def __init__(self, context: ChannelContext) -> None:
        super().__init__(context)
        self.settings = EmailSettings.from_mapping(context.settings)
        self.ledger = context.require_ledger(self.name)
        self.reader = MailboxReader(self.settings, self.ledger, self.receive, self.name)
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
        parsed = parse_email(raw)
        if parsed.sender == self.settings.our_address:
            return  # our own reply, copied into the folder: answering it would loop
        message = InboundMessage(
            await self._conversation(parsed), parsed.message_id, parsed.text, quoted_text=parsed.quoted,
            contact=Contact(name=parsed.sender_name, email=parsed.sender),
        )
        if parsed.automatic:
            log.info("email.not_answered", reason=parsed.automatic, message_id=parsed.message_id)
            await self.ledger.keep(message, raw, parsed.automatic)
            return
        await self.ledger.keep(message, raw)
        await self.context.inbox.submit(message)

    async def send(self, key: ConversationKey, message: OutboundMessage, *, idempotency_key: str) -> None:
        """Reply in the thread; a reply already handed to SMTP under this key is not sent again."""
        if await self.ledger.delivered(self.name, idempotency_key) is not None:
            return
        raw = await self.ledger.latest_raw(key)
        last = await asyncio.to_thread(parse_email, raw) if raw else None
        address = self.settings.address or ""
        await send_mail(self.settings, build_reply(key, message, idempotency_key, address, last))
        await self.ledger.record_delivery(key, idempotency_key, reply_id(idempotency_key, address), "sent")

    async def send_text(self, key: ConversationKey, text: str, *, idempotency_key: str) -> None:
        await self.send(key, OutboundMessage(text), idempotency_key=idempotency_key)

    async def _conversation(self, parsed: ParsedEmail) -> ConversationKey:
        known = await self.ledger.conversation_of(self.name, parsed.thread_ids)
        if known is not None and known.user == parsed.sender:
            return known
        return ConversationKey(self.name, self.settings.our_address, parsed.root, parsed.sender)
