"""A separate OS process for the cross-process lock test in test_redis_store.py.

Usage: python _lock_worker.py URL PREFIX WORKER COUNT WORKERS

Waits until all WORKERS processes are ready (so they really contend), then
COUNT times, under one conversation's lock: records an enter marker, does a
read-modify-write of a counter with a pause in between, appends its numbered
entry, records an exit marker. Prints the store's counters as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from redis.asyncio import Redis

from bot.model import ConversationKey
from bot.sessions.redis import RedisSessionStore

KEY = ConversationKey("test", "acct", "shared", "customer")


async def wait_for_peers(redis: Redis, prefix: str, workers: int) -> None:
    await redis.incr(f"{prefix}:ready")
    deadline = time.monotonic() + 30
    while int(await redis.get(f"{prefix}:ready") or 0) < workers:
        if time.monotonic() > deadline:
            raise SystemExit("peers never became ready")
        await asyncio.sleep(0.001)


async def main(url: str, prefix: str, worker: str, count: int, workers: int) -> None:
    redis = Redis.from_url(url)
    store = RedisSessionStore(redis, prefix=prefix, lock_timeout=20)
    await wait_for_peers(redis, prefix, workers)
    for i in range(count):
        async with store.lock(KEY):
            await redis.rpush(f"{prefix}:markers", f"enter:{worker}")
            value = int(await redis.get(f"{prefix}:counter") or 0)
            await asyncio.sleep(0.001)  # widen the race window a lock must close
            await redis.set(f"{prefix}:counter", value + 1)
            await redis.rpush(f"{prefix}:entries", f"{worker}:{i}")
            await redis.rpush(f"{prefix}:markers", f"exit:{worker}")
    print(json.dumps({"lock_waits": store.lock_waits, "locks_lost": store.locks_lost}))
    await redis.aclose()


if __name__ == "__main__":
    url, prefix, worker, count, workers = sys.argv[1:6]
    asyncio.run(main(url, prefix, worker, int(count), int(workers)))
