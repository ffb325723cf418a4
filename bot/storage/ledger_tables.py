"""SQL tables of the channel ledger (`bot.storage.ledger`); migration 0002 creates them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.tables import Base, UtcDateTime

# No foreign keys to `conversations`: a message that never reaches the dialogue (an auto-reply,
# a STOP) has no conversation row, and the ledger must not make a channel depend on one.


class PayloadRow(Base):
    """The raw form of one inbound message and what was done with it."""

    __tablename__ = "channel_payloads"
    __table_args__ = (
        UniqueConstraint("channel", "message_id"),
        Index(None, "conversation_key", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(Text)
    conversation_key: Mapped[str] = mapped_column(Text)
    disposition: Mapped[str] = mapped_column(String(32))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    attachments: Mapped[str] = mapped_column(Text)  # JSON list
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DeliveryRow(Base):
    """One outbound message handed to a platform, under our idempotency key."""

    __tablename__ = "channel_deliveries"
    __table_args__ = (
        UniqueConstraint("channel", "message_id"),
        Index(None, "channel", "external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(Text)
    conversation_key: Mapped[str] = mapped_column(Text)
    external_id: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class BlockRow(Base):
    """A conversation that must not be messaged: opted out, or the bot was blocked."""

    __tablename__ = "conversation_blocks"

    conversation_key: Mapped[str] = mapped_column(Text, primary_key=True)
    reason: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PositionRow(Base):
    """A polled source's read position (an IMAP folder's UIDVALIDITY and last UID)."""

    __tablename__ = "channel_positions"

    channel: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text, primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
