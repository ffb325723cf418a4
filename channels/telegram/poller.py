"""Long polling (getUpdates) for machines without a public URL, and retrying set-up calls.

"Commit after handling": Telegram forgets an update once getUpdates is called
with a higher offset, so the offset moves past an update only after it was
stored. A crash in between makes Telegram send it again; the core's dedup on
`update_id` keeps it from being answered twice.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.types import Update

from channels.backoff import backoff_delay
from channels.telegram.sender import TelegramSender

log = structlog.get_logger(__name__)
T = TypeVar("T")
Receive = Callable[[Update, bytes], Awaitable[None]]


class Poller:
    """Fetches updates and hands each to `receive` before confirming it."""

    def __init__(self, sender: TelegramSender, receive: Receive, timeout: int, allowed: list[str]) -> None:
        self.sender = sender
        self.receive = receive
        self.timeout = timeout
        self.allowed = allowed
        self.offset: int | None = None
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Poll until `stop`; failures back off with jitter and never end the loop."""
        failures = 0
        while not self._stopping.is_set():
            try:
                await self.poll_once()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("telegram.poll_failed", exc_info=True)
                await asyncio.sleep(backoff_delay(failures))
                failures += 1

    async def poll_once(self) -> None:
        """One getUpdates round: each update is stored before the next offset confirms it."""
        method = GetUpdates(offset=self.offset, timeout=self.timeout, allowed_updates=self.allowed)
        updates = await self.sender.bot(method, request_timeout=self.timeout + 10)
        for update in updates:
            raw = json.dumps(update.model_dump(mode="json", exclude_none=True, by_alias=True), ensure_ascii=False)
            await self.receive(update, raw.encode())
            self.offset = update.update_id + 1

    async def until_done(self, method: TelegramMethod[T]) -> T:
        """A set-up call (setWebhook, deleteWebhook) retried with backoff until Telegram takes it."""
        attempt = 0
        while True:
            try:
                return await self.sender.call(method)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("telegram.setup_failed", method=method.__api_method__, exc_info=True)
                await asyncio.sleep(backoff_delay(attempt))
                attempt += 1

    async def stop(self) -> None:
        self._stopping.set()
