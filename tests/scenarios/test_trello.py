"""Trello as the CRM, through `salesbot serve`'s whole app (demo KB, offline responder) with the
Trello and Telegram clients pointed at their protocol fakes.

Trello is down for whole conversations on the web chat and Telegram, then comes back: every
lead arrives once, its moments as comments in order. A rep moving a card to a customer-visible
list tells the customer on the channel they wrote on; a move salesbot made itself tells nobody
a second time. Forged webhooks are refused and the server keeps serving. A restart between
storing leads and delivering them loses nothing.
"""

from __future__ import annotations

import asyncio
import html
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from bot.model import ConversationKey, InboundMessage
from bot.records import LeadRecord
from bot.testing import MemoryOutbox
from config.moves import move_lead
from config.settings import DEMO_KB, Settings
from config.trello import TrelloSettings
from config.wiring import Runtime, build_runtime
from tests.conftest import embedded_settings
from tests.fakes import telegram as tg
from tests.fakes import trello as tr
from tests.fakes.server import PATIENCE_S
from tests.fakes.telegram import BOT_ID, FakeTelegram
from tests.fakes.trello import FakeTrello
from tests.scenarios.live import serving

PUBLIC = "https://bot.shop.example"
HOOK = "/crm/trello/webhook"
TG_SECRET = "trello-scenario-secret"
BOARD_TOKEN = "trello-board-token-0123456789abcdef"
ORIGIN = "http://127.0.0.1:8000"  # one of the web chat's default allowed origins
VISITOR = "trellovisitor01"
CHAT = 880001
WEB_TURNS = ["How much are 25 Panel Slim 60x60?", "I'm Anna Smith from Harbor Foods, anna@harbor.example",
             "That is too expensive"]
TG_TURNS = ["How much are 10 Panel Slim 60x60?", "I'm Boris, boris@client.example", "Can I talk to a person?"]
WEB_KEY = ConversationKey("webchat", "site", VISITOR, VISITOR)
TG_KEY = ConversationKey("telegram", str(BOT_ID), str(CHAT), str(CHAT))


def trello_settings(data_dir: Path, trello: FakeTrello, **overrides: Any) -> Settings:
    settings = embedded_settings(
        data_dir, kb_dir=DEMO_KB, public_url=PUBLIC, board_token=SecretStr(BOARD_TOKEN),
        trello_api_key=SecretStr(tr.API_KEY), trello_token=SecretStr(tr.TOKEN),
        trello_api_secret=SecretStr(tr.APP_SECRET), **overrides,
    )
    section = TrelloSettings(board_id=tr.BOARD_ID, api_url=trello.url, retry_base_seconds=0.2, retry_max_seconds=1.0)
    return settings.model_copy(update={"trello": section})


async def until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    """Wait until `condition()` holds (polled: it reads the database and the fakes); a bound, never a
    speed check."""
    deadline = time.monotonic() + PATIENCE_S
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.1)


