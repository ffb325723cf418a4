"""Bounded in-process memory: an LRU map and a per-visitor token-bucket rate limit.

Visitor ids are chosen by browsers, so anything keyed by them must have a
fixed upper bound on memory or a script minting ids could grow it forever.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LRU(Generic[K, V]):
    """A map holding at most `capacity` entries; the least recently used go first."""

    def __init__(self, capacity: int) -> None:
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self.capacity = capacity
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items


class RateLimiter:
    """Per-key token bucket: bursts up to `per_minute`, refilled at `per_minute`/60 a second.

    In-process only: with several server processes each has its own buckets, so
    the effective limit is per process (a Redis-backed limiter can replace it).
    A key evicted from the LRU comes back with a full bucket; with the default
    capacity only visitors idle for a long time get evicted, and theirs is full anyway.
    """

    def __init__(
        self,
        per_minute: int,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / 60.0
        self._clock = clock
        # key -> (tokens left, time of last update)
        self._buckets: LRU[str, tuple[float, float]] = LRU(max_keys)

    def allow(self, key: str) -> bool:
        """Take one token for `key`; False (and nothing taken) if the bucket is empty."""
        now = self._clock()
        tokens, updated = self._buckets.get(key) or (self.capacity, now)
        tokens = min(self.capacity, tokens + (now - updated) * self.refill_per_second)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self._buckets.put(key, (tokens, now))
        return allowed

    def __len__(self) -> int:
        return len(self._buckets)
