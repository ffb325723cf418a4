"""Webhook acknowledgement benchmark: how long Telegram and Twilio wait for our 2xx.

The adapters run on the real core (SalesBot, SQLite in a temporary folder, the in-process
queue and its workers) with a responder that answers at once; the platforms' APIs are not
called (replies go to a channel outbox that drops them), so the figure is the ingress path
alone: verify, parse, keep the raw payload, store the message, queue it, answer.

    .venv/bin/python bench/webhook_bench.py --requests 300
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI

from bot.app import SalesBot
from bot.engine import DialogueEngine
from bot.model import ConversationKey, OutboundMessage
from bot.queue import InProcessQueue
from bot.sessions.memory import MemorySessionStore
from bot.storage import SqlLedger, SqlStorage
from bot.turn import Reply, TurnContext
from channels.base import Channel, ChannelContext
from channels.telegram.channel import TelegramChannel
from channels.twilio.channel import TwilioChannel
from knowledge_base.catalog import CsvCatalog
from knowledge_base.demo import DEMO_KB_DIR

PUBLIC = "https://bot.example"
TOKEN = "123456:bench-token"
SECRET = "bench-secret"
SID, AUTH = "AC" + "0" * 32, "bench-auth-token"


class Instant:
    async def respond(self, turn: TurnContext) -> Reply:
        return Reply((OutboundMessage("ok"),), "bench")


class DropOutbox:
    async def send(self, key: ConversationKey, message: OutboundMessage, *, idempotency_key: str) -> None: ...
    async def typing(self, key: ConversationKey) -> None: ...
    async def draft(self, key: ConversationKey, draft_id: str, text: str) -> None: ...


def telegram_request(n: int) -> tuple[str, bytes, dict[str, str]]:
    chat = 1000 + n % 50
    update = {"update_id": n, "message": {"message_id": n, "date": 0, "text": f"How much is the Office 100? #{n}",
              "chat": {"id": chat, "type": "private"}, "from": {"id": chat, "is_bot": False, "first_name": "A"}}}
    return "/channels/telegram/webhook", json.dumps(update).encode(), {"X-Telegram-Bot-Api-Secret-Token": SECRET}


def twilio_request(n: int) -> tuple[str, bytes, dict[str, str]]:
    path = "/channels/twilio/messages"
    form = {"MessageSid": f"SM{n:032x}", "From": f"+1415555{n % 50:04d}", "To": "+15550001111",
            "Body": f"How much is the Office 100? #{n}", "AccountSid": SID}
    payload = PUBLIC + path + "".join(k + form[k] for k in sorted(form))
    signature = base64.b64encode(hmac.new(AUTH.encode(), payload.encode(), hashlib.sha1).digest()).decode()
    headers = {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"}
    return path, urlencode(form).encode(), headers


async def measure(channel_name: str, requests: int, folder: Path) -> list[float]:
    storage = await SqlStorage.connect(f"sqlite+aiosqlite:///{folder / f'{channel_name}.db'}")
    await storage.migrate()
    queue = InProcessQueue()
    bot = SalesBot(sessions=MemorySessionStore(), storage=storage,
                   engine=DialogueEngine(Instant(), CsvCatalog.load(DEMO_KB_DIR)), outbox=DropOutbox(), queue=queue)
    settings: dict[str, object]
    if channel_name == "telegram":
        settings = {"bot_token": TOKEN, "webhook_secret": SECRET, "public_url": PUBLIC}
        channel: Channel = TelegramChannel(ChannelContext(bot, storage, settings, SqlLedger(storage)))
        make = telegram_request
    else:
        settings = {"account_sid": SID, "auth_token": AUTH, "from_number": "+15550001111", "public_url": PUBLIC}
        channel = TwilioChannel(ChannelContext(bot, storage, settings, SqlLedger(storage)))
        make = twilio_request
    app = FastAPI()
    app.include_router(channel.router())
    workers = asyncio.create_task(queue.run(bot.process))
    timings = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC) as client:
        for n in range(1, requests + 1):
            path, body, headers = make(n)
            started = time.perf_counter()
            response = await client.post(path, content=body, headers=headers)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
    await queue.join()
    workers.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await workers
    await storage.close()
    return timings


def report(name: str, timings: list[float]) -> str:
    ms = sorted(t * 1000 for t in timings)
    p = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]  # noqa: E731
    return f"| {name} | {len(ms)} | {statistics.median(ms):.1f} | {p(0.95):.1f} | {p(0.99):.1f} | {ms[-1]:.1f} |"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        rows = [report(name, await measure(name, args.requests, Path(tmp))) for name in ("telegram", "twilio")]
    print("| webhook | requests | p50 ms | p95 ms | p99 ms | max ms |\n| --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    asyncio.run(main())
