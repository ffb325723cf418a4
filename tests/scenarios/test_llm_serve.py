"""`salesbot serve` with Claude chosen: a web chat visitor watches the reply being written (drafts)
and then gets it, while the model is the fake Messages API on 127.0.0.1, reached by the real SDK."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from config.settings import DEMO_KB, LLMSettings
from config.web.app import create_app
from tests.conftest import embedded_settings
from tests.fakes.anthropic_api import API_KEY, FakeAnthropic
from tests.fakes.llm_script import Say
from tests.scenarios.llm_support import CATALOG, claude_settings, money

ORIGIN = {"origin": "http://testserver"}


@pytest.fixture
def fake() -> Iterator[FakeAnthropic]:
    """The fake in a thread of its own: TestClient runs the app in another event loop."""
    loop = asyncio.new_event_loop()
    server = FakeAnthropic()
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(30)
    yield server
    asyncio.run_coroutine_threadsafe(server.stop(), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(30)


def test_the_web_chat_shows_the_models_reply_growing_then_the_stored_line(fake: FakeAnthropic, data_dir: Path) -> None:
    total = money(CATALOG.quote("NW-P6060", 25).total)
    answer = f"25 Panel Slim 60x60 come to {total}, with the 5% volume discount. " + "Shall I reserve them? " * 8
    fake.play(Say(tools=(("quote_price", {"sku": "NW-P6060", "quantity": 25}),)), Say(text=answer.strip(), chunk=2))
    settings = embedded_settings(data_dir, kb_dir=DEMO_KB, **claude_settings(fake.url, API_KEY)).model_copy(
        update={"llm": LLMSettings(model="main-model")})

    frames: list[dict[str, Any]] = []
    with TestClient(create_app(settings)) as client, \
            client.websocket_connect("/webchat/ws?visitor=llmvisitor01&last_seq=0", headers=ORIGIN) as ws:
        while json.loads(ws.receive_text())["type"] != "ready":
            pass
        ws.send_text(json.dumps({"type": "message", "id": "c1", "text": "How much are 25 Panel Slim 60x60?"}))
        while not (frames and frames[-1].get("direction") == "out"):
            frames.append(json.loads(ws.receive_text()))

    assert frames[-1]["text"] == answer.strip()
    drafts = [f["text"] for f in frames if f["type"] == "draft"]
    assert drafts and all(answer.startswith(d) for d in drafts)
    assert len(fake.requests) == 2
