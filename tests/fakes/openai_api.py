"""A fake OpenAI-compatible Chat Completions API: `POST /v1/chat/completions`, plain or streamed.

The wire format OpenAI, vLLM, llama.cpp's server and Ollama share: `choices[0].message` with
`tool_calls` (arguments as a JSON string), or with `stream: true` server-sent `data:` chunks of
`delta`s (tool calls arrive in pieces, by index), a last chunk with `usage` when
`stream_options.include_usage` asks for it, and `data: [DONE]`. It checks the bearer key and
that every tool call is answered by a `tool` message, records each request, and plays a `Script`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

from aiohttp import web

from tests.fakes.llm_script import Fail, Hang, Say, Script, pieces
from tests.fakes.server import FakeServer

API_KEY = "sk-test-0123456789"


class FakeOpenAI(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.script = Script()
        self.requests: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self.app.router.add_post("/v1/chat/completions", self._completions)

    def play(self, *steps: Say | Fail | Hang) -> None:
        self.script.steps.extend(steps)

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("authorization") != f"Bearer {API_KEY}":
            return _error(401, "invalid_api_key", "Incorrect API key provided")
        body = await request.json()
        problem = _invalid(body)
        if problem:
            return _error(400, "invalid_request_error", problem)
        self.requests.append(body)
        await self.changed()
        step = self.script.next(body)
        if isinstance(step, Hang):
            await asyncio.sleep(step.seconds)
            return _error(500, "server_error", "hung")
        if isinstance(step, Fail) and not step.mid_stream:
            return _error(step.status, step.kind, "scripted failure")
        if body.get("stream"):
            return await self._stream(request, body, step)
        assert isinstance(step, Say)
        return web.json_response(self._completion(body, step))

    def _calls(self, say: Say) -> list[dict[str, Any]]:
        return [{"id": f"call_{next(self._ids):04d}", "type": "function",
                 "function": {"name": name, "arguments": json.dumps(args, ensure_ascii=False)}}
                for name, args in say.tools]

    def _completion(self, body: dict[str, Any], say: Say) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": say.text or None}
        if say.tools:
            message["tool_calls"] = self._calls(say)
        return {"id": f"chatcmpl-{next(self._ids)}", "object": "chat.completion", "created": int(time.time()),
                "model": body["model"], "choices": [{"index": 0, "message": message, "logprobs": None,
                                                      "finish_reason": "tool_calls" if say.tools else "stop"}],
                "usage": _usage(say)}

    async def _stream(self, request: web.Request, body: dict[str, Any], step: Say | Fail) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        say = step if isinstance(step, Say) else Say(text="Let me check that for you. ")
        head = {"id": f"chatcmpl-{next(self._ids)}", "object": "chat.completion.chunk", "created": int(time.time()),
                "model": body["model"]}

        async def chunk(delta: dict[str, Any], finish: str | None = None) -> None:
            await _data(response, head | {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})

        await chunk({"role": "assistant", "content": ""})
        for piece in pieces(say.text, say.chunk) if say.text else []:
            await chunk({"content": piece})
        if isinstance(step, Fail):  # a server giving up mid-stream: an error object, then the end
            await _data(response, {"error": {"message": "scripted failure", "type": step.kind, "code": None}})
            return response
        for index, call in enumerate(self._calls(say)):
            await chunk({"tool_calls": [{"index": index, "id": call["id"], "type": "function",
                                         "function": {"name": call["function"]["name"], "arguments": ""}}]})
            for piece in pieces(call["function"]["arguments"], say.chunk):
                await chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
        await chunk({}, "tool_calls" if say.tools else "stop")
        if (body.get("stream_options") or {}).get("include_usage"):
            await _data(response, head | {"choices": [], "usage": _usage(say)})
        await response.write(b"data: [DONE]\n\n")
        return response

    # -- what tests read -------------------------------------------------------------------

    def system_text(self, index: int = -1) -> str:
        return "\n".join(m["content"] for m in self.requests[index]["messages"] if m["role"] == "system")

    def user_text(self, index: int = -1) -> str:
        return "\n".join(m["content"] for m in self.requests[index]["messages"] if m["role"] == "user")

    def tool_messages(self, index: int = -1) -> list[dict[str, Any]]:
        return [m for m in self.requests[index]["messages"] if m["role"] == "tool"]


def _usage(say: Say) -> dict[str, Any]:
    prompt = say.input_tokens + say.cache_read
    return {"prompt_tokens": prompt, "completion_tokens": say.output_tokens,
            "total_tokens": prompt + say.output_tokens, "prompt_tokens_details": {"cached_tokens": say.cache_read}}


def _invalid(body: dict[str, Any]) -> str | None:
    if "model" not in body or not body.get("messages"):
        return "you must provide a model parameter and messages"
    pending: set[str] = set()
    for message in body["messages"]:
        if message["role"] == "tool":
            pending.discard(message.get("tool_call_id", ""))
            continue
        if pending:
            return f"an assistant message with 'tool_calls' must be followed by tool messages: {sorted(pending)}"
        pending = {c["id"] for c in message.get("tool_calls") or []}
    return None


def _error(status: int, kind: str, message: str) -> web.Response:
    return web.json_response({"error": {"message": message, "type": kind, "param": None, "code": None}},
                             status=status)


async def _data(response: web.StreamResponse, data: dict[str, Any]) -> None:
    await response.write(f"data: {json.dumps(data, ensure_ascii=False)}\n\n".encode())
