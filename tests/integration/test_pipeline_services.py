"""The whole pipeline on real Redis (sessions, locks, dedup) and PostgreSQL (leads, transcripts).

Two `SalesBot`s stand for two servers: each has its own PostgreSQL pool and Redis
client, and they share the database and the Redis key prefix, as deployed servers
do. (They share one dialogue engine: it keeps no conversation state, and opening
the knowledge base twice would only cost seconds.) The database is created fresh
for this module and dropped after it; the Redis keys live under a random prefix
and are deleted after it. Unreachable services skip, or fail when CI is set.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.app import SalesBot
from bot.engine import DialogueEngine
from bot.model import ConversationKey, InboundMessage, OutboundMessage
from bot.ports import Responder
from bot.queue import InProcessQueue
from bot.sessions.redis import RedisSessionStore
from bot.storage import SqlStorage
from bot.testing import Conversation, MemoryOutbox
from bot.turn import Reply, TurnContext
from config.wiring import Runtime, build_runtime
from knowledge_base.catalog import CsvCatalog
from knowledge_base.demo import DEMO_KB_DIR
from tests.conftest import embedded_settings
from tests.integration.test_postgres_storage import _create_database, _drop_database

REDIS_URL = os.environ.get("SALESBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CATALOG = CsvCatalog.load(DEMO_KB_DIR)
pytestmark = pytest.mark.asyncio(loop_scope="module")


def unavailable(service: str, exc: BaseException) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{service} is required in CI: {exc}")
    pytest.skip(f"{service} is unreachable ({exc}); under CI this fails instead")


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    try:
        url = asyncio.run(_create_database())
    except ConnectionError as exc:
        unavailable("PostgreSQL at 127.0.0.1:5432", exc)
    try:
        yield url
    finally:
        asyncio.run(_drop_database(url))


@dataclass
class Server:
    """One server's view of the shared services."""

    bot: SalesBot
    outbox: MemoryOutbox
    storage: SqlStorage
    redis: Redis


@dataclass
class Deployment:
    a: Server
    b: Server
    prefix: str
    database_url: str


async def connect_redis() -> Redis:
    redis = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await redis.ping()
    except (RedisError, OSError) as exc:
        await redis.aclose()
        unavailable(f"Redis at {REDIS_URL}", exc)
    return redis


def server(runtime: Runtime, storage: SqlStorage, redis: Redis, prefix: str) -> Server:
    """A SalesBot assembled as build_runtime does, with sessions in Redis under `prefix`."""
    outbox = MemoryOutbox()
    bot = SalesBot(
        sessions=RedisSessionStore(redis, prefix=prefix),
        storage=storage,
        engine=runtime.bot.engine,
        outbox=outbox,
        queue=runtime.queue,
        lead_listeners=[runtime.crm_outbox],
    )
    return Server(bot, outbox, storage, redis)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def deployment(
    database_url: str, demo_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Deployment]:
    import shutil

    data_dir = tmp_path_factory.mktemp("services") / "data"
    shutil.copytree(demo_data_dir, data_dir)
    redis_a, redis_b = await connect_redis(), await connect_redis()
    prefix = f"salesbot-test-{secrets.token_hex(8)}"
    runtime = await build_runtime(embedded_settings(data_dir, database_url=database_url), MemoryOutbox())
    storage_b = await SqlStorage.connect(database_url)
    try:
        assert runtime.storage.dialect == "postgresql"
        yield Deployment(
            server(runtime, runtime.storage, redis_a, prefix),
            server(runtime, storage_b, redis_b, prefix),
            prefix,
            database_url,
        )
    finally:
        keys = [k async for k in redis_a.scan_iter(match=f"{prefix}:*")]
        if keys:
            await redis_a.delete(*keys)
        await storage_b.close()
        await runtime.close()
        await redis_a.aclose()
        await redis_b.aclose()


def new_key(name: str) -> ConversationKey:
    user = f"{name}-{secrets.token_hex(4)}"
    return ConversationKey("webchat", "site", user, user)


