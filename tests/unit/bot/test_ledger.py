"""The channel ledger on a real SQLite file: every write may be repeated without effect."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.lead import Lead, LeadUpdate, channel_facts
from bot.model import Attachment, Contact, ConversationKey, InboundMessage
from bot.storage import SqlLedger, SqlStorage

KEY = ConversationKey("email", "sales@shop.example", "<root@x>", "anna@client.example")
OTHER = ConversationKey("email", "sales@shop.example", "<other@x>", "bob@client.example")


@pytest.fixture
async def ledger(tmp_path: Path) -> AsyncIterator[SqlLedger]:
    storage = await SqlStorage.connect(f"sqlite+aiosqlite:///{tmp_path / 'salesbot.db'}")
    await storage.migrate()
    yield SqlLedger(storage)
    await storage.close()


async def test_a_payload_kept_twice_keeps_the_first(ledger: SqlLedger) -> None:
    photo = Attachment("photo.jpg", "image/jpeg", platform_id="AgAD-file")
    assert await ledger.keep(InboundMessage(KEY, "<m1@x>", "hi", attachments=(photo,)), b"raw one")
    assert not await ledger.keep(InboundMessage(KEY, "<m1@x>", "hi"), b"raw two", "auto-reply")  # a redelivery

    assert await ledger.latest_raw(KEY) == b"raw one"
    assert await ledger.disposition("email", "<m1@x>") == "dialogue"


async def test_latest_raw_skips_messages_that_never_reached_the_dialogue(ledger: SqlLedger) -> None:
    await ledger.keep(InboundMessage(KEY, "<m1@x>", "question"), b"question")
    await ledger.keep(InboundMessage(KEY, "<m2@x>", "I am out of office"), b"ooo", "auto-reply")

    assert await ledger.latest_raw(KEY) == b"question"
    assert await ledger.latest_raw(OTHER) is None


async def test_conversation_of_finds_inbound_and_outbound_ids_nearest_first(ledger: SqlLedger) -> None:
    await ledger.keep(InboundMessage(KEY, "<m1@x>", "q"), b"q")
    await ledger.keep(InboundMessage(OTHER, "<o1@x>", "q"), b"q")
    await ledger.record_delivery(KEY, "m1#r0", "<reply1@shop>", "sent")

    assert await ledger.conversation_of("email", ["<unknown@x>", "<reply1@shop>"]) == KEY
    assert await ledger.conversation_of("email", ["<m1@x>", "<o1@x>"]) == OTHER
    assert await ledger.conversation_of("sms", ["<m1@x>"]) is None
    assert await ledger.conversation_of("email", []) is None


async def test_a_delivery_is_noted_once_and_its_status_follows_the_platform(ledger: SqlLedger) -> None:
    await ledger.record_delivery(KEY, "m1#r0", "SM1", "queued")
    await ledger.record_delivery(KEY, "m1#r0", "SM2", "queued")  # a retry of the same send

    first = await ledger.delivered("email", "m1#r0")
    assert first is not None and first.external_id == "SM1"
    changed = await ledger.record_status("email", "SM1", "undelivered", "30003: Unreachable handset")
    assert changed is not None and (changed.status, changed.error) == ("undelivered", "30003: Unreachable handset")
    assert await ledger.record_status("email", "SM-unknown", "delivered") is None


async def test_blocks_and_positions(ledger: SqlLedger) -> None:
    await ledger.block(KEY, "opt-out")
    await ledger.block(KEY, "opt-out")
    assert await ledger.blocked(KEY) == "opt-out"
    assert await ledger.blocked(OTHER) is None
    await ledger.unblock(KEY)
    assert await ledger.blocked(KEY) is None

    assert await ledger.position("email", "INBOX") is None
    await ledger.set_position("email", "INBOX", "7:12")
    await ledger.set_position("email", "INBOX", "7:13")
    assert await ledger.position("email", "INBOX") == "7:13"


def test_channel_facts_fill_only_what_the_lead_does_not_know() -> None:
    told = Lead(name="Anna Smith", phone="+15551230000")
    known = told.fill_unknown(channel_facts(Contact(name="anna_s", email="anna@client.example", phone="+1999"), "ad"))

    assert (known.name, known.phone, known.email, known.source) == (
        "Anna Smith", "+15551230000", "anna@client.example", "ad"
    )
    assert known.merge(LeadUpdate(email="anna@work.example")).email == "anna@work.example"


async def test_positions_are_listed_by_prefix_without_the_emptied_ones(ledger: SqlLedger) -> None:
    await ledger.set_position("slack", "open:2", "1")
    await ledger.set_position("slack", "open:10", "1")
    await ledger.set_position("slack", "open:3", "")  # done: emptied, not deleted
    await ledger.set_position("slack", "opened", "x")
    await ledger.set_position("slack", "o%en:4", "1")  # a LIKE wildcard in a name matches only itself
    await ledger.set_position("email", "open:5", "1")

    assert await ledger.positions("slack", "open:") == {"open:10": "1", "open:2": "1"}
    assert await ledger.positions("slack", "o%") == {"o%en:4": "1"}
