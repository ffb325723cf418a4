"""The pipeline around the dialogue: redelivery, failures that lose nothing, handoff, the queue.

The core is assembled here as `config.wiring.build_runtime` does it, but with a
responder written in the test (the `Responder` port) instead of the knowledge base,
so these tests need no embeddings. Storage is a real SQLite file.
"""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field

import pytest

from bot.app import ATTEMPTS_BEFORE_APOLOGY, SalesBot
from bot.engine import DialogueEngine
from bot.model import ConversationKey, InboundMessage, OutboundMessage
from bot.ports import LeadListener, Outbox, Responder
from bot.queue import InProcessQueue
from bot.records import LeadRecord
from bot.responders.phrases import say
from bot.session import Session
from bot.sessions.memory import MemorySessionStore
from bot.storage import SqlStorage
from bot.testing import MemoryOutbox
from bot.turn import Reply, TurnContext
from knowledge_base.catalog import CsvCatalog
from knowledge_base.demo import DEMO_KB_DIR

CATALOG = CsvCatalog.load(DEMO_KB_DIR)


def key(n: int | str = 1) -> ConversationKey:
    return ConversationKey("test", "bot", f"chat{n}", f"user{n}")


class EchoResponder:
    """Answers every message with its own text, and counts the calls."""

    def __init__(self) -> None:
        self.calls = 0

    async def respond(self, turn: TurnContext) -> Reply:
        self.calls += 1
        return Reply((OutboundMessage(f"echo: {turn.message.text}"),), "echo")


class FailingResponder:
    async def respond(self, turn: TurnContext) -> Reply:
        raise RuntimeError("the model is down")


class FailingOnceResponder(EchoResponder):
    """Fails its first call, then echoes."""

    async def respond(self, turn: TurnContext) -> Reply:
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("the model is down")
        return Reply((OutboundMessage(f"echo: {turn.message.text}"),), "echo")


class FailingOutbox:
    """A channel whose sends all fail (the transport is down)."""

    def __init__(self) -> None:
        self.attempts = 0

    async def send(self, key: ConversationKey, message: OutboundMessage, *, idempotency_key: str) -> None:
        self.attempts += 1
        raise ConnectionError("channel unreachable")

    async def typing(self, key: ConversationKey) -> None:
        raise ConnectionError("channel unreachable")

    async def draft(self, key: ConversationKey, draft_id: str, text: str) -> None:
        raise ConnectionError("channel unreachable")


class StreamingResponder:
    """Writes its reply piece by piece, as an LLM does, passing the text so far to `turn.draft`."""

    def __init__(self, pieces: list[str], pause: float) -> None:
        self.pieces = pieces
        self.pause = pause

    async def respond(self, turn: TurnContext) -> Reply:
        text = ""
        for piece in self.pieces:
            text += piece
            await turn.draft(text)
            await asyncio.sleep(self.pause)
        return Reply((OutboundMessage(text),), "streamed")


class DraftsFailOutbox(MemoryOutbox):
    """A channel that sends fine but whose drafts (an optional API) fail."""

    def __init__(self) -> None:
        super().__init__()
        self.draft_attempts = 0

    async def draft(self, key: ConversationKey, draft_id: str, text: str) -> None:
        self.draft_attempts += 1
        raise ConnectionError("drafts are not supported here")


class FailingListener:
    """A CRM outbox that cannot take the lead."""

    def __init__(self) -> None:
        self.calls = 0

    async def enqueue(self, record: LeadRecord) -> None:
        self.calls += 1
        raise ConnectionError("CRM down")


@dataclass
class Parts:
    """What a test assembles a `SalesBot` from."""

    storage: SqlStorage
    sessions: MemorySessionStore = field(default_factory=MemorySessionStore)
    queue: InProcessQueue = field(default_factory=InProcessQueue)

    def bot(
        self,
        responder: Responder | None = None,
        outbox: Outbox | None = None,
        listeners: list[LeadListener] | None = None,
    ) -> SalesBot:
        return SalesBot(
            sessions=self.sessions,
            storage=self.storage,
            engine=DialogueEngine(responder or EchoResponder(), CATALOG),
            outbox=outbox or MemoryOutbox(),
            queue=self.queue,
            lead_listeners=listeners,
        )


async def lines(parts: Parts, k: ConversationKey) -> list[tuple[str, str]]:
    return [(line.direction, line.text) for line in await parts.storage.transcript(k)]


