"""`salesbot serve`'s application as a whole: operations endpoints and recovery after a crash."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from fastapi.testclient import TestClient

from bot.model import ConversationKey, InboundMessage
from bot.storage import SqlStorage
from config.settings import DEMO_KB
from config.web.app import create_app
from tests.conftest import embedded_settings

ORIGIN = {"origin": "http://testserver"}


def _store_unanswered(data_dir: Path, visitor: str, text: str) -> None:
    """What a process that died between ingress and worker leaves behind."""

    async def store() -> None:
        storage = await SqlStorage.connect(f"sqlite+aiosqlite:///{(data_dir / 'salesbot.db').resolve()}")
        await storage.migrate()
        key = ConversationKey("webchat", "site", visitor, visitor)
        assert await storage.record_inbound(InboundMessage(key, f"{visitor}:c1", text))
        await storage.close()

    asyncio.run(store())


def _replayed(client: TestClient, visitor: str, wanted: int) -> list[dict[str, object]]:
    """Frames replayed to a fresh socket, reconnecting until `wanted` stored lines are there."""
    for _ in range(60):
        with client.websocket_connect(f"/webchat/ws?visitor={visitor}&last_seq=0", headers=ORIGIN) as ws:
            frames = []
            while (frame := json.loads(ws.receive_text()))["type"] != "ready":
                frames.append(frame)
        if len(frames) >= wanted:
            return frames
        asyncio.run(asyncio.sleep(0.25))
    return frames


def test_a_message_stored_before_a_crash_is_answered_after_restart(data_dir: Path) -> None:
    visitor = "crashvisitor01"
    _store_unanswered(data_dir, visitor, "How much are 24 Panel Slim 60x60?")

    with TestClient(create_app(embedded_settings(data_dir, kb_dir=DEMO_KB))) as client:
        frames = _replayed(client, visitor, wanted=2)

    assert [f["direction"] for f in frames[:2]] == ["in", "out"]
    assert "2,029.20" in str(frames[1]["text"])  # 24 × 89.00 less 5 %


def test_operations_endpoints(data_dir: Path) -> None:
    with TestClient(create_app(embedded_settings(data_dir, kb_dir=DEMO_KB))) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"sessions": "ok", "database": "ok", "knowledge_base": "ok"}

        with client.websocket_connect("/webchat/ws?visitor=metricsvisitor&last_seq=0", headers=ORIGIN) as ws:
            ws.send_text(json.dumps({"type": "message", "id": "m1", "text": "Hello"}))
            while json.loads(ws.receive_text()).get("direction") != "out":
                pass
        metrics = client.get("/metrics").text
        assert 'salesbot_messages_in_total{channel="webchat"}' in metrics
        assert "salesbot_reply_latency_seconds_bucket" in metrics
        assert 'salesbot_leads{band="cold"}' in metrics

        paths = client.get("/openapi.json").json()["paths"]
        assert {"/healthz", "/readyz", "/metrics"} <= set(paths)
        assert client.get("/docs").status_code == 200
        assert client.get("/", follow_redirects=False).headers["location"] == "/webchat/demo"
