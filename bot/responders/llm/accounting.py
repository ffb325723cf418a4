"""Tokens and their cost, per model and per conversation."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import structlog

from bot.model import ConversationKey
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


@dataclass(frozen=True, slots=True)
class Spent:
    usage: Usage
    cost: Decimal


class Ledger:
    """Running totals per conversation (the most recent `capacity` of them) and the metrics.

    The totals are kept in memory for the dashboard and logs; Prometheus gets counters per model
    and a histogram of conversation costs, never one series per conversation."""

    def __init__(self, provider: str, prices: Mapping[str, Price], capacity: int = 10_000) -> None:
        self.provider = provider
        self.prices = prices
        self.capacity = capacity
        self._spent: OrderedDict[ConversationKey, Spent] = OrderedDict()

    def record(self, key: ConversationKey, model: str, usage: Usage) -> Spent:
        """Add one request's usage; returns the conversation's totals."""
        cost = self.prices.get(model, Price()).of(usage)
        for kind in ("input", "output", "cache_read", "cache_write"):
            metrics.TOKENS.labels(self.provider, model, kind).inc(getattr(usage, kind))
        metrics.COST.labels(self.provider, model).inc(float(cost))
        before = self._spent.pop(key, Spent(Usage(), Decimal(0)))
        total = self._spent[key] = Spent(before.usage + usage, before.cost + cost)
        while len(self._spent) > self.capacity:
            self._spent.popitem(last=False)
        return total

    def close_turn(self, key: ConversationKey) -> None:
        spent = self.spent(key)
        metrics.CONVERSATION_COST.labels(self.provider).observe(float(spent.cost))
        u = spent.usage
        # The conversation by a digest: its id may be a phone number or an address.
        digest = hashlib.sha256(key.as_str().encode()).hexdigest()[:12]
        log.info("llm.usage", channel=key.channel, conversation=digest, input=u.input,
                 output=u.output, cache_read=u.cache_read, cache_write=u.cache_write, cost_usd=str(spent.cost))

    def spent(self, key: ConversationKey) -> Spent:
        return self._spent.get(key, Spent(Usage(), Decimal(0)))
