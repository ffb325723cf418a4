"""A small HTTP server on 127.0.0.1 for protocol fakes, and waiting for what they record."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import web

# Bounds how long a test waits for something that should happen; never asserted on.
PATIENCE_S = 90.0


class FakeServer:
    """Runs an aiohttp application on a free port; subclasses add routes and record calls."""

    def __init__(self) -> None:
        self.app = web.Application(client_max_size=32 << 20)
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()

    async def start(self) -> str:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def changed(self) -> None:
        """Wake whoever waits in `wait_for`: something was recorded."""
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, condition: Callable[[], bool], what: str = "condition") -> None:
        """Return once `condition()` holds; fail the test if it never does."""

        async def wait() -> None:
            async with self._changed:
                await self._changed.wait_for(condition)

        try:
            await asyncio.wait_for(wait(), PATIENCE_S)
        except TimeoutError:
            raise AssertionError(f"the fake never saw: {what}") from None
