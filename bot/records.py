"""Rows of durable storage as the core sees them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from bot.lead import Lead
from bot.model import ConversationKey

# "shipped" follows "won" for companies that ship what was ordered; the customer hears of both.
STAGES = ("new", "qualified", "proposal", "won", "shipped", "lost")


@dataclass(frozen=True, slots=True)
class LeadRecord:
    """A stored lead: one per conversation.

    `owner` is the sales rep who claimed it; `taken_over_by` the person answering the customer
    instead of the bot (None: the bot answers).
    """

    id: int
    key: ConversationKey
    lead: Lead
    stage: str
    created_at: datetime
    updated_at: datetime
    owner: str | None = None
    taken_over_by: str | None = None


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    """One stored message. `seq` orders a conversation's lines (never timestamps)."""

    seq: int
    key: ConversationKey
    direction: str  # "in" | "out"
    text: str
    message_id: str
    at: datetime


# What `ChannelLedger.claim` found: this sender must send the part ("mine"), it went out already
# ("sent"), or another sender is sending it now ("busy").
Claim = Literal["mine", "sent", "busy"]


@dataclass(frozen=True, slots=True)
class Delivery:
    """One outbound message handed to a channel's platform, and what became of it.

    `message_id` is our idempotency key (one per part when a reply is split);
    `external_id` the platform's id (Telegram message id, Twilio MessageSid,
    our email Message-ID); `status` the platform's last word ("sent",
    "delivered", "undelivered", "failed", ...).
    """

    channel: str
    message_id: str
    key: ConversationKey
    external_id: str
    status: str
    error: str | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Spend:
    """Tokens an LLM used on a conversation and what they cost, for one model.

    `cache_read` and `cache_write` are the cached prompt tokens read and written (billed apart
    from `input`); `cost` is in US dollars at the configured prices."""

    model: str
    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0
    cost: Decimal = Decimal(0)

    def __add__(self, other: Spend) -> Spend:
        """The sum of two; the model is kept when both name the same one."""
        model = self.model if self.model == other.model else ""
        return Spend(model, self.input + other.input, self.output + other.output, self.cache_read + other.cache_read,
                     self.cache_write + other.cache_write, self.cost + other.cost)