async def frame(ws: ClientConnection, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    async with asyncio.timeout(PATIENCE_S):
        while not wanted(got := json.loads(await ws.recv())):
            pass
    return got


def reply_frame(got: dict[str, Any]) -> bool:
    return got.get("type") == "message" and got.get("direction") == "out"


def moved_frame(got: dict[str, Any]) -> bool:
    return reply_frame(got) and "moved to" in str(got.get("text"))


async def lead(runtime: Runtime, key: ConversationKey) -> LeadRecord:
    record = await runtime.storage.lead_for(key)
    assert record is not None
    return record


async def card_of(runtime: Runtime, key: ConversationKey) -> str:
    assert runtime.trello is not None
    ref = await runtime.trello.sink.cards.card_of((await lead(runtime, key)).id)
    assert ref is not None
    return ref.card_id


async def notices(runtime: Runtime, key: ConversationKey) -> list[str]:
    return [line.text for line in await runtime.storage.transcript(key) if "moved to" in line.text]


async def board_page(client: httpx.AsyncClient) -> str:
    login = await client.post("/board/login", data={"token": BOARD_TOKEN})
    cookie = f"salesbot_board={login.cookies['salesbot_board']}"  # Secure cookie, plain-http test client
    return html.unescape((await client.get("/board", headers={"Cookie": cookie})).text)


async def test_trello_down_then_up_card_moves_tell_customers_and_forged_webhooks_are_refused(data_dir: Path) -> None:
    trello, telegram = FakeTrello(), FakeTelegram()
    await trello.start()
    await telegram.start()
    await trello.go_down()
    settings = trello_settings(data_dir, trello, telegram_bot_token=SecretStr(tg.TOKEN))
    settings = settings.model_copy(update={
        "telegram": settings.telegram.model_copy(update={"api_url": telegram.url, "webhook_secret": TG_SECRET})})
    try:
        async with serving(settings) as (url, runtime), httpx.AsyncClient(base_url=url) as client, \
                connect(url.replace("http", "ws", 1) + f"/webchat/ws?visitor={VISITOR}&last_seq=0",
                        origin=Origin(ORIGIN), open_timeout=10) as ws:
            trello.reach[PUBLIC] = url
            # -- whole conversations while Trello is down ----------------------------------------
            for n, (web_turn, tg_turn) in enumerate(zip(WEB_TURNS, TG_TURNS, strict=True)):
                await ws.send(json.dumps({"type": "message", "id": f"w{n}", "text": web_turn}))
                await frame(ws, reply_frame)
                hook = await client.post("/channels/telegram/webhook", json=tg.text_update(CHAT, tg_turn),
                                         headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET})
                assert hook.status_code == 200
                await runtime.queue.join()
            assert trello.cards == {} and await runtime.crm_outbox.pending() > 0
            waiting = await board_page(client)
            assert "2 leads not yet synced to the CRM" in waiting and "Not yet synced to the CRM" in waiting

            # -- Trello comes back: every lead once, its moments in order, the webhook registered --
            await trello.come_up()
            await until(lambda: _synced(runtime, trello), "every entry delivered and the webhook registered")
            await trello.settle()
            web_card, tg_card = await card_of(runtime, WEB_KEY), await card_of(runtime, TG_KEY)
            cards = dict(trello.cards)
            web_comments, tg_comments = list(trello.comments[web_card]), list(trello.comments[tg_card])
            synced_page = await board_page(client)

            # -- a rep moves cards: the customer hears of it on their own channel -----------------
            await trello.person_moves(web_card, "Order confirmed")
            web_notice = await frame(ws, moved_frame)
            await trello.person_moves(tg_card, "Shipped")
            await until(lambda: _told(telegram, "shipped"), "the Telegram customer told")
            await trello.person_moves(tg_card, "Qualified")  # not customer-visible: the lead moves quietly
            await trello.settle()
            await until(lambda: _stage(runtime, TG_KEY, "qualified"), "the Telegram lead qualified")

            # -- salesbot moves a card itself (the local board): the customer is told once --------
            web_lead = await lead(runtime, WEB_KEY)
            assert await move_lead(runtime, web_lead.id, "shipped")
            await until(lambda: _in_list(trello, web_card, "Shipped"), "salesbot's own move on Trello")
            await trello.settle()
            await until(lambda: _outbox_empty(runtime), "the outbox empty")
            # Two moves queued while Trello is down reach it one after the other; the webhook about
            # the first arrives when the lead is past it already: an echo, not a move back.
            await trello.go_down()
            tg_lead = await lead(runtime, TG_KEY)
            await move_lead(runtime, tg_lead.id, "proposal")
            await move_lead(runtime, tg_lead.id, "won")
            await trello.come_up()
            await until(lambda: _in_list(trello, tg_card, "Order confirmed"), "both moves on Trello")
            await trello.settle()
            await until(lambda: _outbox_empty(runtime), "the outbox empty")
            web_notices, tg_notices = await notices(runtime, WEB_KEY), await notices(runtime, TG_KEY)
            stages = ((await lead(runtime, WEB_KEY)).stage, (await lead(runtime, TG_KEY)).stage)

            # -- forged and malformed webhooks -----------------------------------------------------
            body = json.dumps({"action": {"type": "updateCard", "data": {}}}).encode()
            answers = {
                "head": (await client.head(HOOK)).status_code,
                "forged": (await client.post(HOOK, content=body, headers={"X-Trello-Webhook": "Zm9yZ2Vk"})).status_code,
                "unsigned": (await client.post(HOOK, content=body)).status_code,
                "other url": (await client.post(HOOK, content=body, headers={
                    "X-Trello-Webhook": tr.sign(body, url + HOOK)})).status_code,
                "not json": (await _signed(client, b"\xff{not json")).status_code,
                "no action": (await _signed(client, b'{"action": 5}')).status_code,
                "move without ids": (await _signed(client, json.dumps({"action": {
                    "type": "updateCard", "data": {"card": {}, "listAfter": {"id": 7}}}}).encode())).status_code,
                "someone else's card": (await _signed(client, json.dumps({"action": {
                    "type": "updateCard", "data": {"card": {"id": "c0ffee"}, "listAfter": {"id": "1ee7"}}}}).encode()
                )).status_code,
            }
            alive = (await client.get("/healthz")).status_code
    finally:
        await trello.stop()
        await telegram.stop()

    assert len(cards) == 2, "one card per lead, whatever the retries"
    assert len(trello.webhooks) == 1 and trello.webhooks[0]["callbackURL"] == PUBLIC + HOOK
    assert [c.split("**")[1] for c in web_comments] == ["Quote given", "Objection raised"]
    assert [c.split("**")[1] for c in tg_comments] == ["Quote given", "Customer asked for a person"]
    assert cards[web_card]["name"] == "Anna Smith · Harbor Foods — Panel Slim 60x60 ×25"
    assert {"webchat"} < trello.labels_of(web_card) and {"telegram"} < trello.labels_of(tg_card)
    assert "not yet synced" not in synced_page
    assert all(d.status == 200 for d in trello.deliveries), [(d.action_type, d.status) for d in trello.deliveries]
    assert web_notice["text"] == "Your request has moved to: won"
    assert web_notices == ["Your request has moved to: won", "Your request has moved to: shipped"]
    # The move to Qualified told nobody; salesbot's own moves were told once, by salesbot.
    assert tg_notices == [f"Your request has moved to: {stage}" for stage in ("shipped", "proposal", "won")]
    assert [t for t in telegram.texts(CHAT) if "moved to" in t] == tg_notices
    assert stages == ("shipped", "won")
    assert answers == {"head": 200, "forged": 403, "unsigned": 403, "other url": 403, "not json": 400,
                       "no action": 400, "move without ids": 400, "someone else's card": 200}
    assert alive == 200


