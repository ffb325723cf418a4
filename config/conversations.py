"""`salesbot ask` and `salesbot converse`: the same pipeline `serve` runs, driven from files."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from bot.lead import Lead
from bot.model import ConversationKey, InboundMessage, OutboundMessage
from config.settings import Settings
from config.wiring import build_runtime

Emit = Callable[[dict[str, Any]], None]


class PrintedReplies:
    """The command line as a channel (implements `Outbox`): its replies are printed from what
    handling returns, so sending, typing and drafts have nowhere to go."""

    async def send(self, key: ConversationKey, message: OutboundMessage, *, idempotency_key: str) -> None:
        return None

    async def typing(self, key: ConversationKey) -> None:
        return None

    async def draft(self, key: ConversationKey, draft_id: str, text: str) -> None:
        return None


def lead_json(lead: Lead) -> dict[str, Any]:
    """The lead as the evaluation contract prints it, plus why it scored what it did."""
    return {
        "name": lead.name, "email": lead.email, "phone": lead.phone, "company": lead.company,
        "skus": list(lead.skus), "quantity": lead.quantity, "score": lead.score, "hot": lead.hot,
        "reasons": list(lead.reasons),
    }


async def ask_all(settings: Settings, rows: list[dict[str, Any]], emit: Emit) -> None:
    """Each question in a fresh conversation."""
    runtime = await build_runtime(settings, PrintedReplies())
    run = uuid.uuid4().hex[:8]  # the data dir persists: ids must not collide with earlier runs
    try:
        for row in rows:
            cid = f"{row['id']}-{run}"
            key = ConversationKey("cli", "ask", cid, cid)
            handled = await runtime.bot.handle(InboundMessage(key, f"{cid}:1", str(row.get("question", ""))))
            sources = list(handled.reply.sources) if handled.reply else []
            emit({"id": row["id"], "answer": "\n".join(r.text for r in handled.replies), "sources": sources})
    finally:
        await runtime.close()


async def converse_all(settings: Settings, rows: list[dict[str, Any]], emit: Emit) -> None:
    """Replay each conversation's customer turns; one output line per conversation."""
    runtime = await build_runtime(settings, PrintedReplies())
    run = uuid.uuid4().hex[:8]
    try:
        for row in rows:
            cid = f"{row['id']}-{run}"
            key = ConversationKey(str(row.get("channel") or "web"), "cli", cid, cid)
            replies = []
            for number, turn in enumerate(row["turns"], start=1):
                handled = await runtime.bot.handle(InboundMessage(key, f"{cid}:{number}", str(turn)))
                replies.append("\n".join(r.text for r in handled.replies))
            record = await runtime.storage.lead_for(key)
            emit({"id": row["id"], "replies": replies, "lead": lead_json(record.lead if record else Lead())})
    finally:
        await runtime.close()
