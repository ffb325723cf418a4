"""Helpers for writing tests against the core in two lines.

    chat = Conversation(bot)
    await chat.say("How much is the Panel Slim 60x60?")
    assert "3,450.00" in chat.last_reply
"""

from __future__ import annotations

import itertools
from collections import defaultdict

from bot.app import SalesBot
from bot.lead import Lead
from bot.model import ConversationKey, InboundMessage, OutboundMessage
from bot.records import Spend


class MemoryOutbox:
    """An in-memory channel: remembers what was sent to whom (implements `Outbox`)."""

    def __init__(self) -> None:
        self.sent: dict[ConversationKey, list[OutboundMessage]] = defaultdict(list)
        self.keys: set[str] = set()
        self.typing_shown: list[ConversationKey] = []
        self.drafts: dict[ConversationKey, list[tuple[str, str]]] = defaultdict(list)

    async def send(self, key: ConversationKey, message: OutboundMessage, *, idempotency_key: str) -> None:
        if idempotency_key in self.keys:  # outbound is idempotent, as real channels must be
            return
        self.keys.add(idempotency_key)
        self.sent[key].append(message)

    async def typing(self, key: ConversationKey) -> None:
        self.typing_shown.append(key)

    async def draft(self, key: ConversationKey, draft_id: str, text: str) -> None:
        self.drafts[key].append((draft_id, text))


class MemorySpendBook:
    """LLM spend per conversation and model, in memory (implements `SpendBook`)."""

    def __init__(self) -> None:
        self.totals: dict[ConversationKey, dict[str, Spend]] = defaultdict(dict)

    async def add(self, key: ConversationKey, spend: Spend) -> None:
        models = self.totals[key]
        models[spend.model] = models.get(spend.model, Spend(spend.model)) + spend

    async def spent(self, key: ConversationKey) -> list[Spend]:
        return [self.totals[key][model] for model in sorted(self.totals.get(key, {}))]


_ids = itertools.count(1)


class Conversation:
    """One customer talking to a `SalesBot` over an in-memory channel."""

    def __init__(self, bot: SalesBot, *, channel: str = "test", user: str | None = None) -> None:
        self.bot = bot
        user = user or f"user{next(_ids)}"
        self.key = ConversationKey(channel, "test", user, user)
        self.replies: list[OutboundMessage] = []
        self.last: list[OutboundMessage] = []
        self._count = 0

    async def say(self, text: str, *, message_id: str | None = None) -> list[OutboundMessage]:
        """Send one customer message and return the replies it got."""
        self._count += 1
        message_id = message_id or f"{self.key.user}-{self._count}"
        handled = await self.bot.handle(InboundMessage(self.key, message_id, text))
        self.last = handled.replies
        self.replies.extend(handled.replies)
        return handled.replies

    @property
    def last_reply(self) -> str:
        """Everything the bot answered to the last message, as one text."""
        return "\n".join(r.text for r in self.last)

    async def lead(self) -> Lead:
        record = await self.bot.storage.lead_for(self.key)
        return record.lead if record else Lead()
