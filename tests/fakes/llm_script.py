"""What a fake model says, independent of the wire format: both LLM fakes play these.

A script is a list of steps, one per request; a `Policy` computes the step from the request
instead (a model that reacts to what it is sent, such as one that obeys injected orders).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Say:
    """A reply: text (streamed in `chunk`-character pieces when asked to stream) and tool calls."""

    text: str = ""
    tools: tuple[tuple[str, dict[str, Any]], ...] = ()
    input_tokens: int = 100
    output_tokens: int = 20
    cache_read: int = 0
    cache_write: int = 0
    chunk: int = 7


@dataclass(frozen=True)
class Fail:
    """An error: an HTTP status with the provider's error body, or (`mid_stream`) an error event
    after some text was already streamed."""

    status: int
    kind: str  # the provider's error type: "overloaded_error", "rate_limit_error", "api_error", ...
    mid_stream: bool = False
    retry_after_ms: int | None = 5


@dataclass(frozen=True)
class Hang:
    """Answer nothing for `seconds` (the client's timeout fires first)."""

    seconds: float


Step = Say | Fail | Hang
Policy = Callable[[dict[str, Any]], Step]


@dataclass
class Script:
    """Steps played in order; after them, `policy` (if any) decides; else the fake answers 500."""

    steps: list[Step] = field(default_factory=list)
    policy: Policy | None = None

    def next(self, request: dict[str, Any]) -> Step:
        if self.steps:
            return self.steps.pop(0)
        if self.policy is not None:
            return self.policy(request)
        return Fail(500, "api_error", retry_after_ms=None)


def pieces(text: str, size: int) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]
