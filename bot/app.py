"""The core as one object: ingress (`submit`), the worker step (`process`), and both at once (`handle`).

Order of one message: dedup → store the message → queue ─► lock → load session →
understand → store the lead → respond → save session → CRM outbox → store and send
replies. The message and the lead are stored before anything that can fail; a
failure after that gives the customer a short apology.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import structlog

from bot import metrics
from bot.drafts import DraftRelay
from bot.engine import DialogueEngine
from bot.errors import LockTimeout
from bot.model import InboundMessage, OutboundMessage
from bot.ports import Outbox, SessionStore, Storage
from bot.records import LeadRecord
from bot.responders.phrases import say
from bot.session import Session
from bot.turn import Reply

log = structlog.get_logger(__name__)


class Queue(Protocol):
    async def put(self, message: InboundMessage) -> None: ...


class LeadListener(Protocol):
    """Told about every saved lead state: the CRM outbox, hot-lead alerts."""

    async def enqueue(self, record: LeadRecord) -> None: ...


@dataclass(slots=True)
class Handled:
    """What processing one message produced."""

    replies: list[OutboundMessage]
    lead: LeadRecord | None
    reply: Reply | None


class SalesBot:
    """Implements the `Inbox` port for channels and the worker step for queues."""

    def __init__(
        self,
        *,
        sessions: SessionStore,
        storage: Storage,
        engine: DialogueEngine,
        outbox: Outbox,
        queue: Queue,
        lead_listeners: list[LeadListener] | None = None,
    ) -> None:
        self.sessions = sessions
        self.storage = storage
        self.engine = engine
        self.outbox = outbox
        self.queue = queue
        self.lead_listeners = lead_listeners or []

    async def submit(self, message: InboundMessage) -> bool:
        """Record and queue a customer message; False for a redelivery."""
        if not await self.record(message):
            return False
        await self.queue.put(message)
        return True

    async def handle(self, message: InboundMessage) -> Handled:
        """Record and process at once (the command line and tests); a duplicate yields nothing."""
        if not await self.record(message):
            return Handled([], None, None)
        return await self.process(message)

    async def record(self, message: InboundMessage) -> bool:
        """Store a customer message durably; False when it was seen before."""
        channel = message.key.channel
        # The fast check (Redis SET NX) spares the database; the unique constraint decides.
        if not await self.sessions.first_seen(channel, message.message_id) or not (
            await self.storage.record_inbound(message)
        ):
            metrics.DUPLICATES.labels(channel).inc()
            log.info("message.duplicate", channel=channel, message_id=message.message_id)
            return False
        metrics.MESSAGES_IN.labels(channel).inc()
        return True

    async def process(self, message: InboundMessage) -> Handled:
        """The worker step for one stored message."""
        started = time.monotonic()
        await self._show_typing(message)
        handled = await self._run_dialogue(message)
        await self._deliver(message, handled.replies)
        metrics.REPLY_LATENCY.labels(message.key.channel).observe(time.monotonic() - started)
        return handled

    async def _run_dialogue(self, message: InboundMessage) -> Handled:
        key = message.key
        session: Session | None = None
        record: LeadRecord | None = None
        stage = "lock"
        try:
            async with self.sessions.lock(key):
                stage = "session"
                session = await self.sessions.load(key)
                if session.handoff:  # a person owns this conversation; the bot stays quiet
                    session.add_turn("customer", message.text)
                    await self.sessions.save(session)
                    return Handled([], await self.storage.lead_for(key), None)
                stage = "understand"
                understood = self.engine.understand(message, session)
                try:
                    stage = "lead"
                    record = await self.storage.save_lead(key, session.lead)
                    stage = "respond"
                    drafts = DraftRelay(self.outbox, key, f"{message.message_id}#draft")
                    reply = await self.engine.respond(understood, session, drafts)
                except Exception:
                    # The next turn saves its lead from this session: without it, a failed
                    # turn's email would be overwritten by the next turn's lead.
                    await self.sessions.save(session)
                    raise
                stage = "session"
                await self.sessions.save(session)
            await self._notify(record)
            return Handled(list(reply.messages), record, reply)
        except Exception as exc:
            metrics.ERRORS.labels(stage).inc()
            if isinstance(exc, LockTimeout):
                metrics.LOCK_TIMEOUTS.inc()
            log.exception("pipeline.failed", stage=stage, message_id=message.message_id)
            language = (session.language if session else None) or self.engine.settings.default_language
            return Handled([OutboundMessage(say("apology", language))], record, None)

    async def _show_typing(self, message: InboundMessage) -> None:
        """A courtesy: its failure must not hold up the reply."""
        try:
            await self.outbox.typing(message.key)
        except Exception:
            log.warning("typing.failed", message_id=message.message_id, exc_info=True)

    async def _notify(self, record: LeadRecord) -> None:
        """Hand the saved lead to the CRM outbox and alerts; their failure never costs the reply."""
        for listener in self.lead_listeners:
            try:
                await listener.enqueue(record)
            except Exception:
                metrics.ERRORS.labels("crm").inc()
                log.exception("lead.listener_failed", lead_id=record.id)

    async def _deliver(self, message: InboundMessage, replies: list[OutboundMessage]) -> None:
        """Store each reply, then send it with a stable idempotency key."""
        for index, reply in enumerate(replies):
            reply_id = f"{message.message_id}#r{index}"
            try:
                await self.storage.record_outbound(message.key, reply, reply_id)
                await self.outbox.send(message.key, reply, idempotency_key=reply_id)
                metrics.MESSAGES_OUT.labels(message.key.channel).inc()
            except Exception:
                metrics.ERRORS.labels("send").inc()
                log.exception("reply.send_failed", message_id=message.message_id, reply_id=reply_id)
