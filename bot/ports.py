"""The core's ports: what it needs from the outside, as Protocols.

Adapters implement these in `knowledge_base/`, `channels/` and the backends
in `bot/` itself (memory/Redis sessions, SQL storage); `config/` picks them.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from decimal import Decimal
from typing import Protocol

from bot.catalog import Product, ProductMatch, Quote, Resolution
from bot.events import LeadEvent
from bot.knowledge import Evidence, Passage
from bot.lead import Lead
from bot.model import ConversationKey, InboundMessage, OutboundMessage
from bot.records import Claim, Delivery, LeadRecord, Spend, TranscriptLine
from bot.session import Session
from bot.turn import Reply, TurnContext


class Lease(Protocol):
    """A held conversation lock."""

    @property
    def held(self) -> bool:
        """False once the lock could not be kept (its holder stalled past the TTL): stop working
        on the conversation then, another holder may have it."""
        ...

    async def confirm(self) -> bool:
        """Renew the lock now and say whether it is still ours. Called right before a turn's
        durable writes: a holder that stalled past the TTL (a loaded machine) must not write
        its older lead and session over those of the holder that took the conversation over."""
        ...


class SessionStore(Protocol):
    """Conversation state, the per-conversation lock and the dedup fast path."""

    async def load(self, key: ConversationKey) -> Session:
        """The stored session, or a fresh one."""
        ...

    async def save(self, session: Session) -> None: ...

    def lock(self, key: ConversationKey, *, wait: float | None = None) -> AbstractAsyncContextManager[Lease]:
        """Hold while handling a conversation so it is handled serially (across processes for
        shared backends). Waits at most `wait` seconds (None: the store's default, 0: try once),
        then raises `LockTimeout`. A holder that dies frees it within a short TTL."""
        ...

    async def seen(self, channel: str, message_id: str) -> bool:
        """True if `remember` noted this (channel, message id): a fast answer for redeliveries.
        False proves nothing; the database's unique key decides."""
        ...

    async def remember(self, channel: str, message_id: str) -> None:
        """Note a message the database has stored (never before: `seen` must not claim a
        message the database lacks)."""
        ...

    async def close(self) -> None: ...


class Retriever(Protocol):
    """Finds passages of the company's documents."""

    async def search(self, query: str, top_k: int = 5) -> list[Passage]: ...


class Reader(Protocol):
    """Finds the sentences of retrieved passages that actually answer a question.

    The offline responder uses it to tell an answer from a merely related
    passage: when nothing covers the question, the honest reply is "I don't know".
    """

    async def evidence(
        self, question: str, passages: Sequence[Passage], ignore: Sequence[str] = ()
    ) -> list[Evidence]:
        """Best sentences first; `ignore` lists words (product names) that prove nothing."""
        ...


class Catalog(Protocol):
    """Products, discounts and quotes: the only source of prices."""

    @property
    def sources(self) -> tuple[str, str]:
        """Source names of the catalog and discount tables, for citations."""
        ...

    def products(self) -> Sequence[Product]: ...

    def get(self, sku: str) -> Product | None: ...

    def find(self, text: str, limit: int = 3) -> list[ProductMatch]:
        """Products matching a loose description, best first."""
        ...

    def mentioned(self, text: str) -> list[Product]:
        """Products a free-text message names, in the order it names them."""
        ...

    def resolve(self, text: str) -> Resolution:
        """The products a message asks about, with the stretches that name them, or the
        candidates it leaves tied."""
        ...

    def count_units(self) -> tuple[str, ...]:
        """The words the catalog counts in ("roll", "упаковка"), from its `unit` column."""
        ...

    def quote(self, sku: str, quantity: int) -> Quote: ...

    def related(self, sku: str) -> list[Product]: ...

    def upgrade(self, sku: str) -> Product | None: ...

    def format_money(self, amount: Decimal, currency: str, language: str) -> str: ...


class Responder(Protocol):
    """Produces the reply to one customer message."""

    async def respond(self, turn: TurnContext) -> Reply: ...


class SpendBook(Protocol):
    """What an LLM cost per conversation and model, kept durably (survives restarts)."""

    async def add(self, key: ConversationKey, spend: Spend) -> None:
        """Add one request's tokens and cost to the conversation's totals for `spend.model`.
        Atomic: concurrent adds from any number of processes all count."""
        ...

    async def spent(self, key: ConversationKey) -> list[Spend]:
        """The conversation's totals, one per model it used (by model name); empty if none."""
        ...


class Storage(Protocol):
    """Durable leads and transcripts (SQL); the truth about what was received and answered."""

    async def record_inbound(self, message: InboundMessage) -> bool:
        """Store a customer message; False if this (channel, message id) is stored already."""
        ...

    async def record_outbound(self, key: ConversationKey, message: OutboundMessage, message_id: str) -> TranscriptLine:
        ...

    async def record_replies(
        self, key: ConversationKey, answering: str, replies: Sequence[OutboundMessage]
    ) -> list[TranscriptLine]:
        """Store the replies to the customer message `answering` in one transaction, with the ids
        `{answering}#r{n}`; if replies to it are stored already, those are returned instead."""
        ...

    async def replies_to(self, key: ConversationKey, answering: str) -> list[TranscriptLine]:
        """The stored replies to the customer message `answering`, in order."""
        ...

    async def pending(self, key: ConversationKey, limit: int = 20) -> list[InboundMessage]:
        """The conversation's customer messages not yet marked handled, oldest (lowest seq) first."""
        ...

    async def mark_handled(self, key: ConversationKey, message_id: str) -> None:
        """The customer message is answered and its replies handed to the channel."""
        ...

    async def pending_conversations(self, limit: int = 1000) -> list[ConversationKey]:
        """Conversations with customer messages not yet handled (recovery after a crash)."""
        ...

    async def save_lead(self, key: ConversationKey, lead: Lead) -> LeadRecord:
        """Store the conversation's lead; fields it leaves empty keep their stored values."""
        ...

    async def get_lead(self, lead_id: int) -> LeadRecord | None: ...

    async def lead_for(self, key: ConversationKey) -> LeadRecord | None: ...

    async def list_leads(self, limit: int = 200) -> list[LeadRecord]: ...

    async def set_stage(self, lead_id: int, stage: str) -> LeadRecord: ...

    async def set_owner(self, lead_id: int, owner: str) -> LeadRecord:
        """Give the lead to a sales rep; KeyError if there is no such lead."""
        ...

    async def set_taken_over(self, lead_id: int, person: str | None) -> LeadRecord:
        """A person answers the lead's customer instead of the bot (None: the bot answers again)."""
        ...

    async def transcript(self, key: ConversationKey, after_seq: int = 0) -> list[TranscriptLine]: ...

    async def close(self) -> None: ...


class CRMSink(Protocol):
    """Writes leads to the sales board. Must be idempotent: it may be called again."""

    async def sync(self, record: LeadRecord) -> None: ...

    async def note(self, record: LeadRecord, event: LeadEvent) -> None:
        """Put a notable moment on the lead's card (after the state `record`); idempotent by `event.key`."""
        ...


class Outbox(Protocol):
    """Sends replies to customers through their channel."""

    async def send(self, key: ConversationKey, message: OutboundMessage, *, idempotency_key: str) -> None: ...

    async def typing(self, key: ConversationKey) -> None:
        """Show the customer a reply is being written, where the channel can."""
        ...

    async def draft(self, key: ConversationKey, draft_id: str, text: str) -> None:
        """Show the reply `draft_id` as written so far, where the channel can; `send` replaces it."""
        ...


class Queue(Protocol):
    """Where stored messages wait for a worker (in process, or shared by several servers)."""

    async def put(self, message: InboundMessage) -> None: ...


class LeadListener(Protocol):
    """Told about every saved lead state: the CRM outbox, hot-lead alerts."""

    async def enqueue(self, record: LeadRecord) -> None: ...


class EventListener(Protocol):
    """Told about notable moments of a turn (a quote given, an objection, a request for a person)."""

    async def note(self, record: LeadRecord, event: LeadEvent) -> None: ...


class SalesTeam(LeadListener, Protocol):
    """Where the sales team hears from the bot (a Slack channel).

    `enqueue` (every saved lead state) alerts the team when a lead turns hot. Each call only
    records what is due and returns: posting happens outside the customer's turn and is retried
    until it lands, so the team's tool being down never costs a reply.
    """

    async def person_requested(self, record: LeadRecord) -> None:
        """The customer asked for a person: alert the team even when the lead is not hot."""
        ...

    async def customer_wrote(self, record: LeadRecord) -> None:
        """The customer wrote while a person has the conversation: show it to them."""
        ...


class Desk(Protocol):
    """What the sales team does from its own tool (Slack buttons and threads) to a lead."""

    async def lead(self, lead_id: int) -> LeadRecord | None: ...

    async def claim(self, lead_id: int, owner: str) -> LeadRecord:
        """The rep `owner` takes the lead; the board and the CRM show it."""
        ...

    async def take_over(self, lead_id: int, person: str | None) -> LeadRecord:
        """`person` answers the customer from now on and the bot is silent; None hands back."""
        ...

    async def say(self, lead_id: int, text: str, message_id: str) -> None:
        """Store `text` as said to the lead's customer and send it on their channel; the same
        `message_id` again sends nothing new."""
        ...


class Inbox(Protocol):
    """Where channel adapters hand customer messages to the core.

    `submit` records the message durably and queues it, then returns: adapters
    acknowledge the platform right after, and replies go out from the worker
    through the channel's `send`.
    """

    async def submit(self, message: InboundMessage) -> bool:
        """False when the message was seen before (a redelivery); it is not handled again."""
        ...


class TranscriptReader(Protocol):
    """Read access to a conversation's stored lines, for replay after reconnects."""

    async def transcript(self, key: ConversationKey, after_seq: int = 0) -> list[TranscriptLine]: ...


class ChannelLedger(Protocol):
    """What channel adapters keep beside the transcript; the dialogue never reads it.

    The transport's own form of each inbound message (a raw email, a Telegram
    update) with its attachments and what was done with it (`disposition`:
    "dialogue" when it went to the core, else why not: "auto-reply", "bounce",
    "opt-out", ...); each outbound delivery and its status; conversations that
    must not be messaged (an opted-out number, a bot the customer blocked); and
    read positions of polled sources (an IMAP folder's UIDs).
    """

    async def keep(self, message: InboundMessage, raw: bytes, disposition: str = "dialogue") -> bool:
        """Keep an inbound message's raw form; keeping it again changes nothing and returns False
        (a platform's redelivery)."""
        ...

    async def latest_raw(self, key: ConversationKey) -> bytes | None:
        """The raw form of the conversation's last inbound message that went to the dialogue."""
        ...

    async def conversation_of(self, channel: str, external_ids: Sequence[str]) -> ConversationKey | None:
        """The conversation an inbound message or a delivery with one of these ids belongs to."""
        ...

    async def delivered(self, channel: str, message_id: str) -> Delivery | None:
        """The delivery made under this idempotency key, if any (a claim is none yet)."""
        ...

    async def claim(self, key: ConversationKey, message_id: str, holder: str, lease: float) -> Claim:
        """Take the sending of one outbound message (a part of a reply) for `holder`, across every
        process sharing the database: "mine" when nobody sent it and no other holder renewed its
        claim within `lease` seconds (claiming again as the same holder renews), "sent" when it
        is recorded as delivered, "busy" while another holder sends it."""
        ...

    async def release(self, channel: str, message_id: str, holder: str) -> None:
        """Drop `holder`'s claim after a failed send, so the next attempt need not wait out the lease."""
        ...

    async def record_delivery(self, key: ConversationKey, message_id: str, external_id: str, status: str) -> None:
        """Note that the platform took a message (completing a claim on it); a second note is ignored."""
        ...

    async def record_status(
        self, channel: str, external_id: str, status: str, error: str | None = None
    ) -> Delivery | None:
        """Update a delivery's status by the platform's id; None if no such delivery is known."""
        ...

    async def block(self, key: ConversationKey, reason: str) -> None:
        """Never message this conversation again (until `unblock`); `reason` says why."""
        ...

    async def unblock(self, key: ConversationKey) -> None: ...

    async def blocked(self, key: ConversationKey) -> str | None:
        """Why the conversation must not be messaged, or None."""
        ...

    async def position(self, channel: str, name: str) -> str | None:
        """A polled source's saved read position."""
        ...

    async def set_position(self, channel: str, name: str, value: str) -> None: ...

    async def positions(self, channel: str, prefix: str) -> dict[str, str]:
        """The channel's non-empty positions whose names start with `prefix` (small durable state
        a channel lists, such as Slack's open alerts), by name."""
        ...
