"""Calling the model again after a transient failure, with backoff, within a deadline."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

import structlog

from bot.responders.llm import metrics
from bot.responders.llm.messages import (
    ChatModel,
    ModelReply,
    ModelRequest,
    ModelUnavailable,
    TextSink,
    TransientModelError,
)

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with full jitter: `first`, doubling, at most `cap` seconds a wait."""

    first: float = 0.5
    cap: float = 4.0

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.cap, self.first * 2**attempt))  # noqa: S311 - jitter, not secrets


async def complete(
    model: ChatModel, request: ModelRequest, on_text: TextSink, *, deadline: float, backoff: Backoff
) -> ModelReply:
    """The model's reply, retried on transient errors until `deadline` (event-loop time);
    raises `ModelUnavailable` when no attempt fits before it."""
    loop = asyncio.get_running_loop()
    attempt = 0
    while True:
        try:
            reply = await model.complete(request, on_text)
        except TransientModelError as exc:
            metrics.REQUESTS.labels(model.provider, request.model, "transient_error").inc()
            wait = backoff.delay(attempt)
            attempt += 1
            if loop.time() + wait >= deadline:
                raise ModelUnavailable(exc.reason) from exc
            log.info("llm.retry", provider=model.provider, reason=exc.reason, attempt=attempt, wait=round(wait, 2))
            await asyncio.sleep(wait)
            continue
        metrics.REQUESTS.labels(model.provider, request.model, "ok").inc()
        return reply
