"""The in-process session store: sessions, TTL, LRU bound, locks and dedup."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from bot.errors import LockTimeout
from bot.lead import Lead
from bot.model import ConversationKey
from bot.sessions import MemorySessionStore


class FakeClock:
    """Seconds that only move when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def key(n: int = 1) -> ConversationKey:
    return ConversationKey("webchat", "site", f"c{n}", f"visitor{n}")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def test_load_of_unknown_conversation_is_fresh() -> None:
    store = MemorySessionStore()

    session = await store.load(key())

    assert session.key == key()
    assert session.history == []


async def test_save_then_load_round_trips() -> None:
    store = MemorySessionStore()
    session = await store.load(key())
    session.add_turn("customer", "Сколько стоит?")
    session.lead = Lead(budget=Decimal("99.90"))

    await store.save(session)
    loaded = await store.load(key())

    assert loaded == session
    assert loaded is not session


async def test_mutation_without_save_does_not_leak() -> None:
    store = MemorySessionStore()
    session = await store.load(key())
    session.add_turn("customer", "hello")
    await store.save(session)

    loaded = await store.load(key())
    loaded.add_turn("bot", "not saved")

    assert [t.text for t in (await store.load(key())).history] == ["hello"]


async def test_key_with_colons_is_returned_as_asked() -> None:
    # as_str() of this key cannot be parsed back; the store must not mix it up.
    odd = ConversationKey("telegram", "123456:AAbb", "chat:1", "u")
    store = MemorySessionStore()
    await store.save(await store.load(odd))

    assert (await store.load(odd)).key == odd


async def test_session_expires_after_ttl(clock: FakeClock) -> None:
    store = MemorySessionStore(ttl_seconds=10, clock=clock)
    session = await store.load(key())
    session.add_turn("customer", "hi")
    await store.save(session)

    clock.now += 9.9
    assert (await store.load(key())).history
    clock.now += 0.1
    assert (await store.load(key())).history == []
    assert len(store) == 0


async def test_save_restarts_the_ttl(clock: FakeClock) -> None:
    store = MemorySessionStore(ttl_seconds=10, clock=clock)
    session = await store.load(key())
    session.add_turn("customer", "hi")
    await store.save(session)
    clock.now += 8
    await store.save(await store.load(key()))
    clock.now += 8

    assert (await store.load(key())).history


async def test_expired_idle_sessions_are_dropped_on_save(clock: FakeClock) -> None:
    store = MemorySessionStore(ttl_seconds=10, clock=clock)
    for n in range(5):
        await store.save(await store.load(key(n)))
    clock.now += 11

    await store.save(await store.load(key(99)))

    assert len(store) == 1


async def test_lru_bound_evicts_least_recently_used() -> None:
    store = MemorySessionStore(max_sessions=3)
    for n in range(3):
        session = await store.load(key(n))
        session.add_turn("customer", f"m{n}")
        await store.save(session)
    await store.load(key(0))  # touch: key(1) is now the least recently used

    await store.save(await store.load(key(3)))

    assert len(store) == 3
    assert (await store.load(key(0))).history
    assert (await store.load(key(1))).history == []
    assert (await store.load(key(2))).history


async def test_memory_stays_bounded_under_many_conversations() -> None:
    store = MemorySessionStore(max_sessions=50, max_dedup_keys=50)
    for n in range(1000):
        async with store.lock(key(n)):
            await store.save(await store.load(key(n)))
        await store.remember("webchat", str(n))

    assert len(store) == 50
    assert store.active_locks == 0


async def test_lock_serializes_one_conversation() -> None:
    store = MemorySessionStore()
    events: list[str] = []

    async def handle(name: str) -> None:
        async with store.lock(key()):
            events.append(f"enter {name}")
            for _ in range(3):
                await asyncio.sleep(0)  # let the other task run if it could
            events.append(f"exit {name}")

    await asyncio.gather(handle("a"), handle("b"))

    assert events == ["enter a", "exit a", "enter b", "exit b"]
    assert store.lock_waits == 1
    assert store.active_locks == 0


async def test_lock_does_not_serialize_different_conversations() -> None:
    store = MemorySessionStore(lock_timeout=1)
    other_entered = asyncio.Event()

    async def first() -> None:
        async with store.lock(key(1)):
            # Only finishes if the other conversation's task gets in meanwhile.
            await asyncio.wait_for(other_entered.wait(), timeout=1)

    async def second() -> None:
        async with store.lock(key(2)):
            other_entered.set()

    await asyncio.gather(first(), second())

    assert store.lock_waits == 0


async def test_lock_timeout_after_bounded_wait() -> None:
    store = MemorySessionStore(lock_timeout=0.05)
    async with store.lock(key()):
        with pytest.raises(LockTimeout) as err:
            async with store.lock(key()):
                pytest.fail("entered a held lock")

    assert key().as_str() in str(err.value)
    assert err.value.conversation == key().as_str()
    assert store.lock_timeouts == 1
    assert store.active_locks == 0


async def test_lock_is_usable_after_a_timeout_and_an_error() -> None:
    store = MemorySessionStore(lock_timeout=0.05)
    async with store.lock(key()):
        with pytest.raises(LockTimeout):
            async with store.lock(key()):
                pass
    with pytest.raises(RuntimeError):
        async with store.lock(key()):
            raise RuntimeError("handler failed")

    async with store.lock(key()):
        pass
    assert store.active_locks == 0


async def test_cancelled_waiter_does_not_leak_the_lock_entry() -> None:
    store = MemorySessionStore()
    async with store.lock(key()):
        waiter = asyncio.create_task(store.lock(key()).__aenter__())
        await asyncio.sleep(0)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter

    assert store.active_locks == 0
    async with store.lock(key()):
        pass


async def test_seen_only_after_remember() -> None:
    store = MemorySessionStore()

    assert await store.seen("telegram", "1001") is False
    await store.remember("telegram", "1001")
    assert await store.seen("telegram", "1001") is True
    assert await store.seen("sms", "1001") is False


async def test_seen_forgets_after_dedup_ttl(clock: FakeClock) -> None:
    store = MemorySessionStore(dedup_ttl_seconds=60, clock=clock)
    await store.remember("telegram", "1")

    clock.now += 59
    assert await store.seen("telegram", "1")
    clock.now += 1
    assert not await store.seen("telegram", "1")


async def test_seen_table_is_bounded() -> None:
    store = MemorySessionStore(max_dedup_keys=2)
    for message_id in ("a", "b", "c"):
        await store.remember("telegram", message_id)

    # The oldest id was forgotten early; the recent ones are still known.
    assert await store.seen("telegram", "c")
    assert not await store.seen("telegram", "a")


async def test_try_once_lock_refuses_at_once_when_held() -> None:
    store = MemorySessionStore(lock_timeout=30)
    async with store.lock(key()):
        with pytest.raises(LockTimeout):
            async with store.lock(key(), wait=0):
                pytest.fail("entered a held lock")
    async with store.lock(key(), wait=0) as lease:
        assert lease.held


async def test_ping_and_close() -> None:
    store = MemorySessionStore()

    assert await store.ping() is True
    await store.close()
