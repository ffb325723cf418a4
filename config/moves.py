"""Moving a lead to another stage, as a person on a board does (salesbot's /board or Trello)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog

from bot.records import LeadRecord
from bot.status import announce_stage
from config.wiring import Runtime

log = structlog.get_logger(__name__)

Moved = Callable[[LeadRecord], Awaitable[None]]


async def move_lead(
    runtime: Runtime, lead_id: int, stage: str, *, tell: bool = True, moved: Moved | None = None
) -> bool:
    """Store the move, run `moved` (what the board that moved it must know first), tell the customer
    on their channel when `tell`, and queue the new state for the CRM. Returns whether the customer
    was told. A failed notification does not undo the move or skip the CRM: the line is in the
    transcript either way, and the web chat replays it."""
    record = await runtime.storage.set_stage(lead_id, stage)
    if moved is not None:
        await moved(record)
    told = await _tell(runtime, record) if tell else False
    await runtime.crm_outbox.enqueue(record)
    log.info("lead.stage_changed", lead_id=lead_id, stage=stage, told=told)
    return told


async def _tell(runtime: Runtime, record: LeadRecord) -> bool:
    try:
        session = await runtime.sessions.load(record.key)
        language = session.language or runtime.settings.default_language
        await announce_stage(record, runtime.bot.outbox, runtime.storage, language)
    except Exception:
        log.exception("lead.announce_failed", lead_id=record.id, stage=record.stage, channel=record.key.channel)
        return False
    return True