async def test_a_conversation_runs_end_to_end_and_the_lead_is_in_postgresql(deployment: Deployment) -> None:
    chat = Conversation(deployment.a.bot, channel="webchat")
    quote = CATALOG.quote("NW-SNS1", 40)
    await chat.say("Please quote 40 Motion Sensor Click")
    assert CATALOG.format_money(quote.total, "EUR", "en") in chat.last_reply
    await chat.say("We need them within 3 weeks")
    await chat.say("I'm the office manager and I decide")
    await chat.say("I'm Jane Doe, jane.doe@acme.example")

    reader = await SqlStorage.connect(deployment.database_url)  # a fresh connection: what PostgreSQL holds
    try:
        record = await reader.lead_for(chat.key)
        transcript = await reader.transcript(chat.key)
    finally:
        await reader.close()
    assert record is not None
    lead = record.lead
    assert (lead.skus, lead.quantity, lead.email, lead.name) == (("NW-SNS1",), 40, "jane.doe@acme.example", "Jane Doe")
    assert lead.hot and lead.score >= 75
    assert [line.text for line in transcript if line.direction == "in"] == [
        "Please quote 40 Motion Sensor Click", "We need them within 3 weeks",
        "I'm the office manager and I decide", "I'm Jane Doe, jane.doe@acme.example",
    ]
    assert [line.text for line in transcript if line.direction == "out"] == [r.text for r in chat.replies]
    assert [line.seq for line in transcript] == list(range(1, len(transcript) + 1))
    assert await deployment.a.redis.exists(f"{deployment.prefix}:session:{chat.key.as_str()}")


async def test_a_conversation_continues_on_the_other_server(deployment: Deployment) -> None:
    key = new_key("both")
    first = await deployment.a.bot.handle(InboundMessage(key, f"{key.user}-1", "How much is the Downlight Round 15?"))
    second = await deployment.b.bot.handle(InboundMessage(key, f"{key.user}-2", "Is it in stock?"))
    stock = CATALOG.get("NW-DL15")
    assert stock is not None
    assert f"{stock.name}: {stock.stock} units in stock" in second.replies[0].text  # "it" came with the session
    asked_first = {r.text for r in first.replies[1:]}
    assert asked_first and not asked_first & {r.text for r in second.replies}  # no question asked twice


async def test_a_redelivery_is_answered_once_across_two_servers(deployment: Deployment) -> None:
    key = new_key("dedup")
    message = InboundMessage(key, f"{key.user}-1", "What is the lead time for the DALI Room Controller?")
    first = await deployment.a.bot.handle(message)
    again = await deployment.b.bot.handle(message)
    assert first.replies and again.replies == []

    # both servers get the same delivery at once: one answers
    racing = InboundMessage(key, f"{key.user}-2", "Is it in stock?")
    results = await asyncio.gather(deployment.a.bot.handle(racing), deployment.b.bot.handle(racing))
    assert sorted(bool(r.replies) for r in results) == [False, True]

    # Redis forgot the delivery (evicted, flushed): PostgreSQL's unique constraint still decides
    await deployment.a.redis.delete(f"{deployment.prefix}:seen:{key.channel}:{message.message_id}")
    assert (await deployment.b.bot.handle(message)).replies == []

    transcript = await deployment.a.storage.transcript(key)
    assert [line.text for line in transcript if line.direction == "in"] == [message.text, racing.text]
    sent = deployment.a.outbox.sent[key] + deployment.b.outbox.sent[key]
    assert len(sent) == len(first.replies) + len(next(r for r in results if r.replies).replies)


async def test_text_with_nul_is_stored_and_answered_on_postgresql(deployment: Deployment) -> None:
    key = new_key("nul")
    handled = await deployment.a.bot.handle(InboundMessage(key, f"{key.user}-1", "How much\x00 is the Office 300?"))
    assert handled.replies and "something went wrong" not in handled.replies[0].text
    transcript = await deployment.a.storage.transcript(key)
    assert transcript[0].text == "How much is the Office 300?"


