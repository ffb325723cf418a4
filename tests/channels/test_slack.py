"""The Slack adapter with slack_sdk's own client against a fake Web API on 127.0.0.1.

The core is real (SalesBot, SQLite, the ledger, the desk); leads are stored as the pipeline
stores them and handed to the channel's sales team as the pipeline does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.desk import TeamDesk
from bot.lead import Lead
from bot.model import ConversationKey
from bot.records import LeadRecord
from channels.base import ChannelConfigError, ChannelContext
from channels.registry import channel_class
from channels.slack.blocks import CLAIM, TAKE_OVER
from channels.slack.channel import SlackChannel
from channels.slack.mrkdwn import escape, plain
from tests.channels.core import Core, running_core
from tests.fakes import slack as sl
from tests.fakes.slack import FakeSlack

PUBLIC = "https://bot.shop.example"
HOT = Lead(name="Jane <Doe>", email="jane@client.example", skus=("NW-P6060",), quantity=25, score=75, hot=True,
           reasons=("need: NW-P6060 (+25)", "hot: 75 ≥ 75 and contact given"))


def slack_settings(api_url: str, **changes: object) -> dict[str, object]:
    values: dict[str, object] = {"bot_token": sl.TOKEN, "signing_secret": sl.SIGNING_SECRET, "channel": sl.CHANNEL,
                                 "api_url": api_url, "public_url": PUBLIC, "sweep_seconds": 0.2}
    values.update(changes)
    return values


@dataclass
class Setup:
    fake: FakeSlack
    core: Core
    channel: SlackChannel
    client: httpx.AsyncClient

    async def hot_lead(self, user: str) -> LeadRecord:
        key = ConversationKey("test", "shop", user, user)
        return await self.core.storage.save_lead(key, HOT)


def slack_channel(core: Core, api_url: str) -> SlackChannel:
    """The channel as `salesbot serve` builds it: with the core's desk, its team listening to leads."""
    desk = TeamDesk(core.storage, core.outbox, core.bot.lead_listeners)
    channel = SlackChannel(ChannelContext(core.bot, core.storage, slack_settings(api_url), core.ledger, desk))
    team = channel.sales_team()
    core.bot.team = team
    core.bot.lead_listeners.append(team)
    return channel


@contextlib.asynccontextmanager
async def slack_setup(data_dir: Path) -> AsyncIterator[Setup]:
    fake = FakeSlack()
    await fake.start()
    try:
        async with running_core(data_dir) as core:
            channel = slack_channel(core, fake.api_url)
            core.register(channel)
            app = FastAPI()
            app.include_router(channel.router())
            await channel.start()
            await fake.wait_for(lambda: any(call[0] == "auth.test" for call in fake.calls), "the bot's auth.test")
            try:
                async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC) as client:
                    yield Setup(fake, core, channel, client)
            finally:
                await channel.stop()
    finally:
        await fake.stop()


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    async with slack_setup(tmp_path) as built:
        yield built


def test_the_registry_names_slack_and_missing_settings_name_their_variable() -> None:
    assert channel_class("slack") is SlackChannel
    for missing, variable in (("bot_token", "SLACK_BOT_TOKEN"), ("signing_secret", "SLACK_SIGNING_SECRET"),
                              ("channel", "SALESBOT_SLACK__CHANNEL"), ("public_url", "SALESBOT_PUBLIC_URL")):
        context = ChannelContext(None, None, slack_settings("http://127.0.0.1:9", **{missing: None}))  # type: ignore[arg-type]
        with pytest.raises(ChannelConfigError, match=variable):
            SlackChannel(context)


async def test_a_hot_lead_alerts_once_however_often_it_is_saved(setup: Setup) -> None:
    record = await setup.hot_lead("jane")
    for _ in range(3):
        await setup.channel.team.enqueue(record)
    await setup.fake.wait_for(lambda: len(setup.fake.alerts()) == 1, "the alert")
    await setup.channel.relay.pass_once()
    alert = setup.fake.alerts()[0]
    assert len(setup.fake.alerts()) == 1
    assert alert.buttons() == [CLAIM, TAKE_OVER]
    assert alert.shows("Jane &lt;Doe&gt;")  # what a customer wrote is never markup
    assert alert.shows("25 pcs") and alert.shows("NW-P6060") and alert.shows("hot: 75")
    assert all(call[0] != "chat.postMessage" or call[1].get("channel") == sl.CHANNEL for call in setup.fake.calls)


