"""What a crash, a failed write or hostile text used to cost, on a real SQLite database.

Each test is named after what broke (issue 8): an acked message lost to a failed store,
text the database refused, a stored message never answered after a restart, a lead
erased by a restart, a turn answered twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

from bot.model import InboundMessage, OutboundMessage
from bot.sessions.memory import MemorySessionStore
from bot.testing import MemoryOutbox
from tests.unit.bot.test_pipeline import EchoResponder, Parts, key, lines


def fail_inserts_of(database: Path, text: str) -> None:
    """A real write failure: the database refuses this text (as a full disk would any)."""
    with sqlite3.connect(database) as db:
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON messages WHEN NEW.text = ? "
            "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END".replace("?", f"'{text}'")
        )


def allow_inserts(database: Path) -> None:
    with sqlite3.connect(database) as db:
        db.execute("DROP TRIGGER refuse")


async def test_a_message_whose_store_failed_is_stored_and_answered_when_resent_not_called_a_duplicate(
    parts: Parts, tmp_path: Path
) -> None:
    bot, message = parts.bot(), InboundMessage(key(), "m1", "Do you deliver to Toronto?")
    fail_inserts_of(tmp_path / "salesbot.db", message.text)
    with contextlib.suppress(Exception):  # the channel answers "try again" and the client resends
        await bot.submit(message)
    allow_inserts(tmp_path / "salesbot.db")

    assert await bot.submit(message) is True  # not "duplicate": the first try stored nothing
    await bot.process(message)
    assert await lines(parts, key()) == [("in", message.text), ("out", "echo: Do you deliver to Toronto?")]


async def test_text_with_nul_and_lone_surrogates_is_stored_and_answered(parts: Parts) -> None:
    bot = parts.bot()
    handled = await bot.handle(InboundMessage(key(), "m1", "Price\x00 of \ud800 Office 300?"))
    assert [r.text for r in handled.replies] == ["echo: Price of \ufffd Office 300?"]
    assert await lines(parts, key()) == [("in", "Price of \ufffd Office 300?"), ("out", handled.replies[0].text)]


async def test_a_stored_message_is_answered_after_a_restart_even_when_a_later_one_was_answered(
    parts: Parts,
) -> None:
    # What a crash leaves: m1 stored but never answered, m2 stored and answered after it.
    first, second = InboundMessage(key(), "m1", "first question"), InboundMessage(key(), "m2", "second")
    await parts.storage.record_inbound(first)
    await parts.storage.record_inbound(second)
    await parts.storage.record_replies(key(), "m2", [OutboundMessage("answer to the second")])
    await parts.storage.mark_handled(key(), "m2")

    outbox = MemoryOutbox()
    restarted = parts.bot(outbox=outbox)
    workers = asyncio.create_task(parts.queue.run(restarted.process))
    try:
        assert await restarted.recover() == 1
        await asyncio.wait_for(parts.queue.join(), 10)
    finally:
        workers.cancel()

    assert [m.text for m in outbox.sent[key()]] == ["echo: first question"]
    assert await parts.storage.pending(key()) == []


async def test_a_reply_stored_before_a_crash_is_sent_again_under_its_key_not_answered_anew(parts: Parts) -> None:
    message = InboundMessage(key(), "m1", "How much is the Office 300?")
    await parts.storage.record_inbound(message)
    await parts.storage.record_replies(key(), "m1", [OutboundMessage("stored before the crash")])

    responder, outbox = EchoResponder(), MemoryOutbox()
    await parts.bot(responder, outbox).process(message)

    assert responder.calls == 0
    assert [m.text for m in outbox.sent[key()]] == ["stored before the crash"]
    assert outbox.keys == {"m1#r0"}
    assert [d for d, _ in await lines(parts, key())] == ["in", "out"]


async def test_a_restart_keeps_every_lead_field_and_the_history(parts: Parts) -> None:
    await parts.bot().handle(InboundMessage(key(), "m1", "I'm Jane Doe, jane.doe@acme.example, +1 415 555 0100"))

    parts.sessions = MemorySessionStore()  # the process died: its in-memory sessions are gone
    restarted = parts.bot()
    await restarted.handle(InboundMessage(key(), "m2", "We need 12 Downlight Round 25"))

    record = await parts.storage.lead_for(key())
    assert record is not None
    lead = record.lead
    assert (lead.name, lead.email, lead.phone) == ("Jane Doe", "jane.doe@acme.example", "+14155550100")
    assert (lead.skus, lead.quantity) == (("NW-DL25",), 12)
    history = (await parts.sessions.load(key())).history
    assert [t.role for t in history] == ["customer", "bot", "customer", "bot"]


async def test_a_conversations_messages_are_answered_in_seq_order_whoever_holds_the_lock(parts: Parts) -> None:
    # Two messages stored before any worker ran (two servers took one each): the first worker
    # to get the lock answers both, oldest first; the other finds nothing left to do.
    bot = parts.bot()
    messages = [InboundMessage(key(), f"m{n}", f"question {n}") for n in (1, 2)]
    for message in messages:
        await parts.storage.record_inbound(message)

    await bot.process(messages[1])
    await bot.process(messages[0])

    texts = [text for direction, text in await lines(parts, key()) if direction == "out"]
    assert texts == ["echo: question 1", "echo: question 2"]
