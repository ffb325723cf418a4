"""What Claude cost a conversation is kept in the database: the runtime restarts (a deploy, a
crash) and the conversation's tokens and cost carry on from where they were, on its lead page."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from pydantic import SecretStr

from bot.model import ConversationKey
from bot.records import Spend
from bot.testing import Conversation, MemoryOutbox
from config.web import board
from config.wiring import Runtime, build_runtime
from tests.fakes.anthropic_api import API_KEY, FakeAnthropic
from tests.fakes.llm_script import Say
from tests.scenarios.llm_support import CATALOG, claude_settings, llm_runtime, money

pytestmark = pytest.mark.asyncio(loop_scope="module")
TOKEN = "spend-scenario-board-token-0123456789"
QUOTED = f"25 Panel Slim 60x60 come to {money(CATALOG.quote('NW-P6060', 25).total)} with the 5% volume discount."


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fake() -> AsyncIterator[FakeAnthropic]:
    server = FakeAnthropic()
    await server.start()
    yield server
    await server.stop()


async def test_a_conversations_tokens_and_cost_survive_a_restart_and_show_on_its_lead_page(
    fake: FakeAnthropic, demo_data_dir: Path, tmp_path: Path
) -> None:
    first = await llm_runtime(demo_data_dir, tmp_path, board_token=SecretStr(TOKEN),
                              **claude_settings(fake.url, API_KEY))
    fake.play(Say(tools=(("quote_price", {"sku": "NW-P6060", "quantity": 25}),), input_tokens=1000,
                  output_tokens=50, cache_write=2000),
              Say(text=QUOTED, input_tokens=1200, output_tokens=40, cache_read=2000))
    try:
        chat = Conversation(first.bot, user="spend-restart")
        await chat.say("How much would 25 Panel Slim 60x60 be? dana@whitfield-events.com", message_id="spend-1")
        assert chat.last_reply == QUOTED
    finally:
        await first.close()

    second = await build_runtime(first.settings, outbox=MemoryOutbox())  # same data dir, same database
    try:
        fake.play(Say(text="Hello again! Shall I reserve the panels?", input_tokens=500, output_tokens=10))
        chat = Conversation(second.bot, user="spend-restart")
        await chat.say("Hello!", message_id="spend-2")
        # main-model: $3 / $15 / $0.30 / $3.75 per million input / output / cache-read / cache-write tokens
        main_cost = (Decimal(2200) * 3 + 90 * 15 + Decimal("2000") * Decimal("0.30")
                     + Decimal("2000") * Decimal("3.75")) / 1_000_000
        assert await second.spending.spent(chat.key) == [
            Spend("fast-model", 500, 10, 0, 0, Decimal(0)),  # a greeting goes to the fast model, unpriced here
            Spend("main-model", 2200, 90, 2000, 2000, main_cost),  # the first runtime's two requests
        ]
        page = await lead_page(second, chat.key)
    finally:
        await second.close()

    assert "Language model usage" in page
    assert "main-model" in page and "2,200" in page and "2,000" in page and "$0.01605" in page
    assert "fast-model" in page and "Total" in page and "2,700" in page


async def lead_page(runtime: Runtime, key: ConversationKey) -> str:
    """The conversation's lead page, signed in, served by the board's own routes."""
    record = await runtime.storage.lead_for(key)
    assert record is not None
    app = FastAPI()
    app.state.settings = runtime.settings
    app.state.runtime = runtime
    app.state.board_auth = board.load_auth(runtime.settings)
    app.include_router(board.router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        await client.post("/board/login", data={"token": TOKEN})
        page = await client.get(f"/board/leads/{record.id}")
    assert page.status_code == 200
    return html.unescape(page.text)