async def _signed(client: httpx.AsyncClient, body: bytes) -> httpx.Response:
    return await client.post(HOOK, content=body, headers={"X-Trello-Webhook": tr.sign(body, PUBLIC + HOOK)})


async def _synced(runtime: Runtime, trello: FakeTrello) -> bool:
    return await runtime.crm_outbox.pending() == 0 and len(trello.webhooks) == 1


async def _outbox_empty(runtime: Runtime) -> bool:
    return await runtime.crm_outbox.pending() == 0


async def _told(telegram: FakeTelegram, stage: str) -> bool:
    return any(t.endswith(f"moved to: {stage}") for t in telegram.texts(CHAT))


async def _stage(runtime: Runtime, key: ConversationKey, stage: str) -> bool:
    return (await lead(runtime, key)).stage == stage


async def _in_list(trello: FakeTrello, card_id: str, name: str) -> bool:
    return trello.list_of(card_id) == name


async def test_a_restart_while_the_outbox_waits_for_trello_loses_nothing(data_dir: Path) -> None:
    trello = FakeTrello()
    await trello.start()
    await trello.go_down()
    settings = trello_settings(data_dir, trello)
    try:
        first = await build_runtime(settings, outbox=MemoryOutbox())
        try:
            for n, text in enumerate(WEB_TURNS):
                await first.bot.handle(InboundMessage(WEB_KEY, f"r{n}", text))
            assert await first.crm_outbox.relay_once(first.crm_sink) == 0  # Trello is down
            waiting = await first.crm_outbox.pending()
        finally:
            await first.close()  # the process ends with everything still queued

        await trello.come_up()
        second = await build_runtime(settings, outbox=MemoryOutbox())
        try:
            await second.bot.handle(InboundMessage(WEB_KEY, "r9", "We need them within two weeks"))
            await until(lambda: _relayed(second), "the queue relayed after the restart")
            card_id = await card_of(second, WEB_KEY)
        finally:
            await second.close()
    finally:
        await trello.stop()

    assert waiting >= 4  # three lead states and two moments at least
    assert list(trello.cards) == [card_id]
    card = trello.cards[card_id]
    assert card["name"].startswith("Anna Smith · Harbor Foods") and card["due"] is not None
    assert [c.split("**")[1] for c in trello.comments[card_id]] == ["Quote given", "Objection raised"]


async def _relayed(runtime: Runtime) -> bool:
    await runtime.crm_outbox.relay_once(runtime.crm_sink)
    return await runtime.crm_outbox.pending() == 0
