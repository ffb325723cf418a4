"""Messages stored but never answered (a crash between ingress and worker) are found again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.model import ConversationKey, InboundMessage, OutboundMessage
from bot.storage import SqlStorage
from bot.storage.recovery import unanswered


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[SqlStorage]:
    store = await SqlStorage.connect(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    await store.migrate()
    yield store
    await store.close()


def key(name: str) -> ConversationKey:
    return ConversationKey("webchat", "site", name, name)


async def test_a_message_without_reply_is_found(storage: SqlStorage) -> None:
    await storage.record_inbound(InboundMessage(key("a"), "a-1", "How much is the Office 300?"))
    found = await unanswered(storage, since=datetime.now(UTC) - timedelta(hours=1))
    assert [(m.key, m.message_id, m.text) for m in found] == [(key("a"), "a-1", "How much is the Office 300?")]


async def test_answered_messages_are_not_found_but_later_ones_are(storage: SqlStorage) -> None:
    await storage.record_inbound(InboundMessage(key("b"), "b-1", "hi"))
    await storage.record_outbound(key("b"), OutboundMessage("hello"), "b-1#r0")
    await storage.record_inbound(InboundMessage(key("b"), "b-2", "price?"))
    await storage.record_inbound(InboundMessage(key("c"), "c-1", "answered"))
    await storage.record_outbound(key("c"), OutboundMessage("yes"), "c-1#r0")

    found = await unanswered(storage, since=datetime.now(UTC) - timedelta(hours=1))
    assert [m.message_id for m in found] == ["b-2"]


async def test_old_messages_are_left_alone(storage: SqlStorage) -> None:
    old = datetime.now(UTC) - timedelta(days=3)
    await storage.record_inbound(InboundMessage(key("d"), "d-1", "long ago", received_at=old))
    assert await unanswered(storage, since=datetime.now(UTC) - timedelta(hours=24)) == []
