"""The CRM outbox: lead states are written to SQL first, then relayed to the CRM until they land."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from bot.errors import RetryAfter
from bot.events import LeadEvent
from bot.model import ConversationKey
from bot.ports import CRMSink
from bot.records import LeadRecord
from bot.session import lead_from_json, lead_to_json
from bot.storage.dialects import insert_for
from bot.storage.sql import SqlStorage
from bot.storage.tables import OutboxRow

log = logging.getLogger(__name__)

_ERROR_LIMIT = 2000  # characters of a sink's error kept for the dashboard


def record_to_json(record: LeadRecord) -> dict[str, Any]:
    """The JSON form of a lead record, as queued for the CRM."""
    return {
        "id": record.id,
        "key": record.key.as_str(),
        "lead": lead_to_json(record.lead),
        "stage": record.stage,
        "created_at": record.created_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
        "owner": record.owner,
    }


def record_from_json(data: dict[str, Any]) -> LeadRecord:
    """Read a lead record written by `record_to_json`."""
    return LeadRecord(
        id=int(data["id"]),
        key=ConversationKey.parse(data["key"]),
        lead=lead_from_json(data["lead"]),
        stage=data["stage"],
        created_at=datetime.fromisoformat(data["created_at"]),
        updated_at=datetime.fromisoformat(data["updated_at"]),
        owner=data.get("owner"),  # states queued before owners existed have none
    )


def event_to_json(event: LeadEvent) -> dict[str, Any]:
    return {"kind": event.kind, "text": event.text, "key": event.key, "at": event.at.isoformat()}


def event_from_json(data: dict[str, Any]) -> LeadEvent:
    return LeadEvent(str(data["kind"]), str(data["text"]), str(data["key"]), datetime.fromisoformat(data["at"]))


@dataclass(frozen=True, slots=True)
class Unsynced:
    """What of one lead the CRM does not have yet: how many entries, and why the oldest is late."""

    lead_id: int
    entries: int
    attempts: int
    last_error: str | None
    next_attempt_at: datetime


class CrmOutbox:
    """Queues lead states for the CRM and relays them with retries; never drops one.

    A lead's states are delivered in the order they were enqueued: while its
    oldest pending state waits for a retry, its newer states wait too, so a late
    retry can never overwrite a newer card with an older state. Sinks are
    idempotent, so a state delivered twice (a crash between `sync` and marking
    it delivered) is harmless.
    """

    # Entries are lead states ({record}) or notable moments ({"event": ..., "record": ...}), one
    # queue for both, so a comment lands after the card state of its turn.

    def __init__(
        self,
        storage: SqlStorage,
        *,
        base_delay: float = 5.0,
        max_delay: float = 600.0,
        lease: float = 60.0,
        batch: int = 100,
    ) -> None:
        self._storage = storage
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._lease = timedelta(seconds=lease)
        self._batch = batch
        self._paused_until: datetime | None = None  # a sink's Retry-After: nobody is sent anything before

    async def enqueue(self, record: LeadRecord) -> None:
        """Queue this lead state for the CRM; the same state is queued only once."""
        payload = json.dumps(record_to_json(record), ensure_ascii=False, sort_keys=True)
        # The key covers content and `updated_at`: an A → B → A change is three states, not two.
        await self._insert(record.id, f"lead-{record.id}-{_digest(payload)}", payload)

    async def note(self, record: LeadRecord, event: LeadEvent) -> None:
        """Queue a notable moment for the lead's card, after its states so far; once per `event.key`."""
        data = {"event": event_to_json(event), "record": record_to_json(record)}
        payload = json.dumps(data, ensure_ascii=False, sort_keys=True)
        await self._insert(record.id, f"event-{record.id}-{_digest(event.key)}", payload)

    async def _insert(self, lead_id: int, idempotency_key: str, payload: str) -> None:
        now = datetime.now(UTC)
        insert = insert_for(self._storage.dialect, OutboxRow).values(
            lead_id=lead_id,
            idempotency_key=idempotency_key,
            payload=payload,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        async with self._storage.sessions.begin() as session:
            await session.execute(insert.on_conflict_do_nothing(index_elements=[OutboxRow.idempotency_key]))

    async def pending(self) -> int:
        """How many states are not delivered yet (for metrics and the dashboard)."""
        query = select(func.count()).select_from(OutboxRow).where(OutboxRow.delivered_at.is_(None))
        async with self._storage.sessions() as session:
            return int(await session.scalar(query) or 0)

    async def unsynced(self) -> dict[int, Unsynced]:
        """Leads with entries the CRM has not taken yet, by lead id (for the board page)."""
        query = select(OutboxRow).where(OutboxRow.delivered_at.is_(None)).order_by(OutboxRow.id)
        async with self._storage.sessions() as session:
            rows = (await session.scalars(query)).all()
        found: dict[int, Unsynced] = {}
        for row in rows:
            oldest = found.get(row.lead_id)
            if oldest is None:
                found[row.lead_id] = Unsynced(row.lead_id, 1, row.attempts, row.last_error, row.next_attempt_at)
            else:
                found[row.lead_id] = Unsynced(row.lead_id, oldest.entries + 1, oldest.attempts,
                                              oldest.last_error, oldest.next_attempt_at)
        return found

    async def relay_once(self, sink: CRMSink, now: datetime | None = None) -> int:
        """Deliver the states that are due; returns how many were delivered."""
        now = now or datetime.now(UTC)
        if self._paused_until is not None and now < self._paused_until:
            return 0
        query = (
            select(OutboxRow)
            .where(OutboxRow.delivered_at.is_(None))
            .order_by(OutboxRow.id)
            .limit(self._batch)
        )
        async with self._storage.sessions() as session:
            entries = (await session.scalars(query)).all()
        blocked: set[int] = set()
        delivered = 0
        for entry in entries:
            if entry.lead_id in blocked:
                continue
            if entry.next_attempt_at > now or not await self._claim(entry, now):
                blocked.add(entry.lead_id)  # keep this lead's order: later states wait
                continue
            if await self._deliver(sink, entry, now):
                delivered += 1
            elif self._paused_until is not None and self._paused_until > now:
                break  # the sink is rate-limited as a whole: the rest waits too
            else:
                blocked.add(entry.lead_id)
        return delivered

    async def run(self, sink: CRMSink, stop: asyncio.Event, interval: float = 1.0) -> None:
        """Relay until `stop` is set; a failing relay pass is logged and tried again."""
        while not stop.is_set():
            try:
                await self.relay_once(sink)
            except Exception:
                log.exception("crm outbox relay pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)

    async def _claim(self, entry: OutboxRow, now: datetime) -> bool:
        # A lease instead of a lock: another relay (another process) skips the entry until the
        # lease runs out, and if this one dies mid-delivery the entry is simply due again.
        claim = (
            update(OutboxRow)
            .where(
                OutboxRow.id == entry.id,
                OutboxRow.delivered_at.is_(None),
                OutboxRow.next_attempt_at == entry.next_attempt_at,
            )
            .values(next_attempt_at=now + self._lease)
            .execution_options(synchronize_session=False)
        )
        async with self._storage.sessions.begin() as session:
            result = await session.execute(claim)
        return bool(getattr(result, "rowcount", 0) == 1)

    async def _deliver(self, sink: CRMSink, entry: OutboxRow, now: datetime) -> bool:
        try:
            await _hand_over(sink, json.loads(entry.payload))
        except Exception as exc:
            attempts = entry.attempts + 1
            delay = self.backoff(attempts)
            if isinstance(exc, RetryAfter):
                delay = max(delay, exc.delay)
                self._paused_until = now + timedelta(seconds=exc.delay)
            retry_at = now + timedelta(seconds=delay)
            log.warning("crm sync of lead %s failed (attempt %s): %r", entry.lead_id, attempts, exc)
            error = repr(exc)[:_ERROR_LIMIT]
            await self._mark(entry.id, attempts=attempts, next_attempt_at=retry_at, last_error=error)
            return False
        await self._mark(entry.id, attempts=entry.attempts + 1, delivered_at=now, last_error=None)
        return True

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failure: doubling, capped at `max_delay`."""
        return float(min(self._base_delay * 2 ** min(attempts - 1, 30), self._max_delay))

    async def _mark(self, entry_id: int, **values: Any) -> None:
        change = (
            update(OutboxRow)
            .where(OutboxRow.id == entry_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        async with self._storage.sessions.begin() as session:
            await session.execute(change)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:40]


async def _hand_over(sink: CRMSink, data: dict[str, Any]) -> None:
    """One entry to the sink: a notable moment, or a lead state."""
    if "event" in data:
        await sink.note(record_from_json(data["record"]), event_from_json(data["event"]))
    else:
        await sink.sync(record_from_json(data))
