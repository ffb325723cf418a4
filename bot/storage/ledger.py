"""The channel ledger in SQL, on the same database as the transcript (implements `ChannelLedger`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update

from bot.model import ConversationKey, InboundMessage
from bot.records import Claim, Delivery
from bot.storage.dialects import insert_for
from bot.storage.ledger_tables import BlockRow, DeliveryRow, PayloadRow, PositionRow
from bot.storage.sql import SqlStorage

_ERROR_LIMIT = 500  # characters of a platform's error message kept
# A delivery row in this status is a claim: `external_id` holds the claiming sender's token.
SENDING = "sending"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class SqlLedger:
    """Raw payloads, deliveries, blocks and read positions, each write idempotent.

    Every write is an upsert keyed by the platform's or our own id, so a
    channel may repeat it after a crash or a redelivery without effect.
    """

    def __init__(self, storage: SqlStorage) -> None:
        self._sessions = storage.sessions
        self._dialect = storage.dialect

    # -- inbound payloads ----------------------------------------------------------------------

    async def keep(self, message: InboundMessage, raw: bytes, disposition: str = "dialogue") -> bool:
        """Keep an inbound message's raw form; keeping it again changes nothing and returns False."""
        attachments = [
            {k: v for k, v in asdict(a).items() if k != "data" and v is not None} for a in message.attachments
        ]
        insert = insert_for(self._dialect, PayloadRow).values(
            channel=message.key.channel,
            message_id=message.message_id,
            conversation_key=message.key.as_str(),
            disposition=disposition,
            raw=raw,
            attachments=json.dumps(attachments, ensure_ascii=False),
            created_at=message.received_at,
        )
        first = insert.on_conflict_do_nothing(index_elements=["channel", "message_id"]).returning(PayloadRow.id)
        async with self._sessions.begin() as session:
            return await session.scalar(first) is not None

    async def latest_raw(self, key: ConversationKey) -> bytes | None:
        """The raw form of the conversation's last inbound message that went to the dialogue."""
        query = (
            select(PayloadRow.raw)
            .where(PayloadRow.conversation_key == key.as_str(), PayloadRow.disposition == "dialogue")
            .order_by(PayloadRow.id.desc())
            .limit(1)
        )
        async with self._sessions() as session:
            return await session.scalar(query)

    async def disposition(self, channel: str, message_id: str) -> str | None:
        """What was done with a kept inbound message, or None if it was never kept."""
        query = select(PayloadRow.disposition).where(PayloadRow.channel == channel, PayloadRow.message_id == message_id)
        async with self._sessions() as session:
            return await session.scalar(query)

    async def conversation_of(self, channel: str, external_ids: Sequence[str]) -> ConversationKey | None:
        """The conversation an inbound message or a delivery with one of these ids belongs to.

        The last id given wins: in an email's References the nearest message comes last.
        """
        wanted = [i for i in external_ids if i]
        if not wanted:
            return None
        inbound = select(PayloadRow.message_id, PayloadRow.conversation_key).where(
            PayloadRow.channel == channel, PayloadRow.message_id.in_(wanted)
        )
        outbound = select(DeliveryRow.external_id, DeliveryRow.conversation_key).where(
            DeliveryRow.channel == channel, DeliveryRow.external_id.in_(wanted)
        )
        async with self._sessions() as session:
            rows = [*(await session.execute(inbound)).all(), *(await session.execute(outbound)).all()]
        found = {external_id: key for external_id, key in rows}
        for external_id in reversed(wanted):
            if external_id in found:
                return ConversationKey.parse(found[external_id])
        return None

    # -- deliveries ----------------------------------------------------------------------------

    async def delivered(self, channel: str, message_id: str) -> Delivery | None:
        """The delivery made under this idempotency key, if any (a claim is none yet)."""
        query = select(DeliveryRow).where(
            DeliveryRow.channel == channel, DeliveryRow.message_id == message_id, DeliveryRow.status != SENDING
        )
        async with self._sessions() as session:
            row = await session.scalar(query)
        return _delivery(row) if row is not None else None

    async def claim(self, key: ConversationKey, message_id: str, holder: str, lease: float) -> Claim:
        """Take the sending of one message for `holder`: the row's unique key makes the first claim
        win in every process; a claim its holder stopped renewing for `lease` seconds is taken over."""
        now = _utcnow()
        where = (DeliveryRow.channel == key.channel, DeliveryRow.message_id == message_id)
        first = insert_for(self._dialect, DeliveryRow).values(
            channel=key.channel, message_id=message_id, conversation_key=key.as_str(),
            external_id=holder, status=SENDING, created_at=now, updated_at=now,
        )
        stale = now - timedelta(seconds=lease)
        renew = (
            update(DeliveryRow)
            .where(*where, DeliveryRow.status == SENDING)
            .where((DeliveryRow.external_id == holder) | (DeliveryRow.updated_at < stale))
            .values(external_id=holder, updated_at=now)
            .returning(DeliveryRow.id)
        )
        async with self._sessions.begin() as session:
            insert = first.on_conflict_do_nothing(index_elements=["channel", "message_id"]).returning(DeliveryRow.id)
            if await session.scalar(insert) is not None or await session.scalar(renew) is not None:
                return "mine"
            status = await session.scalar(select(DeliveryRow.status).where(*where))
        return "busy" if status == SENDING else "sent"

    async def release(self, channel: str, message_id: str, holder: str) -> None:
        """Drop `holder`'s claim (never another's, never a delivery)."""
        drop = delete(DeliveryRow).where(
            DeliveryRow.channel == channel, DeliveryRow.message_id == message_id,
            DeliveryRow.status == SENDING, DeliveryRow.external_id == holder,
        )
        async with self._sessions.begin() as session:
            await session.execute(drop)

    async def record_delivery(self, key: ConversationKey, message_id: str, external_id: str, status: str) -> None:
        """Note that the platform took a message, completing a claim on it; a second note is ignored."""
        now = _utcnow()
        insert = insert_for(self._dialect, DeliveryRow).values(
            channel=key.channel, message_id=message_id, conversation_key=key.as_str(),
            external_id=external_id, status=status, created_at=now, updated_at=now,
        )
        upsert = insert.on_conflict_do_update(
            index_elements=["channel", "message_id"],
            set_={"external_id": insert.excluded.external_id, "status": insert.excluded.status, "updated_at": now},
            where=DeliveryRow.status == SENDING,
        )
        async with self._sessions.begin() as session:
            await session.execute(upsert)

    async def record_status(
        self, channel: str, external_id: str, status: str, error: str | None = None
    ) -> Delivery | None:
        """Update a delivery's status by the platform's id; None if no such delivery is known."""
        change = (
            update(DeliveryRow)
            .where(DeliveryRow.channel == channel, DeliveryRow.external_id == external_id)
            .values(status=status, error=error[:_ERROR_LIMIT] if error else None, updated_at=_utcnow())
        )
        query = select(DeliveryRow).where(DeliveryRow.channel == channel, DeliveryRow.external_id == external_id)
        async with self._sessions.begin() as session:
            await session.execute(change)
            row = await session.scalar(query)
        return _delivery(row) if row is not None else None

    # -- blocks --------------------------------------------------------------------------------

    async def block(self, key: ConversationKey, reason: str) -> None:
        """Never message this conversation again (until `unblock`); the latest reason is kept."""
        insert = insert_for(self._dialect, BlockRow).values(
            conversation_key=key.as_str(), reason=reason, created_at=_utcnow()
        )
        upsert = insert.on_conflict_do_update(
            index_elements=["conversation_key"], set_={"reason": insert.excluded.reason}
        )
        async with self._sessions.begin() as session:
            await session.execute(upsert)

    async def unblock(self, key: ConversationKey) -> None:
        async with self._sessions.begin() as session:
            await session.execute(delete(BlockRow).where(BlockRow.conversation_key == key.as_str()))

    async def blocked(self, key: ConversationKey) -> str | None:
        """Why the conversation must not be messaged, or None."""
        async with self._sessions() as session:
            return await session.scalar(select(BlockRow.reason).where(BlockRow.conversation_key == key.as_str()))

    # -- read positions ------------------------------------------------------------------------

    async def position(self, channel: str, name: str) -> str | None:
        query = select(PositionRow.value).where(PositionRow.channel == channel, PositionRow.name == name)
        async with self._sessions() as session:
            return await session.scalar(query)

    async def set_position(self, channel: str, name: str, value: str) -> None:
        insert = insert_for(self._dialect, PositionRow).values(
            channel=channel, name=name, value=value, updated_at=_utcnow()
        )
        upsert = insert.on_conflict_do_update(
            index_elements=["channel", "name"],
            set_={"value": insert.excluded.value, "updated_at": insert.excluded.updated_at},
        )
        async with self._sessions.begin() as session:
            await session.execute(upsert)

    async def positions(self, channel: str, prefix: str) -> dict[str, str]:
        """The channel's non-empty positions whose names start with `prefix`, by name."""
        query = (
            select(PositionRow.name, PositionRow.value)
            .where(PositionRow.channel == channel, PositionRow.name.startswith(prefix, autoescape=True))
            .where(PositionRow.value != "")
            .order_by(PositionRow.name)
        )
        async with self._sessions() as session:
            return {name: value for name, value in (await session.execute(query)).all()}


def _delivery(row: DeliveryRow) -> Delivery:
    return Delivery(
        channel=row.channel,
        message_id=row.message_id,
        key=ConversationKey.parse(row.conversation_key),
        external_id=row.external_id,
        status=row.status,
        error=row.error,
        updated_at=row.updated_at,
    )
