"""SqlStorage and the CRM outbox on a SQLite file.

The behaviour tests take a migrated `storage` fixture; the PostgreSQL
integration module imports them and runs them again on a real server.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

from bot.lead import Lead
from bot.model import ConversationKey, InboundMessage, OutboundMessage
from bot.ports import Storage
from bot.records import LeadRecord
from bot.storage import CrmOutbox, SqlStorage
from bot.storage.dialects import async_url
from bot.storage.tables import Base, OutboxRow

TABLES = {
    "conversations", "messages", "leads", "crm_outbox", "board_cards", "alembic_version",
    "channel_payloads", "channel_deliveries", "conversation_blocks", "channel_positions", "llm_spend",
    "crm_cards", "crm_moves", "crm_marks",
}


def key(n: int = 1, channel: str = "telegram") -> ConversationKey:
    return ConversationKey(channel, "bot1", f"chat{n}", f"user{n}")


def inbound(k: ConversationKey, message_id: str, text: str = "hello") -> InboundMessage:
    return InboundMessage(key=k, message_id=message_id, text=text)


class RecordingSink:
    """A CRM sink that fails its first `failures` calls, then records what it got."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.calls = 0
        self.synced: list[LeadRecord] = []

    async def sync(self, record: LeadRecord) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError(f"CRM down (call {self.calls})")
        self.synced.append(record)


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[SqlStorage]:
    db = await SqlStorage.connect(f"sqlite+aiosqlite:///{tmp_path / 'data' / 'salesbot.db'}")
    await db.migrate()
    yield db
    await db.close()


async def schema_diff(db: SqlStorage) -> list[object]:
    async with db.engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )


async def table_names(db: SqlStorage) -> set[str]:
    async with db.engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


async def outbox_rows(db: SqlStorage) -> list[OutboxRow]:
    async with db.sessions() as session:
        return list((await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all())


# -- schema ------------------------------------------------------------------------------------


async def test_migrate_on_an_empty_database_creates_the_schema(tmp_path: Path) -> None:
    # plain sqlite:/// is accepted and the data dir is created
    db = await SqlStorage.connect(f"sqlite:///{tmp_path / 'new' / 'dir' / 'salesbot.db'}")
    try:
        assert await table_names(db) == set()
        await db.migrate()
        assert await table_names(db) == TABLES
        await db.ping()
    finally:
        await db.close()


async def test_migrate_again_is_a_no_op_and_the_migration_matches_the_models(storage: SqlStorage) -> None:
    await storage.migrate()
    assert await table_names(storage) >= TABLES
    assert await schema_diff(storage) == []


def test_storage_implements_the_port(storage: SqlStorage) -> None:
    port: Storage = storage
    assert port is storage


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db:5432/sales", "postgresql+asyncpg://u:p@db:5432/sales"),
        ("postgresql://u@db/sales", "postgresql+asyncpg://u@db/sales"),
        ("postgresql://u@db/sales?sslmode=require", "postgresql+asyncpg://u@db/sales?ssl=require"),
        ("postgresql+asyncpg://u@db/sales", "postgresql+asyncpg://u@db/sales"),
        ("sqlite:///data/salesbot.db", "sqlite+aiosqlite:///data/salesbot.db"),
        ("sqlite+aiosqlite:///data/salesbot.db", "sqlite+aiosqlite:///data/salesbot.db"),
    ],
)
def test_database_url_forms_are_converted_to_async_drivers(given: str, expected: str) -> None:
    assert async_url(given).render_as_string(hide_password=False) == expected


def test_unsupported_database_url_is_refused() -> None:
    with pytest.raises(ValueError, match="mysql"):
        async_url("mysql://u@db/sales")


# -- transcript --------------------------------------------------------------------------------


async def test_record_inbound_is_false_for_a_duplicate_channel_and_message_id(storage: SqlStorage) -> None:
    assert await storage.record_inbound(inbound(key(1), "m1")) is True
    assert await storage.record_inbound(inbound(key(1), "m1", "redelivered")) is False
    # the same platform id on another channel is another message
    assert await storage.record_inbound(inbound(key(1, channel="sms"), "m1")) is True
    lines = await storage.transcript(key(1))
    assert [(line.seq, line.text) for line in lines] == [(1, "hello")]


