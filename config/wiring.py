"""The composition root: build every port and the core from settings."""

from __future__ import annotations

from dataclasses import dataclass, field

import structlog

from bot.app import SalesBot
from bot.crm.fanout import FanOut
from bot.crm.local_board import LocalBoard
from bot.engine import DialogueEngine, DialogueSettings
from bot.ports import Catalog, CRMSink, Outbox, Responder, SessionStore, SpendBook
from bot.queue import InProcessQueue
from bot.responders.playbook import is_internal
from bot.responders.tools import SalesTools
from bot.sessions.memory import MemorySessionStore
from bot.sessions.redis import RedisSessionStore
from bot.storage import CrmOutbox, SqlLedger, SqlSpendBook, SqlStorage
from config.datadir import private_data_dir
from config.knowledge import KnowledgeBase, open_knowledge_base
from config.llm import LLM_RESPONDERS, build_llm_responder, require_key
from config.regions import home_region
from config.responders import build_responder
from config.settings import Settings
from config.trello import TrelloCrm, build_trello, check_trello
from knowledge_base.reader import SentenceReader

log = structlog.get_logger(__name__)


@dataclass
class Runtime:
    """Everything `serve`, `ask` and `converse` run on, and how to close it."""

    settings: Settings
    kb: KnowledgeBase
    sessions: SessionStore
    storage: SqlStorage
    queue: InProcessQueue
    crm_outbox: CrmOutbox
    board: LocalBoard
    bot: SalesBot
    ledger: SqlLedger
    spending: SqlSpendBook
    closers: list[object] = field(default_factory=list)
    trello: TrelloCrm | None = None

    @property
    def crm_sink(self) -> CRMSink:
        """Where the CRM outbox delivers: the local board, and Trello when it is configured."""
        return FanOut([self.board, self.trello.sink]) if self.trello else self.board

    async def close(self) -> None:
        if self.trello is not None:
            await self.trello.close()
        await self.bot.stop()
        await self.sessions.close()
        await self.storage.close()
        self.kb.close()


def build_sessions(settings: Settings) -> SessionStore:
    services = settings.services
    if settings.redis_url:
        return RedisSessionStore.from_url(
            settings.redis_url,
            max_connections=services.redis_max_connections,
            pool_timeout=services.redis_pool_timeout,
            lock_ttl_ms=int(services.lock_ttl_seconds * 1000),
        )
    return MemorySessionStore()


async def open_storage(settings: Settings) -> SqlStorage:
    """The SQL database, migrated; the data dir is made private (0700) first."""
    private_data_dir(settings.data_dir)
    services = settings.services
    storage = await SqlStorage.connect(
        settings.database_dsn,
        pool_size=services.database_pool_size,
        max_overflow=services.database_max_overflow,
        pool_timeout=services.database_pool_timeout,
    )
    await storage.migrate()
    return storage


def dialogue_settings(settings: Settings, catalog: Catalog | None = None) -> DialogueSettings:
    return DialogueSettings(
        default_language=settings.default_language,
        phone_default_region=home_region(settings, catalog),
        phone_regions=dict(settings.phone_regions),
        scoring=settings.scoring,
    )


def build_configured_responder(settings: Settings, kb: KnowledgeBase, spending: SpendBook) -> Responder:
    """The responder `settings.responder` names: an LLM one (with its key checked, recording what it
    costs in `spending`), or a registered or imported factory."""
    tools = build_tools(settings, kb)
    if settings.responder in LLM_RESPONDERS:
        return build_llm_responder(settings, tools, kb.retriever.chunks.values(), spending, kb.intents)
    return build_responder(settings.responder, tools)


def build_tools(settings: Settings, kb: KnowledgeBase) -> SalesTools:
    return SalesTools(
        retriever=kb.retriever,
        reader=SentenceReader(kb.embedding.get_query_embedding),  # the retriever's model, not a second
        catalog=kb.catalog,
        company=settings.company_name,
        top_k=settings.retrieval.top_k,
        internal_sources=frozenset(c.source for c in kb.retriever.chunks.values() if is_internal(c.text)),
    )


async def build_runtime(settings: Settings, outbox: Outbox) -> Runtime:
    """Open the knowledge base, storage and sessions and assemble the core."""
    require_key(settings)  # a chosen LLM without its key: say so before loading anything
    check_trello(settings)
    private_data_dir(settings.data_dir)
    kb = open_knowledge_base(settings)
    storage = await open_storage(settings)
    spending = SqlSpendBook(storage)  # the LLM's cost per conversation, beside the transcript
    try:
        responder = build_configured_responder(settings, kb, spending)
    except BaseException:
        await storage.close()  # a misnamed responder is a config error, not a leaked connection pool
        raise
    settings_of_dialogue = dialogue_settings(settings, kb.catalog)
    engine = DialogueEngine(responder, kb.catalog, settings_of_dialogue, kb.intents, kb.intent_examples)
    sessions = build_sessions(settings)
    queue = InProcessQueue()
    trello = build_trello(settings, storage, kb.catalog)
    crm_outbox = CrmOutbox(storage, base_delay=settings.trello.retry_base_seconds,
                           max_delay=settings.trello.retry_max_seconds)
    bot = SalesBot(
        sessions=sessions, storage=storage, engine=engine, outbox=outbox,
        queue=queue, lead_listeners=[crm_outbox], event_listeners=[crm_outbox],
    )
    return Runtime(settings, kb, sessions, storage, queue, crm_outbox, LocalBoard(storage), bot, SqlLedger(storage),
                   spending, trello=trello)
