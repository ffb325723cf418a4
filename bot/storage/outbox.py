"""The CRM outbox: lead states are written to SQL first, then relayed to the CRM until they land."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

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


class CrmOutbox:
    """Queues lead states for the CRM and relays them with retries; never drops one.

    A lead's states are delivered in the order they were enqueued: while its
    oldest pending state waits for a retry, its newer states wait too, so a late
    retry can never overwrite a newer card with an older state. Sinks are
    idempotent, so a state delivered twice (a crash between `sync` and marking
    it delivered) is harmless.
    """

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

    async def enqueue(self, record: LeadRecord) -> None:
        """Queue this lead state for the CRM; the same state is queued only once."""
        payload = json.dumps(record_to_json(record), ensure_ascii=False, sort_keys=True)
        now = datetime.now(UTC)
        # The key covers content and `updated_at`: an A → B → A change is three states, not two.
        idempotency_key = f"lead-{record.id}-{hashlib.sha256(payload.encode()).hexdigest()[:40]}"
        insert = insert_for(self._storage.dialect, OutboxRow).values(
            lead_id=record.id,
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

    async def relay_once(self, sink: CRMSink, now: datetime | None = None) -> int:
        """Deliver the states that are due; returns how many were delivered."""
        now = now or datetime.now(UTC)
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
            await sink.sync(record_from_json(json.loads(entry.payload)))
        except Exception as exc:
            attempts = entry.attempts + 1
            retry_at = now + timedelta(seconds=self.backoff(attempts))
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
