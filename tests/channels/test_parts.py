"""Sending a reply's parts exactly once (`channels.parts`) on the ledger's claims, on SQLite and on
the real local PostgreSQL (each sender on its own connection, as workers on several hosts are)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.model import ConversationKey
from bot.storage import SqlLedger, SqlStorage
from channels.parts import send_once
from tests.integration.test_postgres_storage import _create_database, _drop_database

KEY = ConversationKey("telegram", "1", "42", "42")


@pytest.fixture(params=["sqlite", "postgresql"])
async def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlLedger]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'salesbot.db'}"
    else:
        try:
            url = await _create_database()
        except ConnectionError as exc:
            pytest.skip(f"PostgreSQL is unreachable: {exc}")
    storage = await SqlStorage.connect(url)
    try:
        await storage.migrate()
        yield SqlLedger(storage)
    finally:
        await storage.close()
        if request.param == "postgresql":
            await _drop_database(url)


async def test_many_senders_of_one_part_at_once_send_it_once(ledger: SqlLedger) -> None:
    sends: list[int] = []

    async def send(worker: int) -> str:
        sends.append(worker)
        await asyncio.sleep(0.2)  # the others try while this one is mid-call
        return f"platform-id-{worker}"

    results = await asyncio.gather(
        *(send_once(ledger, KEY, "out:r1#p0", lambda n=n: send(n), "sent") for n in range(5))
    )

    assert len(sends) == 1 and results.count(True) == 1
    delivery = await ledger.delivered("telegram", "out:r1#p0")
    assert delivery is not None and delivery.external_id == f"platform-id-{sends[0]}"


async def test_a_claim_is_renewed_by_its_holder_and_taken_over_once_its_holder_stopped(ledger: SqlLedger) -> None:
    assert await ledger.claim(KEY, "out:r1#p0", "worker-a", 30) == "mine"
    assert await ledger.claim(KEY, "out:r1#p0", "worker-b", 30) == "busy"
    assert await ledger.claim(KEY, "out:r1#p0", "worker-a", 30) == "mine"  # renewing
    assert await ledger.delivered("telegram", "out:r1#p0") is None  # a claim is no delivery

    await asyncio.sleep(0.05)
    # worker-a died: not renewed within the lease, its claim goes to the next sender.
    assert await ledger.claim(KEY, "out:r1#p0", "worker-b", 0.01) == "mine"
    await ledger.record_delivery(KEY, "out:r1#p0", "platform-id", "sent")

    assert await ledger.claim(KEY, "out:r1#p0", "worker-a", 0.01) == "sent"


async def test_a_failed_send_gives_its_claim_back_at_once(ledger: SqlLedger) -> None:
    async def failing() -> str:
        raise ConnectionError("the platform is down")

    with pytest.raises(ConnectionError):
        await send_once(ledger, KEY, "out:r1#p0", failing, "sent")

    assert await ledger.delivered("telegram", "out:r1#p0") is None
    assert await ledger.claim(KEY, "out:r1#p0", "the-retry", 30) == "mine"  # no lease to wait out
