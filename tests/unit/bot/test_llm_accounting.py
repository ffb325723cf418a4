"""Tokens and cost per conversation: exact by the configured prices, and bounded in memory."""

from __future__ import annotations

from decimal import Decimal

from bot.model import ConversationKey
from bot.responders.llm.accounting import Ledger, Price
from bot.responders.llm.messages import Usage

PRICE = Price(Decimal(3), Decimal(15), Decimal("0.30"), Decimal("3.75"))


def key(n: int) -> ConversationKey:
    return ConversationKey("web", "site", f"c{n}", f"u{n}")


def test_a_conversation_adds_up_its_requests_at_the_models_price() -> None:
    ledger = Ledger("anthropic", {"main": PRICE})
    ledger.record(key(1), "main", Usage(1000, 100, 0, 2000))
    spent = ledger.record(key(1), "main", Usage(200, 50, 2000, 0))
    assert spent.usage == Usage(1200, 150, 2000, 2000)
    assert spent.cost == (Decimal(1200) * 3 + Decimal(150) * 15 + Decimal(2000) * Decimal("0.30")
                          + Decimal(2000) * Decimal("3.75")) / 1_000_000
    assert ledger.record(key(2), "unpriced", Usage(500, 50)).cost == 0  # tokens still counted


def test_only_the_most_recent_conversations_are_kept() -> None:
    ledger = Ledger("openai", {}, capacity=100)
    for n in range(1000):
        ledger.record(key(n), "m", Usage(1, 1))
    assert ledger.spent(key(0)).usage == Usage()
    assert ledger.spent(key(999)).usage == Usage(1, 1)
    assert len(ledger._spent) == 100
