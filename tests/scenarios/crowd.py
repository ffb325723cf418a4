"""Customers talking to real `salesbot serve` processes over the web chat's WebSocket protocol.

Used by the crash and ordering scenarios (short in CI) and by `bench/durability.py` (full size).
A `Server` is the real command line in a subprocess, killed with SIGKILL when a test says so.
A `Customer` behaves like the widget: it keeps every message until the server acks it,
resends unacked ones after reconnecting, and reconnects with the last seq it saw.
`audit` then reads what the database holds and counts what a customer would notice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException
from websockets.typing import Origin

from bot.model import ConversationKey
from bot.storage import SqlStorage

SALESBOT = str(Path(sys.executable).with_name("salesbot"))

# One customer's turns; {n} makes each customer's contact details their own.
SCRIPT = (
    "Hi, how much are 25 Panel Slim 60x60?",
    "I'm Jane Doe",
    "My email is jane.doe.{n}@acme.example",
    "Call me at +1 415 555 {phone:04d}",
    "We need them within 3 weeks",
    "I'm the office manager and I decide",
    "Is it in stock?",
    "What is the warranty?",
    "Actually make it 40",
    "Thanks!",
)


def script_facts(n: int) -> list[dict[str, object]]:
    """What each turn of `SCRIPT` tells the lead, for customer `n`."""
    facts: list[dict[str, object]] = [{} for _ in SCRIPT]
    facts[0] = {"quantity": 25}
    facts[1] = {"name": "Jane Doe"}
    facts[2] = {"email": f"jane.doe.{n}@acme.example"}
    facts[3] = {"phone": f"+1415555{100 + n:04d}"}
    facts[8] = {"quantity": 40}
    return facts


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """`salesbot serve` in its own process; `kill` is kill -9."""

    data_dir: Path
    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    proc: asyncio.subprocess.Process | None = None

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/webchat/ws"

    async def start(self, within: float = 600) -> None:
        """Start and wait until healthy. `within` is a bound: a first start embeds the catalog and
        intent examples, which takes minutes on a machine whose cores are busy."""
        with self.log.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                SALESBOT, "--data-dir", str(self.data_dir), "serve", "--port", str(self.port),
                env=self.env, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=log,
            )
        try:
            async with httpx.AsyncClient() as client, asyncio.timeout(within):
                while True:
                    if self.proc.returncode is not None:
                        raise RuntimeError(f"salesbot serve exited with {self.proc.returncode}; see {self.log}")
                    with contextlib.suppress(httpx.HTTPError):
                        if (await client.get(f"http://127.0.0.1:{self.port}/healthz")).status_code == 200:
                            return
                    await asyncio.sleep(0.2)
        except BaseException:  # never leave a server behind that nobody will stop
            if self.proc.returncode is None:
                await self.kill()
            raise

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        await self.proc.wait()

    async def stop(self) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.terminate()
        try:
            await asyncio.wait_for(self.proc.wait(), 20)
        except TimeoutError:
            await self.kill()


@dataclass
class Customer:
    """One visitor of the web chat, writing `texts` through the servers in turn."""

    visitor: str
    texts: list[str]
    facts: list[dict[str, object]]  # per text: the lead fields it gives
    acked: dict[str, bool] = field(default_factory=dict)  # client id -> acked
    replies: list[str] = field(default_factory=list)  # ids of "out" frames, as received
    last_seq: int = 0

    def cid(self, index: int) -> str:
        return f"m{index}"

    async def talk(self, url: str, pause: tuple[float, float], rng: random.Random, deadline: float) -> None:
        """Send every text, each after the previous one's ack; survive restarts of the server."""
        loop = asyncio.get_running_loop()
        sent = 0
        while not self.done(len(self.texts)):
            if loop.time() > deadline:
                raise TimeoutError(f"{self.visitor}: {sum(self.acked.values())} of {len(self.texts)} acked")
            try:
                async with self._socket(url) as ws:
                    await self._resend(ws)
                    while sent < len(self.texts):
                        await self._send(ws, sent)
                        sent += 1
                        await self._read_until_acked(ws)
                        await asyncio.sleep(rng.uniform(*pause))
            except (OSError, WebSocketException, TimeoutError, asyncio.IncompleteReadError):
                await asyncio.sleep(0.25)  # the server is down or restarting: try again

    async def alternate(self, urls: list[str], gap: float) -> None:
        """Send the texts `gap` seconds apart through one socket per server in turn, then await the acks."""
        async with contextlib.AsyncExitStack() as stack:
            sockets = [await stack.enter_async_context(self._socket(url)) for url in urls]
            for index in range(len(self.texts)):
                await self._send(sockets[index % len(sockets)], index)
                await asyncio.sleep(gap)
            readers = [asyncio.create_task(self._read_until_acked(ws)) for ws in sockets]
            await asyncio.wait(readers, return_when=asyncio.FIRST_COMPLETED)
            for task in readers:
                task.cancel()
            await asyncio.gather(*readers, return_exceptions=True)

    def done(self, count: int) -> bool:
        return len(self.acked) == count and all(self.acked.values())

    @contextlib.asynccontextmanager
    async def _socket(self, url: str) -> Any:
        query = f"?visitor={self.visitor}&last_seq={self.last_seq}"
        async with connect(url + query, origin=Origin("http://127.0.0.1"), open_timeout=5, close_timeout=1) as ws:
            while (await self._receive(ws))["type"] != "ready":
                pass
            yield ws

    async def _resend(self, ws: ClientConnection) -> None:
        for index in range(len(self.texts)):
            if self.acked.get(self.cid(index)) is False:  # sent, never acked: the widget sends it again
                await self._send(ws, index)
        await self._read_until_acked(ws)

    async def _send(self, ws: ClientConnection, index: int) -> None:
        self.acked.setdefault(self.cid(index), False)
        await ws.send(json.dumps({"type": "message", "id": self.cid(index), "text": self.texts[index]}))

    async def _read_until_acked(self, ws: ClientConnection) -> None:
        while not all(self.acked.values()):
            await self._receive(ws)

    async def _receive(self, ws: ClientConnection) -> dict[str, Any]:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 30))
        if frame["type"] == "ack":
            self.acked[frame["id"]] = True
        elif frame["type"] == "message":
            self.last_seq = max(self.last_seq, frame["seq"])
            if frame["direction"] == "out":
                self.replies.append(frame["id"])
        elif frame["type"] == "error":
            raise RuntimeError(f"{self.visitor}: server refused a frame: {frame}")
        return frame


