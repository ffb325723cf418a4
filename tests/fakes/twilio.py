"""A fake Twilio REST API (Messages and the Account resource) with the documented shapes,
and a signer for the webhooks Twilio would send us, written from Twilio's description of
X-Twilio-Signature (not with the SDK our code uses to check it)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
from dataclasses import dataclass
from typing import Any

from aiohttp import BasicAuth, web

from tests.fakes.server import FakeServer

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "fake-auth-token-0123456789abcdef"
OUR_NUMBER = "+15550001111"
POOL_NUMBER = "+15550002222"  # another number of our Messaging Service
OUR_WHATSAPP = "whatsapp:+15550003333"


def sign(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """X-Twilio-Signature: base64(HMAC-SHA1(token, url + each param name and value, names sorted))."""
    payload = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


@dataclass
class Created:
    sid: str
    params: dict[str, str]


class FakeTwilio(FakeServer):
    """Messages API of one account; records what was created, can refuse like Twilio does."""

    def __init__(self) -> None:
        super().__init__()
        self.created: list[Created] = []
        self.attempts = 0
        self.unsubscribed: set[str] = set()
        self.latency = 0.0  # seconds before a create answers: lets two senders be mid-call at once
        self._failures: list[tuple[int, int, str]] = []
        self._sids = itertools.count(1)
        base = f"/2010-04-01/Accounts/{ACCOUNT_SID}"
        self.app.router.add_post(base + "/Messages.json", self._create)
        self.app.router.add_get(base + ".json", self._account)

    def fail(self, status: int, code: int, message: str, times: int = 1) -> None:
        self._failures.extend([(status, code, message)] * times)

    def bodies(self, to: str | None = None) -> list[str]:
        return [c.params["Body"] for c in self.created if to is None or c.params["To"] == to]

    async def _create(self, request: web.Request) -> web.Response:
        self.attempts += 1
        try:
            if not _authorized(request):
                return _error(401, 20003, "Authenticate")
            params = {k: str(v) for k, v in (await request.post()).items()}
            if self._failures:
                return _error(*self._failures.pop(0))
            if params.get("To") in self.unsubscribed:
                return _error(400, 21610, "Attempt to send to unsubscribed recipient")
            await asyncio.sleep(self.latency)
            sid = f"SM{next(self._sids):032x}"
            self.created.append(Created(sid, params))
            return web.json_response(_message(sid, params), status=201)
        finally:
            await self.changed()

    async def _account(self, request: web.Request) -> web.Response:
        if not _authorized(request):
            return _error(401, 20003, "Authenticate")
        return web.json_response({"sid": ACCOUNT_SID, "friendly_name": "Shop", "status": "active"})


def _authorized(request: web.Request) -> bool:
    header = request.headers.get("Authorization", "")
    try:
        auth = BasicAuth.decode(header)
    except ValueError:
        return False
    return (auth.login, auth.password) == (ACCOUNT_SID, AUTH_TOKEN)


def _message(sid: str, params: dict[str, str]) -> dict[str, Any]:
    return {"sid": sid, "account_sid": ACCOUNT_SID, "to": params.get("To"), "from": params.get("From"),
            "body": params.get("Body"), "status": "queued", "num_segments": "1", "direction": "outbound-api",
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json"}


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response(
        {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status},
        status=status,
    )


# -- webhooks as Twilio sends them ---------------------------------------------------------------

_message_sids = itertools.count(1)


def inbound_form(sender: str, body: str, to: str = OUR_NUMBER, **extra: str) -> dict[str, str]:
    """The form of an incoming message webhook."""
    sid = f"SM{next(_message_sids) + 10**6:032x}"
    form = {"MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid, "AccountSid": ACCOUNT_SID,
            "From": sender, "To": to, "Body": body, "NumMedia": "0", "NumSegments": "1", "ApiVersion": "2010-04-01"}
    form.update(extra)
    return form


def status_form(sid: str, status: str, error_code: str | None = None) -> dict[str, str]:
    form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID, "ApiVersion": "2010-04-01"}
    if error_code:
        form["ErrorCode"] = error_code
    return form
