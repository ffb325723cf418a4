"""The Slack channel: the sales team's alerts channel, its buttons and its threads.

Inbound, in this order: verify the signing secret (stale or forged: 401), check the payload's
shape (400), drop a retry of an event already taken (its `event_id` is kept in the ledger),
then Bolt answers (url_verification, acks) and the listeners' work runs after the answer.
Outbound posts go through the relay (`relay.py`), retried until Slack takes them.
Customers never write on Slack, so this channel has no conversations of its own to send to.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs

import structlog
from fastapi import APIRouter, Request, Response
from slack_bolt.async_app import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.model import ConversationKey, InboundMessage
from bot.ports import SalesTeam
from channels.base import Channel, ChannelContext
from channels.slack.api import SlackApi, build_client
from channels.slack.handlers import SlackHandlers
from channels.slack.relay import Relay
from channels.slack.settings import ACTIONS_PATH, EVENTS_PATH, SlackSettings
from channels.slack.state import SlackState
from channels.slack.team import SlackTeam
from channels.tasks import BackgroundTasks

log = structlog.get_logger(__name__)
MAX_BODY = 1 << 20  # Slack's payloads are a few KB; anything near this is not Slack
TIMESTAMP = "X-Slack-Request-Timestamp"
SIGNATURE = "X-Slack-Signature"
_STAMP = re.compile(r"[0-9]{1,12}")


class SlackChannel(Channel):
    """Alerts, claims and takeovers in one Slack channel. Settings: `SlackSettings`."""

    name = "slack"

    def __init__(self, context: ChannelContext) -> None:
        super().__init__(context)
        self.settings = SlackSettings.from_mapping(context.settings)
        self.ledger = context.require_ledger(self.name)
        desk = context.require_desk(self.name)
        client = build_client(self.settings.token, self.settings.base_url, self.settings.request_timeout_seconds)
        self.api = SlackApi(client)
        self.state = SlackState(self.ledger)
        self.tasks = BackgroundTasks()  # the work after each acknowledged request
        self.loops = BackgroundTasks()  # the relay, for as long as the channel runs
        self.relay = Relay(self.api, self.state, desk, context.transcripts, self.ledger, self.settings)
        self.team = SlackTeam(self.state, self.relay)
        self.handlers = SlackHandlers(self.settings, self.state, desk, context.transcripts, self.relay, self.tasks)
        # Bolt's own client carries no token: the authorize step hands it ours per request.
        self.bolt = self.handlers.app(build_client(None, self.settings.base_url, self.settings.request_timeout_seconds))
        self.verifier = SignatureVerifier(self.settings.secret)

    def router(self) -> APIRouter:
        router = APIRouter(tags=["slack"])
        router.add_api_route(EVENTS_PATH, self.events, methods=["POST"], include_in_schema=False)
        router.add_api_route(ACTIONS_PATH, self.actions, methods=["POST"], include_in_schema=False)
        return router

    def sales_team(self) -> SalesTeam:
        return self.team

    async def events(self, request: Request) -> Response:
        """The Events API: url_verification answered, each event taken once, acknowledged at once."""
        body = await self._verified_body(request)
        if isinstance(body, Response):
            return body
        payload = _json_object(body)
        if payload is None or not isinstance(payload.get("type"), str):
            return Response(status_code=400)
        if payload["type"] == "event_callback":
            first = await self._first_delivery(payload, body)
            if first is None:
                return Response(status_code=400)
            if isinstance(first, Response):
                return first
            if not first:  # Slack's retry (X-Slack-Retry-Num) of an event taken before
                log.info("slack.retry_ignored", retry=request.headers.get("X-Slack-Retry-Num"))
                return Response(status_code=200)
        return await self._dispatch(request, body)

    async def actions(self, request: Request) -> Response:
        """Interactivity: a form whose `payload` field is the JSON of the button press."""
        body = await self._verified_body(request)
        if isinstance(body, Response):
            return body
        try:
            fields = parse_qs(body.decode("utf-8"), strict_parsing=True)
        except (UnicodeDecodeError, ValueError):
            return Response(status_code=400)
        payload = _json_object(fields.get("payload", [""])[0].encode())
        if payload is None or not isinstance(payload.get("type"), str):
            return Response(status_code=400)
        return await self._dispatch(request, body)

    async def send_text(self, key: ConversationKey, text: str, *, idempotency_key: str) -> None:
        raise LookupError("Slack carries no customer conversations: replies go to the customer's own channel")

    async def start(self) -> None:
        self.loops.start(self.relay.run(), "slack-relay")
        self.loops.start(self._identify(), "slack-identify")

    async def stop(self) -> None:
        await self.loops.cancel_all()
        await self.tasks.cancel_all()

    async def check(self) -> None:
        """Slack answers auth.test with our token."""
        await self.api.auth_test()

    async def _verified_body(self, request: Request) -> bytes | Response:
        """The body, if Slack signed it within the last five minutes; else the refusal."""
        body = await request.body()
        if len(body) > MAX_BODY:
            return Response(status_code=413)
        try:
            body.decode("utf-8")  # slack_sdk signs text: a body that is none is not Slack's
        except UnicodeDecodeError:
            return Response(status_code=400)
        timestamp, signature = request.headers.get(TIMESTAMP, ""), request.headers.get(SIGNATURE, "")
        # slack_sdk's check: HMAC-SHA256 of "v0:{timestamp}:{body}", and a timestamp within 5 minutes
        # (which it reads with int(): anything but digits is refused here first).
        if not _STAMP.fullmatch(timestamp) or not self.verifier.is_valid(body, timestamp, signature):
            client = request.client.host if request.client else "?"
            log.warning("slack.refused", reason="bad or stale signature", client=client)
            return Response(status_code=401)
        return body

    async def _first_delivery(self, payload: dict[str, Any], raw: bytes) -> bool | Response | None:
        """True the first time this `event_id` arrives; None when the event has no id."""
        event_id, event = payload.get("event_id"), payload.get("event")
        if not isinstance(event_id, str) or not event_id or not isinstance(event, dict):
            return None
        key = ConversationKey(self.name, str(payload.get("team_id") or ""), str(event.get("channel") or ""),
                              str(event.get("user") or ""))
        try:
            return await self.ledger.keep(InboundMessage(key, event_id, ""), raw, "team")
        except Exception:
            # The database is down: a non-2xx makes Slack deliver the event again later.
            log.exception("slack.keep_failed")
            return Response(status_code=503)

    async def _dispatch(self, request: Request, body: bytes) -> Response:
        try:
            bolt_request = AsyncBoltRequest(
                body=body.decode("utf-8"), query=str(request.url.query), headers=dict(request.headers)
            )
            answer = await self.bolt.async_dispatch(bolt_request)
        except Exception:  # a payload of the right shape that Bolt still cannot read
            log.warning("slack.unreadable", exc_info=True)
            return Response(status_code=400)
        status = answer.status if answer.status < 500 else 400
        return Response(status_code=status, content=answer.body, headers=answer.first_headers_without_set_cookie())

    async def _identify(self) -> None:
        """Learn the bot's own user id, so Bolt drops the events of our own posts early."""
        try:
            self.handlers.bot_user_id = str((await self.api.auth_test()).get("user_id") or "") or None
        except Exception as exc:  # Bolt then cannot drop our own events early; the listeners still do
            log.warning("slack.auth_test_failed", reason=str(exc))


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None