def customers(run: str, count: int, messages: int) -> list[Customer]:
    return [
        Customer(
            f"{run}-{n:03d}",
            [text.format(n=n, phone=100 + n) for text in SCRIPT[:messages]],
            script_facts(n)[:messages],
        )
        for n in range(count)
    ]


def key_of(customer: Customer) -> ConversationKey:
    return ConversationKey("webchat", "site", customer.visitor, customer.visitor)


@dataclass
class Audit:
    """What the customers would notice; all zero is the promise."""

    messages: int = 0
    lost: int = 0  # acked, but not stored
    stored_twice: int = 0
    unanswered: int = 0  # stored, but no reply stored or still pending
    repeated_replies: int = 0  # a reply shown twice to the customer
    apologies: int = 0  # "Sorry, something went wrong" instead of an answer
    lead_fields_lost: int = 0
    out_of_order: int = 0  # conversations whose replies are not in the order of their messages
    details: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, int]:
        return {k: v for k, v in vars(self).items() if isinstance(v, int)}


async def wait_until_answered(database_url: str, within: float) -> None:
    """Until no acked message is pending (or `within` seconds): recovery may need a retry or two."""
    storage = await SqlStorage.connect(database_url)
    try:
        async with asyncio.timeout(within):
            while await storage.pending_conversations(limit=1):  # noqa: ASYNC110 - polling another process
                await asyncio.sleep(0.5)
    except TimeoutError:
        pass  # the audit counts what is still unanswered
    finally:
        await storage.close()


