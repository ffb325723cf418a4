"""LLM spend per conversation and model in SQL (SQLite file here; the PostgreSQL integration module
runs these again on a real server): sums exact to the picodollar, and no add lost to a race."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from bot.model import ConversationKey
from bot.ports import SpendBook
from bot.records import Spend
from bot.storage import SqlSpendBook, SqlStorage

ANNA = ConversationKey("telegram", "bot1", "чат-1", "анна")
BOB = ConversationKey("email", "sales@shop.example", "<root@x>", "bob@client.example")


@pytest.fixture
async def book(tmp_path: Path) -> AsyncIterator[SqlSpendBook]:
    storage = await SqlStorage.connect(f"sqlite+aiosqlite:///{tmp_path / 'salesbot.db'}")
    await storage.migrate()
    yield SqlSpendBook(storage)
    await storage.close()


def test_the_sql_book_implements_the_port(book: SqlSpendBook) -> None:
    port: SpendBook = book
    assert port is book


async def test_requests_add_up_per_conversation_and_model(book: SqlSpendBook) -> None:
    await book.add(ANNA, Spend("main", 1000, 50, 0, 2000, Decimal("0.0111")))
    await book.add(ANNA, Spend("main", 1200, 40, 2000, 0, Decimal("0.0042")))
    await book.add(ANNA, Spend("fast", 300, 20, 0, 0, Decimal("0.00005")))
    await book.add(BOB, Spend("main", 7, 7, 7, 7, Decimal("0.7")))

    assert await book.spent(ANNA) == [
        Spend("fast", 300, 20, 0, 0, Decimal("0.00005")),
        Spend("main", 2200, 90, 2000, 2000, Decimal("0.0153")),
    ]
    assert await book.spent(BOB) == [Spend("main", 7, 7, 7, 7, Decimal("0.7"))]
    assert await book.spent(ConversationKey("web", "site", "none", "none")) == []


async def test_costs_sum_exactly_to_the_picodollar(book: SqlSpendBook) -> None:
    # One cached token at $0.0375 per million, forty times: floats would drift, integers do not.
    one = Decimal("0.0375") / 1_000_000
    for _ in range(40):
        await book.add(BOB, Spend("m", cache_read=1, cost=one))
    (spent,) = await book.spent(BOB)
    assert spent.cost == one * 40 == Decimal("0.0000015")
    assert spent.cache_read == 40


async def test_concurrent_adds_to_one_row_all_count(book: SqlSpendBook) -> None:
    await asyncio.gather(*(book.add(ANNA, Spend("main", 10, 1, 100, 0, Decimal("0.001"))) for _ in range(30)))
    assert await book.spent(ANNA) == [Spend("main", 300, 30, 3000, 0, Decimal("0.03"))]


async def test_a_long_model_name_and_a_long_key_are_stored(book: SqlSpendBook) -> None:
    model = "accounts/some-provider/models/" + "a-very-long-model-name-" * 10
    key = ConversationKey("email", "sales@shop.example", "<" + "x" * 900 + "@mail.example>", "анна@пример.рф")
    await book.add(key, Spend(model, 1, 2, 3, 4, Decimal("0.000001")))
    assert await book.spent(key) == [Spend(model, 1, 2, 3, 4, Decimal("0.000001"))]
