"""Durable leads and transcripts in SQL: a SQLite file by default, PostgreSQL in production."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, exists, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from bot.model import ConversationKey, InboundMessage, OutboundMessage
from bot.records import TranscriptLine
from bot.storable import storable_text
from bot.storage import migrate
from bot.storage.dialects import async_url, insert_for
from bot.storage.leads import LeadTable
from bot.storage.tables import ConversationRow, MessageRow, utcnow

# Outbound ids get a prefix so they share the (channel, message_id) constraint with inbound ids
# without ever colliding with a platform's id.
OUT_PREFIX = "out:"
# A seq conflict only happens if something bypasses the conversation counter; a few retries suffice.
_SEQ_RETRIES = 5
# Replies to customer message M are stored as "out:M#r0", "out:M#r1", ...; '$' sorts right after
# '#', so the ids of M's replies are exactly those in ["out:M#", "out:M$").
_REPLY_MARK, _AFTER_REPLY_MARK = "#", "$"


class SqlStorage(LeadTable):
    """`Storage` over SQLAlchemy's asyncio engine (aiosqlite or asyncpg).

    Dedup and ordering live in the database: UNIQUE (channel, message_id)
    decides which of two racing writers stored a message, and each
    conversation's row hands out `seq` numbers under its row lock.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    @classmethod
    async def connect(
        cls, url: str, *, pool_size: int = 5, max_overflow: int = 10, pool_timeout: float = 30
    ) -> SqlStorage:
        """Open (not migrate) the database at `url`; DATABASE_URL forms are accepted.

        PostgreSQL gets a pool of `pool_size` (+ `max_overflow`) connections; a burst beyond
        that waits up to `pool_timeout` seconds for one instead of failing at once.
        """
        parsed = async_url(url)
        # Statement parameters hold customers' messages and contacts: never in an error's text.
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                _private_file(Path(parsed.database))
            # Writers wait for each other instead of failing with "database is locked".
            engine = create_async_engine(parsed, connect_args={"timeout": 30}, hide_parameters=True)
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            engine = create_async_engine(
                parsed, pool_pre_ping=True, hide_parameters=True,
                pool_size=pool_size, max_overflow=max_overflow, pool_timeout=pool_timeout,
            )
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
        line = await self._append(key, "out", OUT_PREFIX + message_id, message.text, utcnow())
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

    async def record_replies(
        self, key: ConversationKey, answering: str, replies: Sequence[OutboundMessage]
    ) -> list[TranscriptLine]:
        """Store all replies to `answering` at once, or return those stored before.

        One transaction: a crash stores all of them or none, so a retry never finds half
        an answer. Two holders racing (a lock lost to a stall) meet at the unique ids;
        the loser gets the winner's lines and sends those, so the customer sees one answer.
        """
        for _ in range(_SEQ_RETRIES):
            stored = await self.replies_to(key, answering)
            if stored or not replies:
                return stored
            try:
                async with self._sessions.begin() as session:
                    rows = []
                    for index, reply in enumerate(replies):
                        reply_id = f"{OUT_PREFIX}{answering}{_REPLY_MARK}r{index}"
                        seq = await self._next_seq(session, key, utcnow())
                        rows.append(self._row(key, "out", reply_id, reply.text, utcnow(), seq))
                    session.add_all(rows)
                    await session.flush()
                return [_line(row) for row in rows]
            except IntegrityError:
                continue  # another holder stored them first: the next round returns theirs
        raise RuntimeError(f"replies to {answering!r} could not be stored after {_SEQ_RETRIES} tries")

    async def replies_to(self, key: ConversationKey, answering: str) -> list[TranscriptLine]:
        """The stored replies to the customer message `answering`, in seq order."""
        base = OUT_PREFIX + answering
        query = (
            select(MessageRow)
            .where(
                MessageRow.channel == key.channel,
                MessageRow.message_id >= base + _REPLY_MARK,
                MessageRow.message_id < base + _AFTER_REPLY_MARK,
            )
            .order_by(MessageRow.seq)
        )
        async with self._sessions() as session:
            rows = (await session.scalars(query)).all()
        return [_line(row) for row in rows]

    async def pending(self, key: ConversationKey, limit: int = 20) -> list[InboundMessage]:
        """Customer messages of the conversation not yet handled, in seq order."""
        query = (
            select(MessageRow)
            .where(
                MessageRow.conversation_key == key.as_str(),
                MessageRow.direction == "in",
                MessageRow.handled_at.is_(None),
            )
            .order_by(MessageRow.seq)
            .limit(limit)
        )
        async with self._sessions() as session:
            rows = (await session.scalars(query)).all()
        return [InboundMessage(key, row.message_id, row.text, received_at=row.created_at) for row in rows]

    async def mark_handled(self, key: ConversationKey, message_id: str) -> None:
        """The customer message is answered; it is not pending any more."""
        change = (
            update(MessageRow)
            .where(MessageRow.channel == key.channel, MessageRow.message_id == message_id)
            .values(handled_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        async with self._sessions.begin() as session:
            await session.execute(change)

    async def pending_conversations(self, limit: int = 1000) -> list[ConversationKey]:
        """Conversations with customer messages not yet handled, those waiting longest first."""
        query = (
            select(MessageRow.conversation_key)
            .where(MessageRow.direction == "in", MessageRow.handled_at.is_(None))
            .group_by(MessageRow.conversation_key)
            .order_by(func.min(MessageRow.created_at))
            .limit(limit)
        )
        async with self._sessions() as session:
            keys = (await session.scalars(query)).all()
        return [ConversationKey.parse(k) for k in keys]

    async def _append(
        self, key: ConversationKey, direction: str, message_id: str, text_: str, at: datetime
    ) -> TranscriptLine | None:
        """Insert one line with the conversation's next seq; None if the message id is taken."""
        for _ in range(_SEQ_RETRIES):
            try:
                async with self._sessions.begin() as session:
                    row = self._row(key, direction, message_id, text_, at, await self._next_seq(session, key, at))
                    session.add(row)
                    await session.flush()
                return _line(row)
            except IntegrityError:
                # No pre-check: the constraint decides races. Which one fired tells what to do.
                if await self._is_stored(key.channel, message_id):
                    return None
        raise RuntimeError(f"no free seq for conversation {key.as_str()!r} after {_SEQ_RETRIES} tries")

    @staticmethod
    def _row(key: ConversationKey, direction: str, message_id: str, text_: str, at: datetime, seq: int) -> MessageRow:
        return MessageRow(
            conversation_key=key.as_str(), channel=key.channel, direction=direction,
            message_id=message_id, seq=seq, text=storable_text(text_), created_at=at,
        )

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


def _private_file(path: Path) -> None:
    """Create the database file and its folder readable by this user only (0600 in 0700).

    SQLite gives its -wal and -shm files the database file's mode, so they follow.
    An existing file is tightened too: it may come from a version that left it 0644.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if name.exists():
            os.chmod(name, 0o600)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets the dashboard read while a worker writes.
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


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
