"""Relays a streaming responder's text-so-far to the customer's channel, at a bounded rate."""

from __future__ import annotations

import time

import structlog

from bot.model import ConversationKey
from bot.ports import Outbox

log = structlog.get_logger(__name__)

# An LLM yields tokens many times a second and each draft carries the whole text so far;
# a few updates a second read as live typing without flooding sockets or channel APIs.
DRAFT_INTERVAL_S = 0.25


class DraftRelay:
    """The `DraftSink` of one turn: forwards drafts to `outbox.draft`, never fails the turn.

    A skipped draft is harmless: the next one, or the final reply, carries all its text.
    """

    def __init__(self, outbox: Outbox, key: ConversationKey, draft_id: str, interval: float = DRAFT_INTERVAL_S) -> None:
        self.outbox = outbox
        self.key = key
        self.draft_id = draft_id
        self.interval = interval
        self._last = float("-inf")
        self._broken = False

    async def __call__(self, text: str) -> None:
        now = time.monotonic()
        if self._broken or not text.strip() or now - self._last < self.interval:
            return
        self._last = now
        try:
            await self.outbox.draft(self.key, self.draft_id, text)
        except Exception:
            # A courtesy, like typing: the reply still goes out through `send`.
            self._broken = True
            log.warning("draft.failed", draft_id=self.draft_id, exc_info=True)
