"""Redis session store: sessions, locks and dedup keys shared by all workers.

Key layout (`prefix` defaults to "salesbot"):

- `{prefix}:session:{conversation}` — the session JSON, `EX ttl_seconds`,
  refreshed on every save;
- `{prefix}:lock:{conversation}` — redis-py's `Lock`: a random token with a short
  TTL (`lock_ttl_ms`), renewed while its holder works;
- `{prefix}:seen:{channel}:{message_id}` — "1", `EX dedup_ttl_seconds`, set only
  after the message is stored in the database.

`{conversation}` is `ConversationKey.as_str()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError, LockNotOwnedError, RedisError

from bot.errors import LockTimeout
from bot.model import ConversationKey
from bot.session import Session, dumps, loads

log = logging.getLogger(__name__)

_POLL = 0.02  # seconds between tries while waiting for a lock (only `handle`-style callers wait)


class _RenewedLease:
    """A held Redis lock kept alive by renewing its TTL until the holder is done.

    A holder that dies stops renewing, so its lock frees itself within one TTL.
    If renewing fails (the holder stalled past its TTL and someone else took the
    lock), `held` turns False and the holder stops working on the conversation.
    """

    def __init__(self, lock: Lock, ttl: float) -> None:
        self._lock = lock
        self._ttl = ttl
        self._lost = False
        self._task = asyncio.create_task(self._renew(), name="lock-renewal")

    @property
    def held(self) -> bool:
        return not self._lost

    async def _renew(self) -> None:
        # Three renewals per TTL: one lost round trip does not cost the lock.
        interval = self._ttl / 3
        while True:
            await asyncio.sleep(interval)
            try:
                await self._lock.reacquire()
            except LockNotOwnedError:
                self._lost = True
                return
            except (RedisError, OSError, LockError) as exc:
                log.warning("lock renewal failed, retrying: %r", exc)

    async def confirm(self) -> bool:
        """Renew now: True if the lock is still ours for another TTL."""
        if self._lost:
            return False
        try:
            await self._lock.reacquire()
        except LockNotOwnedError:  # expired while we stalled, maybe taken by another holder
            self._lost = True
        except (RedisError, OSError, LockError) as exc:
            # Cannot tell: the write goes ahead as it would have; the renewal task keeps trying.
            log.warning("lock confirmation failed: %r", exc)
        return not self._lost

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


class RedisSessionStore:
    """`SessionStore` on Redis: one conversation is handled serially across processes.

    The lock is redis-py's `Lock` (a random token, `SET NX PX`, compare-and-delete
    release) with a short TTL that the holder renews while it works, so the lock
    of a crashed process frees itself within `lock_ttl_ms`, however long a turn of
    a live process takes. `locks_lost` counts holders whose renewal failed.
    """

    def __init__(
        self,
        redis: aioredis.Redis,
        *,
        prefix: str = "salesbot",
        ttl_seconds: int = 86400,
        lock_ttl_ms: int = 10_000,
        lock_timeout: float = 30.0,
        dedup_ttl_seconds: int = 86400,
        owns_client: bool = False,
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl = ttl_seconds
        self._lock_ttl = lock_ttl_ms / 1000
        self._lock_timeout = lock_timeout
        self._dedup_ttl = dedup_ttl_seconds
        self._owns_client = owns_client
        self.lock_waits = 0
        self.lock_timeouts = 0
        self.locks_lost = 0

    @classmethod
    def from_url(
        cls, url: str, *, max_connections: int = 100, pool_timeout: float = 10.0, **kw: Any
    ) -> RedisSessionStore:
        """A store with its own client for `url`; `close()` closes that client.

        The pool blocks for up to `pool_timeout` when all `max_connections` are busy:
        a burst of messages waits its turn instead of failing with "too many connections".
        """
        pool = aioredis.BlockingConnectionPool.from_url(url, max_connections=max_connections, timeout=pool_timeout)
        return cls(aioredis.Redis.from_pool(pool), owns_client=True, **kw)

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
    async def lock(self, key: ConversationKey, *, wait: float | None = None) -> AsyncIterator[_RenewedLease]:
        """Hold the conversation's lock across all processes sharing this Redis.

        Waits at most `wait` seconds (default `lock_timeout`; 0 tries once), then
        raises `LockTimeout`.
        """
        timeout = self._lock_timeout if wait is None else wait
        lock = Lock(self._redis, self._lock_key(key), timeout=self._lock_ttl, sleep=_POLL, raise_on_release_error=False)
        if not await lock.acquire(blocking=False):
            self.lock_waits += 1
            if timeout <= 0 or not await lock.acquire(blocking=True, blocking_timeout=timeout):
                self.lock_timeouts += 1
                raise LockTimeout(key.as_str(), timeout)
        lease = _RenewedLease(lock, self._lock_ttl)
        try:
            yield lease
        finally:
            await lease.stop()
            await self._release(lock, lease)

    async def _release(self, lock: Lock, lease: _RenewedLease) -> None:
        try:
            if not lease.held:
                raise LockNotOwnedError("renewal failed")
            await lock.release()  # compare-and-delete: never frees another holder's lock
        except LockNotOwnedError:
            # Someone may have run concurrently with us. Never silent: count and log it.
            self.locks_lost += 1
            log.warning("a conversation lock was lost before release (lock_ttl=%ss)", self._lock_ttl)
        except (RedisError, OSError) as exc:
            # The TTL frees it shortly; the next holder only waits for that.
            log.warning("lock release failed: %r", exc)

    async def seen(self, channel: str, message_id: str) -> bool:
        """True if this message was stored before (and Redis still remembers it)."""
        return bool(await self._redis.exists(self._seen_key(channel, message_id)))

    async def remember(self, channel: str, message_id: str) -> None:
        """Note a stored message so redeliveries skip the database; call only after storing it."""
        await self._redis.set(self._seen_key(channel, message_id), 1, ex=self._dedup_ttl)

    def _seen_key(self, channel: str, message_id: str) -> str:
        return f"{self._prefix}:seen:{channel}:{message_id}"

    async def ping(self) -> bool:
        """Readiness: True, or the client's connection error."""
        return bool(await self._redis.ping())

    async def close(self) -> None:
        """Close the client if this store created it (`from_url`)."""
        if self._owns_client:
            await self._redis.aclose()
