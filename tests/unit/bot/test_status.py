"""Stage-change notifications: stored in the transcript, sent once, in the customer's language."""

from __future__ import annotations

from bot.lead import Lead
from bot.status import announce_stage, stage_idempotency_key, stage_message
from bot.storage import SqlStorage
from bot.testing import MemoryOutbox
from tests.unit.bot.test_sql_storage import key, storage

__all__ = ["storage"]  # the fixture, shared with the storage tests


async def test_announce_stores_and_sends_the_stage_in_english(storage: SqlStorage) -> None:
    outbox = MemoryOutbox()
    record = await storage.set_stage((await storage.save_lead(key(1), Lead(email="jane@example.com"))).id, "proposal")

    await announce_stage(record, outbox, storage, "en")

    assert [m.text for m in outbox.sent[key(1)]] == ["Your request has moved to: proposal"]
    lines = await storage.transcript(key(1))
    assert [(line.direction, line.text) for line in lines] == [("out", "Your request has moved to: proposal")]
    assert lines[0].message_id == stage_idempotency_key(record)


async def test_announce_speaks_russian_with_translated_stage_names(storage: SqlStorage) -> None:
    outbox = MemoryOutbox()
    record = await storage.set_stage((await storage.save_lead(key(2), Lead(name="Иван"))).id, "won")

    await announce_stage(record, outbox, storage, "ru")

    assert [m.text for m in outbox.sent[key(2)]] == ["Ваша заявка перешла на этап: сделка заключена"]


async def test_announcing_the_same_change_twice_sends_and_stores_it_once(storage: SqlStorage) -> None:
    outbox = MemoryOutbox()
    record = await storage.set_stage((await storage.save_lead(key(3), Lead())).id, "qualified")

    await announce_stage(record, outbox, storage, "en")
    await announce_stage(record, outbox, storage, "en")

    assert len(outbox.sent[key(3)]) == 1
    assert len(await storage.transcript(key(3))) == 1


async def test_moving_back_to_an_earlier_stage_is_a_new_announcement(storage: SqlStorage) -> None:
    outbox = MemoryOutbox()
    lead_id = (await storage.save_lead(key(4), Lead())).id
    first = await storage.set_stage(lead_id, "proposal")
    await storage.set_stage(lead_id, "qualified")
    again = await storage.set_stage(lead_id, "proposal")

    assert stage_idempotency_key(first) != stage_idempotency_key(again)
    await announce_stage(first, outbox, storage, "en")
    await announce_stage(again, outbox, storage, "en")
    assert len(outbox.sent[key(4)]) == 2


def test_unknown_languages_fall_back_to_english_and_regional_tags_are_understood() -> None:
    assert stage_message("lost", "de") == "Your request has moved to: lost"
    assert stage_message("new", "ru-RU") == "Ваша заявка перешла на этап: новая"
    assert stage_message("new", None) == "Your request has moved to: new"
