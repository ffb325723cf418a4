"""A fake Slack Web API (`POST /api/<method>`, bearer token) and the requests Slack sends an app.

The API answers chat.postMessage, chat.update and auth.test with the documented shapes: HTTP
200 with `{"ok": true, ...}`, or `{"ok": false, "error": "invalid_auth"}` for a wrong token.
Tests can make it rate-limit (429 with Retry-After, `{"error": "ratelimited"}`) or be down
(503). The other half, `signed_*`, builds what Slack posts to an app's Request URLs, signed
with the signing secret as Slack signs: v0 HMAC-SHA256 of `v0:{timestamp}:{body}`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from tests.fakes.server import FakeServer

TOKEN = "xoxb-1111-2222-fake-token-for-tests"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = "T0SALES01"
BOT_USER = "U0BOT0001"
BOT_ID = "B0BOT0001"
CHANNEL = "C0ALERTS1"


@dataclass
class Posted:
    """A message Slack took: where, its ts, its thread, and what it said."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    updates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def current_blocks(self) -> list[dict[str, Any]]:
        return self.updates[-1]["blocks"] if self.updates else self.blocks

    def shows(self, words: str) -> bool:
        """Whether the message as it stands now contains `words` anywhere in its blocks or text."""
        return words in json.dumps(self.current_blocks, ensure_ascii=False) or words in self.text

    def buttons(self) -> list[str]:
        return [element["action_id"] for block in self.current_blocks if block["type"] == "actions"
                for element in block["elements"]]


class FakeSlack(FakeServer):
    """The Web API of one workspace with one bot token (`TOKEN`)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.messages: list[Posted] = []
        self.refused = 0  # calls answered with 429 or 503
        self._failures: list[tuple[int, float | None]] = []
        self.limiting: float | None = None  # while set, every call gets 429 with this Retry-After
        self._ts = itertools.count(1)
        self.app.router.add_post("/api/{method}", self._handle)

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    # -- what tests arrange ----------------------------------------------------------------

    def rate_limit(self, times: int, retry_after: float = 1) -> None:
        """The next `times` calls get 429 with `Retry-After: retry_after`."""
        self._failures.extend([(429, retry_after)] * times)

    def go_down(self, times: int) -> None:
        """The next `times` calls get 503 (Slack's servers are failing)."""
        self._failures.extend([(503, None)] * times)

    # -- what tests read -------------------------------------------------------------------

    def alerts(self) -> list[Posted]:
        return [m for m in self.messages if m.thread_ts is None]

    def thread(self, ts: str) -> list[Posted]:
        return [m for m in self.messages if m.thread_ts == ts]

    # -- the API ---------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        self.calls.append((method, params))
        try:
            if request.headers.get("Authorization") != f"Bearer {TOKEN}":
                return web.json_response({"ok": False, "error": "invalid_auth"})
            if self._failures or self.limiting is not None:
                status, retry_after = self._failures.pop(0) if self._failures else (429, self.limiting)
                self.refused += 1
                headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
                error = "ratelimited" if status == 429 else "service_unavailable"
                return web.json_response({"ok": False, "error": error}, status=status, headers=headers)
            return web.json_response(self._answer(method, params))
        finally:
            await self.changed()

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "url": "https://sales.slack.example/", "team": "Sales", "user": "salesbot",
                    "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID}
        if method == "chat.postMessage":
            if params.get("channel") != CHANNEL:
                return {"ok": False, "error": "channel_not_found"}
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            blocks = _blocks(params.get("blocks"))
            thread = params.get("thread_ts")
            self.messages.append(Posted(CHANNEL, ts, str(params.get("text", "")), blocks, thread))
            message = {"type": "message", "text": params.get("text", ""), "ts": ts, "bot_id": BOT_ID}
            return {"ok": True, "channel": CHANNEL, "ts": ts, "message": message}
        if method == "chat.update":
            found = [m for m in self.messages if m.channel == params.get("channel") and m.ts == params.get("ts")]
            if not found:
                return {"ok": False, "error": "message_not_found"}
            found[0].updates.append({"text": params.get("text", ""), "blocks": _blocks(params.get("blocks"))})
            return {"ok": True, "channel": found[0].channel, "ts": found[0].ts, "text": params.get("text", "")}
        return {"ok": False, "error": "unknown_method"}


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        data: dict[str, Any] = await request.json()
        return data
    return {key: str(value) for key, value in (await request.post()).items()}


def _blocks(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        value = json.loads(value)
    return list(value or [])


# -- what Slack posts to the app ---------------------------------------------------------------

_event_ids = itertools.count(1)


def sign(body: bytes, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Slack's headers for `body`: the request timestamp and its v0 signature."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def signed_json(payload: dict[str, Any], **sign_args: Any) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    return body, {"Content-Type": "application/json", **sign(body, **sign_args)}


def signed_form(payload: dict[str, Any], **sign_args: Any) -> tuple[bytes, dict[str, str]]:
    """An interactivity request: the payload's JSON in the `payload` field of a form."""
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return body, {"Content-Type": "application/x-www-form-urlencoded", **sign(body, **sign_args)}


def url_verification(challenge: str) -> dict[str, Any]:
    return {"token": "legacy", "challenge": challenge, "type": "url_verification"}


def thread_message(user: str, text: str, thread_ts: str, event_id: str | None = None) -> dict[str, Any]:
    """An Events API `message` event: `user` writes `text` in the thread of `thread_ts`."""
    ts = f"{int(time.time())}.{next(_event_ids) + 500000:06d}"
    event = {"type": "message", "channel": CHANNEL, "user": user, "text": text, "ts": ts,
             "thread_ts": thread_ts, "channel_type": "channel", "event_ts": ts}
    return {"token": "legacy", "team_id": TEAM, "api_app_id": "A0SALES01", "type": "event_callback",
            "event_id": event_id or f"Ev{next(_event_ids):08d}", "event_time": int(time.time()), "event": event,
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}]}


def button_press(action_id: str, value: str, user: str, username: str, message_ts: str) -> dict[str, Any]:
    """A `block_actions` payload: `user` pressed the button `action_id` on the message `message_ts`."""
    return {
        "type": "block_actions", "team": {"id": TEAM, "domain": "sales"},
        "user": {"id": user, "username": username, "name": username, "team_id": TEAM},
        "api_app_id": "A0SALES01", "token": "legacy", "trigger_id": f"{next(_event_ids)}.trigger",
        "channel": {"id": CHANNEL, "name": "sales-alerts"},
        "container": {"type": "message", "message_ts": message_ts, "channel_id": CHANNEL},
        "message": {"type": "message", "ts": message_ts, "bot_id": BOT_ID},
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value,
                     "action_ts": f"{time.time():.6f}"}],
    }
