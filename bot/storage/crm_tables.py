"""SQL tables of external CRM sinks (Trello); migration 0004 creates them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.tables import Base, UtcDateTime


class CrmCardRow(Base):
    """The card of one lead in one external CRM: where salesbot last knew it, which lead state it shows."""

    __tablename__ = "crm_cards"
    __table_args__ = (UniqueConstraint("sink", "card_id"),)

    sink: Mapped[str] = mapped_column(String(32), primary_key=True)
    lead_id: Mapped[int] = mapped_column(Integer, ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True)
    card_id: Mapped[str] = mapped_column(String(64))
    list_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    stage: Mapped[str | None] = mapped_column(String(32), nullable=True)  # the stage the card shows
    # The lead state the card shows: a stale state delivered late must not move it back.
    lead_updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CrmMoveRow(Base):
    """A move salesbot made itself: the CRM's webhook about it is an echo, not news."""

    __tablename__ = "crm_moves"
    __table_args__ = (Index(None, "sink", "card_id", "list_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sink: Mapped[str] = mapped_column(String(32))
    card_id: Mapped[str] = mapped_column(String(64))
    list_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CrmMarkRow(Base):
    """An effect that must happen once (a comment posted), by its idempotency key."""

    __tablename__ = "crm_marks"

    sink: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
