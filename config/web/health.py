"""/healthz (the process is alive) and /readyz (every configured dependency answers)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: answers while the event loop runs."""
    return {"status": "ok"}


async def _check(name: str, probe: Any) -> tuple[str, str]:
    try:
        await asyncio.wait_for(probe(), timeout=3)
    except Exception as exc:  # any failure means "not ready"; say which and why
        return name, f"error: {type(exc).__name__}: {exc}"[:200]
    return name, "ok"


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Readiness: sessions (Redis when configured), the database, the knowledge base.

    Each channel's platform is reported under "channels" but does not decide readiness: an
    outage at Telegram must not take this process out of rotation for every other channel.
    """
    runtime = request.app.state.runtime

    async def kb() -> None:
        await runtime.kb.retriever.search("ping", 1)

    checks = dict(
        await asyncio.gather(
            _check("sessions", runtime.sessions.ping),
            _check("database", runtime.storage.ping),
            _check("knowledge_base", kb),
        )
    )
    ready = all(v == "ok" for v in checks.values())
    channels = dict(await asyncio.gather(*(_check(c.name, c.check) for c in request.app.state.channels)))
    body = {"ready": ready, "checks": checks, "channels": channels}
    return JSONResponse(body, status_code=200 if ready else 503)
