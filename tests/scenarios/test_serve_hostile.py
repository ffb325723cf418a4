"""`salesbot serve` as an operator runs it, probed as an attacker would: logs, limits, files, ids.

One real server process (SQLite, the embedded defaults) for the module. Its database is
given a trigger that refuses any lead holding an email, so a customer's turn fails in a
real database write, the case that used to print the statement's parameters.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sqlite3
import stat
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin

from bot.storage import SqlStorage
from tests.scenarios.crowd import Server, server_env

pytestmark = pytest.mark.asyncio(loop_scope="module")
TOKEN = "hostile-test-board-token-0123456789"
EMAIL, PHONE, PLACE = "jane.secret@acme.example", "+1 415 555 0199", "warehouse in Springfield"
ORIGIN = Origin("http://127.0.0.1")


@dataclass
class Served:
    server: Server
    data_dir: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def log(self) -> str:
        return self.server.log.read_text(encoding="utf-8", errors="replace")


async def refuse_leads_with_an_email(database: Path) -> None:
    storage = await SqlStorage.connect(f"sqlite+aiosqlite:///{database}")
    await storage.migrate()
    await storage.close()
    with sqlite3.connect(database) as db:
        for event in ("INSERT", "UPDATE"):
            db.execute(
                f"CREATE TRIGGER refuse_{event.lower()} BEFORE {event} ON leads WHEN NEW.data LIKE '%@%' "
                "BEGIN SELECT RAISE(ABORT, 'disk quota exceeded'); END"
            )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def served(demo_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Served]:
    import shutil

    root = tmp_path_factory.mktemp("hostile")
    data_dir = root / "data"
    shutil.copytree(demo_data_dir, data_dir)
    os.chmod(data_dir, 0o755)  # as an older version left it
    await refuse_leads_with_an_email(data_dir / "salesbot.db")
    os.chmod(data_dir / "salesbot.db", 0o644)
    env = server_env(SALESBOT_BOARD_TOKEN=TOKEN)
    server = Server(data_dir, env, root / "serve.log")
    await server.start()
    try:
        yield Served(server, data_dir)
    finally:
        await server.stop()


async def converse(served: Served, visitor: str, texts: list[str]) -> list[dict[str, object]]:
    """Send `texts`, each after the previous one's reply; returns the first reply frame to each."""
    url = served.server.ws_url + f"?visitor={visitor}&last_seq=0"
    replies: list[dict[str, object]] = []
    async with connect(url, origin=ORIGIN) as ws:
        for n, text in enumerate(texts):
            await ws.send(json.dumps({"type": "message", "id": f"m{n}", "text": text}))
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if frame["type"] == "message" and frame["id"] == f"{visitor}:m{n}#r0":
                    replies.append(frame)
                    break
    return replies


async def test_logs_of_a_whole_conversation_hold_no_customer_text_or_contact(served: Served) -> None:
    replies = await converse(
        served, "hostile-logs-01", ["I'm Jane Doe", f"My email is {EMAIL}", f"Call me at {PHONE}", f"Our {PLACE}"]
    )
    assert "wrong" in str(replies[1]["text"])  # the lead write really failed: an apology
    log = served.log()
    assert "disk quota exceeded" in log  # ... and was logged
    for secret in (EMAIL, PHONE, PHONE.replace(" ", ""), "Jane Doe", PLACE):
        assert secret not in log


async def test_a_newline_in_a_frame_cannot_forge_a_log_line(served: Served) -> None:
    url = served.server.ws_url + "?visitor=hostile-forge-01&last_seq=0"
    async with connect(url, origin=ORIGIN) as ws:
        await ws.send(json.dumps({"type": "x\nERROR forged: admin logged in", "id": "m1"}))
        frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
        while frame["type"] != "error":
            frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
    await asyncio.sleep(0.2)
    assert not any(line.startswith("ERROR forged") for line in served.log().splitlines())


async def test_invalid_utf8_closes_the_socket_without_a_traceback(served: Served) -> None:
    before = len(served.log())
    url = served.server.ws_url + "?visitor=hostile-utf8-01&last_seq=0"
    async with connect(url, origin=ORIGIN) as ws:
        await ws.send(b'{"type": "message", "id": "m1", "text": "\xff\xfe"}', text=True)
        with pytest.raises(ConnectionClosed):
            while True:
                await asyncio.wait_for(ws.recv(), 5)
    await asyncio.sleep(0.3)
    assert "Traceback" not in served.log()[before:]


def raw_request(port: int, head: bytes) -> bytes:
    """Send a request head; what the server answers within 5 s (b"" if it closed first)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        try:
            conn.sendall(head)
            return conn.recv(200)
        except (ConnectionResetError, BrokenPipeError):
            return b"closed"


async def test_an_oversized_request_head_is_refused_and_a_long_url_answered_not_hung(served: Served) -> None:
    port = served.server.port
    upgrade = (
        b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://127.0.0.1\r\n"
    )
    long_query = b"GET /webchat/ws?visitor=hostile-url-01&last_seq=0&x=" + b"a" * 16384 + b" HTTP/1.1\r\n"
    answer = await asyncio.to_thread(raw_request, port, long_query + b"Host: x\r\n" + upgrade + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 414")
    many = b"".join(b"X-Filler-%d: %s\r\n" % (n, b"a" * 200) for n in range(200))
    answer = await asyncio.to_thread(raw_request, port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 431")
    huge = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Huge: " + b"a" * (8 * 1024 * 1024) + b"\r\n\r\n"
    answer = await asyncio.to_thread(raw_request, port, huge)
    assert not answer.startswith(b"HTTP/1.1 200")


async def test_the_data_dir_and_its_database_and_token_files_are_private(served: Served) -> None:
    await converse(served, "hostile-files-01", ["Hello"])  # the WAL files exist now
    assert stat.S_IMODE(served.data_dir.stat().st_mode) == 0o700
    for name in ("salesbot.db", "salesbot.db-wal", "salesbot.db-shm", "board_token"):
        path = served.data_dir / name
        if name != "board_token" or path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, name


async def test_ids_out_of_range_or_not_ascii_get_4xx_not_500(served: Served) -> None:
    async with httpx.AsyncClient(base_url=served.base) as client:
        await client.post("/board/login", data={"token": TOKEN})
        for lead_id in ("9223372036854775808", "2147483648", "%C2%B2", "-1", "1e3"):
            response = await client.get(f"/board/leads/{lead_id}")
            assert response.status_code == 404, lead_id
            response = await client.post(f"/board/leads/{lead_id}/stage", data={"stage": "won", "csrf": "x"})
            assert 400 <= response.status_code < 500, lead_id
    for last_seq in ("%C2%B2", "%EF%BC%91", "99999999999999999999"):
        with pytest.raises(InvalidStatus) as refused:
            async with connect(served.server.ws_url + f"?visitor=hostile-seq-01&last_seq={last_seq}", origin=ORIGIN):
                pass
        assert refused.value.response.status_code == 403
