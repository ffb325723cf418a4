"""The local board CRM sink on a SQLite file."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.crm import LocalBoard
from bot.lead import Lead
from bot.ports import CRMSink
from bot.storage import CrmOutbox, SqlStorage
from tests.unit.bot.test_sql_storage import key, storage

__all__ = ["storage"]  # the fixture, shared with the storage tests


async def test_sync_writes_one_card_per_lead_and_is_idempotent(storage: SqlStorage) -> None:
    board = LocalBoard(storage)
    lead = Lead(name="Jane Doe", company="Acme Logistics", skus=("BL-CM300",), quantity=1, score=72, hot=True)
    record = await storage.save_lead(key(1), lead)
    await board.sync(record)
    await board.sync(record)

    cards = await board.cards()
    assert [card.title for card in cards["new"]] == ["Jane Doe — Acme Logistics — BL-CM300 ×1"]
    assert cards["new"][0].score == 72 and cards["new"][0].hot is True
    assert all(not cards[stage] for stage in ("qualified", "proposal", "won", "lost"))


async def test_card_moves_with_the_stage_and_a_stale_sync_does_not_move_it_back(storage: SqlStorage) -> None:
    board = LocalBoard(storage)
    old = await storage.save_lead(key(1), Lead(email="ivan@example.ru"))
    new = await storage.set_stage(old.id, "proposal")
    await board.sync(new)
    await board.sync(old)
    cards = await board.cards()
    assert [card.title for card in cards["proposal"]] == ["ivan@example.ru"]
    assert cards["new"] == []
    await board.sync(replace(new, stage="won", updated_at=new.updated_at + timedelta(seconds=1)))
    assert [card.lead_id for card in (await board.cards())["won"]] == [old.id]


async def test_title_falls_back_to_the_lead_number(storage: SqlStorage) -> None:
    board: CRMSink = LocalBoard(storage)
    record = await storage.save_lead(key(1), Lead(skus=("A-1", "B-2")))
    await board.sync(record)
    assert [c.title for c in (await LocalBoard(storage).cards())["new"]] == [f"Lead #{record.id} — A-1, B-2"]


async def test_outbox_relays_leads_onto_the_board(storage: SqlStorage) -> None:
    board, outbox = LocalBoard(storage), CrmOutbox(storage)
    record = await storage.save_lead(key(1), Lead(name="Иван Петров", company="ООО «Ромашка»"))
    await outbox.enqueue(record)
    assert await outbox.relay_once(board) == 1
    assert [c.title for c in (await board.cards())["new"]] == ["Иван Петров — ООО «Ромашка»"]
