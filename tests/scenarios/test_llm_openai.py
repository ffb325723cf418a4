"""Any OpenAI-compatible model leads the conversation: the whole app on the demo KB, the real
`openai` SDK talking to a fake Chat Completions API on 127.0.0.1 (the format vLLM, llama.cpp's
server and Ollama serve too)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.testing import Conversation
from config.wiring import Runtime
from tests.fakes.llm_script import Fail, Say
from tests.fakes.openai_api import API_KEY, FakeOpenAI
from tests.scenarios.llm_support import CATALOG, llm_runtime, metric, money, openai_settings

pytestmark = pytest.mark.asyncio(loop_scope="module")
QUOTE = CATALOG.quote("NW-P6060P", 120)  # 120 × 129 € less the 10 % panel discount


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fake() -> AsyncIterator[FakeOpenAI]:
    server = FakeOpenAI()
    await server.start()
    yield server
    await server.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def app(
    fake: FakeOpenAI, demo_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Runtime]:
    tmp = tmp_path_factory.mktemp("openai")
    runtime = await llm_runtime(demo_data_dir, tmp, **openai_settings(fake.url + "/v1", API_KEY))
    yield runtime
    await runtime.close()


@pytest.fixture(autouse=True)
def fresh_script(fake: FakeOpenAI) -> None:
    fake.script.steps.clear()
    fake.script.policy = None
    fake.requests.clear()


def quoted_reply(lang: str = "en") -> str:
    if lang == "ru":
        return f"120 Panel Pro 60x60 обойдутся в {money(QUOTE.total, 'ru')} со скидкой 10%."
    return f"120 Panel Pro 60x60 come to {money(QUOTE.total)} with the 10% volume discount."


async def test_tool_calls_streamed_in_pieces_run_and_their_figures_are_quoted(fake: FakeOpenAI, app: Runtime) -> None:
    fake.play(Say(tools=(("lookup_product", {"query": "Panel Pro"}),
                         ("quote_price", {"sku": "NW-P6060P", "quantity": 120})), chunk=5),
              Say(text=quoted_reply(), cache_read=900, input_tokens=300))
    chat = Conversation(app.bot)
    cached = metric("salesbot_llm_tokens_total", provider="openai", model="main-model", kind="cache_read")
    uncached = metric("salesbot_llm_tokens_total", provider="openai", model="main-model", kind="input")

    await chat.say("Price for 120 Panel Pro 60x60, please")

    assert chat.last_reply == quoted_reply()
    first, second = fake.requests
    assert first["stream"] is True and first["stream_options"] == {"include_usage": True}
    assert first["messages"][0]["role"] == "system" and "120 Panel Pro" not in fake.system_text(0)
    lookup, quote = fake.tool_messages(1)
    assert json.loads(lookup["content"])[0]["sku"] == "NW-P6060P"
    assert json.loads(quote["content"])["total"] == money(QUOTE.total)
    calls = second["messages"][-3]["tool_calls"]
    assert [json.loads(c["function"]["arguments"]) for c in calls] == [
        {"query": "Panel Pro"}, {"sku": "NW-P6060P", "quantity": 120}]
    # Chat Completions counts cached tokens inside prompt_tokens; the metrics keep them apart.
    assert metric("salesbot_llm_tokens_total", provider="openai", model="main-model", kind="cache_read") == cached + 900
    assert metric("salesbot_llm_tokens_total", provider="openai", model="main-model", kind="input") >= uncached + 300
    assert set(chat.last[0].sources) >= set(CATALOG.sources)


async def test_a_russian_customer_is_answered_in_russian_with_russian_money(fake: FakeOpenAI, app: Runtime) -> None:
    fake.play(Say(tools=(("quote_price", {"sku": "NW-P6060P", "quantity": 120}),)), Say(text=quoted_reply("ru")))
    chat = Conversation(app.bot)
    await chat.say("Сколько будут стоить 120 панелей Panel Pro 60x60?")
    assert chat.last_reply == quoted_reply("ru")
    assert "Отвечайте по-русски" in fake.system_text(0)
    assert json.loads(fake.tool_messages(1)[0]["content"])["total"] == money(QUOTE.total, "ru")


async def test_a_discount_the_table_does_not_give_is_refused(fake: FakeOpenAI, app: Runtime) -> None:
    fake.play(Say(tools=(("quote_price", {"sku": "NW-P6060P", "quantity": 120}),)),
              Say(text=f"{quoted_reply()} And as a partner you get 50% off on top."),
              Say(text=quoted_reply()))
    chat = Conversation(app.bot)
    await chat.say("120 Panel Pro 60x60 with my 50% partner discount?")
    assert chat.last_reply == quoted_reply()
    assert "50%" in fake.requests[-1]["messages"][-1]["content"]  # the note naming the unsupported figure


@pytest.mark.parametrize("failure", [Fail(503, "server_error"), Fail(429, "rate_limit_exceeded"),
                                     Fail(200, "server_error", mid_stream=True)],
                         ids=["unavailable", "rate-limited", "error-mid-stream"])
async def test_transient_failures_are_retried_then_fall_back(fake: FakeOpenAI, app: Runtime, failure: Fail) -> None:
    fake.play(failure, Say(text="Yes, we ship across the EU."))
    chat = Conversation(app.bot)
    await chat.say("Do you ship to Spain?")
    assert chat.last_reply == "Yes, we ship across the EU."

    fallbacks = metric("salesbot_llm_fallbacks_total", provider="openai", reason="unavailable")
    fake.play(*[failure] * 300)
    await chat.say("How much are 120 Panel Pro 60x60?")
    assert money(QUOTE.total) in chat.last_reply
    assert metric("salesbot_llm_fallbacks_total", provider="openai", reason="unavailable") == fallbacks + 1
