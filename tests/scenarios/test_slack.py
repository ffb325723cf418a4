"""The sales team in Slack: `salesbot serve`'s whole app (demo KB, offline responder) with Slack
switched on by its credentials and pointed at the fake Web API, a customer on the web chat
(a real WebSocket), and Slack's own requests signed with the signing secret.

A lead turning hot posts one alert; Claim gives the lead its owner; Take over silences the bot,
brings the customer's words into the thread and the rep's words to the customer; Hand back
lets the bot answer again. A customer asking for a person alerts too, and a Slack that
rate-limits gets the alert later while the customer gets the reply at once. Forged, stale and
malformed requests are refused and the server goes on serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from websockets.asyncio.client import ClientConnection, connect

from bot.model import ConversationKey
from channels.slack.blocks import CLAIM, HAND_BACK, TAKE_OVER
from config.settings import DEMO_KB
from config.wiring import Runtime
from tests.conftest import embedded_settings
from tests.fakes import slack as sl
from tests.fakes.server import PATIENCE_S
from tests.fakes.slack import FakeSlack
from tests.scenarios.live import serving

PUBLIC = "https://bot.shop.example"
BOARD_TOKEN = "slack-scenario-board-token-0123456789"
REP, REP_NAME = "U0REP0001", "anna.rep"
HOT_TURNS = [
    "We need Downlight Round 25",
    "About 80 of them",
    "We need them within 3 weeks",
    "I'm the purchasing director, it's my decision",
    "I'm Anna Berg from Acme BV, anna.berg@acme.example",
]


@contextlib.asynccontextmanager
async def serve(data_dir: Path, slack: FakeSlack) -> AsyncIterator[tuple[str, Runtime]]:
    settings = embedded_settings(
        data_dir, kb_dir=DEMO_KB, public_url=PUBLIC, board_token=SecretStr(BOARD_TOKEN),
        slack_bot_token=SecretStr(sl.TOKEN), slack_signing_secret=SecretStr(sl.SIGNING_SECRET),
    )
    settings = settings.model_copy(update={
        "slack": settings.slack.model_copy(update={"channel": sl.CHANNEL, "api_url": slack.api_url,
                                                   "sweep_seconds": 0.5}),
    })
    async with serving(settings) as served:
        yield served


class WebChatCustomer:
    """A visitor on the web chat: sends messages, collects what the server pushes."""

    def __init__(self, url: str, visitor: str) -> None:
        self.ws_url = url.replace("http://", "ws://") + f"/webchat/ws?visitor={visitor}&last_seq=0"
        self.origin = url
        self.frames: list[dict[str, Any]] = []
        self._count = 0
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._arrived = asyncio.Event()

    async def __aenter__(self) -> WebChatCustomer:
        self._ws = await connect(self.ws_url, origin=self.origin)  # type: ignore[arg-type]
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._ws is not None and self._reader is not None
        await self._ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader

    async def _read(self) -> None:
        assert self._ws is not None
        async for raw in self._ws:
            self.frames.append(json.loads(raw))
            self._arrived.set()

    def received(self) -> list[str]:
        """Texts the customer got (the bot's and a person's), in order."""
        return [f["text"] for f in self.frames if f.get("type") == "message" and f.get("direction") == "out"]

    async def say(self, text: str) -> None:
        """Send one message and wait for its ack."""
        assert self._ws is not None
        self._count += 1
        cid = f"c{self._count}"
        await self._ws.send(json.dumps({"type": "message", "id": cid, "text": text}))
        await self.until(lambda: any(f.get("type") == "ack" and f.get("id") == cid for f in self.frames), "ack")

    async def until(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + PATIENCE_S
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"the customer never saw: {what}")
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), 1)


async def press(client: httpx.AsyncClient, action: str, lead_id: int, message_ts: str) -> None:
    body, headers = sl.signed_form(sl.button_press(action, str(lead_id), REP, REP_NAME, message_ts))
    answer = await client.post("/channels/slack/actions", content=body, headers=headers)
    assert answer.status_code == 200


async def until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.1)


async def lead_page(client: httpx.AsyncClient, lead_id: int) -> str:
    login = await client.post("/board/login", data={"token": BOARD_TOKEN})
    cookie = f"salesbot_board={login.cookies['salesbot_board']}"
    page = await client.get(f"/board/leads/{lead_id}", headers={"Cookie": cookie})
    assert page.status_code == 200
    return html.unescape(page.text)


def webchat_key(visitor: str) -> ConversationKey:
    return ConversationKey("webchat", "site", visitor, visitor)


async def test_a_hot_lead_is_claimed_taken_over_from_slack_and_handed_back(data_dir: Path) -> None:
    slack = FakeSlack()
    await slack.start()
    try:
        async with serve(data_dir, slack) as (url, runtime), httpx.AsyncClient(base_url=url) as client, \
                WebChatCustomer(url, "slackvisitor01") as customer:
            for turn in HOT_TURNS:
                await customer.say(turn)
            await slack.wait_for(lambda: len(slack.alerts()) == 1, "the hot lead's alert")
            record = await runtime.storage.lead_for(webchat_key("slackvisitor01"))
            assert record is not None and record.lead.hot
            alert = slack.alerts()[0]

            await press(client, CLAIM, record.id, alert.ts)
            await slack.wait_for(lambda: alert.shows(f"Claimed by <@{REP}>"), "the alert showing its claim")
            claimed_page = await lead_page(client, record.id)

            await press(client, TAKE_OVER, record.id, alert.ts)
            await slack.wait_for(lambda: any(m.shows(HAND_BACK) for m in slack.thread(alert.ts)), "Hand back")
            replies_before = len(customer.received())
            await customer.say("Hello? Is anybody there?")
            await slack.wait_for(
                lambda: any(m.text == "*Customer:* Hello? Is anybody there?" for m in slack.thread(alert.ts)),
                "the customer's message in the thread",
            )
            body, headers = sl.signed_json(sl.thread_message(REP, "Hi Anna, this is Anna from sales &amp; logistics.",
                                                             alert.ts, event_id="EvREPLY0001"))
            assert (await client.post("/channels/slack/events", content=body, headers=headers)).status_code == 200
            await customer.until(lambda: "Hi Anna, this is Anna from sales & logistics." in customer.received(),
                                 "the rep's words")
            retry = {**headers, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
            assert (await client.post("/channels/slack/events", content=body, headers=retry)).status_code == 200
            chatter = sl.signed_json(sl.thread_message("U0OTHER01", "nice one", alert.ts))
            assert (await client.post("/channels/slack/events", content=chatter[0],
                                      headers=chatter[1])).status_code == 200
            during_takeover = customer.received()[replies_before:]

            await press(client, HAND_BACK, record.id, alert.ts)
            await slack.wait_for(lambda: any("handed the conversation back" in m.text for m in slack.thread(alert.ts)),
                                 "the hand-back note")
            await until(lambda: _taken_over(runtime, record.id, None), "the lead handed back")
            await customer.say("How much is the Downlight Round 25?")
            await customer.until(lambda: len(customer.received()) > replies_before + 1, "the bot's answer")
            await customer.say("Actually make it 120 instead")  # hot again: no second alert
            await runtime.queue.join()
            relay = next(c for c in app_channels(runtime) if c.name == "slack").relay
            await relay.pass_once()
            final = await runtime.storage.get_lead(record.id)
            transcript = [line.text for line in await runtime.storage.transcript(record.key)]
    finally:
        await slack.stop()

    assert alert.shows("Hot lead: Anna Berg") and alert.shows("anna.berg@acme.example")
    assert alert.shows("NW-DL25") and alert.shows("80 pcs") and alert.shows("75/100")
    assert alert.shows("timeline: 21 days") and alert.shows("authority: decides") and alert.shows("webchat")
    assert alert.shows(f"{PUBLIC}/board#lead-{record.id}") and alert.shows(f"{PUBLIC}/board/leads/{record.id}#")
    assert alert.buttons() == [TAKE_OVER]  # claimed, and after the hand-back the conversation can be taken again
    assert f'<dt>Owner</dt><dd class="owner">{REP_NAME}</dd>' in claimed_page
    assert during_takeover == ["Hi Anna, this is Anna from sales & logistics."]  # the bot was silent
    assert transcript.count("Hi Anna, this is Anna from sales & logistics.") == 1  # the retry sent nothing
    assert "nice one" not in transcript  # a colleague's word in the thread stays in Slack
    assert final is not None and final.owner == REP_NAME and final.taken_over_by is None
    assert len(slack.alerts()) == 1


def app_channels(runtime: Runtime) -> list[Any]:
    return list(runtime.bot.outbox.channels.values())  # type: ignore[attr-defined]


async def _taken_over(runtime: Runtime, lead_id: int, who: str | None) -> bool:
    record = await runtime.storage.get_lead(lead_id)
    return record is not None and record.taken_over_by == who


async def test_forged_stale_and_malformed_requests_are_refused_and_the_server_goes_on(data_dir: Path) -> None:
    slack = FakeSlack()
    await slack.start()
    try:
        async with serve(data_dir, slack) as (url, _), httpx.AsyncClient(base_url=url) as client:
            await until(lambda: _slack_ready(client), "/readyz reporting Slack")
            challenge = sl.signed_json(sl.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"))
            verified = await client.post("/channels/slack/events", content=challenge[0], headers=challenge[1])

            event, headers = sl.signed_json(sl.thread_message(REP, "hi", "1.000001"))
            forged = sl.sign(event, secret="not-the-signing-secret")
            stale = sl.sign(event, timestamp=int(time.time()) - 6 * 60)
            refused = [
                await client.post("/channels/slack/events", content=event, headers=forged),
                await client.post("/channels/slack/events", content=event, headers=stale),
                await client.post("/channels/slack/events", content=event),
                await client.post("/channels/slack/events", content=event,
                                  headers={**headers, "X-Slack-Request-Timestamp": "soon"}),
                await client.post("/channels/slack/events", content=event + b" ", headers=headers),  # body changed
                await client.post("/channels/slack/actions", content=b"payload=%7B%7D", headers=forged),
            ]
            malformed = [
                await _signed_post(client, "/channels/slack/events", b"not json"),
                await _signed_post(client, "/channels/slack/events", b"[1, 2]"),
                await _signed_post(client, "/channels/slack/events", b'{"type": "event_callback", "event": {}}'),
                await _signed_post(client, "/channels/slack/events", b'{"type": "event_callback", "event_id": "E1"}'),
                await _signed_post(client, "/channels/slack/events", b"\xff\xfe{}"),
                await _signed_post(client, "/channels/slack/actions", b"payload=not-json"),
                await _signed_post(client, "/channels/slack/actions", b"nothing=here"),
                await _signed_post(client, "/channels/slack/actions", b"payload=%5B%5D"),
                await _signed_post(client, "/channels/slack/actions", b"\xff=\xfe"),
            ]
            still = await client.post("/channels/slack/events", content=challenge[0], headers=challenge[1])
            health = await client.get("/healthz")
    finally:
        await slack.stop()

    assert verified.status_code == 200
    assert verified.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}
    assert [r.status_code for r in refused] == [401] * len(refused)
    assert all(400 <= r.status_code < 500 for r in malformed), [r.status_code for r in malformed]
    assert (still.status_code, health.status_code) == (200, 200)


async def test_a_customer_asking_for_a_person_alerts_once_even_through_a_slack_outage(data_dir: Path) -> None:
    slack = FakeSlack()
    await slack.start()
    try:
        async with serve(data_dir, slack) as (url, runtime), WebChatCustomer(url, "slackvisitor02") as first, \
                WebChatCustomer(url, "slackvisitor03") as second:
            slack.limiting = 0.2  # Slack rate-limits every call until told otherwise
            await first.say("Can I talk to a real person?")
            await first.until(lambda: len(first.received()) >= 1, "the bot's reply")  # not held up by Slack
            await slack.wait_for(lambda: slack.refused >= 2, "the alert tried and refused, twice")
            replied_while_refused = not slack.alerts()
            slack.limiting = None
            await slack.wait_for(lambda: len(slack.alerts()) == 1, "the alert, once Slack takes it")
            refused_before = slack.refused
            slack.go_down(1)
            await second.say("Позовите менеджера, пожалуйста")
            await slack.wait_for(lambda: len(slack.alerts()) == 2, "the second customer's alert")
            records = [await runtime.storage.lead_for(webchat_key(v)) for v in ("slackvisitor02", "slackvisitor03")]
        async with serve(data_dir, slack) as (url, runtime), WebChatCustomer(url, "slackvisitor02") as again:
            await again.say("Please, a manager, I want to speak to someone")  # after a restart: still one alert
            await runtime.queue.join()
            relay = next(c for c in app_channels(runtime) if c.name == "slack").relay
            await relay.pass_once()
    finally:
        await slack.stop()

    assert replied_while_refused
    assert slack.refused == refused_before + 1  # the 503 was retried too
    assert all(r is not None and not r.lead.hot for r in records)
    first_alert, second_alert = slack.alerts()
    assert first_alert.shows("Asks for a person") and first_alert.buttons() == [CLAIM, TAKE_OVER]
    assert second_alert.shows("Asks for a person")
    assert len(slack.alerts()) == 2


async def _signed_post(client: httpx.AsyncClient, path: str, body: bytes) -> httpx.Response:
    return await client.post(path, content=body, headers=sl.sign(body))


async def _slack_ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/readyz")).json().get("channels", {}).get("slack") == "ok"
