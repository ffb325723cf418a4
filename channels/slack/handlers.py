"""What Slack sends, handled by a Bolt app: the buttons (Claim, Take over, Hand back) and the
messages a rep writes in an alert's thread.

Bolt acknowledges first (events at once, buttons as the listener's first step); the work runs
after, in the channel's background tasks, so Slack gets its answer within its 3 seconds.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient

from bot.ports import Desk, TranscriptReader
from channels.slack.blocks import CLAIM, HAND_BACK, TAKE_OVER
from channels.slack.mrkdwn import plain
from channels.slack.relay import Relay
from channels.slack.settings import SlackSettings
from channels.slack.state import Alert, SlackState
from channels.tasks import BackgroundTasks

log = structlog.get_logger(__name__)
_OURS = re.compile(f"^({CLAIM}|{TAKE_OVER}|{HAND_BACK})$")
# Message subtypes that are a person writing; edits, joins and bot posts are not.
_WRITTEN = {None, "thread_broadcast"}


class SlackHandlers:
    """Listeners of the Bolt app; each one reads what it needs from the payload and hands over."""

    def __init__(
        self, settings: SlackSettings, state: SlackState, desk: Desk, transcripts: TranscriptReader,
        relay: Relay, tasks: BackgroundTasks,
    ) -> None:
        self.settings = settings
        self.state = state
        self.desk = desk
        self.transcripts = transcripts
        self.relay = relay
        self.tasks = tasks
        self.bot_user_id: str | None = None  # learnt from auth.test at start; Bolt ignores our own events

    def app(self, client: AsyncWebClient) -> AsyncApp:
        """The Bolt app: request verification, url_verification and acks are Bolt's own."""
        app = AsyncApp(
            signing_secret=self.settings.secret, client=client, authorize=self._authorizer(),
            process_before_response=False, logger=None,
        )
        app.event("message")(self._on_message)
        app.event(re.compile(".*"))(self._on_other_event)
        app.action(_OURS)(self._on_action)
        return app

    def _authorizer(self) -> Callable[[str | None, str | None], Awaitable[AuthorizeResult]]:
        """One workspace, one token: no call to Slack on the way in, so an outage there never
        costs an event here. (A plain function: Bolt passes arguments by their names.)"""

        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id,
                                   bot_token=self.settings.token, bot_user_id=self.bot_user_id)

        return authorize

    async def _on_message(self, body: dict[str, Any]) -> None:
        event = body.get("event")
        if isinstance(event, dict):
            self.tasks.start(self.rep_wrote(event), "slack-thread-message")

    async def _on_other_event(self, body: dict[str, Any]) -> None:
        """Subscribed events salesbot has no use for are acknowledged, so Slack does not retry them."""

    async def _on_action(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        self.tasks.start(self.pressed(body), "slack-button")

    async def rep_wrote(self, event: dict[str, Any]) -> None:
        """A message in an alert's thread, from the person who took the conversation over, goes
        to the customer; anything else said there is the team's own talk."""
        if event.get("bot_id") or event.get("subtype") not in _WRITTEN:
            return
        thread, ts, user, text = (event.get(k) for k in ("thread_ts", "ts", "user", "text"))
        if not (isinstance(thread, str) and isinstance(ts, str) and isinstance(user, str) and isinstance(text, str)):
            return
        lead_id = await self.state.lead_of_thread(thread) if thread != ts else None
        alert = await self.state.get(lead_id) if lead_id is not None else None
        if alert is None or alert.taken_by != user or not plain(text):
            return
        try:
            await self.desk.say(alert.lead_id, plain(text), f"slack:{event.get('channel')}:{ts}")
        except Exception:
            log.exception("slack.relay_to_customer_failed", lead_id=alert.lead_id)

    async def pressed(self, body: dict[str, Any]) -> None:
        """Claim, Take over or Hand back, for the lead the button carries."""
        actions, user = body.get("actions"), body.get("user")
        if not (isinstance(actions, list) and actions and isinstance(actions[0], dict) and isinstance(user, dict)):
            return
        action_id, value, user_id = actions[0].get("action_id"), actions[0].get("value"), user.get("id")
        if not (isinstance(value, str) and value.isdigit() and isinstance(user_id, str)):
            return
        lead_id = int(value)
        name = str(user.get("username") or user.get("name") or user_id)
        alert = await self.state.get(lead_id)
        if alert is None:
            return  # not an alert of ours
        try:
            if action_id == CLAIM:
                await self._claim(alert, user_id, name)
            elif action_id == TAKE_OVER:
                await self._take_over(alert, user_id, name)
            elif action_id == HAND_BACK:
                await self._hand_back(alert, user_id)
        except Exception:
            log.exception("slack.action_failed", action=action_id, lead_id=lead_id)
        self.relay.wake()

    async def _claim(self, alert: Alert, user_id: str, name: str) -> None:
        await self.desk.claim(alert.lead_id, name)

        def claimed(a: Alert) -> bool:
            if a.claimed_by == user_id:
                return False
            a.claimed_by = user_id
            a.version += 1
            return True

        await self.state.change(alert.lead_id, claimed)

    async def _take_over(self, alert: Alert, user_id: str, name: str) -> None:
        if alert.taken_by == user_id:
            return  # pressed twice
        record = await self.desk.lead(alert.lead_id)
        if record is None:
            return
        # Read before the bot goes silent: a message arriving in between is shown, never skipped.
        lines = await self.transcripts.transcript(record.key)
        await self.desk.take_over(alert.lead_id, name)
        note = (f"<@{user_id}> took the conversation over: the bot is silent. What you write in this thread "
                f"goes to the customer on {record.key.channel}, and their messages appear here.")

        def taken(a: Alert) -> bool:
            a.taken_by = user_id
            a.relayed_seq = lines[-1].seq if lines else 0
            a.version += 1
            a.add_note(note, hand_back=True)
            return True

        await self.state.change(alert.lead_id, taken)

    async def _hand_back(self, alert: Alert, user_id: str) -> None:
        if alert.taken_by is None:
            return
        await self.desk.take_over(alert.lead_id, None)

        def handed_back(a: Alert) -> bool:
            a.taken_by = None
            a.version += 1
            a.add_note(f"<@{user_id}> handed the conversation back to the bot.")
            return True

        await self.state.change(alert.lead_id, handed_back)
