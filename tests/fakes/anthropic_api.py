"""A fake Anthropic Messages API: `POST /v1/messages`, plain JSON or streamed as server-sent events.

It checks what the real API checks that matters to a client (the key and version headers, the
required fields, every `tool_use` answered by a `tool_result` in the next message), records
each request, and plays a `Script`: text, tool use, usage with cache tokens, HTTP errors (429
with `retry-after-ms`, 5xx, 529 overloaded), an `error` event in the middle of a stream, or a hang.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from aiohttp import web

from tests.fakes.llm_script import Fail, Hang, Say, Script, pieces
from tests.fakes.server import FakeServer

API_KEY = "sk-ant-test-0123456789"


class FakeAnthropic(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.script = Script()
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._ids = itertools.count(1)
        self.app.router.add_post("/v1/messages", self._messages)

    def play(self, *steps: Say | Fail | Hang) -> None:
        self.script.steps.extend(steps)

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        # Older SDKs send `x-api-key`, 2.x sends `Authorization: Bearer`; the API takes either.
        if API_KEY not in (request.headers.get("x-api-key"), request.headers.get("authorization", "")[7:]):
            return _error(401, "authentication_error", "invalid x-api-key")
        if not request.headers.get("anthropic-version"):
            return _error(400, "invalid_request_error", "anthropic-version header is required")
        body = await request.json()
        problem = _invalid(body)
        if problem:
            return _error(400, "invalid_request_error", problem)
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        await self.changed()
        step = self.script.next(body)
        if isinstance(step, Hang):
            await asyncio.sleep(step.seconds)
            return _error(500, "api_error", "hung")
        if isinstance(step, Fail) and not step.mid_stream:
            return _error(step.status, step.kind, "scripted failure", step.retry_after_ms)
        if body.get("stream"):
            return await self._stream(request, body, step)
        assert isinstance(step, Say)
        return web.json_response(self._message(body, step))

    def _message(self, body: dict[str, Any], say: Say) -> dict[str, Any]:
        content: list[dict[str, Any]] = [{"type": "text", "text": say.text}] if say.text else []
        content += [{"type": "tool_use", "id": f"toolu_{next(self._ids):04d}", "name": name, "input": args}
                    for name, args in say.tools]
        return {"id": f"msg_{next(self._ids):04d}", "type": "message", "role": "assistant", "model": body["model"],
                "content": content, "stop_reason": "tool_use" if say.tools else "end_turn", "stop_sequence": None,
                "usage": _usage(say)}

    async def _stream(self, request: web.Request, body: dict[str, Any], step: Say | Fail) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        say = step if isinstance(step, Say) else Say(text="Let me check that for you. ")
        message = self._message(body, say)
        start = dict(message, content=[], stop_reason=None, usage=dict(message["usage"], output_tokens=1))
        await _event(response, "message_start", {"type": "message_start", "message": start})
        await _event(response, "ping", {"type": "ping"})
        for index, block in enumerate(message["content"]):
            if block["type"] == "text":
                await _event(response, "content_block_start", {"type": "content_block_start", "index": index,
                                                               "content_block": {"type": "text", "text": ""}})
                for piece in pieces(block["text"], say.chunk):
                    await _event(response, "content_block_delta", {"type": "content_block_delta", "index": index,
                                                                   "delta": {"type": "text_delta", "text": piece}})
                if isinstance(step, Fail):  # the API's way to fail once a stream is under way
                    await _event(response, "error", {"type": "error", "error": {"type": step.kind,
                                                                                 "message": "scripted failure"}})
                    return response
            else:
                await _event(response, "content_block_start", {"type": "content_block_start", "index": index,
                                                               "content_block": dict(block, input={})})
                for piece in pieces(json.dumps(block["input"], ensure_ascii=False), say.chunk):
                    await _event(response, "content_block_delta", {
                        "type": "content_block_delta", "index": index,
                        "delta": {"type": "input_json_delta", "partial_json": piece}})
            await _event(response, "content_block_stop", {"type": "content_block_stop", "index": index})
        await _event(response, "message_delta", {"type": "message_delta",
                                                 "delta": {"stop_reason": message["stop_reason"],
                                                           "stop_sequence": None},
                                                 "usage": {"output_tokens": say.output_tokens}})
        await _event(response, "message_stop", {"type": "message_stop"})
        return response

    # -- what tests read -------------------------------------------------------------------

    def system_text(self, index: int = -1) -> str:
        system = self.requests[index].get("system", "")
        return system if isinstance(system, str) else "".join(b.get("text", "") for b in system)

    def tool_results(self, index: int = -1) -> list[dict[str, Any]]:
        """The tool_result blocks of a request's last message."""
        last = self.requests[index]["messages"][-1]
        return [b for b in last["content"] if isinstance(b, dict) and b.get("type") == "tool_result"]

    def user_text(self, index: int = -1) -> str:
        parts = []
        for message in self.requests[index]["messages"]:
            if message["role"] != "user":
                continue
            content = message["content"]
            parts += [content] if isinstance(content, str) else [b.get("text", "") for b in content]
        return "\n".join(parts)


def _usage(say: Say) -> dict[str, int]:
    return {"input_tokens": say.input_tokens, "output_tokens": say.output_tokens,
            "cache_read_input_tokens": say.cache_read, "cache_creation_input_tokens": say.cache_write}


def _invalid(body: dict[str, Any]) -> str | None:
    for field in ("model", "max_tokens", "messages"):
        if field not in body:
            return f"{field}: Field required"
    messages = body["messages"]
    if not messages or messages[0]["role"] != "user":
        return "messages: first message must use the user role"
    for before, after in itertools.pairwise(messages):
        asked = {b["id"] for b in _blocks(before) if b.get("type") == "tool_use"}
        answered = {b["tool_use_id"] for b in _blocks(after) if b.get("type") == "tool_result"}
        if asked - answered:
            return f"tool_use ids were found without tool_result blocks immediately after: {sorted(asked - answered)}"
    return None


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message["content"]
    return [] if isinstance(content, str) else [b for b in content if isinstance(b, dict)]


def _error(status: int, kind: str, message: str, retry_after_ms: int | None = None) -> web.Response:
    headers = {"retry-after-ms": str(retry_after_ms)} if retry_after_ms is not None else {}
    return web.json_response({"type": "error", "error": {"type": kind, "message": message}},
                             status=status, headers=headers)


async def _event(response: web.StreamResponse, name: str, data: dict[str, Any]) -> None:
    await response.write(f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode())
