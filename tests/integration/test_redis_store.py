"""RedisSessionStore against a real local Redis.

Each test uses its own random key prefix and deletes its keys afterwards.
Skipped only when Redis is unreachable and CI is not set; under CI an
unreachable Redis is a failure, never a silent skip.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.errors import LockTimeout
from bot.model import ConversationKey
from bot.session import SessionSchemaError
from bot.sessions.redis import RedisSessionStore

REDIS_URL = os.environ.get("SALESBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
WORKER = Path(__file__).with_name("_lock_worker.py")
REPO = Path(__file__).resolve().parents[2]
KEY = ConversationKey("telegram", "123456:AAbb", "chat:42", "user7")  # ':' inside parts on purpose


@pytest.fixture
async def client() -> AsyncIterator[Redis]:
    redis = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await redis.ping()
    except (RedisError, OSError) as exc:
        await redis.aclose()
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {REDIS_URL} is unreachable and CI is set: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} is unreachable ({exc}); under CI this fails instead")
    yield redis
    await redis.aclose()


@pytest.fixture
async def prefix(client: Redis) -> AsyncIterator[str]:
    name = f"salesbot-test-{secrets.token_hex(8)}"
    yield name
    keys = [k async for k in client.scan_iter(match=f"{name}:*")]
    if keys:
        await client.delete(*keys)


def store(client: Redis, prefix: str, **kw: Any) -> RedisSessionStore:
    return RedisSessionStore(client, prefix=prefix, **kw)


def text(value: bytes | str | None) -> str:
    assert value is not None
    return value.decode() if isinstance(value, bytes) else value


def lock_key(prefix: str, key: ConversationKey = KEY) -> str:
    return f"{prefix}:lock:{key.as_str()}"


async def test_save_load_round_trip_across_clients(client: Redis, prefix: str) -> None:
    writer = store(client, prefix)
    session = await writer.load(KEY)
    session.add_turn("customer", "Здравствуйте, нужен счёт на 3 лицензии")
    session.language = "ru"
    await writer.save(session)

    reader = RedisSessionStore.from_url(REDIS_URL, prefix=prefix)
    try:
        loaded = await reader.load(KEY)
    finally:
        await reader.close()

    assert loaded == session


async def test_load_of_unknown_conversation_is_fresh(client: Redis, prefix: str) -> None:
    session = await store(client, prefix).load(KEY)

    assert session.key == KEY
    assert session.history == []


async def test_session_key_has_ttl_refreshed_on_save(client: Redis, prefix: str) -> None:
    sessions = store(client, prefix, ttl_seconds=300)
    name = f"{prefix}:session:{KEY.as_str()}"
    await sessions.save(await sessions.load(KEY))
    assert 295 <= await client.ttl(name) <= 300

    await client.expire(name, 5)
    await sessions.save(await sessions.load(KEY))

    assert 295 <= await client.ttl(name) <= 300


async def test_unknown_schema_is_refused(client: Redis, prefix: str) -> None:
    await client.set(f"{prefix}:session:{KEY.as_str()}", json.dumps({"v": 99}))

    with pytest.raises(SessionSchemaError):
        await store(client, prefix).load(KEY)


async def test_seen_is_only_what_was_remembered_with_ttl(client: Redis, prefix: str) -> None:
    dedup = store(client, prefix, dedup_ttl_seconds=600)

    assert await dedup.seen("telegram", "1001") is False
    await dedup.remember("telegram", "1001")
    assert await dedup.seen("telegram", "1001") is True
    assert await dedup.seen("sms", "1001") is False
    assert 595 <= await client.ttl(f"{prefix}:seen:telegram:1001") <= 600


async def test_lock_has_ttl_and_is_released(client: Redis, prefix: str) -> None:
    locks = store(client, prefix, lock_ttl_ms=5000)
    async with locks.lock(KEY):
        assert 0 < await client.pttl(lock_key(prefix)) <= 5000

    assert await client.exists(lock_key(prefix)) == 0


async def test_lock_is_released_when_the_handler_fails(client: Redis, prefix: str) -> None:
    locks = store(client, prefix)
    with pytest.raises(RuntimeError):
        async with locks.lock(KEY):
            raise RuntimeError("handler failed")

    assert await client.exists(lock_key(prefix)) == 0


async def test_lock_mutual_exclusion(client: Redis, prefix: str) -> None:
    # Separate store instances stand in for separate workers.
    events: list[str] = []

    async def handle(name: str) -> None:
        async with store(client, prefix, lock_timeout=5).lock(KEY):
            events.append(f"enter {name}")
            await asyncio.sleep(0.01)
            events.append(f"exit {name}")

    await asyncio.gather(*(handle(str(n)) for n in range(4)))

    assert len(events) == 8
    for enter, exit_ in zip(events[0::2], events[1::2], strict=True):
        assert enter.startswith("enter ") and exit_ == "exit " + enter.removeprefix("enter ")


async def test_different_conversations_do_not_wait(client: Redis, prefix: str) -> None:
    locks = store(client, prefix, lock_timeout=0.2)
    other = ConversationKey("telegram", "bot", "chat", "someone-else")

    async with locks.lock(KEY), locks.lock(other):
        pass

    assert locks.lock_waits == 0


async def test_lock_timeout_after_bounded_wait(client: Redis, prefix: str) -> None:
    holder, waiter = store(client, prefix), store(client, prefix, lock_timeout=0.1)
    async with holder.lock(KEY):
        with pytest.raises(LockTimeout) as err:
            async with waiter.lock(KEY):
                pytest.fail("entered a held lock")
        assert await client.exists(lock_key(prefix)) == 1  # the holder keeps it

    assert err.value.conversation == KEY.as_str()
    assert waiter.lock_timeouts == 1
    assert waiter.lock_waits == 1


async def test_crashed_holder_is_bounded_by_lock_ttl(client: Redis, prefix: str) -> None:
    # A holder that died without releasing: its key simply runs out.
    await client.set(lock_key(prefix), "dead-worker-token", px=100)

    async with store(client, prefix, lock_timeout=5).lock(KEY):
        assert text(await client.get(lock_key(prefix))) != "dead-worker-token"


async def test_a_live_holder_keeps_its_lock_beyond_the_ttl(client: Redis, prefix: str) -> None:
    # A turn slower than the TTL (an LLM taking its time): renewal keeps the lock ours.
    holder, other = store(client, prefix, lock_ttl_ms=300), store(client, prefix)
    async with holder.lock(KEY) as lease:
        await asyncio.sleep(1.0)
        with pytest.raises(LockTimeout):
            async with other.lock(KEY, wait=0):
                pytest.fail("entered a renewed lock")
        assert lease.held
    assert holder.locks_lost == 0
    assert await client.exists(lock_key(prefix)) == 0


async def test_a_lock_taken_over_is_reported_lost_and_not_released_by_the_old_holder(
    client: Redis, prefix: str
) -> None:
    slow = store(client, prefix, lock_ttl_ms=300)
    async with slow.lock(KEY) as lease:
        # The holder stalled past its TTL (no renewal ran) and another process took the lock.
        await client.set(lock_key(prefix), "new-owner-token", px=5000)
        await asyncio.sleep(0.4)  # a renewal attempt finds the lock is not ours
        assert not lease.held

    # The old holder's release must not have freed the new owner's lock.
    assert text(await client.get(lock_key(prefix))) == "new-owner-token"
    assert slow.locks_lost == 1


async def test_a_holder_is_confirmed_only_while_the_lock_is_still_its_own(client: Redis, prefix: str) -> None:
    holder = store(client, prefix, lock_ttl_ms=300)
    async with holder.lock(KEY) as lease:
        assert await lease.confirm()
        await client.delete(lock_key(prefix))  # its process stalled past the TTL: the key ran out
        assert not await lease.confirm()
        assert not lease.held


async def test_cross_process_lock_has_no_lost_updates(client: Redis, prefix: str) -> None:
    count, workers = 40, 2
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, str(WORKER), REDIS_URL, prefix, f"w{n}", str(count), str(workers),
            cwd=REPO, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        for n in range(workers)
    ]
    outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), timeout=60)
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
    stats = [json.loads(out) for out, _ in outputs]

    assert int(text(await client.get(f"{prefix}:counter"))) == count * workers
    markers = [text(m) for m in await client.lrange(f"{prefix}:markers", 0, -1)]
    assert len(markers) == 2 * count * workers
    for enter, exit_ in zip(markers[0::2], markers[1::2], strict=True):
        assert enter.startswith("enter:") and exit_ == "exit:" + enter.removeprefix("enter:")
    entries = [text(e) for e in await client.lrange(f"{prefix}:entries", 0, -1)]
    for n in range(workers):
        assert [e for e in entries if e.startswith(f"w{n}:")] == [f"w{n}:{i}" for i in range(count)]
    # The processes really contended (else the test proves nothing) and no lock expired.
    assert sum(s["lock_waits"] for s in stats) > 0
    assert sum(s["locks_lost"] for s in stats) == 0


async def test_ping_and_close_of_owned_client() -> None:
    owned = RedisSessionStore.from_url(REDIS_URL)
    try:
        assert await owned.ping() is True
    except (RedisError, OSError) as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis at {REDIS_URL} is unreachable ({exc}); under CI this fails instead")
    finally:
        await owned.close()


async def test_close_leaves_an_injected_client_open(client: Redis, prefix: str) -> None:
    await store(client, prefix).close()

    assert await client.ping() is True
