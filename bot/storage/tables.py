"""SQL tables of durable storage. `migrations/versions` must stay in step with this module."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Explicit constraint names: Alembic needs them to alter constraints later (SQLite batch mode).
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Conversation keys and message ids are Text, not VARCHAR(n): keys are percent-encoded (Cyrillic
# names triple in length) and an email Message-ID may be as long as a header line.


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Always-aware UTC datetimes, also on SQLite, which stores no offset.

    Values are written as naive UTC on SQLite so that string comparison in
    `WHERE next_attempt_at <= :now` orders correctly.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of salesbot's tables."""

    metadata = MetaData(naming_convention=NAMING)


class ConversationRow(Base):
    """One conversation; `last_seq` hands out the sequence numbers of its messages."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(Text, unique=True)
    channel: Mapped[str] = mapped_column(String(64))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class MessageRow(Base):
    """One transcript line. Outbound ids carry an "out:" prefix so they never collide with inbound.

    `handled_at` is set on a customer message once it is answered and the replies are handed to
    the channel; until then it is pending, and whoever holds the conversation's lock answers it.
    """

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel", "message_id"),
        UniqueConstraint("conversation_key", "seq"),
        # Only pending customer messages: the index stays as small as the backlog.
        Index(
            "ix_messages_pending",
            "conversation_key",
            "seq",
            sqlite_where=text("direction = 'in' AND handled_at IS NULL"),
            postgresql_where=text("direction = 'in' AND handled_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_key: Mapped[str] = mapped_column(Text, ForeignKey("conversations.key", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(3))
    message_id: Mapped[str] = mapped_column(Text)
    seq: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    handled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class LeadRow(Base):
    """The lead of one conversation; `data` is the Lead as JSON, score/hot copied out for queries."""

    __tablename__ = "leads"
    __table_args__ = (Index(None, "updated_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(Text, unique=True)
    data: Mapped[str] = mapped_column(Text)
    score: Mapped[int] = mapped_column(Integer, default=0)
    hot: Mapped[bool] = mapped_column(Boolean, default=False)
    stage: Mapped[str] = mapped_column(String(32), default="new")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    owner: Mapped[str | None] = mapped_column(Text, nullable=True)  # the rep who claimed it
    taken_over_by: Mapped[str | None] = mapped_column(Text, nullable=True)  # a person answers instead of the bot


class OutboxRow(Base):
    """A lead state waiting for (or done with) delivery to the CRM."""

    __tablename__ = "crm_outbox"
    __table_args__ = (Index(None, "delivered_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(Integer, ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    payload: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class BoardCardRow(Base):
    """A card on the local board (the default CRM): what the board page shows."""

    __tablename__ = "board_cards"

    lead_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True
    )
    stage: Mapped[str] = mapped_column(String(32))  # the board list the card sits in
    title: Mapped[str] = mapped_column(Text)
    score: Mapped[int] = mapped_column(Integer, default=0)
    hot: Mapped[bool] = mapped_column(Boolean, default=False)
    # The lead state the card shows: a late, stale sync must not overwrite a newer one.
    lead_updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    synced_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SpendRow(Base):
    """What an LLM cost one conversation with one model, summed over its requests.

    Requests add to the row in one upsert (`col = col + excluded.col`), so concurrent workers
    never lose an increment. The cost is kept in picodollars (10^-12 USD) as an integer: sums in
    SQL stay exact on both databases (SQLite has no exact decimal type), and any price per million
    tokens with up to six decimals gives a whole number of them. No foreign key to `conversations`:
    accounting must never fail a turn over a missing row."""

    __tablename__ = "llm_spend"

    conversation_key: Mapped[str] = mapped_column(Text, primary_key=True)
    model: Mapped[str] = mapped_column(Text, primary_key=True)
    input_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    output_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    cache_read_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    cache_write_tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_picodollars: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
