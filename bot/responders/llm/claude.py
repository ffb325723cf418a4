"""Claude through the `anthropic` SDK's Messages API, streamed, with the stable prefix cached.

`cache_control` marks the end of the system prompt and of the tool list: both are the same on
every turn of every conversation, so after the first request they are read from the cache at a
tenth of the price. Customer text is only ever in `messages`.
"""

from __future__ import annotations

import json
from typing import Any

import anthropic

from bot.responders.llm.messages import (
    AssistantMessage,
    Message,
    ModelReply,
    ModelRequest,
    TextSink,
    ToolCall,
    ToolResults,
    ToolSpec,
    TransientModelError,
    Usage,
    UserMessage,
)

_CACHE = {"type": "ephemeral"}
_RETRYABLE_STATUS = {408, 409, 429}
_RETRYABLE_TYPES = {"overloaded_error", "rate_limit_error", "api_error", "timeout_error"}


class ClaudeModel:
    """Implements `ChatModel` over an injected `anthropic.AsyncAnthropic` client."""

    provider = "anthropic"

    def __init__(self, client: anthropic.AsyncAnthropic) -> None:
        self.client = client

    async def complete(self, request: ModelRequest, on_text: TextSink) -> ModelReply:
        try:
            async with self.client.messages.stream(
                model=request.model,
                max_tokens=request.max_tokens,
                system=_system(request.system),
                tools=_tools(request.tools),  # type: ignore[arg-type]
                messages=_messages(request.messages),  # type: ignore[arg-type]
            ) as stream:
                async for event in stream:
                    if event.type == "text":
                        await on_text(event.snapshot)
                final = await stream.get_final_message()
        except anthropic.APIConnectionError as exc:  # includes timeouts
            raise TransientModelError(type(exc).__name__) from exc
        except anthropic.APIStatusError as exc:
            if _retryable(exc):
                raise TransientModelError(f"status {exc.status_code} {_error_type(exc) or ''}".strip()) from exc
            raise
        return _reply(final)


def _retryable(exc: anthropic.APIStatusError) -> bool:
    # An error event inside a 200 stream carries its kind in the body, not the status.
    return exc.status_code in _RETRYABLE_STATUS or exc.status_code >= 500 or _error_type(exc) in _RETRYABLE_TYPES


def _error_type(exc: anthropic.APIStatusError) -> str | None:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("type"), str):
            return str(error["type"])
    return None


def _system(text: str) -> Any:
    return [{"type": "text", "text": text, "cache_control": _CACHE}]


def _tools(specs: tuple[ToolSpec, ...]) -> list[dict[str, Any]]:
    tools: list[dict[str, Any]] = [
        {"name": s.name, "description": s.description, "input_schema": dict(s.parameters)} for s in specs
    ]
    if tools:
        tools[-1]["cache_control"] = _CACHE  # the whole tool list is part of the cached prefix
    return tools


def _messages(messages: tuple[Message, ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, UserMessage):
            out.append({"role": "user", "content": [{"type": "text", "text": message.text}]})
        elif isinstance(message, AssistantMessage):
            blocks: list[dict[str, Any]] = [{"type": "text", "text": message.text}] if message.text else []
            blocks += [{"type": "tool_use", "id": c.id, "name": c.name, "input": dict(c.arguments)}
                       for c in message.tool_calls]
            out.append({"role": "assistant", "content": blocks or [{"type": "text", "text": "…"}]})
        elif isinstance(message, ToolResults):
            out.append({"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": r.call_id, "content": r.content, "is_error": r.is_error}
                for r in message.results
            ]})
    return out


def _reply(message: Any) -> ModelReply:
    text = "".join(block.text for block in message.content if block.type == "text")
    calls = tuple(
        ToolCall(block.id, block.name, block.input if isinstance(block.input, dict) else _loads(block.input))
        for block in message.content if block.type == "tool_use"
    )
    u = message.usage
    usage = Usage(u.input_tokens or 0, u.output_tokens or 0,
                  u.cache_read_input_tokens or 0, u.cache_creation_input_tokens or 0)
    return ModelReply(text, calls, usage, message.stop_reason or "")


def _loads(raw: object) -> dict[str, Any]:
    try:
        value = json.loads(str(raw))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
