"""Tokens and their cost, per model and per conversation."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import structlog

from bot.model import ConversationKey
from bot.ports import SpendBook
from bot.records import Spend
from bot.responders.llm import metrics
from bot.responders.llm.messages import Usage

log = structlog.get_logger(__name__)
_MILLION = Decimal(1_000_000)


@dataclass(frozen=True, slots=True)
class Price:
    """USD per million tokens of each kind, as the provider bills them."""

    input: Decimal = Decimal(0)
    output: Decimal = Decimal(0)
    cache_read: Decimal = Decimal(0)
    cache_write: Decimal = Decimal(0)

    def of(self, usage: Usage) -> Decimal:
        return (self.input * usage.input + self.output * usage.output + self.cache_read * usage.cache_read
                + self.cache_write * usage.cache_write) / _MILLION


class Ledger:
    """Prices each request and counts it twice: in Prometheus, per provider and model (never one
    series per conversation), and in `book`, per conversation and model, durably.

    A book that cannot be written loses that request's line, not the turn: the customer's
    answer matters more than its bill, and the metrics still count it."""

    def __init__(self, provider: str, prices: Mapping[str, Price], book: SpendBook) -> None:
        self.provider = provider
        self.prices = prices
        self.book = book

    async def record(self, key: ConversationKey, model: str, usage: Usage) -> Spend:
        """Count one request's usage; returns what it cost."""
        spend = Spend(model, usage.input, usage.output, usage.cache_read, usage.cache_write,
                      self.prices.get(model, Price()).of(usage))
        for kind in ("input", "output", "cache_read", "cache_write"):
            metrics.TOKENS.labels(self.provider, model, kind).inc(getattr(usage, kind))
        metrics.COST.labels(self.provider, model).inc(float(spend.cost))
        try:
            await self.book.add(key, spend)
        except Exception:
            log.exception("llm.usage_not_saved", provider=self.provider, model=model)
        return spend

    async def close_turn(self, key: ConversationKey) -> None:
        """Observe the conversation's cost so far and log its totals, after each turn."""
        try:
            spent = await self.spent(key)
        except Exception:
            log.exception("llm.usage_not_read", provider=self.provider)
            return
        metrics.CONVERSATION_COST.labels(self.provider).observe(float(spent.cost))
        # The conversation by a digest: its id may be a phone number or an address.
        digest = hashlib.sha256(key.as_str().encode()).hexdigest()[:12]
        log.info("llm.usage", channel=key.channel, conversation=digest, input=spent.input, output=spent.output,
                 cache_read=spent.cache_read, cache_write=spent.cache_write, cost_usd=str(spent.cost))

    async def spent(self, key: ConversationKey) -> Spend:
        """The conversation's totals over every model it used."""
        return sum(await self.book.spent(key), Spend(""))
