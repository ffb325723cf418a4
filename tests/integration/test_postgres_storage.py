"""SqlStorage, the CRM outbox, the local board and LLM spend against the real local PostgreSQL.

Each run creates a fresh database, migrates it with the packaged Alembic
migrations, and drops it afterwards. The behaviour tests are the SQLite unit
tests, imported and run again here with this module's `storage` fixture.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal

import asyncpg  # type: ignore[import-untyped]  # no stubs; only the admin connection uses it
import pytest
from sqlalchemy import text

from bot.crm import LocalBoard
from bot.lead import Lead
from bot.records import Spend
from bot.storage import CrmOutbox, SqlLedger, SqlSpendBook, SqlStorage
from tests.unit.bot.test_ledger import (
    test_a_payload_kept_twice_keeps_the_first,
    test_positions_are_listed_by_prefix_without_the_emptied_ones,
)
from tests.unit.bot.test_llm_spend import (
    ANNA,
    test_a_long_model_name_and_a_long_key_are_stored,
    test_concurrent_adds_to_one_row_all_count,
    test_costs_sum_exactly_to_the_picodollar,
    test_requests_add_up_per_conversation_and_model,
)
from tests.unit.bot.test_local_board import (
    test_card_moves_with_the_stage_and_a_stale_sync_does_not_move_it_back,
    test_outbox_relays_leads_onto_the_board,
    test_sync_writes_one_card_per_lead_and_is_idempotent,
)
from tests.unit.bot.test_sql_storage import (
    TABLES,
    RecordingSink,
    inbound,
    key,
    schema_diff,
    table_names,
    test_a_lead_saved_with_fewer_fields_keeps_the_stored_ones,
    test_a_message_is_pending_until_marked_handled_whatever_came_after_it,
    test_a_newer_state_waits_while_an_older_one_is_retried,
    test_concurrent_duplicates_store_exactly_one,
    test_concurrent_messages_of_one_conversation_get_distinct_seqs,
    test_concurrent_saves_of_one_lead_each_with_one_field_keep_both,
    test_cyrillic_round_trips_in_leads_and_transcripts,
    test_enqueue_queues_the_same_lead_state_once,
    test_failing_sink_is_retried_with_backoff_and_the_state_is_not_lost,
    test_lead_fields_round_trip_exactly,
    test_list_leads_is_most_recently_updated_first,
    test_long_percent_encoded_keys_and_message_ids_are_stored,
    test_migrate_again_is_a_no_op_and_the_migration_matches_the_models,
    test_owner_and_takeover_are_kept_apart_from_the_lead_and_survive_its_saves,
    test_racing_answers_to_one_message_store_one_of_them,
    test_record_inbound_is_false_for_a_duplicate_channel_and_message_id,
    test_record_outbound_is_idempotent_and_never_collides_with_inbound,
    test_relay_delivers_due_states_to_the_sink_and_marks_them,
    test_replies_are_stored_all_at_once_and_a_second_answer_gets_the_first,
    test_run_relays_until_stopped,
    test_save_lead_upserts_one_lead_per_conversation_and_keeps_its_stage,
    test_saving_an_unchanged_lead_keeps_updated_at,
    test_set_stage_validates_the_stage_and_the_lead,
    test_transcript_is_ordered_by_seq_and_replays_after_seq,
)

__all__ = [  # run here again, on PostgreSQL
    "test_a_lead_saved_with_fewer_fields_keeps_the_stored_ones",
    "test_a_long_model_name_and_a_long_key_are_stored",
    "test_a_message_is_pending_until_marked_handled_whatever_came_after_it",
    "test_a_newer_state_waits_while_an_older_one_is_retried",
    "test_a_payload_kept_twice_keeps_the_first",
    "test_card_moves_with_the_stage_and_a_stale_sync_does_not_move_it_back",
    "test_concurrent_adds_to_one_row_all_count",
    "test_concurrent_duplicates_store_exactly_one",
    "test_concurrent_messages_of_one_conversation_get_distinct_seqs",
    "test_concurrent_saves_of_one_lead_each_with_one_field_keep_both",
    "test_costs_sum_exactly_to_the_picodollar",
    "test_cyrillic_round_trips_in_leads_and_transcripts",
    "test_enqueue_queues_the_same_lead_state_once",
    "test_failing_sink_is_retried_with_backoff_and_the_state_is_not_lost",
    "test_lead_fields_round_trip_exactly",
    "test_list_leads_is_most_recently_updated_first",
    "test_long_percent_encoded_keys_and_message_ids_are_stored",
    "test_migrate_again_is_a_no_op_and_the_migration_matches_the_models",
    "test_outbox_relays_leads_onto_the_board",
    "test_owner_and_takeover_are_kept_apart_from_the_lead_and_survive_its_saves",
    "test_positions_are_listed_by_prefix_without_the_emptied_ones",
    "test_racing_answers_to_one_message_store_one_of_them",
    "test_record_inbound_is_false_for_a_duplicate_channel_and_message_id",
    "test_record_outbound_is_idempotent_and_never_collides_with_inbound",
    "test_relay_delivers_due_states_to_the_sink_and_marks_them",
    "test_replies_are_stored_all_at_once_and_a_second_answer_gets_the_first",
    "test_requests_add_up_per_conversation_and_model",
    "test_run_relays_until_stopped",
    "test_save_lead_upserts_one_lead_per_conversation_and_keeps_its_stage",
    "test_saving_an_unchanged_lead_keeps_updated_at",
    "test_set_stage_validates_the_stage_and_the_lead",
    "test_sync_writes_one_card_per_lead_and_is_idempotent",
    "test_transcript_is_ordered_by_seq_and_replays_after_seq",
]

HOST, PORT = "127.0.0.1", 5432
USERS = ("postgres", "root")  # whichever the local server trusts


async def _admin() -> asyncpg.Connection:
    errors = []
    for user in USERS:
        try:
            return await asyncpg.connect(host=HOST, port=PORT, user=user, database="postgres", timeout=5)
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            errors.append(f"{user}: {exc!r}")
    raise ConnectionError("; ".join(errors))


async def _create_database() -> str:
    """A fresh, empty database; returns its DATABASE_URL-style (plain postgresql://) URL."""
    name = f"salesbot_test_{secrets.token_hex(6)}"
    admin = await _admin()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        user = await admin.fetchval("SELECT current_user")
    finally:
        await admin.close()
    return f"postgresql://{user}@{HOST}:{PORT}/{name}"


async def _drop_database(url: str) -> None:
    admin = await _admin()
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await admin.close()


async def _migrated(url: str) -> None:
    db = await SqlStorage.connect(url)
    try:
        await db.migrate()
    finally:
        await db.close()


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    try:
        url = asyncio.run(_create_database())
    except ConnectionError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {HOST}:{PORT} is required in CI: {exc}")
        pytest.skip(f"PostgreSQL at {HOST}:{PORT} is unreachable (set CI to make this fail): {exc}")
    try:
        asyncio.run(_migrated(url))
        yield url
    finally:
        asyncio.run(_drop_database(url))


@pytest.fixture
async def storage(database_url: str) -> AsyncIterator[SqlStorage]:
    db = await SqlStorage.connect(database_url)
    async with db.engine.begin() as connection:
        await connection.execute(
            text("TRUNCATE board_cards, crm_outbox, messages, conversations, leads, llm_spend RESTART IDENTITY CASCADE")
        )
    yield db
    await db.close()


@pytest.fixture
def book(storage: SqlStorage) -> SqlSpendBook:
    return SqlSpendBook(storage)


@pytest.fixture
async def ledger(storage: SqlStorage) -> SqlLedger:
    async with storage.engine.begin() as connection:
        await connection.execute(text("TRUNCATE channel_payloads, channel_positions"))
    return SqlLedger(storage)


async def test_migrate_on_a_fresh_database_from_two_processes_at_once(database_url: str) -> None:
    url = await _create_database()
    first, second = await SqlStorage.connect(url), await SqlStorage.connect(url)
    try:
        assert await table_names(first) == set()
        # the advisory lock makes the second wait, then find the schema current
        await asyncio.gather(first.migrate(), second.migrate())
        assert await table_names(first) == TABLES
        assert await schema_diff(first) == []
        await first.ping()
    finally:
        await first.close()
        await second.close()
        await _drop_database(url)


async def test_racing_processes_store_a_duplicate_exactly_once(database_url: str) -> None:
    # Two engines stand for two worker processes, each with its own connection pool.
    engines = [await SqlStorage.connect(database_url) for _ in range(2)]
    try:
        message = inbound(key(7), "update-1001", "Здравствуйте")
        results = await asyncio.gather(*(engines[i % 2].record_inbound(message) for i in range(10)))
        assert sorted(results) == [False] * 9 + [True]
        assert [line.text for line in await engines[0].transcript(key(7))] == ["Здравствуйте"]
    finally:
        for db in engines:
            await db.close()


async def test_racing_processes_give_one_conversation_distinct_seqs(database_url: str) -> None:
    engines = [await SqlStorage.connect(database_url) for _ in range(2)]
    try:
        k = key(8)
        await asyncio.gather(*(engines[i % 2].record_inbound(inbound(k, f"race-{i}")) for i in range(20)))
        assert [line.seq for line in await engines[1].transcript(k)] == list(range(1, 21))
    finally:
        for db in engines:
            await db.close()


async def test_two_relays_deliver_each_state_once_to_the_board(storage: SqlStorage) -> None:
    outbox_a, outbox_b = CrmOutbox(storage), CrmOutbox(storage)
    sink = RecordingSink()
    for n in range(5):
        await outbox_a.enqueue(await storage.save_lead(key(n), Lead(name=f"Lead {n}")))
    delivered = await asyncio.gather(outbox_a.relay_once(sink), outbox_b.relay_once(sink))
    assert sum(delivered) == 5
    assert sorted(record.id for record in sink.synced) == [1, 2, 3, 4, 5]
    await CrmOutbox(storage).enqueue(sink.synced[0])
    assert await outbox_a.relay_once(LocalBoard(storage)) == 0  # that state was delivered already


async def test_racing_processes_add_every_request_to_one_spend_row(database_url: str) -> None:
    # Workers on two hosts answering the same conversation: the upsert's sum loses no request.
    engines = [await SqlStorage.connect(database_url) for _ in range(2)]
    try:
        books = [SqlSpendBook(db) for db in engines]
        await asyncio.gather(*(books[i % 2].add(ANNA, Spend("race-model", 3, 2, 1, 1, Decimal("0.000123")))
                               for i in range(40)))
        assert await books[0].spent(ANNA) == [Spend("race-model", 120, 80, 40, 40, Decimal("0.00492"))]
    finally:
        for db in engines:
            await db.close()
