"""The core as one object: ingress (`submit`), the worker step (`process`), and both at once (`handle`).

Order of one message: store it (the database's unique key decides duplicates) → ack →
queue. A worker then takes the conversation's lock and answers *every* pending message
of the conversation, oldest seq first, whichever process stored it: load the session
(completed from storage) → understand → store the lead → respond → save the session →
CRM outbox → store the replies (all or none) → send them with stable idempotency keys
→ mark the message handled. A crash anywhere leaves the message pending; whoever holds
the lock next answers it, and replies stored before the crash are sent again under the
same keys instead of being written anew. So does a failure of our own parts (the session
store, the database, understanding): the message is tried again rather than answered with
the apology, which would close it with what it told the lead possibly lost. The apology
answers a responder that fails once the lead is stored, and a message that keeps failing
(`ATTEMPTS_BEFORE_APOLOGY`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

import structlog

from bot import metrics
from bot.drafts import DraftRelay
from bot.engine import DialogueEngine
from bot.errors import LeaseLost, LockTimeout
from bot.events import turn_events
from bot.model import ConversationKey, InboundMessage, OutboundMessage
from bot.ports import EventListener, LeadListener, Lease, Outbox, Queue, SalesTeam, SessionStore, Storage
from bot.records import LeadRecord, TranscriptLine
from bot.responders.phrases import say
from bot.restore import restored_session
from bot.session import Session
from bot.storable import storable_message
from bot.turn import Reply

log = structlog.get_logger(__name__)

# Seconds before a conversation whose lock was busy (or whose turn failed) is tried again. A live
# holder answers its new messages itself; these retries cover a holder that died, whose lock
# frees itself within the lock TTL.
RETRY_DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0)
# Tries of a conversation whose turn fails in our own parts, before the customer gets the
# apology instead: enough to outlast a stalled process or a reconnecting pool (~10 s of
# retries), few enough that a part that stays broken still lets the customer hear back.
ATTEMPTS_BEFORE_APOLOGY = len(RETRY_DELAYS)


class TurnFailed(Exception):
    """A turn failed in our own parts (maybe before its lead was stored): the message stays
    pending for a retry instead of being closed with the apology."""


@dataclass(slots=True)
class Handled:
    """What processing one message produced."""

    replies: list[OutboundMessage]
    lead: LeadRecord | None
    reply: Reply | None


NOTHING = Handled([], None, None)


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
        event_listeners: list[EventListener] | None = None,
        team: SalesTeam | None = None,
    ) -> None:
        self.sessions = sessions
        self.storage = storage
        self.engine = engine
        self.outbox = outbox
        self.queue = queue
        self.lead_listeners = lead_listeners or []
        self.event_listeners = event_listeners or []
        self.team = team  # the sales team's channel: alerts, and conversations a person took over
        self._retries: dict[ConversationKey, asyncio.Task[None]] = {}
        self._failures: dict[ConversationKey, int] = {}
        self._unsafe_turns: dict[ConversationKey, int] = {}  # turns failed in our own parts, in a row

    async def submit(self, message: InboundMessage) -> bool:
        """Store and queue a customer message; False for a redelivery. Returns only once it is stored."""
        message = storable_message(message)
        if not await self.record(message):
            return False
        await self.queue.put(message)
        return True

    async def handle(self, message: InboundMessage) -> Handled:
        """Store and answer at once (the command line and tests); a duplicate yields nothing."""
        message = storable_message(message)
        if not await self.record(message):
            return NOTHING
        try:
            results = await self.attend(message.key, wait=None, arrived=message)
        except (LockTimeout, LeaseLost, TurnFailed):  # another holder, or a retry, answers it
            self.retry_later(message)
            return NOTHING
        return results.get(message.message_id, NOTHING)

    async def record(self, message: InboundMessage) -> bool:
        """Store a customer message durably; False when it was stored before."""
        channel, message_id = message.key.channel, message.message_id
        # The fast path can only say "stored before": Redis learns an id after the database has it.
        if await self._seen(channel, message_id) or not await self.storage.record_inbound(message):
            metrics.DUPLICATES.labels(channel).inc()
            log.info("message.duplicate", channel=channel, message_id=message_id)
            await self._remember(channel, message_id)
            return False
        await self._remember(channel, message_id)
        metrics.MESSAGES_IN.labels(channel).inc()
        return True

    async def _seen(self, channel: str, message_id: str) -> bool:
        try:
            return await self.sessions.seen(channel, message_id)
        except Exception:  # the fast path is optional: the database decides without it
            log.warning("dedup.fast_path_failed", exc_info=True)
            return False

    async def _remember(self, channel: str, message_id: str) -> None:
        try:
            await self.sessions.remember(channel, message_id)
        except Exception:
            log.warning("dedup.fast_path_failed", exc_info=True)

    async def process(self, message: InboundMessage) -> Handled:
        """The worker step: answer `message`'s conversation, this message among its pending ones.

        Never waits for a lock: its holder (in any process) answers this message too, and a
        retry is scheduled in case that holder died. A failure also leaves the message pending
        for a retry.
        """
        try:
            results = await self.attend(message.key, wait=0, arrived=message)
        except (LockTimeout, LeaseLost, TurnFailed):  # failures are logged where they happened
            self.retry_later(message)
            return NOTHING
        except Exception:
            metrics.ERRORS.labels("attend").inc()
            log.exception("pipeline.attend_failed", message_id=message.message_id)
            self.retry_later(message)
            return NOTHING
        self._failures.pop(message.key, None)
        return results.get(message.message_id, NOTHING)

    async def attend(
        self, key: ConversationKey, *, wait: float | None, arrived: InboundMessage | None = None
    ) -> dict[str, Handled]:
        """Under the conversation's lock, answer its pending messages in seq order; raises
        `LockTimeout` if the lock is not had within `wait` seconds. `arrived` is the message as
        its channel delivered it: storage keeps the text, the channel also knew the sender
        (a shared contact, the number written from), which the lead should get."""
        results: dict[str, Handled] = {}
        while True:
            async with self.sessions.lock(key, wait=wait) as lease:
                await self._drain(key, lease, results, arrived)
            # A message stored while we held the lock, whose own worker found the lock busy and
            # went on to other conversations, is ours to answer: look once more after releasing.
            left = await self.storage.pending(key, limit=1)
            if not left or left[0].message_id in results:
                return results
            wait = 0

    async def _drain(
        self, key: ConversationKey, lease: Lease, results: dict[str, Handled], arrived: InboundMessage | None
    ) -> None:
        while lease.held:
            batch = [m for m in await self.storage.pending(key) if m.message_id not in results]
            if arrived is not None:
                batch = [_as_arrived(m, arrived) for m in batch]
            if not batch:
                return
            for message in batch:
                if not lease.held:  # stalled past the lock's TTL: the next holder goes on
                    return
                results[message.message_id] = await self._answer(message, lease)

    async def _answer(self, message: InboundMessage, lease: Lease) -> Handled:
        started = time.monotonic()
        stored = await self.storage.replies_to(message.key, message.message_id)
        if stored:  # answered before a crash but maybe not sent: the same lines, the same keys
            handled = Handled([OutboundMessage(line.text) for line in stored], None, None)
        else:
            await self._show_typing(message)
            handled = await self._run_dialogue(message, lease)
            stored = await self.storage.record_replies(message.key, message.message_id, handled.replies)
        await self._deliver(message, stored, handled.replies)
        await self.storage.mark_handled(message.key, message.message_id)
        metrics.REPLY_LATENCY.labels(message.key.channel).observe(time.monotonic() - started)
        return handled

    def retry_later(self, message: InboundMessage) -> None:
        """Queue the conversation again after a growing delay (one timer per conversation)."""
        key = message.key
        if key in self._retries:
            return
        failures = self._failures[key] = self._failures.get(key, 0) + 1
        delay = RETRY_DELAYS[min(failures, len(RETRY_DELAYS)) - 1]
        task = asyncio.create_task(self._requeue(message, delay), name="conversation-retry")
        self._retries[key] = task

    async def _requeue(self, message: InboundMessage, delay: float) -> None:
        try:
            await asyncio.sleep(delay)
        finally:
            self._retries.pop(message.key, None)
        await self.queue.put(message)

    async def recover(self) -> int:
        """Queue every conversation with stored, unanswered messages (at start-up, and as a sweep)."""
        count = 0
        for key in await self.storage.pending_conversations():
            pending = await self.storage.pending(key, limit=1)
            if pending:
                await self.queue.put(pending[0])
                count += 1
        return count

    async def stop(self) -> None:
        """Cancel scheduled retries; what they would have answered stays pending in storage."""
        tasks = list(self._retries.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run_dialogue(self, message: InboundMessage, lease: Lease) -> Handled:
        """Answer one message; raises `TurnFailed` if our own parts failed (unless the
        conversation's turn has failed `ATTEMPTS_BEFORE_APOLOGY` times: then the apology answers)."""
        key = message.key
        session: Session | None = None
        record: LeadRecord | None = None
        stage = "session"
        try:
            session = await restored_session(self.sessions, self.storage, message)
            if session.handoff:  # a person owns this conversation; the bot stays quiet
                session.add_turn("customer", message.text)
                await _still_ours(lease)
                await self.sessions.save(session)
                record = await self.storage.lead_for(key)
                if self.team is not None and record is not None:
                    await self._tell_team(self.team.customer_wrote, record)
                return Handled([], record, None)
            stage = "understand"
            understood = self.engine.understand(message, session)
            try:
                stage = "lead"
                await _still_ours(lease)
                record = await self.storage.save_lead(key, session.lead)
                stage = "respond"
                drafts = DraftRelay(self.outbox, key, f"{message.message_id}#draft")
                reply = await self.engine.respond(understood, session, drafts)
                if not reply.lead.is_empty():  # what the responder learned is stored before the reply goes
                    await _still_ours(lease)
                    record = await self.storage.save_lead(key, session.lead)
            except Exception as exc:
                # The next turn saves its lead from this session: without it, a failed
                # turn's email would be overwritten by the next turn's lead.
                if not isinstance(exc, LeaseLost) and await lease.confirm():
                    await self.sessions.save(session)
                raise
            stage = "session"
            await _still_ours(lease)
            await self.sessions.save(session)
            self._unsafe_turns.pop(key, None)
            await self._notify(record)
            await self._note(record, understood.message, reply)
            if reply.wants_human and self.team is not None:
                await self._tell_team(self.team.person_requested, record)
            return Handled(list(reply.messages), record, reply)
        except LeaseLost:
            metrics.ERRORS.labels("lease").inc()
            log.warning("pipeline.lease_lost", stage=stage, message_id=message.message_id)
            raise
        except Exception as exc:
            metrics.ERRORS.labels(stage).inc()
            log.exception("pipeline.failed", stage=stage, message_id=message.message_id)
            # Our own parts failed (session store, database, understanding), maybe before the lead
            # was stored: a retry can still answer properly. The apology is for the responder.
            if stage != "respond":
                tries = self._unsafe_turns[key] = self._unsafe_turns.get(key, 0) + 1
                if tries < ATTEMPTS_BEFORE_APOLOGY:
                    raise TurnFailed(stage) from exc
            self._unsafe_turns.pop(key, None)
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

    async def _note(self, record: LeadRecord, message: InboundMessage, reply: Reply) -> None:
        """Hand the turn's notable moments (after its lead state) to the CRM outbox; never costs the reply."""
        for event in turn_events(message, reply):
            for listener in self.event_listeners:
                try:
                    await listener.note(record, event)
                except Exception:
                    metrics.ERRORS.labels("crm").inc()
                    log.exception("lead.event_listener_failed", lead_id=record.id, kind=event.kind)

    async def _tell_team(self, tell: Callable[[LeadRecord], Awaitable[None]], record: LeadRecord) -> None:
        """The team's channel records what is due; its failure never costs the customer's reply."""
        try:
            await tell(record)
        except Exception:
            metrics.ERRORS.labels("team").inc()
            log.exception("team.notify_failed", lead_id=record.id)

    async def _deliver(
        self, message: InboundMessage, lines: list[TranscriptLine], replies: list[OutboundMessage]
    ) -> None:
        """Send each stored reply under its stored id, the idempotency key channels dedup on."""
        if [r.text for r in replies] != [line.text for line in lines]:
            # Another holder's replies were stored first (a lock lost to a stall): send theirs.
            replies = [OutboundMessage(line.text) for line in lines]
        for line, reply in zip(lines, replies, strict=True):
            try:
                await self.outbox.send(message.key, reply, idempotency_key=line.message_id)
                metrics.MESSAGES_OUT.labels(message.key.channel).inc()
            except Exception:
                # The transcript keeps the reply: the web chat replays it, other channels'
                # adapters own their retries.
                metrics.ERRORS.labels("send").inc()
                log.exception("reply.send_failed", message_id=message.message_id, reply_id=line.message_id)


async def _still_ours(lease: Lease) -> None:
    """Stop the turn before a durable write if the conversation's lock expired while it ran."""
    if not await lease.confirm():
        raise LeaseLost()


def _as_arrived(stored: InboundMessage, arrived: InboundMessage) -> InboundMessage:
    """The stored message (its text made storable), with what only the channel knew about it."""
    if stored.message_id != arrived.message_id:
        return stored
    return replace(stored, contact=arrived.contact, source=arrived.source, attachments=arrived.attachments,
                   quoted_text=arrived.quoted_text or stored.quoted_text, signature=arrived.signature)