# -- redelivery ------------------------------------------------------------------------------


async def test_a_redelivered_message_is_answered_once(parts: Parts) -> None:
    outbox, responder = MemoryOutbox(), EchoResponder()
    bot = parts.bot(responder, outbox)
    message = InboundMessage(key(), "update-1", "Hello")
    first = await bot.handle(message)
    again = await bot.handle(message)
    # a platform retry may carry a re-rendered payload; the id decides
    edited = await bot.handle(InboundMessage(key(), "update-1", "Hello (edited)"))
    assert [r.text for r in first.replies] == ["echo: Hello"]
    assert again.replies == [] and again.reply is None
    assert edited.replies == []
    assert responder.calls == 1
    assert await lines(parts, key()) == [("in", "Hello"), ("out", "echo: Hello")]
    assert [m.text for m in outbox.sent[key()]] == ["echo: Hello"]
    assert await bot.submit(message) is False


# -- failures lose nothing -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text", "email"),
    [
        ("en", "Hello, I need a quote, write to jane@acme.example", "jane@acme.example"),
        ("ru", "Здравствуйте, нужен расчёт, пишите на ivan@example.ru", "ivan@example.ru"),
    ],
)
async def test_a_failing_responder_loses_nothing(parts: Parts, lang: str, text: str, email: str) -> None:
    outbox = MemoryOutbox()
    bot = parts.bot(FailingResponder(), outbox)
    handled = await bot.handle(InboundMessage(key(lang), "m1", text))
    apology = say("apology", lang)
    assert [r.text for r in handled.replies] == [apology]
    assert [m.text for m in outbox.sent[key(lang)]] == [apology]
    assert await lines(parts, key(lang)) == [("in", text), ("out", apology)]
    record = await parts.storage.lead_for(key(lang))
    assert record is not None and record.lead.email == email
    assert handled.lead is not None and handled.lead.lead.email == email


async def test_what_was_learned_in_a_failed_turn_survives_the_next_turn(parts: Parts) -> None:
    bot = parts.bot(FailingOnceResponder())
    await bot.handle(InboundMessage(key(), "m1", "Please write to jane@acme.example"))
    await bot.handle(InboundMessage(key(), "m2", "We need Downlight Round 25"))
    record = await parts.storage.lead_for(key())
    assert record is not None
    assert (record.lead.email, record.lead.skus) == ("jane@acme.example", ("NW-DL25",))
    history = (await parts.sessions.load(key())).history
    assert [t.text for t in history if t.role == "customer"] == [
        "Please write to jane@acme.example", "We need Downlight Round 25"
    ]