async def test_concurrent_duplicates_store_exactly_one(storage: SqlStorage) -> None:
    results = await asyncio.gather(*(storage.record_inbound(inbound(key(1), "same")) for _ in range(10)))
    assert sorted(results) == [False] * 9 + [True]
    assert len(await storage.transcript(key(1))) == 1


async def test_concurrent_messages_of_one_conversation_get_distinct_seqs(storage: SqlStorage) -> None:
    results = await asyncio.gather(*(storage.record_inbound(inbound(key(1), f"m{i}")) for i in range(10)))
    assert all(results)
    assert [line.seq for line in await storage.transcript(key(1))] == list(range(1, 11))


async def test_transcript_is_ordered_by_seq_and_replays_after_seq(storage: SqlStorage) -> None:
    k = key(1)
    await storage.record_inbound(inbound(k, "m1", "hi"))
    out = await storage.record_outbound(k, OutboundMessage("hello!"), "r1")
    await storage.record_inbound(inbound(key(2), "other", "another conversation"))
    await storage.record_inbound(inbound(k, "m2", "price?"))
    await storage.record_outbound(k, OutboundMessage("$10"), "r2")

    assert out.seq == 2 and out.direction == "out" and out.message_id == "r1"
    lines = await storage.transcript(k)
    assert [(line.seq, line.direction, line.text) for line in lines] == [
        (1, "in", "hi"),
        (2, "out", "hello!"),
        (3, "in", "price?"),
        (4, "out", "$10"),
    ]
    assert [line.message_id for line in lines] == ["m1", "r1", "m2", "r2"]
    assert [line.seq for line in await storage.transcript(k, after_seq=2)] == [3, 4]
    assert await storage.transcript(k, after_seq=4) == []
    assert [line.seq for line in await storage.transcript(key(2))] == [1]
    assert all(line.at.tzinfo is not None for line in lines)


async def test_record_outbound_is_idempotent_and_never_collides_with_inbound(storage: SqlStorage) -> None:
    k = key(1)
    assert await storage.record_inbound(inbound(k, "42"))
    first = await storage.record_outbound(k, OutboundMessage("reply"), "42")
    again = await storage.record_outbound(k, OutboundMessage("reply"), "42")
    assert first == again
    assert [line.seq for line in await storage.transcript(k)] == [1, 2]


# -- leads -------------------------------------------------------------------------------------


async def test_save_lead_upserts_one_lead_per_conversation_and_keeps_its_stage(storage: SqlStorage) -> None:
    first = await storage.save_lead(key(1), Lead(name="Jane Doe"))
    assert first.stage == "new" and first.key == key(1)
    await storage.set_stage(first.id, "qualified")

    second = await storage.save_lead(key(1), Lead(name="Jane Doe", company="Acme", score=70, hot=True))
    assert second.id == first.id
    assert second.stage == "qualified"
    assert second.lead.company == "Acme" and second.lead.hot is True
    assert second.created_at == first.created_at
    assert second.updated_at >= first.updated_at
    assert await storage.lead_for(key(1)) == second
    assert await storage.get_lead(first.id) == second
    assert await storage.lead_for(key(2)) is None
    assert await storage.get_lead(9999) is None


async def test_saving_an_unchanged_lead_keeps_updated_at(storage: SqlStorage) -> None:
    first = await storage.save_lead(key(1), Lead(name="Jane"))
    again = await storage.save_lead(key(1), Lead(name="Jane"))
    assert again == first


async def test_lead_fields_round_trip_exactly(storage: SqlStorage) -> None:
    lead = Lead(
        name="Jane Doe",
        email="jane@acme.example",
        skus=("BL-CM300", "BL-CM500"),
        quantity=3,
        budget=Decimal("12500.50"),
        budget_currency="USD",
        is_decision_maker=True,
        score=81,
        hot=True,
        reasons=("budget", "timeline"),
    )
    stored = await storage.save_lead(key(1), lead)
    assert stored.lead == lead
    assert (await storage.lead_for(key(1))) == stored
    assert isinstance(stored.lead.budget, Decimal) and isinstance(stored.lead.skus, tuple)


