"""Any OpenAI-compatible Chat Completions API through the `openai` SDK, streamed.

The same wire format is served by OpenAI and by the servers companies run themselves for data
residency (vLLM, llama.cpp's server, Ollama) and by many providers: only the base URL differs.
Tool calls arrive in pieces (`delta.tool_calls[i]`, arguments as JSON text split across chunks)
and are put back together by index; usage comes in the last chunk when asked for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import openai

from bot.responders.llm.messages import (
    AssistantMessage,
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

_RETRYABLE_STATUS = {408, 409, 429}


class OpenAIChatModel:
    """Implements `ChatModel` over an injected `openai.AsyncOpenAI` client."""

    provider = "openai"

    def __init__(self, client: openai.AsyncOpenAI) -> None:
        self.client = client

    async def complete(self, request: ModelRequest, on_text: TextSink) -> ModelReply:
        parts = _Parts()
        try:
            stream = await self.client.chat.completions.create(  # type: ignore[call-overload]
                model=request.model,
                max_tokens=request.max_tokens,
                messages=_messages(request),
                tools=_tools(request.tools),
                stream=True,
                stream_options={"include_usage": True},
            )
            async for chunk in stream:
                if parts.add(chunk):
                    await on_text(parts.text)
        except openai.APIConnectionError as exc:  # includes timeouts
            raise TransientModelError(type(exc).__name__) from exc
        except openai.APIStatusError as exc:
            if exc.status_code in _RETRYABLE_STATUS or exc.status_code >= 500:
                raise TransientModelError(f"status {exc.status_code}") from exc
            raise
        except openai.APIError as exc:  # an error object inside the stream: the server gave up midway
            raise TransientModelError("error in stream") from exc
        return parts.reply()


@dataclass
class _Parts:
    """A streamed completion put back together."""

    text: str = ""
    calls: dict[int, dict[str, str]] = field(default_factory=dict)
    usage: Usage = field(default_factory=Usage)
    stop: str = ""

    def add(self, chunk: Any) -> bool:
        """Take one chunk; True when the text grew."""
        if chunk.usage is not None:
            self.usage = _usage(chunk.usage)
        grew = False
        for choice in chunk.choices or ():
            delta = choice.delta
            if delta is not None and delta.content:
                self.text += delta.content
                grew = True
            for call in (delta.tool_calls if delta is not None else None) or ():
                slot = self.calls.setdefault(call.index, {"id": "", "name": "", "arguments": ""})
                slot["id"] = call.id or slot["id"]
                if call.function is not None:
                    slot["name"] += call.function.name or ""
                    slot["arguments"] += call.function.arguments or ""
            self.stop = choice.finish_reason or self.stop
        return grew

    def reply(self) -> ModelReply:
        calls = tuple(
            ToolCall(slot["id"] or f"call_{index}", slot["name"], _loads(slot["arguments"]))
            for index, slot in sorted(self.calls.items())
        )
        return ModelReply(self.text, calls, self.usage, self.stop)


def _usage(u: Any) -> Usage:
    # Chat Completions counts cached tokens inside prompt_tokens; ours keeps them apart.
    details = getattr(u, "prompt_tokens_details", None)
    cached = (getattr(details, "cached_tokens", None) or 0) if details is not None else 0
    return Usage(max((u.prompt_tokens or 0) - cached, 0), u.completion_tokens or 0, cached, 0)


def _tools(specs: tuple[ToolSpec, ...]) -> list[dict[str, Any]]:
    return [{"type": "function", "function": {"name": s.name, "description": s.description,
                                              "parameters": dict(s.parameters)}} for s in specs]


def _messages(request: ModelRequest) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"role": "system", "content": request.system}]
    for message in request.messages:
        if isinstance(message, UserMessage):
            out.append({"role": "user", "content": message.text})
        elif isinstance(message, AssistantMessage):
            turn: dict[str, Any] = {"role": "assistant", "content": message.text or None}
            if message.tool_calls:
                turn["tool_calls"] = [
                    {"id": c.id, "type": "function",
                     "function": {"name": c.name, "arguments": json.dumps(dict(c.arguments), ensure_ascii=False)}}
                    for c in message.tool_calls
                ]
            out.append(turn)
        elif isinstance(message, ToolResults):
            out += [{"role": "tool", "tool_call_id": r.call_id, "content": r.content} for r in message.results]
    return out


def _loads(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
