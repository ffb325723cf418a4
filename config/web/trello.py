"""Trello's webhook: `HEAD|POST /crm/trello/webhook`.

HEAD answers 200: Trello checks that before it registers a webhook. A POST is
verified against `X-Trello-Webhook` (forged or unsigned: 403), parsed (not a
webhook request: 400), and a card a person moved to another stage's list moves
the lead; when that stage is customer-visible, the customer is told on their
channel. Moves salesbot made itself (its own CRM writes) and repeats of a move
already known change nothing and tell nobody.
"""

from __future__ import annotations

from typing import cast

import structlog
from fastapi import APIRouter, Request, Response

from bot.crm.trello import CardMove, MalformedWebhook, card_move, verified
from bot.records import LeadRecord
from config.moves import move_lead
from config.trello import WEBHOOK_PATH, TrelloCrm
from config.wiring import Runtime

log = structlog.get_logger(__name__)

router = APIRouter(include_in_schema=False)
_BODY_LIMIT = 512 * 1024  # bytes; Trello's actions are a few kilobytes


def _trello(request: Request) -> tuple[Runtime, TrelloCrm] | None:
    runtime = cast("Runtime | None", getattr(request.app.state, "runtime", None))
    if runtime is None or runtime.trello is None:
        return None
    return runtime, runtime.trello


@router.head(WEBHOOK_PATH)
async def registration_check() -> Response:
    return Response(status_code=200)


@router.post(WEBHOOK_PATH)
async def webhook(request: Request) -> Response:
    found = _trello(request)
    if found is None:
        return Response("Trello is not configured", status_code=404)
    runtime, crm = found
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > _BODY_LIMIT:
            return Response("too large", status_code=413)
    client = request.client.host if request.client else "?"
    if crm.callback_url is None or not verified(body, crm.callback_url, crm.secret,
                                                request.headers.get("X-Trello-Webhook")):
        log.warning("trello.webhook_refused", client=client, reason="signature")
        return Response("bad signature", status_code=403)
    try:
        move = card_move(body)
    except MalformedWebhook as exc:
        log.warning("trello.webhook_malformed", client=client, reason=str(exc))
        return Response("not a Trello webhook request", status_code=400)
    if move is not None:
        try:
            outcome = await card_moved(runtime, crm, move)
        except Exception:
            # Trello retries what is not answered 2xx: the move is tried again, not lost.
            log.exception("trello.move_failed", action=move.action_id)
            return Response("try again", status_code=503)
        log.info("trello.card_moved", action=move.action_id, outcome=outcome)
    return Response(status_code=200)


async def card_moved(runtime: Runtime, crm: TrelloCrm, move: CardMove) -> str:
    """Apply a card move to its lead; returns what came of it (for the log)."""
    cards = crm.sink.cards
    ref = await cards.by_card(move.card_id)
    if ref is None:
        return "not a lead's card"
    if await cards.take_echo(move.card_id, move.list_id):
        return "salesbot's own move"
    stage = await crm.sink.stage_of(move.list_id, move.list_name)
    record = await runtime.storage.get_lead(ref.lead_id)
    if record is None:
        return "lead gone"
    if stage is None or stage == record.stage:
        await cards.moved(ref.lead_id, move.list_id, None, None)
        return "no stage change"

    async def remember(moved: LeadRecord) -> None:
        # Before the new state is queued: the sink must not move the card back to the old list.
        await cards.moved(moved.id, move.list_id, stage, moved.updated_at)

    told = await move_lead(runtime, ref.lead_id, stage, tell=stage in crm.customer_visible, moved=remember)
    return f"moved to {stage}" + (", customer told" if told else "")
