"""A fake Trello REST API (https://developer.atlassian.com/cloud/trello/rest/) for one board.

It speaks Trello's wire format for what salesbot uses: `/1/boards/{id}/lists|labels|cards`,
`/1/lists`, `/1/labels`, `/1/cards`, `/1/cards/{id}`, `/1/cards/{id}/actions/comments`,
`/1/webhooks`, `/1/tokens/{token}/webhooks`. Parameters come in the query string, a form or
a JSON body; the key and token in the query (`key=`, `token=`) or Trello's OAuth header.

Like Trello, it sends registered webhooks every action on the board (createCard, updateCard,
commentCard), signed `X-Trello-Webhook` = base64(HMAC-SHA1(app secret, body + callbackURL)),
written here from Trello's description, not with salesbot's code. `reach` maps the public
URL a webhook was registered under to where the server under test really listens.

Tests can take it down (connections refused, `go_down`/`come_up`), make it rate-limit
(429 with Retry-After), and move a card as a person would (`person_moves`).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.server import FakeServer

API_KEY = "0123456789abcdef0123456789abcdef"
TOKEN = "ATTAfaketoken0123456789abcdef0123456789abcdef0123456789abcdef01"
APP_SECRET = "fake-app-secret-0123456789abcdef0123456789abcdef0123456789abcd"
BOARD_ID = "5f0000000000000000b0a4d1"
BOT_MEMBER = "5f00000000000000000be001"  # the member salesbot's token belongs to
PERSON = "5f00000000000000000be002"  # a sales rep moving cards by hand
_OAUTH = re.compile(r'oauth_consumer_key="([^"]*)".*oauth_token="([^"]*)"')
_ids = itertools.count(1)
PARAMS = web.RequestKey("params", dict)


def new_id() -> str:
    return f"{int(time.time()):08x}{next(_ids):016x}"


def sign(body: bytes, callback_url: str, secret: str = APP_SECRET) -> str:
    """X-Trello-Webhook as Trello computes it."""
    return base64.b64encode(hmac.new(secret.encode(), body + callback_url.encode(), hashlib.sha1).digest()).decode()


@dataclass
class Call:
    method: str
    path: str
    params: dict[str, Any]
    status: int = 0


@dataclass
class Delivery:
    """One webhook request the fake sent, and what our server answered."""

    action_type: str
    status: int
    body: bytes


@dataclass
class Board:
    id: str
    name: str = "Sales"
    lists: list[dict[str, Any]] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)


class FakeTrello(FakeServer):
    """Trello's API for one key and token, with one board (`BOARD_ID`) holding a "To do" list."""

    def __init__(self) -> None:
        super().__init__()
        self.board = Board(BOARD_ID, lists=[{"id": new_id(), "name": "To do", "closed": False, "idBoard": BOARD_ID}])
        self.cards: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, list[str]] = {}  # card id → comment texts, oldest first
        self.webhooks: list[dict[str, Any]] = []
        self.calls: list[Call] = []
        self.deliveries: list[Delivery] = []
        self.reach: dict[str, str] = {}  # public URL prefix → where it is really served
        self._limited: list[float] = []  # Retry-After seconds of the next 429 answers
        self._lost: list[tuple[str, str]] = []  # (method, path start) of requests done but never answered
        self._port = 0
        self._site: web.TCPSite | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        r = self.app.router
        r.add_get("/1/boards/{board}/lists", self._lists)
        r.add_post("/1/lists", self._create_list)
        r.add_get("/1/boards/{board}/labels", self._labels)
        r.add_post("/1/labels", self._create_label)
        r.add_get("/1/boards/{board}/cards", self._board_cards)
        r.add_post("/1/cards", self._create_card)
        r.add_get("/1/cards/{card}", self._get_card)
        r.add_put("/1/cards/{card}", self._update_card)
        r.add_post("/1/cards/{card}/actions/comments", self._comment)
        r.add_post("/1/webhooks", self._create_webhook)
        r.add_get("/1/tokens/{token}/webhooks", self._token_webhooks)
        self.app.middlewares.append(self._gate)

    # -- what tests arrange ----------------------------------------------------------------

    async def start(self) -> str:
        url = await super().start()
        self._port = int(url.rsplit(":", 1)[1])
        return url

    async def go_down(self) -> None:
        """Stop listening: every request is refused until `come_up`."""
        if self._runner is not None:
            for site in list(self._runner.sites):
                await site.stop()

    async def come_up(self) -> None:
        """Listen again on the same port."""
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        await self._site.start()

    def rate_limit(self, times: int, retry_after: float = 1.0) -> None:
        """Answer the next `times` requests 429 with `Retry-After: retry_after`."""
        self._limited.extend([retry_after] * times)

    def lose_answers(self, method: str, path_start: str, times: int = 1) -> None:
        """Do the next `times` such requests, then drop the connection before answering (a network
        failure after Trello acted: the client cannot know it did)."""
        self._lost.extend([(method, path_start)] * times)

    async def person_moves(self, card_id: str, list_name: str) -> None:
        """A sales rep drags the card to the list `list_name` (the board must have it)."""
        target = self.list_named(list_name)
        assert target is not None, f"no list {list_name!r} on the board"
        self._move(self.cards[card_id], target["id"], PERSON)

    # -- what tests read -------------------------------------------------------------------

    def list_named(self, name: str) -> dict[str, Any] | None:
        return next((item for item in self.board.lists if item["name"] == name), None)

    def list_of(self, card_id: str) -> str:
        list_id = self.cards[card_id]["idList"]
        return next(item["name"] for item in self.board.lists if item["id"] == list_id)

    def labels_of(self, card_id: str) -> set[str]:
        names = {label["id"]: label["name"] for label in self.board.labels}
        return {names[label_id] for label_id in self.cards[card_id]["idLabels"]}

    def card_with(self, marker: str) -> dict[str, Any] | None:
        return next((card for card in self.cards.values() if card["desc"].endswith(marker)), None)

    def made(self, method: str, path_start: str) -> list[Call]:
        """Calls Trello took (2xx) whose path starts with `path_start`."""
        return [c for c in self.calls if c.method == method and c.path.startswith(path_start) and c.status < 300]

    async def settle(self) -> None:
        """Wait until every webhook delivery in flight was answered."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- the API ---------------------------------------------------------------------------

    @web.middleware
    async def _gate(self, request: web.Request, handler: Any) -> web.StreamResponse:
        params = await _params(request)
        request[PARAMS] = params
        call = Call(request.method, request.path, params)
        self.calls.append(call)
        try:
            if not self._authorized(request, params):
                call.status = 401
                return web.Response(status=401, text="invalid key")  # Trello answers auth errors as text
            if self._limited:
                call.status = 429
                retry = self._limited.pop(0)
                body = {"error": "API_TOKEN_LIMIT_EXCEEDED", "message": "Rate limit exceeded"}
                return web.json_response(body, status=429, headers={"Retry-After": f"{retry:g}"})
            response = await handler(request)
            call.status = response.status
            lost = next(((m, p) for m, p in self._lost if m == request.method and request.path.startswith(p)), None)
            if lost is not None:
                self._lost.remove(lost)
                call.status = 599
                assert request.transport is not None
                request.transport.abort()
            return response
        except web.HTTPException as exc:
            call.status = exc.status
            raise
        finally:
            await self.changed()

    def _authorized(self, request: web.Request, params: dict[str, Any]) -> bool:
        header = _OAUTH.search(request.headers.get("Authorization", ""))
        key, token = header.groups() if header else (params.get("key"), params.get("token"))
        return key == API_KEY and token == TOKEN

    def _own_board(self, request: web.Request, board_id: str | None = None) -> None:
        wanted = board_id or request.match_info.get("board")
        if wanted not in (BOARD_ID, BOARD_ID[-8:]):
            raise web.HTTPNotFound(text="The requested resource was not found.")

    async def _lists(self, request: web.Request) -> web.Response:
        self._own_board(request)
        return web.json_response([item for item in self.board.lists if not item["closed"]])

    async def _create_list(self, request: web.Request) -> web.Response:
        params = request[PARAMS]
        self._own_board(request, params.get("idBoard"))
        if not params.get("name"):
            raise web.HTTPBadRequest(text="invalid value for name")
        item = {"id": new_id(), "name": params["name"], "closed": False, "idBoard": BOARD_ID}
        self.board.lists.append(item)
        return web.json_response(item)

    async def _labels(self, request: web.Request) -> web.Response:
        self._own_board(request)
        return web.json_response(self.board.labels)

    async def _create_label(self, request: web.Request) -> web.Response:
        params = request[PARAMS]
        self._own_board(request, params.get("idBoard"))
        label = {"id": new_id(), "idBoard": BOARD_ID, "name": params.get("name") or "", "color": params.get("color")}
        self.board.labels.append(label)
        return web.json_response(label)

    async def _board_cards(self, request: web.Request) -> web.Response:
        self._own_board(request)
        return web.json_response([card for card in self.cards.values() if not card["closed"]])

    async def _create_card(self, request: web.Request) -> web.Response:
        params = request[PARAMS]
        list_id = params.get("idList")
        if not any(item["id"] == list_id for item in self.board.lists):
            raise web.HTTPBadRequest(text="invalid value for idList")
        card_id = new_id()
        short = card_id[-8:]
        card = {"id": card_id, "idBoard": BOARD_ID, "idList": list_id, "name": params.get("name") or "",
                "desc": params.get("desc") or "", "due": params.get("due"), "closed": False,
                "idLabels": _label_ids(params.get("idLabels")), "idShort": len(self.cards) + 1,
                "shortLink": short, "shortUrl": f"https://trello.com/c/{short}",
                "url": f"https://trello.com/c/{short}/card"}
        self.cards[card_id] = card
        self.comments[card_id] = []
        self._action("createCard", {"card": _card_ref(card), "list": self._list_ref(list_id)}, BOT_MEMBER)
        return web.json_response(card)

    async def _get_card(self, request: web.Request) -> web.Response:
        return web.json_response(self._card(request))

    async def _update_card(self, request: web.Request) -> web.Response:
        card, params = self._card(request), request[PARAMS]
        for name in ("name", "desc", "due"):
            if name in params:
                card[name] = params[name]
        if "idLabels" in params:
            card["idLabels"] = _label_ids(params["idLabels"])
        list_id = params.get("idList")
        if list_id and list_id != card["idList"]:
            if not any(item["id"] == list_id for item in self.board.lists):
                raise web.HTTPBadRequest(text="invalid value for idList")
            self._move(card, list_id, BOT_MEMBER)
        return web.json_response(card)

    async def _comment(self, request: web.Request) -> web.Response:
        card, text = self._card(request), request[PARAMS].get("text")
        if not text:
            raise web.HTTPBadRequest(text="invalid value for text")
        self.comments[card["id"]].append(text)
        action = self._action("commentCard", {"card": _card_ref(card), "text": text}, BOT_MEMBER)
        return web.json_response(action)

    async def _create_webhook(self, request: web.Request) -> web.Response:
        params = request[PARAMS]
        callback, model = params.get("callbackURL"), params.get("idModel")
        if not callback or model not in (BOARD_ID, BOARD_ID[-8:]):
            raise web.HTTPBadRequest(text="invalid value for idModel")
        if any(hook["callbackURL"] == callback and hook["idModel"] == BOARD_ID for hook in self.webhooks):
            raise web.HTTPBadRequest(text="A webhook with that callback, model, and token already exists")
        # Trello checks the callback answers HEAD with 200 before it accepts the webhook.
        async with aiohttp.ClientSession() as session, session.head(self._real(callback)) as answer:
            if answer.status != 200:
                raise web.HTTPBadRequest(text=f"URL ({callback}) did not return 200 status code, got {answer.status}")
        hook = {"id": new_id(), "description": params.get("description") or "", "idModel": BOARD_ID,
                "callbackURL": callback, "active": True, "consecutiveFailures": 0}
        self.webhooks.append(hook)
        return web.json_response(hook)

    async def _token_webhooks(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            raise web.HTTPUnauthorized(text="invalid token")
        return web.json_response(self.webhooks)

    # -- actions and their webhooks ----------------------------------------------------------

    def _card(self, request: web.Request) -> dict[str, Any]:
        card = self.cards.get(request.match_info["card"])
        if card is None:
            raise web.HTTPNotFound(text="The requested resource was not found.")
        return card

    def _list_ref(self, list_id: str) -> dict[str, str]:
        return next({"id": item["id"], "name": item["name"]} for item in self.board.lists if item["id"] == list_id)

    def _move(self, card: dict[str, Any], list_id: str, member: str) -> None:
        before = card["idList"]
        card["idList"] = list_id
        data = {"card": _card_ref(card), "old": {"idList": before}, "listBefore": self._list_ref(before),
                "listAfter": self._list_ref(list_id), "translationKey": "action_move_card_from_list_to_list"}
        self._action("updateCard", data, member)

    def _action(self, kind: str, data: dict[str, Any], member: str) -> dict[str, Any]:
        data = {**data, "board": {"id": BOARD_ID, "name": self.board.name, "shortLink": BOARD_ID[-8:]}}
        action = {"id": new_id(), "idMemberCreator": member, "type": kind,
                  "date": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                  "data": data, "memberCreator": {"id": member, "username": "member", "fullName": "Member"}}
        for hook in self.webhooks:
            task = asyncio.get_running_loop().create_task(self._deliver(hook, action))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return action

    async def _deliver(self, hook: dict[str, Any], action: dict[str, Any]) -> None:
        model = {"id": BOARD_ID, "name": self.board.name}
        body = json.dumps({"model": model, "action": action, "webhook": hook}).encode()
        headers = {"X-Trello-Webhook": sign(body, hook["callbackURL"]), "Content-Type": "application/json"}
        async with aiohttp.ClientSession() as session, \
                session.post(self._real(hook["callbackURL"]), data=body, headers=headers) as answer:
            self.deliveries.append(Delivery(action["type"], answer.status, body))
        await self.changed()

    def _real(self, url: str) -> str:
        for public, real in self.reach.items():
            if url.startswith(public):
                return real + url[len(public):]
        return url


def _card_ref(card: dict[str, Any]) -> dict[str, Any]:
    return {"id": card["id"], "name": card["name"], "idList": card["idList"], "idShort": card["idShort"],
            "shortLink": card["shortLink"]}


def _label_ids(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [part for part in str(value or "").split(",") if part]


async def _params(request: web.Request) -> dict[str, Any]:
    """Query string, then the body (JSON or a form) on top, as Trello merges them."""
    params: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
        else:
            params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
    return params