async def test_a_dead_holders_lock_delays_only_its_conversation_and_occupies_no_worker(
    deployment: Deployment,
) -> None:
    from bot.queue import InProcessQueue

    queue, outbox = InProcessQueue(), MemoryOutbox()
    sessions = RedisSessionStore(deployment.a.redis, prefix=deployment.prefix, lock_ttl_ms=1500)
    bot = SalesBot(
        sessions=sessions, storage=deployment.a.storage, engine=deployment.a.bot.engine, outbox=outbox, queue=queue
    )
    locked, free = new_key("locked"), new_key("free")
    lock = f"{deployment.prefix}:lock:{locked.as_str()}"
    await deployment.a.redis.set(lock, "a-process-killed-mid-turn", px=1500)  # its holder is gone

    workers = asyncio.create_task(queue.run(bot.process, workers=1))  # one worker: waiting would block it
    try:
        await bot.submit(InboundMessage(locked, f"{locked.user}-1", "How much is the Office 300?"))
        await bot.submit(InboundMessage(free, f"{free.user}-1", "How much is the Office 300?"))
        await asyncio.wait_for(queue.join(), 10)
        assert outbox.sent[free] and await deployment.a.redis.exists(lock)  # answered while the lock lived on
        for _ in range(100):  # the dead lock frees itself within its TTL, and a retry answers
            if outbox.sent[locked]:
                break
            await asyncio.sleep(0.1)
    finally:
        workers.cancel()
        await bot.stop()
    assert [m.text for m in outbox.sent[locked]] == [m.text for m in outbox.sent[free]]  # a real answer, no apology


class StallingResponder:
    """Echoes. On its first call its process stalls past the conversation lock's TTL and, meanwhile,
    the other server takes the conversation over (`successor`), as happens on a loaded machine."""

    def __init__(self, redis: Redis, lock: str, successor: Callable[[], Awaitable[object]]) -> None:
        self.redis, self.lock, self.successor = redis, lock, successor
        self.stalled = False

    async def respond(self, turn: TurnContext) -> Reply:
        if not self.stalled:
            self.stalled = True
            await self.redis.delete(self.lock)  # the TTL ran out while no renewal could run
            await self.successor()
        return Reply((OutboundMessage(f"echo: {turn.message.text}"),), "echo")


class Echo:
    async def respond(self, turn: TurnContext) -> Reply:
        return Reply((OutboundMessage(f"echo: {turn.message.text}"),), "echo")


async def test_a_holder_that_stalled_past_its_lock_writes_nothing_over_its_successor(
    deployment: Deployment,
) -> None:
    # Regression (durability scenario, two servers on a loaded machine): the stalled holder went on
    # to save its older session; the next turn took the session's quantity over the stored newer one.
    key = new_key("stale")
    lock = f"{deployment.prefix}:lock:{key.as_str()}"

    def bot(side: Server, responder: Responder) -> SalesBot:
        return SalesBot(
            sessions=RedisSessionStore(side.redis, prefix=deployment.prefix), storage=side.storage,
            engine=DialogueEngine(responder, CATALOG), outbox=MemoryOutbox(), queue=InProcessQueue(),
        )

    successor = bot(deployment.b, Echo())
    stalled = bot(deployment.a, StallingResponder(
        deployment.a.redis, lock, lambda: successor.handle(InboundMessage(key, "m2", "Actually make it 40"))
    ))
    try:
        await stalled.handle(InboundMessage(key, "m1", "How much are 25 Panel Slim 60x60?"))
        await successor.handle(InboundMessage(key, "m3", "Thanks!"))
    finally:
        await stalled.stop()
    record = await deployment.b.storage.lead_for(key)
    assert record is not None and record.lead.quantity == 40
    replies = [line.message_id for line in await deployment.b.storage.transcript(key) if line.direction == "out"]
    assert replies == ["m1#r0", "m2#r0", "m3#r0"]  # each message answered once


async def test_a_burst_beyond_the_redis_pool_waits_for_a_connection_instead_of_failing() -> None:
    prefix = f"salesbot-test-{secrets.token_hex(8)}"
    store = RedisSessionStore.from_url(REDIS_URL, max_connections=4, prefix=prefix, dedup_ttl_seconds=60)
    try:
        await asyncio.gather(*(store.remember("webchat", f"burst-{n}") for n in range(300)))
        assert all(await asyncio.gather(*(store.seen("webchat", f"burst-{n}") for n in range(300))))
    except (RedisError, OSError) as exc:
        if "Too many connections" in str(exc):
            raise
        unavailable(f"Redis at {REDIS_URL}", exc)
    finally:
        await store.close()
