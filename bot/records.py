"""Rows of durable storage as the core sees them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.lead import Lead
from bot.model import ConversationKey

STAGES = ("new", "qualified", "proposal", "won", "lost")


@dataclass(frozen=True, slots=True)
class LeadRecord:
    """A stored lead: one per conversation."""

    id: int
    key: ConversationKey
    lead: Lead
    stage: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    """One stored message. `seq` orders a conversation's lines (never timestamps)."""

    seq: int
    key: ConversationKey
    direction: str  # "in" | "out"
    text: str
    message_id: str
    at: datetime