async def test_cyrillic_round_trips_in_leads_and_transcripts(storage: SqlStorage) -> None:
    k = key(1)
    lead = Lead(name="Иван Петров", company="ООО «Ромашка»", timeline_text="до конца месяца")
    stored = await storage.save_lead(k, lead)
    await storage.record_inbound(inbound(k, "м-1", "Сколько стоит кофемашина?"))
    await storage.record_outbound(k, OutboundMessage("Кофемашина стоит 12 500 ₽."), "ответ-1")
    assert (await storage.get_lead(stored.id)) == stored
    assert stored.lead == lead
    lines = await storage.transcript(k)
    assert [line.text for line in lines] == ["Сколько стоит кофемашина?", "Кофемашина стоит 12 500 ₽."]
    assert [line.message_id for line in lines] == ["м-1", "ответ-1"]


async def test_long_percent_encoded_keys_and_message_ids_are_stored(storage: SqlStorage) -> None:
    # Regression: keys are percent-encoded (bot tokens with ':', Cyrillic names triple in length)
    # and email Message-IDs are long; a VARCHAR(512) column rejected them on PostgreSQL.
    thread = "<" + "тема" * 100 + "@mail.example>"
    k = ConversationKey("email", "123456:AAF-token", thread, "Иван Петров" * 20)
    assert len(k.as_str()) > 2000
    message_id = "<" + "x" * 900 + "@mail.example>"
    assert await storage.record_inbound(inbound(k, message_id, "Добрый день"))
    assert not await storage.record_inbound(inbound(k, message_id, "Добрый день"))
    await storage.record_outbound(k, OutboundMessage("Здравствуйте"), message_id)
    record = await storage.save_lead(k, Lead(name="Иван"))
    assert [line.key for line in await storage.transcript(k)] == [k, k]
    assert (await storage.lead_for(k)) == record and record.key == k


async def test_set_stage_validates_the_stage_and_the_lead(storage: SqlStorage) -> None:
    record = await storage.save_lead(key(1), Lead(name="Jane"))
    with pytest.raises(ValueError, match="unknown stage"):
        await storage.set_stage(record.id, "maybe")
    with pytest.raises(KeyError):
        await storage.set_stage(9999, "won")
    moved = await storage.set_stage(record.id, "won")
    assert moved.stage == "won" and moved.updated_at > record.updated_at
    assert (await storage.get_lead(record.id)) == moved


async def test_owner_and_takeover_are_kept_apart_from_the_lead_and_survive_its_saves(storage: SqlStorage) -> None:
    record = await storage.save_lead(key(1), Lead(name="Jane"))
    with pytest.raises(KeyError):
        await storage.set_owner(9999, "anna")
    owned = await storage.set_owner(record.id, "anna")
    assert owned.owner == "anna" and owned.updated_at > record.updated_at  # the CRM hears of the owner
    assert (await storage.set_owner(record.id, "anna")).updated_at == owned.updated_at  # no change, no news
    taken = await storage.set_taken_over(record.id, "anna")
    saved = await storage.save_lead(key(1), Lead(name="Jane", email="jane@acme.example"))
    assert (taken.taken_over_by, saved.owner, saved.taken_over_by) == ("anna", "anna", "anna")
    assert (await storage.set_taken_over(record.id, None)).taken_over_by is None


async def test_list_leads_is_most_recently_updated_first(storage: SqlStorage) -> None:
    a = await storage.save_lead(key(1), Lead(name="A"))
    b = await storage.save_lead(key(2), Lead(name="B"))
    c = await storage.save_lead(key(3), Lead(name="C"))
    assert [r.id for r in await storage.list_leads()] == [c.id, b.id, a.id]
    await storage.save_lead(key(1), Lead(name="A", company="Acme"))
    assert [r.id for r in await storage.list_leads()] == [a.id, c.id, b.id]
    await storage.set_stage(b.id, "proposal")
    assert [r.id for r in await storage.list_leads(limit=2)] == [b.id, a.id]


# -- CRM outbox --------------------------------------------------------------------------------


