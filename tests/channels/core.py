"""The real core (SalesBot, SQLite storage, the channel ledger, the in-process queue and its
workers) with a responder written for channel tests, so adapters are tested end to end
without embedding a knowledge base."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI

from bot.app import SalesBot
from bot.engine import DialogueEngine
from bot.model import Button, ConversationKey, OutboundMessage
from bot.queue import InProcessQueue
from bot.records import TranscriptLine
from bot.sessions.memory import MemorySessionStore
from bot.storage import SqlLedger, SqlStorage
from bot.turn import Reply, TurnContext
from channels.base import Channel, ChannelContext
from config.web.outbox import ChannelOutbox
from knowledge_base.catalog import CsvCatalog
from knowledge_base.demo import DEMO_KB_DIR

CATALOG = CsvCatalog.load(DEMO_KB_DIR)


class EchoResponder:
    """Answers "echo: <text>"; "long" gets a reply of many paragraphs, "choose" gets buttons,
    "stream" writes its reply in drafts first. `gate`, when set, holds every reply until opened."""

    def __init__(self) -> None:
        self.gate: asyncio.Event | None = None
        self.long_reply = ""

    async def respond(self, turn: TurnContext) -> Reply:
        if self.gate is not None:
            await self.gate.wait()
        text = turn.message.text
        if text == "long":
            return Reply((OutboundMessage(self.long_reply),), "echo")
        if text == "choose":
            buttons = (Button("Panel Slim 60x60", "25 × Panel Slim 60x60"), Button("Office 100", "Office 100"))
            return Reply((OutboundMessage("Which one?", buttons=buttons),), "choose")
        if text == "stream":
            for so_far in ("Our", "Our panels", "Our panels cost"):
                await turn.draft(so_far)
                await asyncio.sleep(0.3)  # the draft relay passes a few drafts a second
            return Reply((OutboundMessage("Our panels cost 89.00 USD."),), "echo")
        return Reply((OutboundMessage(f"echo: {text}"),), "echo")


@dataclass
class Core:
    bot: SalesBot
    storage: SqlStorage
    ledger: SqlLedger
    outbox: ChannelOutbox
    queue: InProcessQueue
    responder: EchoResponder

    def context(self, settings: dict[str, object]) -> ChannelContext:
        return ChannelContext(inbox=self.bot, transcripts=self.storage, settings=settings, ledger=self.ledger)

    def register(self, channel: Channel) -> None:
        self.outbox.register(channel)

    async def lines(self, key: ConversationKey) -> list[TranscriptLine]:
        return await self.storage.transcript(key)

    async def settle(self) -> None:
        """Wait until the workers handled everything queued."""
        await self.queue.join()


@contextlib.asynccontextmanager
async def running_core(data_dir: Path) -> AsyncIterator[Core]:
    storage = await SqlStorage.connect(f"sqlite+aiosqlite:///{data_dir / 'salesbot.db'}")
    await storage.migrate()
    responder = EchoResponder()
    outbox = ChannelOutbox()
    queue = InProcessQueue()
    bot = SalesBot(
        sessions=MemorySessionStore(), storage=storage, engine=DialogueEngine(responder, CATALOG),
        outbox=outbox, queue=queue,
    )
    workers = asyncio.create_task(queue.run(bot.process))
    try:
        yield Core(bot, storage, SqlLedger(storage), outbox, queue, responder)
    finally:
        workers.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await workers
        await storage.close()


C = TypeVar("C", bound=Channel)


@contextlib.asynccontextmanager
async def serving(
    data_dir: Path, channel_class: type[C], settings: dict[str, Any], base_url: str
) -> AsyncIterator[tuple[Core, C, httpx.AsyncClient]]:
    """A started channel on a running core, and an in-process HTTP client for its routes."""
    async with running_core(data_dir) as core:
        channel = channel_class(core.context(settings))
        core.register(channel)
        app = FastAPI()
        app.include_router(channel.router())
        await channel.start()
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url) as client:
                yield core, channel, client
        finally:
            await channel.stop()
