"""The web chat adapter, over a real uvicorn server on 127.0.0.1 and a real WebSocket client.

The core is played by `Recorder`: it stores lines with a per-conversation seq,
deduplicates by message id and answers each new message through the channel's
`send`, after the adapter's `submit` returned, as the worker would.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin

from bot.model import Button, ConversationKey, InboundMessage, OutboundMessage
from bot.records import TranscriptLine
from channels.base import ChannelContext
from channels.registry import channel_class
from channels.webchat import WebChatChannel
from channels.webchat.limits import LRU, RateLimiter
from channels.webchat.settings import WebChatConfigError

ORIGIN = "http://shop.example"
VISITOR = "visitor-0123456789"
KEY = ConversationKey("webchat", "site", VISITOR, VISITOR)
WIDGET = Path(__file__).parents[2] / "channels" / "webchat" / "static" / "widget.js"


@dataclass
class Recorder:
    """Inbox + TranscriptReader for adapter tests."""

    channel: WebChatChannel | None = None
    submitted: list[InboundMessage] = field(default_factory=list)
    lines: list[TranscriptLine] = field(default_factory=list)
    fail_submit: bool = False
    _seen: set[str] = field(default_factory=set)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def submit(self, message: InboundMessage) -> bool:
        if self.fail_submit:
            raise ConnectionError("database is down")
        self.submitted.append(message)
        if message.message_id in self._seen:
            return False
        self._seen.add(message.message_id)
        self.append(message.key, "in", message.text, message.message_id)
        task = asyncio.create_task(self._reply(message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    def append(self, key: ConversationKey, direction: str, text: str, message_id: str) -> TranscriptLine:
        seq = 1 + max((line.seq for line in self.lines if line.key == key), default=0)
        line = TranscriptLine(seq, key, direction, text, message_id, datetime.now(UTC))
        self.lines.append(line)
        return line

    async def _reply(self, message: InboundMessage) -> None:
        assert self.channel is not None
        await self.channel.typing(message.key)
        reply = OutboundMessage(f"echo: {message.text}", buttons=(Button("Yes, please", "yes"),))
        out_id = f"reply-{message.message_id}"
        self.append(message.key, "out", reply.text, out_id)
        await self.channel.send(message.key, reply, idempotency_key=out_id)

    async def transcript(self, key: ConversationKey, after_seq: int = 0) -> list[TranscriptLine]:
        return [line for line in self.lines if line.key == key and line.seq > after_seq]

    async def settle(self) -> None:
        while self._tasks:
            await asyncio.gather(*self._tasks)


@dataclass
class Served:
    base: str
    channel: WebChatChannel
    recorder: Recorder

    def ws(self, visitor: str = VISITOR, last_seq: int = 0, origin: str | None = ORIGIN) -> Any:
        url = self.base.replace("http", "ws", 1) + f"/webchat/ws?visitor={visitor}&last_seq={last_seq}"
        return connect(url, origin=Origin(origin) if origin else None, open_timeout=5)


def make_channel(recorder: Recorder, **settings: Any) -> tuple[FastAPI, WebChatChannel]:
    channel = WebChatChannel(
        ChannelContext(inbox=recorder, transcripts=recorder, settings={"allowed_origins": [ORIGIN], **settings})
    )
    recorder.channel = channel
    app = FastAPI()
    app.include_router(channel.router())
    return app, channel


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[Served]]]:
    servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []

    async def start(**settings: Any) -> Served:
        recorder = Recorder()
        app, channel = make_channel(recorder, **settings)
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        servers.append((server, task))
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        return Served(f"http://127.0.0.1:{port}", channel, recorder)

    yield start
    for server, task in servers:
        server.should_exit = True
        await task


async def recv(ws: ClientConnection) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 5))
    return frame


async def until(ws: ClientConnection, predicate: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    """Frames up to and including the first one matching `predicate`."""
    frames = [await recv(ws)]
    while not predicate(frames[-1]):
        frames.append(await recv(ws))
    return frames


async def until_closed(ws: ClientConnection) -> list[dict[str, Any]]:
    frames = []
    with pytest.raises(ConnectionClosed):
        while True:
            frames.append(await recv(ws))
    return frames


def is_type(kind: str) -> Callable[[dict[str, Any]], bool]:
    return lambda frame: frame["type"] == kind


def out_message(frame: dict[str, Any]) -> bool:
    return bool(frame["type"] == "message" and frame["direction"] == "out")


def messages(frames: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    return [(f["seq"], f["direction"], f["text"]) for f in frames if f["type"] == "message"]


async def barrier(served: Served, ws: ClientConnection) -> list[dict[str, Any]]:
    """Everything the server pushed once the fake core is idle (ping/pong keeps order)."""
    await served.recorder.settle()
    await ws.send(json.dumps({"type": "ping"}))
    return (await until(ws, is_type("pong")))[:-1]


# --- admission ------------------------------------------------------------------------------


async def test_foreign_origin_is_refused_before_the_handshake(serve: Any, caplog: Any) -> None:
    served = await serve()
    with caplog.at_level(logging.WARNING), pytest.raises(InvalidStatus) as refused:
        async with served.ws(origin="https://evil.example"):
            pass
    # ASGI close(1008) before accept is sent by uvicorn as a refused handshake.
    assert refused.value.response.status_code == 403
    assert "https://evil.example" in caplog.text and "origin not allowed" in caplog.text


@pytest.mark.parametrize(
    ("origin", "query"),
    [
        ("https://evil.example", f"visitor={VISITOR}"),
        (None, f"visitor={VISITOR}"),
        (ORIGIN, "visitor=short"),
        (ORIGIN, "visitor=has%20spaces%20in%20it"),
        (ORIGIN, "visitor=" + "a" * 65),
        (ORIGIN, ""),
        (ORIGIN, f"visitor={VISITOR}&last_seq=-1"),
    ],
)
async def test_refusals_close_with_policy_violation(origin: str | None, query: str) -> None:
    # Driven at the ASGI level, where the close code is visible (uvicorn turns it into a 403).
    app, channel = make_channel(Recorder())
    headers = [(b"host", b"chat.example")] + ([(b"origin", origin.encode())] if origin else [])
    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "scheme": "ws",
        "http_version": "1.1",
        "path": "/webchat/ws",
        "raw_path": b"/webchat/ws",
        "root_path": "",
        "query_string": query.encode(),
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "subprotocols": [],
    }
    incoming = [{"type": "websocket.connect"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "websocket.disconnect", "code": 1000}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    await app(scope, receive, send)
    assert [m["type"] for m in sent] == ["websocket.close"]
    assert sent[0]["code"] == 1008
    assert channel.hub.open_conversations() == 0


async def test_allowed_origin_gets_a_ready_frame(serve: Any) -> None:
    served = await serve()
    async with served.ws() as ws:
        assert await recv(ws) == {"type": "ready", "last_seq": 0}


@pytest.mark.parametrize("settings", [{"allowed_origins": ["*"]}, {}])
async def test_star_and_same_origin_are_admitted(serve: Any, settings: dict[str, Any]) -> None:
    served = await serve(**settings)
    origin = served.base if not settings else "https://anywhere.example"
    async with served.ws(origin=origin) as ws:
        assert (await recv(ws))["type"] == "ready"


# --- bad frames ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "{not json",
        "[1, 2]",
        '{"type": "shout", "text": "hi"}',
        '{"type": "message", "text": "no id"}',
        '{"type": "message", "id": "c1", "text": 42}',
        b"\x00binary",
    ],
)
async def test_bad_frames_get_an_error_then_close_1003(serve: Any, raw: str | bytes) -> None:
    served = await serve()
    async with served.ws() as ws:
        await until(ws, is_type("ready"))
        await ws.send(raw)
        frames = await until_closed(ws)
    assert frames[-1]["type"] == "error" and frames[-1]["code"] == "bad_frame"
    assert ws.close_code == 1003
    assert served.recorder.submitted == []


async def test_oversized_message_closes_1009_and_the_server_keeps_serving(serve: Any) -> None:
    served = await serve(max_message_chars=10)
    async with served.ws() as ws:
        await until(ws, is_type("ready"))
        await ws.send(json.dumps({"type": "message", "id": "big", "text": "x" * 11}))
        frames = await until_closed(ws)
    assert ws.close_code == 1009 and frames[-1]["code"] == "too_big"
    async with served.ws(visitor="another-visitor-42") as other:
        await until(other, is_type("ready"))
        await other.send(json.dumps({"type": "message", "id": "ok", "text": "x" * 10}))
        assert (await until(other, out_message))[-1]["text"] == "echo: " + "x" * 10
    assert [m.text for m in served.recorder.submitted] == ["x" * 10]


async def test_whitespace_message_is_refused_with_an_error_frame(serve: Any) -> None:
    served = await serve()
    async with served.ws() as ws:
        await until(ws, is_type("ready"))
        await ws.send(json.dumps({"type": "message", "id": "blank", "text": "  \n "}))
        assert await recv(ws) == {"type": "error", "code": "empty", "detail": "empty message", "id": "blank"}
        assert await barrier(served, ws) == []
    assert served.recorder.submitted == []


async def test_rate_limit_sends_an_error_frame_and_keeps_the_socket(serve: Any) -> None:
    served = await serve(rate_per_minute=2)
    async with served.ws() as ws:
        await until(ws, is_type("ready"))
        for n in range(3):
            await ws.send(json.dumps({"type": "message", "id": f"m{n}", "text": f"hello {n}"}))
        frames = await until(ws, lambda f: f["type"] == "error")
        assert frames[-1]["code"] == "rate_limited" and frames[-1]["id"] == "m2"
        await barrier(served, ws)  # still open and answering
    assert [m.text for m in served.recorder.submitted] == ["hello 0", "hello 1"]


async def test_many_visitor_ids_from_one_address_share_its_rate_limit(serve: Any) -> None:
    # The visitor id is the client's to choose: minting ids must not multiply the limit.
    served = await serve(rate_per_minute=20, rate_per_minute_per_address=3)
    codes = []
    for n in range(5):
        async with served.ws(visitor=f"minted-visitor-{n:04d}") as ws:
            await until(ws, is_type("ready"))
            await ws.send(json.dumps({"type": "message", "id": "m1", "text": "hello"}))
            frame = await until(ws, lambda f: f["type"] in ("ack", "error"))
            codes.append(frame[-1].get("code", "ack"))
    assert codes == ["ack", "ack", "ack", "rate_limited", "rate_limited"]
    assert len(served.recorder.submitted) == 3


async def test_text_the_database_cannot_hold_is_made_storable_or_refused_before_the_ack(serve: Any) -> None:
    served = await serve()
    async with served.ws() as ws:
        await until(ws, is_type("ready"))
        await ws.send('{"type": "message", "id": "c1", "text": "Office\\u0000 300?"}')  # NUL: dropped
        assert (await until(ws, is_type("ack")))[-1] == {"type": "ack", "id": "c1", "duplicate": False}
        await ws.send('{"type": "message", "id": "c2", "text": "Office \\ud800"}')  # a lone surrogate
        frames = await until_closed(ws)
    assert frames[-1]["type"] == "error" and frames[-1]["code"] == "bad_frame"
    assert [m.text for m in served.recorder.submitted] == ["Office 300?"]


async def test_a_last_seq_of_non_ascii_digits_is_refused_not_a_server_error(serve: Any) -> None:
    served = await serve()
    url = served.base.replace("http", "ws", 1) + f"/webchat/ws?visitor={VISITOR}&last_seq=%C2%B2"
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, origin=Origin(ORIGIN), open_timeout=5):
            pass
    assert refused.value.response.status_code == 403


# --- messages, replies, reconnects -----------------------------------------------------------


async def test_message_is_submitted_and_the_reply_arrives_with_its_seq(serve: Any) -> None:
    served = await serve()
    async with served.ws() as ws:
        await until(ws, is_type("ready"))
        await ws.send(json.dumps({"type": "message", "id": "c1", "text": " hello "}))
        frames = await until(ws, out_message)
    [submitted] = served.recorder.submitted
    assert submitted.key == KEY
    assert submitted.message_id == f"{VISITOR}:c1"
    assert submitted.text == "hello"
    assert {"type": "ack", "id": "c1", "duplicate": False} in frames
    assert {"type": "typing"} in frames
    assert messages(frames) == [(1, "in", "hello"), (2, "out", "echo: hello")]
    inbound, reply = (f for f in frames if f["type"] == "message")
    assert inbound["id"] == "c1" and inbound["buttons"] == []
    assert reply["buttons"] == [{"title": "Yes, please", "payload": "yes"}]


async def test_reconnect_with_last_seq_replays_only_missed_lines(serve: Any) -> None:
    served = await serve()
    async with served.ws() as ws:
        await until(ws, is_type("ready"))
        await ws.send(json.dumps({"type": "message", "id": "c1", "text": "hi"}))
        await until(ws, out_message)
    # While the page is away the core sends a follow-up: no socket, nothing lost.
    served.recorder.append(KEY, "out", "A discount for you", "follow-up-1")
    await served.channel.send(KEY, OutboundMessage("A discount for you"), idempotency_key="follow-up-1")

    async with served.ws(last_seq=2) as ws:
        frames = await until(ws, is_type("ready"))
    assert messages(frames) == [(3, "out", "A discount for you")]
    assert frames[-1] == {"type": "ready", "last_seq": 3}

    async with served.ws(last_seq=0) as ws:  # a reloaded page gets the whole conversation
        frames = await until(ws, is_type("ready"))
    assert messages(frames) == [(1, "in", "hi"), (2, "out", "echo: hi"), (3, "out", "A discount for you")]


async def test_resent_client_id_is_acked_as_duplicate_and_answered_once(serve: Any) -> None:
    served = await serve()
    frame = json.dumps({"type": "message", "id": "c1", "text": "price of drills?"})
    async with served.ws() as ws:
        await until(ws, is_type("ready"))
        await ws.send(frame)
        await until(ws, out_message)
    async with served.ws(last_seq=2) as ws:
        await until(ws, is_type("ready"))
        await ws.send(frame)  # the widget resends what it never saw acknowledged
        assert await recv(ws) == {"type": "ack", "id": "c1", "duplicate": True}
        assert await barrier(served, ws) == []
    assert len(served.recorder.submitted) == 2
    assert [line.direction for line in served.recorder.lines] == ["in", "out"]


async def test_every_tab_of_a_visitor_gets_each_line_once(serve: Any) -> None:
    served = await serve()
    async with served.ws() as tab1, served.ws() as tab2:
        await until(tab1, is_type("ready"))
        await until(tab2, is_type("ready"))
        await tab1.send(json.dumps({"type": "message", "id": "c1", "text": "hi"}))
        seen1 = messages(await until(tab1, out_message) + await barrier(served, tab1))
        seen2 = messages(await until(tab2, out_message) + await barrier(served, tab2))
    assert seen1 == seen2 == [(1, "in", "hi"), (2, "out", "echo: hi")]


async def test_closed_sockets_are_forgotten(serve: Any) -> None:
    served = await serve()
    async with served.ws() as ws:
        await until(ws, is_type("ready"))
        assert served.channel.hub.count(KEY) == 1
    for _ in range(100):
        if served.channel.hub.open_conversations() == 0:
            break
        await asyncio.sleep(0.01)
    assert served.channel.hub.open_conversations() == 0


async def test_too_many_sockets_for_one_visitor_closes_1013(serve: Any) -> None:
    served = await serve(max_connections_per_visitor=1)
    async with served.ws() as first:
        await until(first, is_type("ready"))
        async with served.ws() as second:
            frames = await until_closed(second)
        assert second.close_code == 1013 and frames[-1]["code"] == "too_many_connections"
        await barrier(served, first)


async def test_submit_failure_closes_1011_so_the_widget_resends(serve: Any, caplog: Any) -> None:
    served = await serve()
    served.recorder.fail_submit = True
    async with served.ws() as ws:
        await until(ws, is_type("ready"))
        await ws.send(json.dumps({"type": "message", "id": "c1", "text": "hi"}))
        frames = await until_closed(ws)
    assert ws.close_code == 1011 and frames[-1] == {
        "type": "error",
        "code": "unavailable",
        "detail": "try again shortly",
        "id": "c1",
    }
    assert "submit failed" in caplog.text


# --- assets ----------------------------------------------------------------------------------


async def test_widget_script_is_served_as_javascript_with_cache_headers(serve: Any) -> None:
    served = await serve(title="Acme </script> sales", greeting="Hi! Ask me about prices.")
    async with httpx.AsyncClient(base_url=served.base) as http:
        response = await http.get("/webchat/widget.js")
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/javascript; charset=utf-8"
        assert "max-age" in response.headers["cache-control"]
        assert 'customElements.define("salesbot-chat"' in response.text
        assert "Acme \\u003c/script\\u003e sales" in response.text and "Acme </script>" not in response.text
        assert "Hi! Ask me about prices." in response.text
        again = await http.get("/webchat/widget.js", headers={"if-none-match": response.headers["etag"]})
        assert again.status_code == 304


async def test_demo_page_embeds_the_widget_with_one_script_tag(serve: Any) -> None:
    served = await serve()
    async with httpx.AsyncClient(base_url=served.base) as http:
        response = await http.get("/webchat/demo")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert re.findall(r"<script[^>]*>", response.text) == ['<script src="/webchat/widget.js" defer>']
    assert "<style>" in response.text


def test_widget_never_parses_html() -> None:
    # The browser test proves rendering; this guards the source against the usual sinks.
    source = WIDGET.read_text(encoding="utf-8")
    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "DOMParser",
        "createContextualFragment",
        "eval(",
        "new Function",
    ):
        assert sink not in source, sink
    assert "textContent" in source


# --- pieces ----------------------------------------------------------------------------------


def test_registry_finds_the_channel() -> None:
    assert channel_class("webchat") is WebChatChannel


def test_bad_setting_names_the_key() -> None:
    with pytest.raises(WebChatConfigError, match="rate_per_minute"):
        make_channel(Recorder(), rate_per_minute=0)


def test_rate_limiter_refills_over_time() -> None:
    now = [0.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert [limiter.allow("v"), limiter.allow("v"), limiter.allow("v")] == [True, True, False]
    assert limiter.allow("w")  # buckets are per visitor
    now[0] += 30  # 2 a minute: one token back after 30 s
    assert [limiter.allow("v"), limiter.allow("v")] == [True, False]


def test_memory_is_bounded_for_any_number_of_visitors() -> None:
    limiter = RateLimiter(5, max_keys=100)
    for n in range(10_000):
        limiter.allow(f"visitor-{n}")
    assert len(limiter) == 100
    lru: LRU[str, int] = LRU(2)
    lru.put("a", 1)
    lru.put("b", 2)
    lru.get("a")  # recently used, so "b" is the one evicted
    lru.put("c", 3)
    assert "a" in lru and "b" not in lru and "c" in lru


# --- streaming drafts -------------------------------------------------------------------------


async def test_a_draft_reaches_only_its_visitors_sockets_and_is_never_replayed(serve: Any) -> None:
    served = await serve()
    async with served.ws() as ws, served.ws(visitor="visitor-somebody-else") as other:
        await until(ws, is_type("ready"))
        await until(other, is_type("ready"))
        await served.channel.draft(KEY, "m1#draft", "Panels ship")
        await served.channel.draft(KEY, "m1#draft", "Panels ship <b>today</b>")
        assert await barrier(served, ws) == [
            {"type": "draft", "id": "m1#draft", "text": "Panels ship"},
            {"type": "draft", "id": "m1#draft", "text": "Panels ship <b>today</b>"},
        ]
        assert await barrier(served, other) == []
    async with served.ws() as again:  # a draft is not part of the transcript
        assert not [f for f in await until(again, is_type("ready")) if f["type"] == "draft"]
