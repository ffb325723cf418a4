"""Nothing lost, nothing out of order: real `salesbot serve` processes, killed with SIGKILL.

Customers talk over the web chat's WebSocket protocol while the server is killed at a random
moment and restarted; afterwards every acked message must be stored once and answered once,
no reply shown twice, and no lead missing a field the customer gave. Then two servers share
PostgreSQL and Redis, and each conversation's messages alternate between them 50 ms apart:
the replies must come in the order of the messages.

CI runs a short version. `SALESBOT_DURABILITY_FULL=1` runs the full size (50 conversations ×
10 messages, three kills; 20 conversations through two processes) and prints the figures:
    SALESBOT_DURABILITY_FULL=1 .venv/bin/pytest -s tests/scenarios/test_durability.py
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.responders.phrases import say
from tests.integration.test_pipeline_services import REDIS_URL, connect_redis, unavailable
from tests.integration.test_postgres_storage import _create_database, _drop_database
from tests.scenarios.crowd import Audit, Server, audit, customers, server_env, wait_until_answered

FULL = os.environ.get("SALESBOT_DURABILITY_FULL") == "1"
# (conversations, messages each, kills)
CRASH = (50, 10, 3) if FULL else (6, 4, 1)
# (conversations, messages each)
ORDER = (20, 6) if FULL else (4, 4)
APOLOGY = say("apology", "en")


@dataclass
class Backend:
    name: str
    database_url: str  # what the audit reads
    env: dict[str, str]


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    try:
        url = await _create_database()
    except (ConnectionError, OSError) as exc:
        unavailable("PostgreSQL at 127.0.0.1:5432", exc)
    yield url
    await _drop_database(url)


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    redis = await connect_redis()
    yield REDIS_URL
    await redis.aclose()


async def forget_redis_keys(run: str) -> None:
    redis = Redis.from_url(REDIS_URL)
    try:
        keys = [k async for k in redis.scan_iter(match=f"salesbot:*{run}*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


def report(title: str, result: Audit) -> None:
    """The figures, printed (pytest -s shows them) for the full-size run's record."""
    print(f"\n{title}: {json.dumps(result.figures())}")
    if os.environ.get("SALESBOT_DURABILITY_DEBUG"):
        print("\n".join(result.details[:40]))


async def crash_run(data_dir: Path, backend: Backend, log: Path, seed: int) -> Audit:
    conversations, messages, kills = CRASH
    rng, run = random.Random(seed), f"crash{secrets.token_hex(3)}"
    crowd = customers(run, conversations, messages)
    server = Server(data_dir, backend.env, log)
    await server.start()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 900
    talking = [
        asyncio.create_task(c.talk(server.ws_url, (0.05, 0.3), random.Random(seed + i), deadline))
        for i, c in enumerate(crowd)
    ]
    try:
        for _ in range(kills):
            await asyncio.sleep(rng.uniform(0.5, 3.0))  # a random moment while customers write
            await server.kill()
            await server.start()
        await asyncio.gather(*talking)
        await wait_until_answered(backend.database_url, within=180)
        return await audit(backend.database_url, crowd, APOLOGY)
    finally:
        for task in talking:
            task.cancel()
        await asyncio.gather(*talking, return_exceptions=True)
        await server.stop()
        await forget_redis_keys(run)


def assert_kept_every_promise(result: Audit) -> None:
    figures = result.figures()
    assert figures["messages"] > 0
    broken = {k: v for k, v in figures.items() if k != "messages" and v}
    assert not broken, (broken, result.details[:20])


@pytest.fixture(params=["sqlite", "postgres+redis"])
async def backend(request: pytest.FixtureRequest, data_dir: Path) -> AsyncIterator[Backend]:
    """The embedded defaults, or a fresh PostgreSQL database and Redis."""
    if request.param == "sqlite":
        yield Backend("sqlite", f"sqlite+aiosqlite:///{(data_dir / 'salesbot.db').resolve()}", server_env())
        return
    await (await connect_redis()).aclose()
    try:
        url = await _create_database()
    except (ConnectionError, OSError) as exc:
        unavailable("PostgreSQL at 127.0.0.1:5432", exc)
    yield Backend("postgres+redis", url, server_env(DATABASE_URL=url, REDIS_URL=REDIS_URL))
    await _drop_database(url)


async def test_a_killed_server_loses_no_acked_message_answers_each_once_and_keeps_every_lead_field(
    data_dir: Path, tmp_path: Path, backend: Backend
) -> None:
    result = await crash_run(data_dir, backend, tmp_path / "serve.log", seed=8)
    report(f"crash {backend.name} {CRASH}", result)
    assert_kept_every_promise(result)


async def test_two_servers_answer_one_conversation_in_the_order_of_its_messages(
    data_dir: Path, tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    conversations, messages = ORDER
    run = f"order{secrets.token_hex(3)}"
    other_dir = tmp_path / "data-b"
    shutil.copytree(data_dir, other_dir)
    env = server_env(DATABASE_URL=postgres_url, REDIS_URL=redis_url)
    servers = [Server(data_dir, env, tmp_path / "a.log"), Server(other_dir, env, tmp_path / "b.log")]
    crowd = customers(run, conversations, messages)
    for customer in crowd:  # each message names its own quantity: its reply must quote it
        customer.texts = [f"How much are {10 + i} Panel Slim 60x60?" for i in range(messages)]
        customer.facts = [{"quantity": 10 + i} for i in range(messages)]
    try:
        await asyncio.gather(*(s.start() for s in servers))
        urls = [s.ws_url for s in servers]
        await asyncio.gather(*(c.alternate(urls, gap=0.05) for c in crowd))
        await wait_until_answered(postgres_url, within=120)
        result = await audit(postgres_url, crowd, APOLOGY)
    finally:
        await asyncio.gather(*(s.stop() for s in servers))
        await forget_redis_keys(run)
    report(f"two servers {ORDER}", result)
    assert_kept_every_promise(result)
