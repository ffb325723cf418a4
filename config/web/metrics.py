"""/metrics in the Prometheus text format."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.metrics import LEADS, score_band
from bot.records import LeadRecord

router = APIRouter(tags=["operations"])


@router.get("/metrics")
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


class LeadBands:
    """Keeps the leads-by-score-band gauge current (a lead listener)."""

    def __init__(self) -> None:
        self._bands: dict[int, str] = {}

    async def enqueue(self, record: LeadRecord) -> None:
        self._bands[record.id] = score_band(record.lead.score)
        for band in ("cold", "warm", "hot"):
            LEADS.labels(band).set(sum(b == band for b in self._bands.values()))