async def audit(database_url: str, crowd: list[Customer], apology: str) -> Audit:
    """Count lost, duplicated, unanswered and out-of-order messages and lost lead fields."""
    result = Audit()
    storage = await SqlStorage.connect(database_url)
    try:
        for customer in crowd:
            await _audit_one(storage, customer, apology, result)
    finally:
        await storage.close()
    return result


async def _audit_one(storage: SqlStorage, customer: Customer, apology: str, result: Audit) -> None:
    key = key_of(customer)
    lines = await storage.transcript(key)
    pending = {m.message_id for m in await storage.pending(key, limit=1000)}
    inbound = [line.message_id for line in lines if line.direction == "in"]
    acked = [cid for cid, ok in customer.acked.items() if ok]
    result.messages += len(acked)
    for cid in acked:
        message_id = f"{customer.visitor}:{cid}"
        stored = inbound.count(message_id)
        result.lost += stored == 0
        result.stored_twice += stored > 1
        answered = bool(await storage.replies_to(key, message_id)) and message_id not in pending
        result.unanswered += stored > 0 and not answered
    result.repeated_replies += len(customer.replies) - len(set(customer.replies))
    result.apologies += sum(line.text == apology for line in lines if line.direction == "out")
    answered_in_order = [line.message_id.split("#")[0] for line in lines if line.direction == "out"]
    firsts = list(dict.fromkeys(answered_in_order))
    if firsts != [m for m in inbound if m in set(firsts)] or not _replies_follow(lines):
        result.out_of_order += 1
        result.details.append(f"{customer.visitor}: replies out of order")
    record = await storage.lead_for(key)
    lost = _lost_fields(customer, record.lead if record else None, inbound)
    result.lead_fields_lost += len(lost)
    result.details += [f"{customer.visitor}: lead lost {name}" for name in lost]
    if lost and os.environ.get("SALESBOT_DURABILITY_DEBUG"):
        result.details += [f"  {line.seq} {line.direction} {line.message_id} {line.text[:60]!r}" for line in lines]


def _replies_follow(lines: list[Any]) -> bool:
    """Every reply comes after the message it answers."""
    seen: set[str] = set()
    for line in lines:
        if line.direction == "in":
            seen.add(line.message_id)
        elif line.message_id.split("#")[0] not in seen:
            return False
    return True


def _lost_fields(customer: Customer, lead: Any, stored_order: list[str]) -> list[str]:
    """Fields the lead lacks or got wrong; when two messages set one field, the later stored wins
    (the conversation's order is the order its messages were stored in, whichever server got them)."""
    expected: dict[str, object] = {}
    for message_id in stored_order:
        cid = message_id.removeprefix(f"{customer.visitor}:")
        index = int(cid.removeprefix("m"))
        if customer.acked.get(cid):
            expected.update(customer.facts[index])
    return [
        f"{name} (said {value!r}, kept {getattr(lead, name, None)!r})"
        for name, value in expected.items()
        if lead is None or getattr(lead, name) != value
    ]


def server_env(**services: str | None) -> dict[str, str]:
    """The environment of a server process: ours, less service URLs, plus `services`."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update({k: v for k, v in services.items() if v})
    env["SALESBOT_WEBCHAT__ALLOWED_ORIGINS"] = '["http://127.0.0.1"]'
    env["SALESBOT_WEBCHAT__RATE_PER_MINUTE_PER_ADDRESS"] = "100000"  # every customer comes from 127.0.0.1
    env["SALESBOT_SERVICES__RECOVERY_INTERVAL_SECONDS"] = "5"
    return env