async def test_a_rate_limited_alert_waits_and_is_posted_once(setup: Setup) -> None:
    setup.fake.rate_limit(2, retry_after=0.5)
    await setup.channel.team.enqueue(await setup.hot_lead("rated"))
    await setup.fake.wait_for(lambda: len(setup.fake.alerts()) == 1, "the alert after two 429s")
    posts = [call for call in setup.fake.calls if call[0] == "chat.postMessage"]
    assert setup.fake.refused == 2 and len(posts) == 3


async def test_an_alert_is_posted_once_by_two_processes_and_after_a_restart(tmp_path: Path) -> None:
    fake = FakeSlack()
    await fake.start()
    try:
        async with running_core(tmp_path) as core:
            first, second = slack_channel(core, fake.api_url), slack_channel(core, fake.api_url)
            record = await core.storage.save_lead(ConversationKey("test", "shop", "twice", "twice"), HOT)
            await first.team.enqueue(record)
            await second.team.enqueue(record)
            await asyncio.gather(first.relay.pass_once(), second.relay.pass_once())
            restarted = slack_channel(core, fake.api_url)
            await restarted.team.enqueue(record)
            await restarted.team.person_requested(record)  # alerted before: a line in its thread instead
            await restarted.relay.pass_once()
    finally:
        await fake.stop()
    assert len(fake.alerts()) == 1
    assert [m.text for m in fake.thread(fake.alerts()[0].ts)] == ["The customer asks for a person."]


async def test_the_thread_reaches_the_customer_only_from_the_person_who_took_over(setup: Setup) -> None:
    record = await setup.hot_lead("thread")
    await setup.channel.team.enqueue(record)
    await setup.fake.wait_for(lambda: len(setup.fake.alerts()) == 1, "the alert")
    ts = setup.fake.alerts()[0].ts
    before = await _event(setup, sl.thread_message("U0REP0001", "before the takeover", ts))
    body, headers = sl.signed_form(sl.button_press(TAKE_OVER, str(record.id), "U0REP0001", "anna.rep", ts))
    assert (await setup.client.post("/channels/slack/actions", content=body, headers=headers)).status_code == 200
    await setup.channel.tasks.join()
    colleague = await _event(setup, sl.thread_message("U0OTHER01", "colleague chat", ts))
    rep = await _event(setup, sl.thread_message("U0REP0001", "See <https://shop.example/x|our offer> &amp; more", ts))
    lines = [line.text for line in await setup.core.storage.transcript(record.key)]
    assert (before, colleague, rep) == (200, 200, 200)
    assert lines == ["See our offer (https://shop.example/x) & more"]
    stored = await setup.core.storage.get_lead(record.id)
    assert stored is not None and stored.taken_over_by == "anna.rep"


async def _event(setup: Setup, payload: dict[str, object]) -> int:
    body, headers = sl.signed_json(payload)
    status = (await setup.client.post("/channels/slack/events", content=body, headers=headers)).status_code
    for _ in range(20):  # Bolt runs the listener after its answer; the listener starts the work
        await asyncio.sleep(0.01)
        await setup.channel.tasks.join()
    return status


def test_customer_text_is_shown_literally_and_rep_text_made_plain() -> None:
    assert escape("<!channel> & <https://evil.example|click>") == "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;"
    assert plain("Hi <@U0REP0001>, mail <mailto:a@b.example|a@b.example> or see <https://x.example>") == (
        "Hi , mail a@b.example or see https://x.example"
    )
    assert plain("5 &lt; 6 &amp;&amp; 7 &gt; 3") == "5 < 6 && 7 > 3"


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
_event_like = st.fixed_dictionaries(
    {"type": st.one_of(st.sampled_from(["event_callback", "url_verification", "app_rate_limited"]), _json)},
    optional={"event_id": _json, "event": _json, "team_id": _json, "challenge": _json},
)
_action_like = st.fixed_dictionaries(
    {"type": st.one_of(st.just("block_actions"), _json)},
    optional={"actions": _json, "user": _json, "team": _json, "container": _json},
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(st.binary(max_size=200), _json.map(json.dumps).map(str.encode),
                      _event_like.map(json.dumps).map(str.encode)))
async def test_any_signed_event_body_gets_an_answer_below_500(setup: Setup, body: bytes) -> None:
    response = await setup.client.post("/channels/slack/events", content=body, headers=sl.sign(body))
    assert 200 <= response.status_code < 500


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.one_of(_json, _action_like))
async def test_any_signed_button_press_gets_an_answer_below_500(setup: Setup, payload: object) -> None:
    body = urlencode({"payload": json.dumps(payload)}).encode()
    response = await setup.client.post("/channels/slack/actions", content=body, headers=sl.sign(body))
    await setup.channel.tasks.join()
    assert 200 <= response.status_code < 500
