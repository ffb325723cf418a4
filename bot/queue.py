"""The in-process queue between ingress and workers.

Messages of one conversation are handed out strictly in order, one at a
time; different conversations are worked on in parallel. (The Redis Streams
queue for scaled deployments implements the same `put`/`run` shape.)
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

import structlog

from bot.model import InboundMessage

log = structlog.get_logger(__name__)
Handler = Callable[[InboundMessage], Awaitable[object]]


class InProcessQueue:
    """Per-conversation FIFO lanes served by a pool of worker tasks."""

    def __init__(self) -> None:
        self._lanes: dict[str, deque[InboundMessage]] = {}
        self._ready: asyncio.Queue[str] = asyncio.Queue()
        self._idle = asyncio.Event()
        self._idle.set()

    async def put(self, message: InboundMessage) -> None:
        key = message.key.as_str()
        lane = self._lanes.get(key)
        self._idle.clear()
        if lane is None:  # no lane: nobody is working on this conversation, schedule it
            self._lanes[key] = deque([message])
            await self._ready.put(key)
        else:  # the worker holding this lane will get to it in order
            lane.append(message)

    def pending(self) -> int:
        return sum(len(lane) for lane in self._lanes.values())

    async def join(self) -> None:
        """Wait until every queued message has been handled."""
        await self._idle.wait()

    async def run(self, handler: Handler, workers: int = 4) -> None:
        """Serve until cancelled."""
        async with asyncio.TaskGroup() as group:
            for _ in range(workers):
                group.create_task(self._worker(handler))

    async def _worker(self, handler: Handler) -> None:
        while True:
            key = await self._ready.get()
            lane = self._lanes[key]
            while lane:
                message = lane[0]
                try:
                    await handler(message)
                except Exception:  # the handler answers failures itself; never kill the worker
                    log.exception("queue.handler_failed", message_id=message.message_id)
                lane.popleft()
            del self._lanes[key]
            if not self._lanes:
                self._idle.set()
