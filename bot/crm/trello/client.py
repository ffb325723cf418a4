"""A small async client of Trello's REST API (https://developer.atlassian.com/cloud/trello/rest/).

Only what the CRM sink needs: a board's lists and labels, cards, comments and
webhooks. The key and token travel in Trello's documented OAuth header, not in
the query string, so they never end up in an access log or an httpx log line.
A 429 becomes `RetryAfter` with Trello's `Retry-After`; 5xx and network errors
become `TrelloUnavailable`; both are worth retrying, other 4xx are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from bot.errors import RetryAfter

DEFAULT_URL = "https://api.trello.com"
_DEFAULT_RETRY_AFTER = 10.0  # seconds, when a 429 does not say


class TrelloError(Exception):
    """Trello refused a request (4xx other than 429); `status` is its HTTP status."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(status, detail)
        self.status = status
        self.detail = detail

    def __str__(self) -> str:
        return f"Trello answered {self.status}: {self.detail}"


class TrelloUnavailable(Exception):
    """Trello could not be reached or failed (network error, 5xx)."""


@dataclass(frozen=True, slots=True)
class TrelloList:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class TrelloLabel:
    id: str
    name: str
    color: str | None


@dataclass(frozen=True, slots=True)
class TrelloCard:
    id: str
    id_list: str
    url: str | None
    desc: str


@dataclass(frozen=True, slots=True)
class TrelloWebhook:
    id: str
    callback_url: str
    id_model: str
    active: bool


class TrelloClient:
    """Trello's REST API for one key and token; `http` is injected (tests, proxies) or made here."""

    def __init__(
        self, key: str, token: str, *, base_url: str = DEFAULT_URL, http: httpx.AsyncClient | None = None,
        timeout: float = 15.0,
    ) -> None:
        self._token = token
        auth = f'OAuth oauth_consumer_key="{key}", oauth_token="{token}"'
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._base = base_url.rstrip("/") + "/1"
        self._headers = {"Authorization": auth, "Accept": "application/json"}

    async def close(self) -> None:
        await self._http.aclose()

    async def lists(self, board_id: str) -> list[TrelloList]:
        """The board's open lists."""
        data = await self._call("GET", f"/boards/{board_id}/lists", params={"filter": "open", "fields": "name"})
        return [TrelloList(str(item["id"]), str(item["name"])) for item in data]

    async def create_list(self, board_id: str, name: str) -> TrelloList:
        data = await self._call("POST", "/lists", json={"name": name, "idBoard": board_id, "pos": "bottom"})
        return TrelloList(str(data["id"]), str(data["name"]))

    async def labels(self, board_id: str) -> list[TrelloLabel]:
        data = await self._call("GET", f"/boards/{board_id}/labels", params={"fields": "name,color"})
        return [TrelloLabel(str(item["id"]), str(item.get("name") or ""), item.get("color")) for item in data]

    async def create_label(self, board_id: str, name: str, color: str | None) -> TrelloLabel:
        data = await self._call("POST", "/labels", json={"name": name, "color": color, "idBoard": board_id})
        return TrelloLabel(str(data["id"]), str(data.get("name") or ""), data.get("color"))

    async def cards(self, board_id: str) -> list[TrelloCard]:
        """The board's open cards (to find a card whose id was lost with a crash)."""
        data = await self._call("GET", f"/boards/{board_id}/cards", params={"fields": "idList,shortUrl,desc"})
        return [_card(item) for item in data]

    async def create_card(self, fields: dict[str, Any]) -> TrelloCard:
        """A new card; `fields` as Trello names them (idList, name, desc, due, idLabels)."""
        return _card(await self._call("POST", "/cards", json=fields))

    async def update_card(self, card_id: str, fields: dict[str, Any]) -> TrelloCard:
        return _card(await self._call("PUT", f"/cards/{card_id}", json=fields))

    async def comment(self, card_id: str, text: str) -> str:
        """Add a comment to the card; returns the action id."""
        data = await self._call("POST", f"/cards/{card_id}/actions/comments", json={"text": text})
        return str(data["id"])

    async def webhooks(self) -> list[TrelloWebhook]:
        """The webhooks of this token."""
        data = await self._call("GET", f"/tokens/{self._token}/webhooks")
        return [_webhook(item) for item in data]

    async def create_webhook(self, callback_url: str, id_model: str, description: str) -> TrelloWebhook:
        """Register a webhook; Trello checks the callback answers HEAD with 200 first."""
        fields = {"callbackURL": callback_url, "idModel": id_model, "description": description}
        return _webhook(await self._call("POST", "/webhooks", json=fields))

    async def _call(
        self, method: str, path: str, *, params: dict[str, str] | None = None, json: dict[str, Any] | None = None
    ) -> Any:
        try:
            response = await self._http.request(
                method, self._base + path, params=params, json=json, headers=self._headers
            )
        except httpx.HTTPError as exc:
            raise TrelloUnavailable(f"{method} {path.split('/')[1]}: {type(exc).__name__}") from None
        if response.status_code == 429:
            raise RetryAfter("trello", retry_after(response.headers.get("Retry-After")))
        if response.status_code >= 500:
            raise TrelloUnavailable(f"{method} {path.split('/')[1]}: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise TrelloError(response.status_code, response.text[:300])
        try:
            return response.json()
        except ValueError:
            raise TrelloUnavailable(f"{method} {path.split('/')[1]}: not JSON") from None


def retry_after(header: str | None, now: datetime | None = None) -> float:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date; a default when absent."""
    if not header:
        return _DEFAULT_RETRY_AFTER
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return _DEFAULT_RETRY_AFTER
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _card(item: dict[str, Any]) -> TrelloCard:
    url = item.get("shortUrl") or item.get("url")
    return TrelloCard(str(item["id"]), str(item.get("idList") or ""), str(url) if url else None,
                      str(item.get("desc") or ""))


def _webhook(item: dict[str, Any]) -> TrelloWebhook:
    return TrelloWebhook(str(item["id"]), str(item.get("callbackURL") or ""), str(item.get("idModel") or ""),
                         bool(item.get("active", True)))
