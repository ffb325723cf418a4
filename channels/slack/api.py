"""The Slack Web API calls salesbot makes, through slack_sdk's async client.

Every failure becomes `SlackUnavailable`, with Slack's Retry-After when it rate-limits, so the
caller decides when to try again. The client's own retries are off: chat.postMessage is not
idempotent, and a retried post whose first answer was lost would alert twice; our callers
claim each post in the ledger and retry it themselves.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient


class SlackUnavailable(Exception):
    """Slack did not do what was asked; `retry_after` is its own wait (429), when it gave one."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


def build_client(token: str | None, base_url: str, timeout: int) -> AsyncWebClient:
    """The production client; only `base_url` differs between Slack, a gateway and a test fake."""
    return AsyncWebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=[])


class SlackApi:
    """chat.postMessage, chat.update and auth.test, failing only with `SlackUnavailable`."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def post(
        self, channel: str, text: str, blocks: list[dict[str, Any]] | None = None, thread_ts: str | None = None
    ) -> tuple[str, str]:
        """Post a message; returns the channel id and the message's ts (its id in Slack)."""
        data = await self._call(self.client.chat_postMessage(
            channel=channel, text=text, blocks=blocks, thread_ts=thread_ts, unfurl_links=False, unfurl_media=False,
        ))
        return str(data["channel"]), str(data["ts"])

    async def update(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> None:
        await self._call(self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks))

    async def auth_test(self) -> dict[str, Any]:
        """Who the token is: `user_id` (the bot's user), `bot_id`, `team_id`."""
        return await self._call(self.client.auth_test())

    @staticmethod
    async def _call(request: Any) -> dict[str, Any]:
        try:
            response = await request
        except SlackApiError as exc:
            status = exc.response.status_code
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            raise SlackUnavailable(f"{status} {error or 'error'}", _retry_after(exc.response.headers)) from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise SlackUnavailable(f"{type(exc).__name__}: {exc}") from None
        data = response.data
        if not isinstance(data, dict):
            raise SlackUnavailable("not a JSON object")
        return data


def _retry_after(headers: Any) -> float | None:
    """Slack's Retry-After header (seconds), whatever case it came in."""
    for name, value in (headers or {}).items():
        if str(name).lower() == "retry-after":
            try:
                return max(0.0, float(value if not isinstance(value, list) else value[0]))
            except (TypeError, ValueError):
                return None
    return None
