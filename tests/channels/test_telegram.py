"""The Telegram adapter with aiogram's own client against a fake Bot API on 127.0.0.1.

The core is real (SalesBot, SQLite, the queue's workers); only the responder is
written for the test. Webhooks are posted to the adapter's routes in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.model import OutboundMessage
from channels.base import ChannelConfigError
from channels.registry import channel_class
from channels.telegram.channel import SECRET_HEADER, TelegramChannel
from channels.telegram.formatting import MAX_UNITS, split_text, units
from channels.telegram.sender import BLOCKED, TelegramSender
from tests.channels.core import Core, serving
from tests.fakes import telegram as tg
from tests.fakes.telegram import BOT_ID, TOKEN, FakeTelegram

SECRET = "webhook-secret_0123"
PUBLIC = "https://bot.shop.example"
CHAT = 4242


@dataclass
class Setup:
    fake: FakeTelegram
    core: Core
    channel: TelegramChannel
    client: httpx.AsyncClient

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        return await self.client.post("/channels/telegram/webhook", json=update, headers=headers)

    async def replies(self, chat: int, count: int) -> list[str]:
        await self.fake.wait_for(lambda: len(self.fake.sent(chat)) >= count, f"{count} replies to {chat}")
        await self.core.settle()
        return [html.unescape(t) for t in self.fake.texts(chat)]

    def key(self, chat: int = CHAT) -> Any:
        from channels.telegram.updates import conversation

        return conversation(str(BOT_ID), chat, chat)


Start = Callable[..., Awaitable[Setup]]


@pytest.fixture
async def start(tmp_path: Path) -> AsyncIterator[Start]:
    fake = FakeTelegram()
    await fake.start()
    async with contextlib.AsyncExitStack() as stack:

        async def make(**overrides: Any) -> Setup:
            settings = {"bot_token": TOKEN, "api_url": fake.url, "webhook_secret": SECRET, "public_url": PUBLIC,
                        "poll_timeout": 1, **overrides}
            served = serving(tmp_path, TelegramChannel, settings, PUBLIC)
            core, channel, client = await stack.enter_async_context(served)
            return Setup(fake, core, channel, client)

        yield make
    await fake.stop()


@pytest.fixture
async def start_once(start: Start) -> Setup:
    """One adapter for all examples of a property test."""
    return await start()


async def test_the_webhook_is_registered_with_its_secret_at_start(start: Start) -> None:
    setup = await start()
    await setup.fake.wait_for(lambda: bool(setup.fake.called("setWebhook")), "setWebhook")

    params = setup.fake.called("setWebhook")[0].params
    assert params["url"] == PUBLIC + "/channels/telegram/webhook"
    assert params["secret_token"] == SECRET
    assert set(params["allowed_updates"]) == {"message", "callback_query", "my_chat_member"}
    await setup.channel.check()  # /readyz: getMe answers and the webhook is set


async def test_an_update_is_acknowledged_before_the_reply_is_written(start: Start) -> None:
    import asyncio

    setup = await start()
    setup.core.responder.gate = asyncio.Event()

    response = await setup.post(tg.text_update(CHAT, "How much is the Office 100?"))

    assert response.status_code == 200
    assert setup.fake.sent(CHAT) == []  # acknowledged while the reply is still being prepared
    await setup.fake.wait_for(lambda: bool(setup.fake.called("sendChatAction")), "typing")
    assert setup.fake.called("sendChatAction")[0].params["action"] == "typing"
    setup.core.responder.gate.set()
    assert await setup.replies(CHAT, 1) == ["echo: How much is the Office 100?"]
    assert setup.fake.sent(CHAT)[0].params["parse_mode"] == "HTML"


@pytest.mark.parametrize("secret", [None, "wrong-secret", ""])
async def test_a_forged_or_missing_secret_gets_403_and_nothing_is_stored(start: Start, secret: str | None) -> None:
    setup = await start()

    response = await setup.post(tg.text_update(CHAT, "hello"), secret=secret)

    assert response.status_code == 403
    assert await setup.core.lines(setup.key()) == []


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"update_id": "x"}', b'{"update_id": 1, "message": {"text": "no chat"}}',
     b"\xff\xfe", b"[" * 5000],
)
async def test_a_malformed_body_gets_400_and_the_server_keeps_serving(start: Start, body: bytes) -> None:
    setup = await start()

    bad = await setup.client.post("/channels/telegram/webhook", content=body, headers={SECRET_HEADER: SECRET})
    good = await setup.post(tg.text_update(CHAT, "still there?"))

    assert bad.status_code == 400
    assert good.status_code == 200
    assert await setup.replies(CHAT, 1) == ["echo: still there?"]


async def test_a_replayed_update_gets_no_second_reply(start: Start) -> None:
    setup = await start()
    update = tg.text_update(CHAT, "hello")

    first = await setup.post(update)
    await setup.replies(CHAT, 1)
    again = await setup.post(update)
    await setup.core.settle()

    assert (first.status_code, again.status_code) == (200, 200)
    assert setup.fake.texts(CHAT) == ["echo: hello"]


async def test_start_with_a_deep_link_keeps_the_payload_as_the_lead_source(start: Start) -> None:
    setup = await start()

    await setup.post(tg.text_update(CHAT, "/start spring_fair"))

    assert await setup.replies(CHAT, 1) == ["echo: /start"]  # the payload is not the customer's words
    record = await setup.core.storage.lead_for(setup.key())
    assert record is not None and record.lead.source == "spring_fair"


async def test_the_language_of_the_customers_app_is_the_conversations_until_their_words_say_otherwise(
    start: Start,
) -> None:
    setup = await start()

    await setup.post(tg.text_update(CHAT, "/start", language="ru"))
    await setup.post(tg.text_update(CHAT + 1, "/start", language="en-GB"))
    await setup.post(tg.text_update(CHAT + 2, "Сколько стоит панель?", language="en"))

    await setup.replies(CHAT + 2, 1)
    await setup.replies(CHAT, 1)
    languages = [(await setup.core.bot.sessions.load(setup.key(chat))).language for chat in (CHAT, CHAT + 1, CHAT + 2)]
    assert languages == ["ru", "en", "ru"]


async def test_a_shared_contact_gives_the_lead_its_phone_and_name(start: Start) -> None:
    setup = await start()

    await setup.post(tg.contact_update(CHAT, "79161234567", "Anna", "Smirnova"))

    await setup.replies(CHAT, 1)
    record = await setup.core.storage.lead_for(setup.key())
    assert record is not None
    assert (record.lead.phone, record.lead.name) == ("+79161234567", "Anna Smirnova")


async def test_photos_and_documents_are_acknowledged_and_their_file_ids_kept(start: Start) -> None:
    setup = await start()
    photo, document = tg.photo_update(CHAT, caption="Like this one"), tg.document_update(CHAT, "specs.pdf")

    await setup.post(photo)
    await setup.post(document)

    assert await setup.replies(CHAT, 2) == ["echo: Like this one", "echo: 📎 specs.pdf"]
    kept = await _attachments(setup, f"{BOT_ID}:{photo['update_id']}")
    assert kept == [{"filename": "photo.jpg", "content_type": "image/jpeg", "platform_id": "photo-1280"}]
    kept = await _attachments(setup, f"{BOT_ID}:{document['update_id']}")
    assert kept[0]["platform_id"] == "doc-file-1" and kept[0]["filename"] == "specs.pdf"


async def _attachments(setup: Setup, message_id: str) -> list[dict[str, str]]:
    from sqlalchemy import select

    from bot.storage.ledger_tables import PayloadRow

    async with setup.core.storage.sessions() as session:
        row = await session.scalar(select(PayloadRow).where(PayloadRow.message_id == message_id))
    assert row is not None and json.loads(row.raw)["update_id"]  # the raw update is kept beside it
    return list(json.loads(row.attachments))


async def test_quick_replies_are_an_inline_keyboard_and_a_press_comes_back_as_the_choice(start: Start) -> None:
    setup = await start()

    await setup.post(tg.text_update(CHAT, "choose"))
    await setup.replies(CHAT, 1)
    keyboard = setup.fake.sent(CHAT)[0].params["reply_markup"]["inline_keyboard"]
    assert [[b["text"] for b in row] for row in keyboard] == [["Panel Slim 60x60"], ["Office 100"]]

    press = tg.press_update(CHAT, keyboard[0][0]["callback_data"])
    await setup.post(press)

    assert (await setup.replies(CHAT, 2))[1] == "echo: 25 × Panel Slim 60x60"
    await setup.fake.wait_for(lambda: bool(setup.fake.called("answerCallbackQuery")), "answerCallbackQuery")
    assert setup.fake.called("answerCallbackQuery")[0].params["callback_query_id"] == press["callback_query"]["id"]


async def test_a_long_reply_is_split_at_4096_without_breaking_its_escaping(start: Start) -> None:
    setup = await start()
    paragraph = "Prices & terms <for> 2025: panels from 89.00 USD. " * 20
    setup.core.responder.long_reply = "\n\n".join([paragraph.strip()] * 10)  # ~10,000 characters

    await setup.post(tg.text_update(CHAT, "long"))

    await setup.fake.wait_for(lambda: len(setup.fake.sent(CHAT)) >= 3, "three parts")
    await setup.core.settle()
    sent = setup.fake.texts(CHAT)
    assert len(sent) == 3
    assert all(units(html.unescape(part)) <= MAX_UNITS for part in sent)
    assert all("<" not in part and "&lt;for&gt;" in part for part in sent)
    assert "\n\n".join(html.unescape(p) for p in sent) == setup.core.responder.long_reply


def test_split_counts_utf16_units_and_never_cuts_a_character() -> None:
    text = "😀" * 3000  # 6000 UTF-16 units, no place to break
    parts = split_text(text)
    assert [units(p) for p in parts] == [4096, 1904]
    assert "".join(parts) == text


async def test_a_flood_wait_is_respected_and_the_reply_sent_once(start: Start) -> None:
    setup = await start()
    setup.fake.flood("sendMessage", retry_after=1)

    await setup.post(tg.text_update(CHAT, "hello"))

    assert await setup.replies(CHAT, 1) == ["echo: hello"]
    refused, accepted = setup.fake.called("sendMessage")
    assert accepted.at - refused.at >= 1.0  # waited retry_after before trying again


async def test_a_customer_who_blocked_the_bot_is_marked_unreachable_not_retried(start: Start) -> None:
    setup = await start()
    setup.fake.blocked.add(CHAT)

    await setup.post(tg.text_update(CHAT, "hello"))
    await setup.fake.wait_for(lambda: bool(setup.fake.calls[1:]), "an attempt to reach the customer")
    await setup.core.settle()
    assert await setup.core.ledger.blocked(setup.key()) == BLOCKED
    tried = [c for c in setup.fake.calls if c.params.get("chat_id") == str(CHAT)]
    assert len(tried) == 1  # one refusal (the typing action), then no reply attempted

    await setup.channel.send_text(setup.key(), "Your request has moved", idempotency_key="stage-1")
    assert [c for c in setup.fake.calls if c.params.get("chat_id") == str(CHAT)] == tried

    setup.fake.blocked.clear()
    await setup.post(tg.blocked_update(CHAT, blocked=False))  # the customer restarted the bot
    assert await setup.core.ledger.blocked(setup.key()) is None


async def test_typing_is_shown_again_and_again_while_a_slow_reply_is_prepared(start: Start) -> None:
    setup = await start(typing_interval=0.05)
    setup.core.responder.gate = asyncio.Event()  # a reply that takes long to write, as an LLM's may

    await setup.post(tg.text_update(CHAT, "How much is the Office 100?"))

    await setup.fake.wait_for(lambda: len(setup.fake.called("sendChatAction")) >= 3, "typing shown three times")
    assert setup.fake.sent(CHAT) == []
    setup.core.responder.gate.set()
    assert await setup.replies(CHAT, 1) == ["echo: How much is the Office 100?"]
    assert setup.key() not in setup.channel.sender._typing  # the reply ended it


async def test_streamed_drafts_show_the_reply_growing_then_the_message_replaces_them(start: Start) -> None:
    setup = await start()

    await setup.post(tg.text_update(CHAT, "stream"))

    assert await setup.replies(CHAT, 1) == ["Our panels cost 89.00 USD."]
    drafts = setup.fake.called("sendMessageDraft")
    assert drafts and all(d.params["text"].startswith("Our") for d in drafts)
    assert len({d.params["draft_id"] for d in drafts}) == 1


async def test_polling_answers_updates_and_confirms_each_only_after_storing_it(start: Start) -> None:
    setup = await start(mode="polling", webhook_secret=None, public_url=None)
    first, second = tg.text_update(CHAT, "one"), tg.text_update(CHAT, "two")
    setup.fake.push(first)
    setup.fake.push(second)

    assert await setup.replies(CHAT, 2) == ["echo: one", "echo: two"]
    assert setup.fake.called("deleteWebhook")
    await setup.fake.wait_for(
        lambda: any(c.params.get("offset") == str(second["update_id"] + 1) for c in setup.fake.called("getUpdates")),
        "the offset confirming both updates",
    )
    setup.fake.push(second)  # Telegram sends an unconfirmed update again after a crash
    await setup.fake.wait_for(lambda: len(setup.fake.called("getUpdates")) >= 4, "two more polls")
    await setup.core.settle()
    assert setup.fake.texts(CHAT) == ["echo: one", "echo: two"]


def test_webhook_mode_without_a_secret_or_public_url_is_a_config_error(tmp_path: Path) -> None:
    cls = channel_class("telegram")
    context_settings = {"bot_token": TOKEN, "mode": "webhook", "public_url": PUBLIC}
    from channels.base import ChannelContext

    with pytest.raises(ChannelConfigError, match="SALESBOT_TELEGRAM__WEBHOOK_SECRET"):
        cls(ChannelContext(None, None, context_settings, None))  # type: ignore[arg-type]
    with pytest.raises(ChannelConfigError, match="TELEGRAM_BOT_TOKEN"):
        cls(ChannelContext(None, None, {}, None))  # type: ignore[arg-type]


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
_update_like = st.fixed_dictionaries(
    {"update_id": st.integers(min_value=-(2**63), max_value=2**63)},
    optional={"message": _json, "callback_query": _json, "my_chat_member": _json, "edited_message": _json},
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(st.binary(max_size=200), _json.map(json.dumps).map(str.encode),
                      _update_like.map(json.dumps).map(str.encode)))
async def test_random_bodies_never_get_a_500(start_once: Setup, body: bytes) -> None:
    response = await start_once.client.post(
        "/channels/telegram/webhook", content=body, headers={SECRET_HEADER: SECRET}
    )
    assert response.status_code in (200, 400)


async def test_two_workers_sending_one_long_reply_at_once_send_each_part_once(start: Start) -> None:
    setup = await start()
    setup.fake.latency = 0.3  # both workers are in the middle of a send at the same moment
    reply = OutboundMessage("\n\n".join(f"Part {n}: " + "panels from 89.00 USD." * 150 for n in range(3)))
    api = TelegramAPIServer.from_base(setup.fake.url)
    other_worker = TelegramSender(Bot(TOKEN, session=AiohttpSession(api=api)), setup.core.ledger,
                                  setup.channel.settings)
    try:
        await asyncio.gather(
            setup.channel.sender.send(setup.key(), reply, "out:reply-1"),
            other_worker.send(setup.key(), reply, "out:reply-1"),
        )
    finally:
        await other_worker.bot.session.close()

    sent = [html.unescape(text) for text in setup.fake.texts(CHAT)]
    assert len(sent) == 3 and "\n\n".join(sent) == reply.text  # each part once, in order
