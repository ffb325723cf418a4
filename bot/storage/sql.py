"""Durable leads and transcripts in SQL: a SQLite file by default, PostgreSQL in production."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, exists, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from bot.lead import Lead
from bot.model import ConversationKey, InboundMessage, OutboundMessage
from bot.records import STAGES, LeadRecord, TranscriptLine
from bot.session import lead_from_json, lead_to_json
from bot.storage import migrate
from bot.storage.dialects import async_url, insert_for
from bot.storage.tables import ConversationRow, LeadRow, MessageRow

# Outbound ids get a prefix so they share the (channel, message_id) constraint with inbound ids
# without ever colliding with a platform's id.
OUT_PREFIX = "out:"
# A seq conflict only happens if something bypasses the conversation counter; a few retries suffice.
_SEQ_RETRIES = 5


def _utcnow() -> datetime:
    return datetime.now(UTC)


class SqlStorage:
    """`Storage` over SQLAlchemy's asyncio engine (aiosqlite or asyncpg).

    Dedup and ordering live in the database: UNIQUE (channel, message_id)
    decides which of two racing writers stored a message, and each
    conversation's row hands out `seq` numbers under its row lock.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    @classmethod
    async def connect(cls, url: str) -> SqlStorage:
        """Open (not migrate) the database at `url`; DATABASE_URL forms are accepted."""
        parsed = async_url(url)
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            # Writers wait for each other instead of failing with "database is locked".
            engine = create_async_engine(parsed, connect_args={"timeout": 30})
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            engine = create_async_engine(parsed, pool_pre_ping=True)
        return cls(engine)

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        """Sessions on this database, for modules sharing it (CRM outbox, local board)."""
        return self._sessions

    @property
    def dialect(self) -> str:
        """The database dialect name ("sqlite" or "postgresql"): picks the upsert syntax."""
        return self._engine.dialect.name

    async def migrate(self) -> None:
        """Bring the schema up to date (Alembic, safe to call on every start)."""
        await migrate.upgrade(self._engine)

    async def ping(self) -> None:
        """Raise if the database cannot be reached (health checks)."""
        async with self._engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def close(self) -> None:
        """Close the connection pool."""
        await self._engine.dispose()

    # -- transcript ----------------------------------------------------------------------------

    async def record_inbound(self, message: InboundMessage) -> bool:
        """Store a customer message; False if this (channel, message id) is stored already."""
        line = await self._append(message.key, "in", message.message_id, message.text, message.received_at)
        return line is not None

    async def record_outbound(
        self, key: ConversationKey, message: OutboundMessage, message_id: str
    ) -> TranscriptLine:
        """Store a reply; recording the same `message_id` again returns the first line."""
        line = await self._append(key, "out", OUT_PREFIX + message_id, message.text, _utcnow())
        if line is None:
            line = await self._stored_line(key.channel, OUT_PREFIX + message_id)
        if line is None:  # pragma: no cover - the conflicting row cannot vanish (no deletes)
            raise RuntimeError(f"outbound message {message_id!r} conflicted but is not stored")
        return line

    async def transcript(self, key: ConversationKey, after_seq: int = 0) -> list[TranscriptLine]:
        """A conversation's lines with `seq > after_seq`, in order (for replay after reconnect)."""
        query = (
            select(MessageRow)
            .where(MessageRow.conversation_key == key.as_str(), MessageRow.seq > after_seq)
            .order_by(MessageRow.seq)
        )
        async with self._sessions() as session:
            rows = (await session.scalars(query)).all()
        return [_line(row) for row in rows]

    async def _append(
        self, key: ConversationKey, direction: str, message_id: str, text_: str, at: datetime
    ) -> TranscriptLine | None:
        """Insert one line with the conversation's next seq; None if the message id is taken."""
        for _ in range(_SEQ_RETRIES):
            try:
                async with self._sessions.begin() as session:
                    seq = await self._next_seq(session, key, at)
                    row = MessageRow(
                        conversation_key=key.as_str(),
                        channel=key.channel,
                        direction=direction,
                        message_id=message_id,
                        seq=seq,
                        text=text_,
                        created_at=at,
                    )
                    session.add(row)
                    await session.flush()
                return _line(row)
            except IntegrityError:
                # No pre-check: the constraint decides races. Which one fired tells what to do.
                if await self._is_stored(key.channel, message_id):
                    return None
        raise RuntimeError(f"no free seq for conversation {key.as_str()!r} after {_SEQ_RETRIES} tries")

    async def _next_seq(self, session: AsyncSession, key: ConversationKey, at: datetime) -> int:
        # One statement that creates or bumps the counter: it takes the row lock (PostgreSQL) or the
        # write lock (SQLite) first, so concurrent writers of one conversation queue up here.
        insert = insert_for(self.dialect, ConversationRow).values(
            key=key.as_str(), channel=key.channel, last_seq=1, created_at=at, updated_at=at
        )
        upsert = insert.on_conflict_do_update(
            index_elements=[ConversationRow.key],
            set_={"last_seq": ConversationRow.last_seq + 1, "updated_at": insert.excluded.updated_at},
        ).returning(ConversationRow.last_seq)
        return int((await session.execute(upsert)).scalar_one())

    async def _is_stored(self, channel: str, message_id: str) -> bool:
        query = select(
            exists().where(MessageRow.channel == channel, MessageRow.message_id == message_id)
        )
        async with self._sessions() as session:
            return bool(await session.scalar(query))

    async def _stored_line(self, channel: str, message_id: str) -> TranscriptLine | None:
        query = select(MessageRow).where(MessageRow.channel == channel, MessageRow.message_id == message_id)
        async with self._sessions() as session:
            row = await session.scalar(query)
        return _line(row) if row is not None else None

    # -- leads ---------------------------------------------------------------------------------

    async def save_lead(self, key: ConversationKey, lead: Lead) -> LeadRecord:
        """Insert or update the conversation's lead; the stage is kept.

        Saving an unchanged lead leaves `updated_at` alone, so the CRM outbox
        sees the same state and does not enqueue it again.
        """
        now = _utcnow()
        insert = insert_for(self.dialect, LeadRow).values(
            key=key.as_str(),
            data=_dump(lead),
            score=lead.score,
            hot=lead.hot,
            stage=STAGES[0],
            created_at=now,
            updated_at=now,
        )
        changed = {name: insert.excluded[name] for name in ("data", "score", "hot", "updated_at")}
        upsert = insert.on_conflict_do_update(
            index_elements=[LeadRow.key], set_=changed, where=LeadRow.data != insert.excluded.data
        )
        async with self._sessions.begin() as session:
            await session.execute(upsert)
            row = (await session.scalars(select(LeadRow).where(LeadRow.key == key.as_str()))).one()
        return _record(row)

    async def get_lead(self, lead_id: int) -> LeadRecord | None:
        """The lead with this id, or None."""
        async with self._sessions() as session:
            row = await session.get(LeadRow, lead_id)
        return _record(row) if row is not None else None

    async def lead_for(self, key: ConversationKey) -> LeadRecord | None:
        """The conversation's lead, or None before the first `save_lead`."""
        async with self._sessions() as session:
            row = await session.scalar(select(LeadRow).where(LeadRow.key == key.as_str()))
        return _record(row) if row is not None else None

    async def list_leads(self, limit: int = 200) -> list[LeadRecord]:
        """Leads, most recently updated first."""
        query = select(LeadRow).order_by(LeadRow.updated_at.desc(), LeadRow.id.desc()).limit(limit)
        async with self._sessions() as session:
            rows = (await session.scalars(query)).all()
        return [_record(row) for row in rows]

    async def set_stage(self, lead_id: int, stage: str) -> LeadRecord:
        """Move a lead to `stage` (one of `STAGES`); KeyError if there is no such lead."""
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")
        change = (
            update(LeadRow)
            .where(LeadRow.id == lead_id, LeadRow.stage != stage)
            .values(stage=stage, updated_at=_utcnow())
        )
        async with self._sessions.begin() as session:
            await session.execute(change)
            row = await session.get(LeadRow, lead_id)
        if row is None:
            raise KeyError(f"no lead with id {lead_id}")
        return _record(row)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets the dashboard read while a worker writes.
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


def _dump(lead: Lead) -> str:
    # sort_keys: equal leads give equal text, which `save_lead` compares to skip no-op updates.
    return json.dumps(lead_to_json(lead), ensure_ascii=False, sort_keys=True)


def _record(row: LeadRow) -> LeadRecord:
    return LeadRecord(
        id=row.id,
        key=ConversationKey.parse(row.key),
        lead=lead_from_json(json.loads(row.data)),
        stage=row.stage,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _line(row: MessageRow) -> TranscriptLine:
    message_id = row.message_id
    if row.direction == "out":
        message_id = message_id.removeprefix(OUT_PREFIX)
    return TranscriptLine(
        seq=row.seq,
        key=ConversationKey.parse(row.conversation_key),
        direction=row.direction,
        text=row.text,
        message_id=message_id,
        at=row.created_at,
    )