async def test_enqueue_queues_the_same_lead_state_once(storage: SqlStorage) -> None:
    outbox = CrmOutbox(storage)
    record = await storage.save_lead(key(1), Lead(name="Jane"))
    await outbox.enqueue(record)
    await outbox.enqueue(record)
    await outbox.enqueue(await storage.save_lead(key(1), Lead(name="Jane")))  # unchanged: same state
    assert await outbox.pending() == 1
    await outbox.enqueue(await storage.save_lead(key(1), Lead(name="Jane", company="Acme")))
    assert await outbox.pending() == 2


async def test_relay_delivers_due_states_to_the_sink_and_marks_them(storage: SqlStorage) -> None:
    outbox, sink = CrmOutbox(storage), RecordingSink()
    jane = await storage.save_lead(key(1), Lead(name="Jane", budget=Decimal("99.90")))
    ivan = await storage.save_lead(key(2), Lead(name="Иван"))
    await outbox.enqueue(jane)
    await outbox.enqueue(ivan)

    assert await outbox.relay_once(sink) == 2
    assert sink.synced == [jane, ivan]
    assert await outbox.pending() == 0
    assert await outbox.relay_once(sink) == 0
    assert sink.calls == 2
    rows = await outbox_rows(storage)
    assert all(row.delivered_at is not None and row.attempts == 1 for row in rows)


async def test_failing_sink_is_retried_with_backoff_and_the_state_is_not_lost(storage: SqlStorage) -> None:
    outbox, sink = CrmOutbox(storage, base_delay=5, max_delay=600), RecordingSink(failures=12)
    record = await storage.save_lead(key(1), Lead(name="Jane"))
    await outbox.enqueue(record)
    now = datetime.now(UTC)

    assert await outbox.relay_once(sink, now=now) == 0
    [row] = await outbox_rows(storage)
    assert row.attempts == 1 and row.delivered_at is None
    assert row.next_attempt_at == now + timedelta(seconds=5)
    assert row.last_error is not None and "CRM down" in row.last_error

    # not due yet: the sink is not called again
    assert await outbox.relay_once(sink, now=now + timedelta(seconds=4)) == 0
    assert sink.calls == 1

    delays = []
    while sink.calls < 12:
        [row] = await outbox_rows(storage)
        now = row.next_attempt_at
        assert await outbox.relay_once(sink, now=now) == 0
        [after] = await outbox_rows(storage)
        delays.append((after.next_attempt_at - now).total_seconds())
    assert delays[:4] == [10, 20, 40, 80]
    assert max(delays) == 600  # capped
    assert await outbox.pending() == 1

    assert await outbox.relay_once(sink, now=now + timedelta(seconds=600)) == 1
    assert sink.synced == [record]
    [row] = await outbox_rows(storage)
    assert row.attempts == 13 and row.delivered_at is not None and row.last_error is None


async def test_a_newer_state_waits_while_an_older_one_is_retried(storage: SqlStorage) -> None:
    outbox, sink = CrmOutbox(storage, base_delay=5), RecordingSink(failures=1)
    old = await storage.save_lead(key(1), Lead(name="Jane"))
    await outbox.enqueue(old)
    new = await storage.save_lead(key(1), Lead(name="Jane", company="Acme"))
    await outbox.enqueue(new)
    other = await storage.save_lead(key(2), Lead(name="Bob"))
    await outbox.enqueue(other)
    now = datetime.now(UTC)

    assert await outbox.relay_once(sink, now=now) == 1  # Jane's old state failed; Bob is not held up
    assert sink.synced == [other]
    assert await outbox.relay_once(sink, now=now + timedelta(seconds=5)) == 2
    assert sink.synced == [other, old, new]  # the CRM ends on Jane's newest state


async def test_run_relays_until_stopped(storage: SqlStorage) -> None:
    outbox, sink = CrmOutbox(storage), RecordingSink()
    stop = asyncio.Event()
    task = asyncio.create_task(outbox.run(sink, stop, interval=0.01))
    record = await storage.save_lead(key(1), Lead(name="Jane"))
    await outbox.enqueue(record)
    for _ in range(500):
        if sink.synced:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert sink.synced == [record]


# -- pending messages, replies, leads that only grow (issue 8) --------------------------------


