"""In-process session store: the embedded default for one worker process.

Behaves like the Redis store so code tested against one works on the other:
sessions are kept in their JSON form (a loaded session is a private copy,
changes only count once saved), entries expire by TTL, and every table is
bounded so memory stays flat however many conversations pass through.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from bot.errors import LockTimeout
from bot.model import ConversationKey
from bot.session import Session, dumps, loads


@dataclass(slots=True)
class _LockEntry:
    """A conversation's lock and how many tasks hold or await it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class _Held:
    """The lease of an in-process lock: held until released (it dies with the process)."""

    held = True

    async def confirm(self) -> bool:
        return True


_HELD = _Held()


class MemorySessionStore:
    """`SessionStore` kept in this process: sessions, locks and dedup keys.

    `clock` returns seconds on a monotonic scale; tests inject a fake one to
    expire entries without sleeping. Locks serialize tasks of this process
    only: use the Redis store when several processes handle messages.
    """

    def __init__(
        self,
        ttl_seconds: int = 86400,
        max_sessions: int = 10_000,
        lock_timeout: float = 30.0,
        dedup_ttl_seconds: int = 86400,
        max_dedup_keys: int = 100_000,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_sessions < 1 or max_dedup_keys < 1:
            raise ValueError("max_sessions and max_dedup_keys must be at least 1")
        self._ttl = ttl_seconds
        self._max_sessions = max_sessions
        self._lock_timeout = lock_timeout
        self._dedup_ttl = dedup_ttl_seconds
        self._max_dedup = max_dedup_keys
        self._clock = clock
        # name -> (expires_at, JSON); order is least recently used first.
        self._sessions: OrderedDict[str, tuple[float, str]] = OrderedDict()
        # (channel, id) -> expires_at; order is insertion, which with one
        # fixed TTL on a monotonic clock is also expiry order.
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._locks: dict[str, _LockEntry] = {}
        self.lock_waits = 0
        self.lock_timeouts = 0

    async def load(self, key: ConversationKey) -> Session:
        """The stored session, or a fresh one if absent or expired."""
        name = key.as_str()
        entry = self._sessions.get(name)
        if entry is None:
            return Session(key)
        expires_at, raw = entry
        if expires_at <= self._clock():
            del self._sessions[name]
            return Session(key)
        self._sessions.move_to_end(name)
        session = loads(raw)
        # The JSON keeps the key as `as_str()`, which cannot always be split
        # back (':' inside a part); the key we were asked for is the truth.
        session.key = key
        return session

    async def save(self, session: Session) -> None:
        """Store the session's JSON form; the TTL restarts from now."""
        name = session.key.as_str()
        now = self._clock()
        self._sessions[name] = (now + self._ttl, dumps(session))
        self._sessions.move_to_end(name)
        self._drop_expired_sessions(now)
        while len(self._sessions) > self._max_sessions:
            self._sessions.popitem(last=False)

    def _drop_expired_sessions(self, now: float) -> None:
        # Only looks at the least recently used end: cheap on every save, and
        # idle conversations (the ones that expire) collect there.
        while self._sessions:
            name, (expires_at, _) = next(iter(self._sessions.items()))
            if expires_at > now:
                return
            del self._sessions[name]

    @asynccontextmanager
    async def lock(self, key: ConversationKey, *, wait: float | None = None) -> AsyncIterator[_Held]:
        """Serialize this process's tasks for one conversation.

        Waits at most `wait` seconds (default `lock_timeout`; 0 tries once), then
        raises `LockTimeout`. The lease is never lost: it lives and dies with the process.
        """
        name = key.as_str()
        entry = self._locks.get(name)
        if entry is None:
            entry = self._locks[name] = _LockEntry()
        entry.users += 1
        try:
            await self._acquire(name, entry.lock, self._lock_timeout if wait is None else wait)
            try:
                yield _HELD
            finally:
                entry.lock.release()
        finally:
            # The last user drops the entry so the table only holds
            # conversations being handled right now.
            entry.users -= 1
            if entry.users == 0:
                del self._locks[name]

    async def _acquire(self, name: str, lock: asyncio.Lock, wait: float) -> None:
        if lock.locked():
            self.lock_waits += 1
            if wait <= 0:
                self.lock_timeouts += 1
                raise LockTimeout(name, wait)
        try:
            async with asyncio.timeout(wait):
                await lock.acquire()
        except TimeoutError:
            self.lock_timeouts += 1
            raise LockTimeout(name, wait) from None

    @property
    def active_locks(self) -> int:
        """Conversations whose lock is held or awaited right now."""
        return len(self._locks)

    async def seen(self, channel: str, message_id: str) -> bool:
        """True if `remember` noted this message within the dedup TTL.

        The table is bounded: past `max_dedup_keys` the oldest ids are forgotten
        early, so the durable unique constraint remains the final guard.
        """
        now = self._clock()
        while self._seen and next(iter(self._seen.values())) <= now:
            self._seen.popitem(last=False)
        return (channel, message_id) in self._seen

    async def remember(self, channel: str, message_id: str) -> None:
        """Note a stored message so redeliveries skip the database; call only after storing it."""
        ident = (channel, message_id)
        self._seen.pop(ident, None)  # re-inserted at the end: insertion order stays expiry order
        self._seen[ident] = self._clock() + self._dedup_ttl
        if len(self._seen) > self._max_dedup:
            self._seen.popitem(last=False)

    def __len__(self) -> int:
        """Sessions held (including expired ones not yet dropped)."""
        return len(self._sessions)

    async def ping(self) -> bool:
        """Readiness: an in-process store is always available."""
        return True

    async def close(self) -> None:
        """Nothing to release: the state lives and dies with the process."""