class SessionsFailingFirst(MemorySessionStore):
    """A session store unreachable for its first `failures` loads (Redis restarting, a stalled pool)."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    async def load(self, key: ConversationKey) -> Session:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("session store unreachable")
        return await super().load(key)


async def answer_through_the_queue(parts: Parts, bot: SalesBot, messages: list[InboundMessage]) -> None:
    """Submit `messages` to a running worker and wait (a bound, not a speed check) until none is pending."""
    worker = asyncio.create_task(parts.queue.run(bot.process))
    try:
        for m in messages:
            assert await bot.submit(m) is True
        async with asyncio.timeout(60):
            while await parts.storage.pending_conversations(limit=1):  # noqa: ASYNC110 - retries are timers
                await asyncio.sleep(0.05)
    finally:
        worker.cancel()
        with suppress(asyncio.CancelledError):
            await worker
        await bot.stop()


async def test_a_turn_whose_session_cannot_be_loaded_is_retried_and_keeps_its_quantity(parts: Parts) -> None:
    # Regression (durability scenario, PostgreSQL + Redis on a loaded machine): a turn that failed
    # before its lead was stored was answered with the apology and marked handled, so the quantity
    # the customer gave was never stored and an apology stood where the answer should be.
    parts.sessions = SessionsFailingFirst(failures=2)
    outbox = MemoryOutbox()
    bot = parts.bot(outbox=outbox)
    texts = ["How much are 25 Panel Slim 60x60?", "Please write to jane@acme.example"]
    await answer_through_the_queue(parts, bot, [InboundMessage(key(), f"m{n}", t) for n, t in enumerate(texts)])

    assert [m.text for m in outbox.sent[key()]] == [f"echo: {t}" for t in texts]
    transcript = await lines(parts, key())
    assert [text for d, text in transcript if d == "out"] == [f"echo: {t}" for t in texts]  # no apology
    record = await parts.storage.lead_for(key())
    assert record is not None and (record.lead.quantity, record.lead.email) == (25, "jane@acme.example")


async def test_a_turn_that_keeps_failing_is_answered_with_the_apology_in_the_end(parts: Parts) -> None:
    parts.sessions = SessionsFailingFirst(failures=ATTEMPTS_BEFORE_APOLOGY)
    outbox = MemoryOutbox()
    bot = parts.bot(outbox=outbox)
    await answer_through_the_queue(parts, bot, [InboundMessage(key(), "m1", "Hello")])

    assert [m.text for m in outbox.sent[key()]] == [say("apology", "en")]


async def test_a_failing_channel_keeps_the_reply_in_the_transcript(parts: Parts) -> None:
    outbox = FailingOutbox()
    bot = parts.bot(outbox=outbox)
    handled = await bot.handle(InboundMessage(key(), "m1", "Is anyone there?"))  # must not raise
    assert [r.text for r in handled.replies] == ["echo: Is anyone there?"]
    assert outbox.attempts == 1
    assert await lines(parts, key()) == [("in", "Is anyone there?"), ("out", "echo: Is anyone there?")]


async def test_a_failing_crm_never_costs_the_reply(parts: Parts) -> None:
    outbox, crm = MemoryOutbox(), FailingListener()
    bot = parts.bot(outbox=outbox, listeners=[crm])
    await bot.handle(InboundMessage(key(), "m1", "I'm Jane, jane@acme.example"))
    assert crm.calls == 1
    assert [m.text for m in outbox.sent[key()]] == ["echo: I'm Jane, jane@acme.example"]
    record = await parts.storage.lead_for(key())
    assert record is not None and record.lead.email == "jane@acme.example"


# -- handoff ---------------------------------------------------------------------------------


async def test_during_a_handoff_the_bot_stays_quiet_but_records_the_message(parts: Parts) -> None:
    outbox, responder = MemoryOutbox(), EchoResponder()
    bot = parts.bot(responder, outbox)
    session = await parts.sessions.load(key())
    session.handoff = True
    await parts.sessions.save(session)

    handled = await bot.handle(InboundMessage(key(), "m1", "Hello? Is the manager there?"))
    assert handled.replies == [] and responder.calls == 0
    assert outbox.sent[key()] == []
    assert await lines(parts, key()) == [("in", "Hello? Is the manager there?")]
    history = (await parts.sessions.load(key())).history
    assert [(t.role, t.text) for t in history] == [("customer", "Hello? Is the manager there?")]


# -- the in-process queue --------------------------------------------------------------------


def message(conversation: str, n: int) -> InboundMessage:
    return InboundMessage(key(conversation), f"{conversation}-{n}", f"{conversation} #{n}")


async def run_until_drained(
    queue: InProcessQueue,
    handler: Callable[[InboundMessage], Awaitable[object]],
    messages: list[InboundMessage],
    workers: int = 4,
) -> None:
    """Serve the queue with `workers`, put `messages`, and wait until they are handled."""
    task = asyncio.create_task(queue.run(handler, workers=workers))
    try:
        for m in messages:
            await queue.put(m)
        await asyncio.wait_for(queue.join(), timeout=10)
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


async def test_queue_keeps_each_conversation_in_order_and_runs_conversations_in_parallel() -> None:
    queue, rng = InProcessQueue(), random.Random(7)
    conversations = ["a", "b", "c"]
    handled: dict[str, list[int]] = defaultdict(list)
    in_flight: set[str] = set()
    overlaps: list[str] = []
    most_at_once = 0
    all_started = asyncio.Event()
    started: set[str] = set()

    async def handler(m: InboundMessage) -> None:
        nonlocal most_at_once
        conversation = m.key.conversation.removeprefix("chat")
        if conversation in in_flight:
            overlaps.append(m.message_id)
        in_flight.add(conversation)
        most_at_once = max(most_at_once, len(in_flight))
        started.add(conversation)
        if len(started) == len(conversations):
            all_started.set()
        # the first messages wait for each other: only parallel workers get past this
        await asyncio.wait_for(all_started.wait(), timeout=5)
        await asyncio.sleep(rng.uniform(0, 0.004))
        handled[conversation].append(int(m.message_id.rsplit("-", 1)[1]))
        in_flight.discard(conversation)

    messages = [message(c, n) for n in range(20) for c in conversations]
    await run_until_drained(queue, handler, messages, workers=4)
    assert {c: handled[c] for c in conversations} == {c: list(range(20)) for c in conversations}
    assert overlaps == []
    assert most_at_once == len(conversations)
    assert queue.pending() == 0


async def test_a_handler_exception_does_not_kill_the_worker() -> None:
    queue = InProcessQueue()
    handled: list[str] = []

    async def handler(m: InboundMessage) -> None:
        if m.message_id == "a-1":
            raise RuntimeError("boom")
        handled.append(m.message_id)

    # one worker: if it died on a-1, nothing after it would be handled and join() would time out
    await run_until_drained(queue, handler, [message("a", n) for n in range(4)] + [message("b", 0)], workers=1)
    assert handled == ["a-0", "a-2", "a-3", "b-0"]


async def test_join_returns_once_everything_queued_is_handled() -> None:
    queue = InProcessQueue()
    await asyncio.wait_for(queue.join(), timeout=1)  # nothing queued: returns at once
    done: list[str] = []

    async def handler(m: InboundMessage) -> None:
        await asyncio.sleep(0.01)
        done.append(m.message_id)

    await run_until_drained(queue, handler, [message(c, n) for c in "ab" for n in range(5)], workers=2)
    assert len(done) == 10


async def test_submitted_messages_are_answered_through_the_queue_in_order(parts: Parts) -> None:
    outbox = MemoryOutbox()
    bot = parts.bot(outbox=outbox)
    worker = asyncio.create_task(parts.queue.run(bot.process))
    try:
        for n in range(5):
            for c in ("a", "b"):
                assert await bot.submit(message(c, n)) is True
        assert await bot.submit(message("a", 0)) is False  # a redelivery is not queued again
        await asyncio.wait_for(parts.queue.join(), timeout=10)
    finally:
        worker.cancel()
        with suppress(asyncio.CancelledError):
            await worker
    for c in ("a", "b"):
        assert [m.text for m in outbox.sent[key(c)]] == [f"echo: {c} #{n}" for n in range(5)]
        transcript = await lines(parts, key(c))
        assert [text for d, text in transcript if d == "in"] == [f"{c} #{n}" for n in range(5)]
        assert [text for d, text in transcript if d == "out"] == [f"echo: {c} #{n}" for n in range(5)]


# -- streaming -------------------------------------------------------------------------------


async def test_a_streaming_reply_is_shown_as_it_grows_and_only_the_final_text_is_kept(parts: Parts) -> None:
    outbox = MemoryOutbox()
    pieces = ["Panels ship", " from stock", " within 5 working days."]
    bot = parts.bot(StreamingResponder(pieces, pause=0.3), outbox)
    await bot.handle(InboundMessage(key(), "m1", "When can you ship?"))
    assert outbox.drafts[key()] == [
        ("m1#draft", "Panels ship"),
        ("m1#draft", "Panels ship from stock"),
        ("m1#draft", "Panels ship from stock within 5 working days."),
    ]
    assert [m.text for m in outbox.sent[key()]] == ["Panels ship from stock within 5 working days."]
    assert await lines(parts, key()) == [
        ("in", "When can you ship?"), ("out", "Panels ship from stock within 5 working days.")
    ]


async def test_drafts_are_throttled_so_token_streams_do_not_flood_the_channel(parts: Parts) -> None:
    outbox = MemoryOutbox()
    tokens = [f" w{i}" for i in range(200)]
    await parts.bot(StreamingResponder(tokens, pause=0), outbox).handle(InboundMessage(key(), "m1", "Tell me"))
    drafts = outbox.drafts[key()]
    assert 1 <= len(drafts) < 10
    assert drafts[0] == ("m1#draft", " w0")
    assert outbox.sent[key()][0].text == "".join(tokens)


async def test_failing_drafts_never_cost_the_reply(parts: Parts) -> None:
    outbox = DraftsFailOutbox()
    bot = parts.bot(StreamingResponder(["One", " two", " three"], pause=0.3), outbox)
    await bot.handle(InboundMessage(key(), "m1", "Count"))
    assert outbox.draft_attempts == 1  # a channel that refused drafts is not asked again this turn
    assert [m.text for m in outbox.sent[key()]] == ["One two three"]
