"""A fake Telegram Bot API: `POST /bot<token>/<method>` with the documented request and response shapes.

It answers the methods salesbot uses, records every call, serves queued updates
to getUpdates (long polling, offsets confirm), and can be told to fail: a flood
wait (429 with `retry_after`), a customer who blocked the bot (403).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.server import FakeServer

TOKEN = "123456789:AAFakeTokenForTests_0123456789abcdef"
BOT_ID = 123456789
_JSON_PARAMS = {"reply_markup", "allowed_updates", "entities"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class FakeTelegram(FakeServer):
    """The Bot API of one bot (`TOKEN`)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.blocked: set[int] = set()
        self.unsupported: set[str] = set()
        self.latency = 0.0  # seconds before sendMessage answers: lets two senders be mid-call at once
        self._failures: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self._message_ids = itertools.count(1000)
        self._new_update = asyncio.Event()
        self.app.router.add_route("*", "/bot{token}/{method}", self._handle)

    # -- what tests arrange ----------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates."""
        self.updates.append(update)
        self._new_update.set()

    def flood(self, method: str, retry_after: int, times: int = 1) -> None:
        body = {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {retry_after}",
                "parameters": {"retry_after": retry_after}}
        self._failures.setdefault(method, []).extend([(429, body)] * times)

    # -- what tests read -------------------------------------------------------------------

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Messages Telegram took (sendMessage calls answered with ok)."""
        return [c for c in self.called("sendMessage") if c.params.get("ok") and
                (chat_id is None or int(c.params["chat_id"]) == chat_id)]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [str(c.params["text"]) for c in self.sent(chat_id)]

    # -- the API ---------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        call = Call(method, params)
        self.calls.append(call)
        try:
            if request.match_info["token"] != TOKEN:
                return _error(401, "Unauthorized")
            if method in self.unsupported:
                return _error(404, "Not Found: method not found")
            if self._failures.get(method):
                status, body = self._failures[method].pop(0)
                return web.json_response(body, status=status)
            to_chat = method in ("sendMessage", "sendChatAction", "sendMessageDraft")
            if to_chat and int(params["chat_id"]) in self.blocked:
                return _error(403, "Forbidden: bot was blocked by the user")
            result = await self._result(method, params)
            if result is None:
                return _error(404, "Not Found")
            params["ok"] = True
            return web.json_response({"ok": True, "result": result})
        finally:
            await self.changed()

    async def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Shop", "username": "shop_bot"}
        if method in ("setWebhook", "deleteWebhook", "sendChatAction", "answerCallbackQuery", "sendMessageDraft"):
            return True
        if method == "sendMessage":
            await asyncio.sleep(self.latency)
            chat = {"id": int(params["chat_id"]), "type": "private", "first_name": "Customer"}
            return {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat,
                    "text": params.get("text", "")}
        if method == "getUpdates":
            return await self._get_updates(int(params.get("offset") or 0), int(params.get("timeout") or 0))
        return None

    async def _get_updates(self, offset: int, wait_s: int) -> list[dict[str, Any]]:
        # An offset confirms every update below it: Telegram forgets them.
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates and wait_s:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), wait_s)
        return list(self.updates)


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        params: dict[str, Any] = await request.json()
        return params
    form = await request.post()
    out: dict[str, Any] = {}
    for key, value in form.items():
        text = value if isinstance(value, str) else repr(value)
        out[key] = json.loads(text) if key in _JSON_PARAMS else text
    return out


def _error(status: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": status, "description": description}, status=status)


# -- updates as Telegram sends them ------------------------------------------------------------

_update_ids = itertools.count(5000)


def _user(user_id: int, first_name: str = "Anna", language: str = "en") -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": language}


def _message(chat_id: int, language: str = "en", **content: Any) -> dict[str, Any]:
    return {"message_id": next(_update_ids), "date": int(time.time()), "from": _user(chat_id, language=language),
            "chat": {"id": chat_id, "type": "private", "first_name": "Anna"}, **content}


def update(**content: Any) -> dict[str, Any]:
    return {"update_id": next(_update_ids), **content}


def text_update(chat_id: int, text: str, language: str = "en") -> dict[str, Any]:
    """A text message from a customer whose Telegram app is set to `language` (an IETF tag)."""
    return update(message=_message(chat_id, language=language, text=text))


def contact_update(chat_id: int, phone: str, first_name: str, last_name: str | None = None) -> dict[str, Any]:
    contact = {"phone_number": phone, "first_name": first_name, "user_id": chat_id}
    if last_name:
        contact["last_name"] = last_name
    return update(message=_message(chat_id, contact=contact))


def photo_update(chat_id: int, caption: str | None = None) -> dict[str, Any]:
    sizes = [{"file_id": f"photo-{size}", "file_unique_id": f"u{size}", "width": size, "height": size}
             for size in (90, 320, 1280)]
    extra = {"caption": caption} if caption else {}
    return update(message=_message(chat_id, photo=sizes, **extra))


def document_update(chat_id: int, file_name: str) -> dict[str, Any]:
    document = {"file_id": "doc-file-1", "file_unique_id": "udoc1", "file_name": file_name,
                "mime_type": "application/pdf"}
    return update(message=_message(chat_id, document=document))


def press_update(chat_id: int, data: str) -> dict[str, Any]:
    message = _message(chat_id, text="Which one?")
    message["from"] = {"id": BOT_ID, "is_bot": True, "first_name": "Shop"}
    press = {"id": f"cb{next(_update_ids)}", "from": _user(chat_id), "chat_instance": "ci1",
             "message": message, "data": data}
    return update(callback_query=press)


def blocked_update(chat_id: int, blocked: bool = True) -> dict[str, Any]:
    bot = {"id": BOT_ID, "is_bot": True, "first_name": "Shop"}
    old = {"status": "member", "user": bot} if blocked else {"status": "kicked", "user": bot, "until_date": 0}
    new = {"status": "kicked", "user": bot, "until_date": 0} if blocked else {"status": "member", "user": bot}
    change = {"chat": {"id": chat_id, "type": "private", "first_name": "Anna"}, "from": _user(chat_id),
              "date": int(time.time()), "old_chat_member": old, "new_chat_member": new}
    return update(my_chat_member=change)
