"""Redis session store: sessions, locks and dedup keys shared by all workers.

Key layout (`prefix` defaults to "salesbot"):

- `{prefix}:session:{conversation}` — the session JSON, `EX ttl_seconds`,
  refreshed on every save;
- `{prefix}:lock:{conversation}` — a random token, `NX PX lock_ttl_ms`;
- `{prefix}:seen:{channel}:{message_id}` — "1", `NX EX dedup_ttl_seconds`.

`{conversation}` is `ConversationKey.as_str()`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as aioredis

from bot.errors import LockTimeout
from bot.model import ConversationKey
from bot.session import Session, dumps, loads

log = logging.getLogger(__name__)

# Delete the lock only if it still holds our token: after our TTL ran out
# another worker may own it, and a plain DEL would free their lock.
_RELEASE = """
if redis.call("get", KEYS[1]) == ARGV[1] then
    return redis.call("del", KEYS[1])
end
return 0
"""

_FIRST_POLL = 0.002  # seconds; a conversation's critical section is usually short
_MAX_POLL = 0.05  # cap so a freed lock is noticed quickly


class RedisSessionStore:
    """`SessionStore` on Redis: one conversation is handled serially across processes.

    The lock is `SET NX PX` with a random token, released by compare-and-delete;
    its TTL frees the lock of a crashed holder, and waiting is bounded by
    `lock_timeout`. A handler that outlives `lock_ttl_ms` loses the lock: keep
    `lock_ttl_ms` well above the slowest turn (`locks_lost` counts it happening).
    """

    def __init__(
        self,
        redis: aioredis.Redis,
        *,
        prefix: str = "salesbot",
        ttl_seconds: int = 86400,
        lock_ttl_ms: int = 60_000,
        lock_timeout: float = 30.0,
        dedup_ttl_seconds: int = 86400,
        owns_client: bool = False,
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl = ttl_seconds
        self._lock_ttl_ms = lock_ttl_ms
        self._lock_timeout = lock_timeout
        self._dedup_ttl = dedup_ttl_seconds
        self._owns_client = owns_client
        self._release = redis.register_script(_RELEASE)
        self.lock_waits = 0
        self.lock_timeouts = 0
        self.locks_lost = 0

    @classmethod
    def from_url(cls, url: str, **kw: Any) -> RedisSessionStore:
        """A store with its own client for `url`; `close()` closes that client."""
        return cls(aioredis.Redis.from_url(url), owns_client=True, **kw)

    def _session_key(self, key: ConversationKey) -> str:
        return f"{self._prefix}:session:{key.as_str()}"

    def _lock_key(self, key: ConversationKey) -> str:
        return f"{self._prefix}:lock:{key.as_str()}"

    async def load(self, key: ConversationKey) -> Session:
        """The stored session, or a fresh one; an unknown schema raises `SessionSchemaError`."""
        raw = await self._redis.get(self._session_key(key))
        if raw is None:
            return Session(key)
        session = loads(raw)
        # The JSON keeps the key as `as_str()`, which cannot always be split
        # back (':' inside a part); the key we were asked for is the truth.
        session.key = key
        return session

    async def save(self, session: Session) -> None:
        """Store the session JSON; the TTL restarts from now."""
        await self._redis.set(self._session_key(session.key), dumps(session), ex=self._ttl)

    @asynccontextmanager
    async def lock(self, key: ConversationKey) -> AsyncIterator[None]:
        """Hold the conversation's lock across all processes sharing this Redis.

        Waits at most `lock_timeout` seconds, then raises `LockTimeout`.
        """
        name = self._lock_key(key)
        token = secrets.token_hex(16)
        await self._acquire(name, token, key)
        try:
            yield
        finally:
            await self._release_lock(name, token)

    async def _acquire(self, name: str, token: str, key: ConversationKey) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._lock_timeout
        delay = _FIRST_POLL
        waited = False
        while not await self._redis.set(name, token, nx=True, px=self._lock_ttl_ms):
            remaining = deadline - loop.time()
            if remaining <= 0:
                self.lock_timeouts += 1
                log.warning("lock timeout for %s after %ss", name, self._lock_timeout)
                raise LockTimeout(key.as_str(), self._lock_timeout)
            if not waited:
                waited = True
                self.lock_waits += 1
            # Exponential backoff with jitter so waiters on several hosts do
            # not poll in lockstep; capped so a freed lock is taken quickly.
            await asyncio.sleep(min(remaining, random.uniform(delay / 2, delay)))  # noqa: S311
            delay = min(delay * 2, _MAX_POLL)

    async def _release_lock(self, name: str, token: str) -> None:
        released = await self._release(keys=[name], args=[token])
        if not released:
            # Our TTL ran out while we held the lock; someone may have run
            # concurrently with us. Never silent: count and log it.
            self.locks_lost += 1
            log.warning("lock %s expired before release (lock_ttl_ms=%s)", name, self._lock_ttl_ms)

    async def first_seen(self, channel: str, message_id: str) -> bool:
        """True the first time (channel, message id) is offered within the dedup TTL."""
        name = f"{self._prefix}:seen:{channel}:{message_id}"
        return bool(await self._redis.set(name, 1, nx=True, ex=self._dedup_ttl))

    async def ping(self) -> bool:
        """Readiness: True, or the client's connection error."""
        return bool(await self._redis.ping())

    async def close(self) -> None:
        """Close the client if this store created it (`from_url`)."""
        if self._owns_client:
            await self._redis.aclose()
