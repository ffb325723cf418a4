"""The ASGI application of `salesbot serve`.

Start-up refreshes the knowledge base from `kb_dir` (incremental, so cheap
when nothing changed), builds the core, mounts every enabled channel and
starts the workers and the CRM relay. Shutdown stops them in reverse.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from bot.desk import TeamDesk
from bot.model import ConversationKey, InboundMessage
from bot.ports import Desk, Inbox, TranscriptReader
from bot.records import LeadRecord, TranscriptLine
from channels.base import ChannelConfigError, ChannelContext
from channels.registry import channel_class
from config.channels import channel_settings, enabled_channels
from config.ingesting import run_ingest
from config.llm import require_key
from config.settings import ConfigError, Settings, load_settings
from config.trello import keep_webhook
from config.web import board, health, metrics, trello
from config.web.ledger_handle import LedgerHandle
from config.web.outbox import ChannelOutbox
from config.wiring import Runtime, build_runtime

log = structlog.get_logger(__name__)


async def refresh_knowledge_base(settings: Settings) -> None:
    report = await asyncio.to_thread(run_ingest, settings, settings.kb_dir)
    for error in report.errors:
        log.warning("kb.ingest_error", error=error)
    log.info("kb.ingested", summary=report.summary())


async def recover_pending(runtime: Runtime, interval: float, stop: asyncio.Event) -> None:
    """Queue what was stored but not answered: at start (a previous process died), then as a
    sweep (another process died, or a turn failed and its retry was lost)."""
    while not stop.is_set():
        try:
            count = await runtime.bot.recover()
            if count:
                log.info("serve.requeued_pending", conversations=count)
        except Exception:
            log.exception("serve.recovery_failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


@asynccontextmanager
async def _running(app: FastAPI, settings: Settings, outbox: ChannelOutbox) -> AsyncIterator[None]:
    await refresh_knowledge_base(settings)
    runtime = await build_runtime(settings, outbox)
    runtime.bot.lead_listeners.append(metrics.LeadBands())
    app.state.runtime = runtime
    app.state.core.bind(runtime.bot, runtime.storage, TeamDesk(runtime.storage, outbox, runtime.bot.lead_listeners))
    app.state.ledger.bind(runtime.ledger)
    for channel in app.state.channels:
        outbox.register(channel)
        if (team := channel.sales_team()) is not None:
            runtime.bot.team = team
            runtime.bot.lead_listeners.append(team)
        await channel.start()
    # Before any worker runs: a turn needs the vectors warm-up computes, and waiting for them on
    # the event loop froze every socket and let conversation locks expire (pending messages of a
    # restarted server were being answered while the vectors were still being computed).
    await asyncio.to_thread(runtime.kb.warm_up)
    stop = asyncio.Event()
    interval = settings.services.recovery_interval_seconds
    tasks = [
        asyncio.create_task(runtime.queue.run(runtime.bot.process), name="workers"),
        asyncio.create_task(runtime.crm_outbox.run(runtime.crm_sink, stop), name="crm-relay"),
        asyncio.create_task(recover_pending(runtime, interval, stop), name="recovery"),
    ]
    if runtime.trello is not None and runtime.trello.register:
        register = keep_webhook(runtime.trello, stop, max_delay=settings.trello.retry_max_seconds)
        tasks.append(asyncio.create_task(register, name="trello-webhook"))
    names = [channel.name for channel in app.state.channels]
    log.info("serve.ready", channels=names, url=f"http://{settings.host}:{settings.port}/")
    try:
        yield
    finally:
        stop.set()
        for channel in app.state.channels:
            await channel.stop()
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await runtime.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    """The whole web application for `settings` (read from the environment when omitted)."""
    settings = settings or load_settings()
    require_key(settings)  # before serving: a chosen LLM without its key is a start-up error
    outbox = ChannelOutbox()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with _running(app, settings, outbox):
            yield

    app = FastAPI(title="salesbot", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.state.board_auth = board.load_auth(settings)  # creates <data_dir>/board_token when no token is set
    app.include_router(board.router)
    app.include_router(trello.router)
    # Channel routes must exist before start-up; the core they talk to is bound in the lifespan.
    app.state.core = core = CoreHandle()
    app.state.ledger = ledger = LedgerHandle()
    names = enabled_channels(settings)
    try:
        app.state.channels = [
            channel_class(name)(ChannelContext(core, core, channel_settings(settings, name), ledger, core))
            for name in names
        ]
    except ChannelConfigError as exc:
        raise ConfigError(str(exc)) from None
    for channel in app.state.channels:
        app.include_router(channel.router())

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse("/webchat/demo" if "webchat" in names else "/docs")

    return app


class CoreHandle:
    """The core as channels see it (`Inbox`, `TranscriptReader` and `Desk`), bound once start-up built it."""

    def __init__(self) -> None:
        self._inbox: Inbox | None = None
        self._transcripts: TranscriptReader | None = None
        self._desk: Desk | None = None

    def bind(self, inbox: Inbox, transcripts: TranscriptReader, desk: Desk | None = None) -> None:
        self._inbox, self._transcripts, self._desk = inbox, transcripts, desk

    @property
    def desk(self) -> Desk:
        if self._desk is None:
            raise RuntimeError("salesbot is still starting")
        return self._desk

    async def lead(self, lead_id: int) -> LeadRecord | None:
        return await self.desk.lead(lead_id)

    async def claim(self, lead_id: int, owner: str) -> LeadRecord:
        return await self.desk.claim(lead_id, owner)

    async def take_over(self, lead_id: int, person: str | None) -> LeadRecord:
        return await self.desk.take_over(lead_id, person)

    async def say(self, lead_id: int, text: str, message_id: str) -> None:
        await self.desk.say(lead_id, text, message_id)

    async def submit(self, message: InboundMessage) -> bool:
        if self._inbox is None:
            raise RuntimeError("salesbot is still starting")
        return await self._inbox.submit(message)

    async def transcript(self, key: ConversationKey, after_seq: int = 0) -> list[TranscriptLine]:
        if self._transcripts is None:
            raise RuntimeError("salesbot is still starting")
        return await self._transcripts.transcript(key, after_seq)
