"""Claude leads the conversation: the whole app on the demo KB, the real `anthropic` SDK talking to
a fake Messages API on 127.0.0.1. What the customer reads, what the model was sent, what it cost."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
import pytest_asyncio

from bot.model import InboundMessage
from bot.testing import Conversation, MemoryOutbox
from config.wiring import Runtime
from tests.fakes.anthropic_api import API_KEY, FakeAnthropic
from tests.fakes.llm_script import Fail, Hang, Say
from tests.scenarios.llm_support import CATALOG, claude_settings, llm_runtime, metric, money

pytestmark = pytest.mark.asyncio(loop_scope="module")
QUOTE = CATALOG.quote("NW-P6060", 25)  # 25 × 89 € less the 5 % panel discount


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fake() -> AsyncIterator[FakeAnthropic]:
    server = FakeAnthropic()
    await server.start()
    yield server
    await server.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def app(
    fake: FakeAnthropic, demo_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Runtime]:
    tmp = tmp_path_factory.mktemp("claude")
    runtime = await llm_runtime(demo_data_dir, tmp, **claude_settings(fake.url, API_KEY))
    yield runtime
    await runtime.close()


@pytest.fixture(autouse=True)
def fresh_script(fake: FakeAnthropic) -> None:
    fake.script.steps.clear()
    fake.script.policy = None
    fake.requests.clear()


def quoted_reply() -> str:
    return f"25 Panel Slim 60x60 come to {money(QUOTE.total)} with the 5% volume discount."


async def test_a_price_comes_from_the_quote_tool_and_the_stable_prefix_is_cached(
    fake: FakeAnthropic, app: Runtime
) -> None:
    fake.play(Say(tools=(("quote_price", {"sku": "NW-P6060", "quantity": 25}),), cache_write=1800),
              Say(text=quoted_reply(), cache_read=1800))
    chat = Conversation(app.bot)
    cached_before = metric("salesbot_llm_tokens_total", provider="anthropic", model="main-model", kind="cache_read")

    await chat.say("How much would 25 Panel Slim 60x60 be?")

    assert chat.last_reply == quoted_reply()
    first, _ = fake.requests
    assert first["stream"] is True and first["model"] == "main-model"
    assert first["system"][-1]["cache_control"] == {"type": "ephemeral"}
    assert first["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    assert {t["name"] for t in first["tools"]} >= {"search_knowledge", "lookup_product", "quote_price",
                                                  "related_products", "record_lead", "hand_off"}
    result = json.loads(fake.tool_results(1)[0]["content"])
    assert result["total"] == money(QUOTE.total) and result["discount_percent"] == "5%"
    assert "25 Panel Slim 60x60" not in fake.system_text(0)  # the customer's words are data, not instructions
    assert "<customer_message>\nHow much would 25 Panel Slim 60x60 be?\n</customer_message>" in fake.user_text(0)
    assert metric("salesbot_llm_tokens_total", provider="anthropic", model="main-model",
                  kind="cache_read") - cached_before == 1800
    record = await app.storage.lead_for(chat.key)
    assert record is not None and "NW-P6060" in record.lead.skus


async def test_the_reply_streams_to_drafts_that_grow_into_it(fake: FakeAnthropic, app: Runtime) -> None:
    text = "We deliver across the EU; " * 6 + "anything else I can check for you?"
    fake.play(Say(text=text, chunk=3))
    chat = Conversation(app.bot)
    await chat.say("Hello, do you deliver?")
    outbox = app.bot.outbox
    assert isinstance(outbox, MemoryOutbox)
    drafts = [t for _, t in outbox.drafts[chat.key]]
    assert drafts and all(text.startswith(d) for d in drafts) and len(drafts[0]) < len(text)
    assert chat.last_reply == text


async def test_documents_and_accessories_come_from_their_tools_and_the_reply_names_its_sources(
    fake: FakeAnthropic, app: Runtime
) -> None:
    reply = (f"The Panel Slim 60x60 carries a 5-year warranty. It goes with the Surface Frame 60x60 "
             f"({money(19)}) and the Motion Sensor Click ({money(28)}); the Panel Pro 60x60 is its upgrade.")
    fake.play(Say(tools=(("search_knowledge", {"query": "warranty of the LED panels"}),
                         ("related_products", {"sku": "NW-P6060"}))),
              Say(text=reply))
    chat = Conversation(app.bot)
    await chat.say("What warranty do the Panel Slim 60x60 have, and what goes with them?")

    assert chat.last_reply == reply
    found, related = (json.loads(r["content"]) for r in fake.tool_results(1))
    assert any(p["source"] == "warranty.md" and "5 years" in p["text"] for p in found)
    assert [p["sku"] for p in related["related"]] == ["NW-FRM6", "NW-SNS1", "NW-EM3"]
    assert related["related"][0]["price"] == money(19) and related["upgrade"]["sku"] == "NW-P6060P"
    assert {"warranty.md", CATALOG.sources[0]} <= set(chat.last[0].sources)


async def test_a_request_that_times_out_is_retried(fake: FakeAnthropic, app: Runtime) -> None:
    fake.play(Hang(10.0), Say(text="Yes, we deliver across the EU."))
    chat = Conversation(app.bot)
    await chat.say("Do you deliver to Lyon?")
    assert chat.last_reply == "Yes, we deliver across the EU."
    assert len(fake.requests) == 2


async def test_an_invented_price_is_sent_back_once_then_quoted_from_the_tool(fake: FakeAnthropic, app: Runtime) -> None:
    fake.play(Say(text="For you, 25 Panel Slim 60x60 are just €1,900.00!"),
              Say(tools=(("quote_price", {"sku": "NW-P6060", "quantity": 25}),)),
              Say(text=quoted_reply()))
    chat = Conversation(app.bot)
    await chat.say("How much would 25 Panel Slim 60x60 be?")
    assert chat.last_reply == quoted_reply()
    correction = fake.requests[1]["messages"][-1]["content"][0]["text"]
    assert "€1,900.00" in correction and "not sent" in correction


async def test_an_invented_price_twice_gets_the_offline_answer(fake: FakeAnthropic, app: Runtime) -> None:
    fallbacks = metric("salesbot_llm_fallbacks_total", provider="anthropic", reason="guard")
    fake.play(Say(text="25 Panel Slim 60x60: €1,900.00."), Say(text="Sorry: 25 Panel Slim 60x60 are €1,850.00."))
    chat = Conversation(app.bot)
    await chat.say("How much would 25 Panel Slim 60x60 be?")
    assert "1,900" not in chat.last_reply and "1,850" not in chat.last_reply
    assert money(QUOTE.total) in chat.last_reply  # the offline responder's exact quote
    assert metric("salesbot_llm_fallbacks_total", provider="anthropic", reason="guard") == fallbacks + 1


@pytest.mark.parametrize("failure", [Fail(529, "overloaded_error"), Fail(429, "rate_limit_error"),
                                     Fail(500, "api_error"), Fail(200, "overloaded_error", mid_stream=True)],
                         ids=["overloaded", "rate-limited", "server-error", "overloaded-mid-stream"])
async def test_a_transient_failure_is_retried(fake: FakeAnthropic, app: Runtime, failure: Fail) -> None:
    fake.play(failure, failure, Say(text="Yes, we deliver across the EU."))
    chat = Conversation(app.bot)
    await chat.say("Do you deliver to Lyon?")
    assert chat.last_reply == "Yes, we deliver across the EU."
    assert len(fake.requests) == 3


@pytest.mark.parametrize(("failure", "reason"),
                         [(Fail(529, "overloaded_error"), "unavailable"), (Hang(10.0), "unavailable")],
                         ids=["overloaded", "timeout"])
async def test_a_model_down_past_the_deadline_gets_the_offline_answer_and_the_lead_is_kept(
    fake: FakeAnthropic, app: Runtime, failure: Fail | Hang, reason: str
) -> None:
    fallbacks = metric("salesbot_llm_fallbacks_total", provider="anthropic", reason=reason)
    fake.play(*[failure] * 200)
    chat = Conversation(app.bot)
    await chat.say("How much would 25 Panel Slim 60x60 be? I'm Dana Whitfield, dana@whitfield-events.com")
    assert money(QUOTE.total) in chat.last_reply
    lead = await chat.lead()
    assert lead.email == "dana@whitfield-events.com" and lead.quantity == 25
    assert metric("salesbot_llm_fallbacks_total", provider="anthropic", reason=reason) == fallbacks + 1


async def test_the_model_records_the_lead_validated_and_the_extractors_fill_the_rest(
    fake: FakeAnthropic, app: Runtime
) -> None:
    fake.play(Say(tools=(("record_lead", {"name": "Dana Whitfield", "phone": "+44 20 7946 0958",
                                          "quantity": -40, "skus": ["PANEL-9000"]}),)),
              Say(text="Thank you, Dana! How soon do you need the panels?"))
    chat = Conversation(app.bot)
    await chat.say("I'm Dana Whitfield from Whitfield Events, we need 40 Panel Slim 60x60. Call me on 020 7946 0958")

    result = json.loads(fake.tool_results(1)[0]["content"])
    assert set(result["recorded"]) == {"name", "phone"}
    assert set(result["rejected"]) == {"quantity", "skus"}
    lead = await chat.lead()
    assert (lead.name, lead.phone) == ("Dana Whitfield", "+442079460958")  # from the model, validated
    assert lead.quantity == 40 and lead.skus == ("NW-P6060",)  # the model's were refused; the extractors' stand
    assert lead.company  # the model left it empty: the extractors filled it


async def test_a_request_for_a_person_hands_the_conversation_over(fake: FakeAnthropic, app: Runtime) -> None:
    fake.play(Say(tools=(("hand_off", {"reason": "wants a custom project"}),)),
              Say(text="I've asked a colleague from our sales team to take over; they will write to you here."))
    chat = Conversation(app.bot)
    handled = await app.bot.handle(_message(chat, "Can a person help me plan a custom lighting project?"))
    assert handled.reply is not None and handled.reply.wants_human


def _message(chat: Conversation, text: str) -> InboundMessage:
    return InboundMessage(chat.key, f"{chat.key.user}-handoff", text)


async def test_simple_turns_go_to_the_fast_model_and_the_rest_to_the_main_one(
    fake: FakeAnthropic, app: Runtime
) -> None:
    fake.play(Say(text="Hello! What are you lighting?"),
              Say(tools=(("quote_price", {"sku": "NW-P6060", "quantity": 25}),)), Say(text=quoted_reply()))
    chat = Conversation(app.bot)
    await chat.say("Hello!")
    await chat.say("How much would 25 Panel Slim 60x60 be?")
    assert [r["model"] for r in fake.requests] == ["fast-model", "main-model", "main-model"]


async def test_history_past_the_budget_is_trimmed_and_the_lead_facts_stay(fake: FakeAnthropic, app: Runtime) -> None:
    fake.script.policy = lambda request: Say(text="Noted, thank you.")
    chat = Conversation(app.bot)
    await chat.say("I'm Dana Whitfield from Whitfield Events. " + "We are refitting our offices. " * 30)
    for floor in ("second", "third", "fourth"):
        await chat.say(f"On the {floor} floor " + "the meeting rooms need softer light. " * 25)
    latest = fake.user_text(-1)
    assert "We are refitting our offices" not in latest  # the oldest turn is past the budget
    assert "fourth floor" in latest
    assert "<known_facts>" in latest and "name: Dana Whitfield" in latest
    assert "Dana Whitfield" not in fake.system_text(-1)


async def test_tokens_and_cost_are_counted_per_conversation(fake: FakeAnthropic, app: Runtime) -> None:
    fake.play(Say(tools=(("quote_price", {"sku": "NW-P6060", "quantity": 25}),), input_tokens=1000,
                  output_tokens=50, cache_write=2000),
              Say(text=quoted_reply(), input_tokens=1200, output_tokens=40, cache_read=2000))
    cost_before = metric("salesbot_llm_cost_usd_total", provider="anthropic", model="main-model")
    chat = Conversation(app.bot)
    await chat.say("How much would 25 Panel Slim 60x60 be?")
    (spent,) = await app.spending.spent(chat.key)  # kept in the database, beside the transcript
    assert (spent.model, spent.input, spent.output, spent.cache_read, spent.cache_write) == (
        "main-model", 2200, 90, 2000, 2000)
    # main-model: $3 / $15 / $0.30 / $3.75 per million input / output / cache-read / cache-write tokens
    expected = (2200 * 3 + 90 * 15 + 2000 * 0.30 + 2000 * 3.75) / 1_000_000
    assert spent.cost == Decimal(str(expected))
    assert metric("salesbot_llm_cost_usd_total", provider="anthropic", model="main-model") == pytest.approx(
        cost_before + expected)


async def test_the_playbook_guides_the_model_but_its_notes_never_reach_the_customer(
    fake: FakeAnthropic, app: Runtime
) -> None:
    note = "Talk about cost per year, not price per fixture, and mention the volume discounts."
    fake.play(Say(text=note), Say(text=note))
    chat = Conversation(app.bot)
    await chat.say("Your panels are too expensive.")
    assert note in fake.system_text(0)  # guidance, in the instructions
    assert "Talk about cost per year" not in chat.last_reply  # the offline answer went out instead
    assert chat.last_reply.strip()


async def test_a_refused_key_is_not_retried_and_the_offline_responder_answers(
    fake: FakeAnthropic, app: Runtime
) -> None:
    errors = metric("salesbot_llm_fallbacks_total", provider="anthropic", reason="error")
    fake.play(Fail(401, "authentication_error"), Say(text="never asked for"))
    chat = Conversation(app.bot)
    await chat.say("How much would 25 Panel Slim 60x60 be?")
    assert money(QUOTE.total) in chat.last_reply
    assert len(fake.requests) == 1
    assert metric("salesbot_llm_fallbacks_total", provider="anthropic", reason="error") == errors + 1
