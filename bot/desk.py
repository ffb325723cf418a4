"""What the sales team does to a lead from its own tool: claim it, take its conversation over,
write to its customer, and hand it back to the bot (implements `Desk`)."""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from bot import metrics
from bot.model import OutboundMessage
from bot.ports import LeadListener, Outbox, Storage
from bot.records import LeadRecord

log = structlog.get_logger(__name__)


class TeamDesk:
    """Changes a lead as the sales team asks, in storage first; listeners (the CRM outbox) hear
    of every new owner, and a person's words reach the customer like a reply does."""

    def __init__(self, storage: Storage, outbox: Outbox, listeners: Sequence[LeadListener] = ()) -> None:
        self.storage = storage
        self.outbox = outbox
        self.listeners = listeners

    async def lead(self, lead_id: int) -> LeadRecord | None:
        return await self.storage.get_lead(lead_id)

    async def claim(self, lead_id: int, owner: str) -> LeadRecord:
        record = await self.storage.set_owner(lead_id, owner)
        for listener in self.listeners:  # the card shows its owner; a listener failing costs no claim
            try:
                await listener.enqueue(record)
            except Exception:
                log.exception("desk.listener_failed", lead_id=lead_id)
        return record

    async def take_over(self, lead_id: int, person: str | None) -> LeadRecord:
        record = await self.storage.set_taken_over(lead_id, person)
        log.info("desk.taken_over" if person else "desk.handed_back", lead_id=lead_id)
        return record

    async def say(self, lead_id: int, text: str, message_id: str) -> None:
        """Stored before it is sent, like every reply: the web chat replays the transcript, and a
        retry under the same id finds the line stored and sends it under the same key."""
        record = await self.storage.get_lead(lead_id)
        if record is None:
            raise KeyError(f"no lead with id {lead_id}")
        message = OutboundMessage(text)
        line = await self.storage.record_outbound(record.key, message, message_id)
        await self.outbox.send(record.key, message, idempotency_key=line.message_id)
        metrics.MESSAGES_OUT.labels(record.key.channel).inc()
