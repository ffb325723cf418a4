"""Tokens and cost per conversation: exact by the configured prices, kept in the spend book, and
a book that cannot be written never costs the customer the reply."""

from __future__ import annotations

from decimal import Decimal

from prometheus_client import REGISTRY

from bot.model import ConversationKey
from bot.records import Spend
from bot.responders.llm.accounting import Ledger, Price
from bot.responders.llm.messages import Usage
from bot.testing import MemorySpendBook


def input_tokens(model: str) -> float:
    labels = {"provider": "anthropic", "model": model, "kind": "input"}
    return REGISTRY.get_sample_value("salesbot_llm_tokens_total", labels) or 0.0


PRICE = Price(Decimal(3), Decimal(15), Decimal("0.30"), Decimal("3.75"))


def key(n: int) -> ConversationKey:
    return ConversationKey("web", "site", f"c{n}", f"u{n}")


async def test_a_conversation_adds_up_its_requests_at_the_models_price() -> None:
    book = MemorySpendBook()
    ledger = Ledger("anthropic", {"main": PRICE}, book)
    await ledger.record(key(1), "main", Usage(1000, 100, 0, 2000))
    await ledger.record(key(1), "main", Usage(200, 50, 2000, 0))
    cost = (Decimal(1200) * 3 + Decimal(150) * 15 + Decimal(2000) * Decimal("0.30")
            + Decimal(2000) * Decimal("3.75")) / 1_000_000
    assert await book.spent(key(1)) == [Spend("main", 1200, 150, 2000, 2000, cost)]
    assert (await ledger.record(key(2), "unpriced", Usage(500, 50))).cost == 0  # tokens still counted
    assert await book.spent(key(2)) == [Spend("unpriced", 500, 50)]


async def test_the_conversations_total_sums_its_models() -> None:
    ledger = Ledger("openai", {"main": PRICE, "fast": Price(Decimal(1), Decimal(2))}, MemorySpendBook())
    await ledger.record(key(3), "fast", Usage(1000, 1000))
    await ledger.record(key(3), "main", Usage(1000, 0))
    spent = await ledger.spent(key(3))
    assert (spent.input, spent.output, spent.cost) == (2000, 1000, Decimal("0.006"))


class BrokenBook(MemorySpendBook):
    async def add(self, key: ConversationKey, spend: Spend) -> None:
        raise ConnectionError("database down")

    async def spent(self, key: ConversationKey) -> list[Spend]:
        raise ConnectionError("database down")


async def test_a_book_that_cannot_be_written_loses_the_line_not_the_turn() -> None:
    ledger = Ledger("anthropic", {"broken-book-model": PRICE}, BrokenBook())
    before = input_tokens("broken-book-model")
    spend = await ledger.record(key(4), "broken-book-model", Usage(1000, 10))
    await ledger.close_turn(key(4))
    assert spend.cost == Decimal("0.00315")
    assert input_tokens("broken-book-model") == before + 1000  # the metrics still count it
