"""The Trello CRM sink and the CRM outbox against the fake Trello API, on a real SQLite file.

The production client talks to `tests/fakes/trello.py` with only its base URL changed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from bot.crm.trello import SINK, TrelloClient, TrelloError, TrelloSink, TrelloUnavailable
from bot.crm.trello.client import retry_after
from bot.events import LeadEvent
from bot.lead import Lead
from bot.records import LeadRecord
from bot.storage import CrmCards, CrmOutbox, SqlStorage
from config.trello import DEFAULT_LISTS
from tests.fakes import trello as tr
from tests.fakes.trello import FakeTrello
from tests.unit.bot.test_sql_storage import key

NAMES = {"NW-P6060": "Panel Slim 60x60"}


@pytest.fixture
async def fake() -> AsyncIterator[FakeTrello]:
    server = FakeTrello()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[SqlStorage]:
    db = await SqlStorage.connect(f"sqlite+aiosqlite:///{tmp_path / 'salesbot.db'}")
    await db.migrate()
    yield db
    await db.close()


def sink_for(fake: FakeTrello, storage: SqlStorage) -> TrelloSink:
    """A sink as `salesbot serve` builds it; a new one is what a restarted process has."""
    client = TrelloClient(tr.API_KEY, tr.TOKEN, base_url=fake.url)
    return TrelloSink(client, tr.BOARD_ID, CrmCards(storage, SINK), DEFAULT_LISTS, NAMES.get)


def event(kind: str, text: str, n: int, conversation: str = "conv") -> LeadEvent:
    return LeadEvent(kind, text, f"{conversation}|m{n}|{kind}", datetime(2026, 5, 1, 12, n, tzinfo=UTC))


ANNA = Lead(name="Anna Smith", company="Harbor Foods", email="anna@harbor.example", skus=("NW-P6060",),
            quantity=25, budget=Decimal("2500"), budget_currency="USD", timeline_days=14,
            timeline_text="within two weeks", score=80, hot=True, reasons=("budget stated", "needs it soon"))


async def test_a_lead_becomes_one_card_with_its_fields_labels_due_date_and_comments(
    fake: FakeTrello, storage: SqlStorage
) -> None:
    sink = sink_for(fake, storage)
    first = await storage.save_lead(key(1), Lead(skus=("NW-P6060",), quantity=25, score=20))
    await sink.sync(first)
    await sink.note(first, event("quote", "25 × Panel Slim 60x60: 2,225.00 USD", 1))
    later = await storage.save_lead(key(1), ANNA)
    await sink.sync(later)
    await sink.note(later, event("objection", "That is too expensive [click](http://x.example)", 2))
    await sink.note(later, event("objection", "That is too expensive [click](http://x.example)", 2))  # a retry

    assert len(fake.cards) == 1, "later turns update the same card"
    card = next(iter(fake.cards.values()))
    assert card["name"] == "Anna Smith · Harbor Foods — Panel Slim 60x60 ×25"
    assert "**Email:** anna@harbor.example" in card["desc"] and "- budget stated" in card["desc"]
    assert card["desc"].endswith(f"salesbot lead #{later.id}")
    assert fake.labels_of(card["id"]) == {"hot", "telegram"}
    assert card["due"] == (later.created_at + timedelta(days=14)).isoformat()
    assert fake.list_of(card["id"]) == "New leads"
    comments = fake.comments[card["id"]]
    assert len(comments) == 2
    assert comments[0].startswith("**Quote given**") and "2,225.00 USD" in comments[0]
    assert comments[1].startswith("**Objection raised**") and "\\[click\\]" in comments[1]  # no link made
    # Every stage's list exists (created when missing), next to the board's own.
    assert {item["name"] for item in fake.board.lists} == {"To do", *DEFAULT_LISTS.values()}


async def test_the_rep_who_claimed_the_lead_shows_on_its_card(fake: FakeTrello, storage: SqlStorage) -> None:
    sink = sink_for(fake, storage)
    record = await storage.save_lead(key(5), ANNA)
    await sink.sync(record)
    claimed = replace(record, owner="maria.k", taken_over_by="maria.k", updated_at=record.updated_at + timedelta(1))
    await sink.sync(claimed)

    card = next(iter(fake.cards.values()))
    assert "**Owner:** maria.k" in card["desc"] and "**Answered by:** maria.k" in card["desc"]


async def test_a_restarted_process_updates_the_same_card(fake: FakeTrello, storage: SqlStorage) -> None:
    record = await storage.save_lead(key(2), Lead(name="Ivan"))
    await sink_for(fake, storage).sync(record)
    moved = await storage.set_stage(record.id, "proposal")
    await sink_for(fake, storage).sync(moved)  # a new process: nothing cached, the card id is in SQL

    assert len(fake.cards) == 1
    assert fake.list_of(next(iter(fake.cards))) == "Proposal sent"


async def test_a_card_created_but_never_confirmed_is_found_not_made_twice(
    fake: FakeTrello, storage: SqlStorage
) -> None:
    record = await storage.save_lead(key(3), Lead(name="Lost Answer"))
    fake.lose_answers("POST", "/1/cards")
    with pytest.raises(TrelloUnavailable):
        await sink_for(fake, storage).sync(record)
    assert len(fake.cards) == 1  # Trello made it; we never heard

    await sink_for(fake, storage).sync(replace(record, lead=replace(record.lead, company="Found Ltd")))

    assert len(fake.cards) == 1
    assert next(iter(fake.cards.values()))["name"] == "Lost Answer · Found Ltd"


async def test_a_stale_state_never_moves_the_card_back(fake: FakeTrello, storage: SqlStorage) -> None:
    sink = sink_for(fake, storage)
    old = await storage.save_lead(key(4), Lead(name="Old"))
    new = await storage.set_stage(old.id, "won")
    await sink.sync(new)
    await sink.sync(old)
    assert fake.list_of(next(iter(fake.cards))) == "Order confirmed"


async def test_trello_down_for_many_turns_then_up_every_lead_arrives_once_in_order(
    fake: FakeTrello, storage: SqlStorage
) -> None:
    outbox = CrmOutbox(storage, base_delay=1, max_delay=1)
    sink = sink_for(fake, storage)
    await fake.go_down()
    states: list[LeadRecord] = []
    for n in range(1, 4):  # three conversations, three turns each, with a moment after each turn
        lead = Lead()
        for turn in range(1, 4):
            lead = replace(lead, name=f"Customer {n}", quantity=turn)
            record = await storage.save_lead(key(10 + n), lead)
            states.append(record)
            await outbox.enqueue(record)
            await outbox.note(record, event("quote", f"customer {n} quote {turn}", turn, f"conv{n}"))
    now = datetime.now(UTC)
    assert await outbox.relay_once(sink, now) == 0
    assert len(await outbox.unsynced()) == 3 and await outbox.pending() == 18

    await fake.come_up()
    assert await outbox.relay_once(sink, now + timedelta(seconds=5)) == 18

    assert len(fake.cards) == 3
    for n in range(1, 4):
        card = next(c for c in fake.cards.values() if c["name"].startswith(f"Customer {n}"))
        quoted = [comment.rsplit("\n", 1)[-1] for comment in fake.comments[card["id"]]]
        assert quoted == [f"> customer {n} quote {turn}" for turn in (1, 2, 3)]
    assert await outbox.pending() == 0
    assert len(fake.made("POST", "/1/cards/")) == 9  # comments, each once
    assert len([c for c in fake.made("POST", "/1/cards") if c.path == "/1/cards"]) == 3


async def test_a_429_is_waited_out_as_trello_asks(fake: FakeTrello, storage: SqlStorage) -> None:
    outbox, sink = CrmOutbox(storage, base_delay=1, max_delay=1), sink_for(fake, storage)
    for n in (1, 2):
        await outbox.enqueue(await storage.save_lead(key(20 + n), Lead(name=f"Rate {n}")))
    fake.rate_limit(1, retry_after=30)
    now = datetime.now(UTC)
    assert await outbox.relay_once(sink, now) == 0
    tried = len(fake.calls)
    assert await outbox.relay_once(sink, now + timedelta(seconds=10)) == 0
    assert len(fake.calls) == tried, "nothing is sent before Retry-After has passed"
    assert await outbox.relay_once(sink, now + timedelta(seconds=31)) == 2
    assert len(fake.cards) == 2


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    assert retry_after("7", now) == 7
    assert retry_after("Fri, 01 May 2026 12:00:30 GMT", now) == 30
    assert retry_after(None, now) == retry_after("soon", now) == 10


async def test_the_fake_holds_to_trellos_auth_in_the_query_or_the_oauth_header(fake: FakeTrello) -> None:
    wrong = TrelloClient(tr.API_KEY, "not-the-token", base_url=fake.url)
    with pytest.raises(TrelloError) as refused:
        await wrong.lists(tr.BOARD_ID)
    await wrong.close()
    assert refused.value.status == 401
    async with httpx.AsyncClient(base_url=fake.url) as http:
        by_query = await http.get(f"/1/boards/{tr.BOARD_ID}/lists", params={"key": tr.API_KEY, "token": tr.TOKEN})
    assert by_query.status_code == 200 and [item["name"] for item in by_query.json()] == ["To do"]
