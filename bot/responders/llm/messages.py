"""What the LLM responder says to a model and hears back, free of any provider's SDK.

Each provider adapter (`claude.py`, `openai_chat.py`) translates these to its wire format, so
the tool loop, the guards and the accounting are written once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

TextSink = Callable[[str], Awaitable[None]]
"""Takes the text of the model's answer so far, as it streams."""


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A tool the model may call: its name, what it is for, and a JSON schema of its arguments."""

    name: str
    description: str
    parameters: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One call the model asked for; `arguments` as the model wrote them (not yet validated)."""

    id: str
    name: str
    arguments: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ToolResult:
    """What a tool gave back for one call, as text the model reads."""

    call_id: str
    content: str
    is_error: bool = False


@dataclass(frozen=True, slots=True)
class UserMessage:
    text: str


@dataclass(frozen=True, slots=True)
class AssistantMessage:
    text: str
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass(frozen=True, slots=True)
class ToolResults:
    results: tuple[ToolResult, ...]


Message = UserMessage | AssistantMessage | ToolResults


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens one request (or a sum of them) cost, split the way providers bill them."""

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.input + other.input, self.output + other.output,
                     self.cache_read + other.cache_read, self.cache_write + other.cache_write)


@dataclass(frozen=True, slots=True)
class ModelRequest:
    """One request: `system` and `tools` are the stable prefix (cached where the provider can);
    everything customer-written is in `messages`, never in `system`."""

    model: str
    system: str
    tools: tuple[ToolSpec, ...]
    messages: tuple[Message, ...]
    max_tokens: int


@dataclass(frozen=True, slots=True)
class ModelReply:
    """The model's answer to one request: text, tool calls, or both."""

    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Usage = field(default_factory=Usage)
    stop_reason: str = ""


class ModelUnavailable(Exception):
    """The provider could not answer in time (timeouts, 429, 5xx, overloaded): use the fallback."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ChatModel(Protocol):
    """A provider's chat API with tool use, streaming its text to `on_text`."""

    provider: str

    async def complete(self, request: ModelRequest, on_text: TextSink) -> ModelReply:
        """One request. Raises `TransientModelError` for what a retry may fix, anything else
        for what it will not (a bad key, a malformed request)."""
        ...


class TransientModelError(Exception):
    """A failure a retry may fix: a timeout, a dropped connection, 408/409/429, 5xx, overloaded."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