async def test_a_message_is_pending_until_marked_handled_whatever_came_after_it(storage: SqlStorage) -> None:
    for n in (1, 2, 3):
        await storage.record_inbound(inbound(key(), f"m{n}", f"question {n}"))
    await storage.record_replies(key(), "m2", [OutboundMessage("answer 2")])
    await storage.mark_handled(key(), "m2")

    assert [m.message_id for m in await storage.pending(key())] == ["m1", "m3"]
    assert await storage.pending_conversations() == [key()]
    for n in (1, 3):
        await storage.mark_handled(key(), f"m{n}")
    assert await storage.pending(key()) == [] and await storage.pending_conversations() == []


async def test_replies_are_stored_all_at_once_and_a_second_answer_gets_the_first(storage: SqlStorage) -> None:
    await storage.record_inbound(inbound(key(), "m1"))
    first = await storage.record_replies(key(), "m1", [OutboundMessage("one"), OutboundMessage("two")])
    again = await storage.record_replies(key(), "m1", [OutboundMessage("something else")])

    assert [(line.message_id, line.text) for line in first] == [("m1#r0", "one"), ("m1#r1", "two")]
    assert again == first == await storage.replies_to(key(), "m1")
    assert await storage.replies_to(key(), "m") == []  # ids are matched exactly, not by prefix
    assert [line.seq for line in await storage.transcript(key())] == [1, 2, 3]


async def test_racing_answers_to_one_message_store_one_of_them(storage: SqlStorage) -> None:
    await storage.record_inbound(inbound(key(), "m1"))
    results = await asyncio.gather(
        *(storage.record_replies(key(), "m1", [OutboundMessage(f"holder {n}")]) for n in range(4))
    )
    assert len({tuple(line.text for line in lines) for lines in results}) == 1
    assert len(await storage.transcript(key())) == 2


async def test_a_lead_saved_with_fewer_fields_keeps_the_stored_ones(storage: SqlStorage) -> None:
    await storage.save_lead(key(), Lead(name="Jane Doe", email="jane@acme.example", quantity=25))
    record = await storage.save_lead(key(), Lead(quantity=40))  # a session that lost its lead

    assert (record.lead.name, record.lead.email, record.lead.quantity) == ("Jane Doe", "jane@acme.example", 40)


async def test_concurrent_saves_of_one_lead_each_with_one_field_keep_both(storage: SqlStorage) -> None:
    # Regression: save_lead read the stored lead, then upserted its merge in a second step, so of
    # two holders saving at once (a conversation lock lost to a stall) the later write dropped the
    # field only the earlier one had: a lead lost the quantity the customer gave.
    keys = [key(n) for n in range(8)]
    await asyncio.gather(*(storage.save_lead(k, Lead(name="Jane Doe")) for k in keys[4:]))  # an update, too
    await asyncio.gather(*(
        save for k in keys
        for save in (storage.save_lead(k, Lead(quantity=25)), storage.save_lead(k, Lead(email="jane@acme.example")))
    ))

    for k in keys:
        record = await storage.lead_for(k)
        assert record is not None and (record.lead.quantity, record.lead.email) == (25, "jane@acme.example"), k


async def test_upgrading_an_older_database_leaves_only_unanswered_messages_pending(tmp_path: Path) -> None:
    from bot.storage import migrate

    db = await SqlStorage.connect(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await migrate.upgrade(db.engine, "0001")  # as the version before `handled_at` left it
        rows = [(1, "in", "m1"), (2, "in", "m2"), (3, "out", "out:m1#r0")]
        async with db.engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO conversations (key, channel, last_seq, created_at, updated_at) "
                     "VALUES (:key, 'telegram', 3, :now, :now)"),
                {"key": key().as_str(), "now": datetime.now(UTC)},
            )
            for seq, direction, message_id in rows:
                await connection.execute(
                    text("INSERT INTO messages (conversation_key, channel, direction, message_id, seq, text, "
                         "created_at) VALUES (:key, 'telegram', :direction, :id, :seq, 'hi', :now)"),
                    {"key": key().as_str(), "direction": direction, "id": message_id, "seq": seq,
                     "now": datetime.now(UTC)},
                )
        await db.migrate()
        assert [m.message_id for m in await db.pending(key())] == ["m2"]
    finally:
        await db.close()
