"""Finding customer messages that were stored but never answered.

Ingress stores a message before queueing it; if the process dies before the
worker answers, the in-process queue forgets it. At start-up these are queued
again, so a crash delays an answer but never drops it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select

from bot.model import ConversationKey, InboundMessage
from bot.storage.sql import SqlStorage
from bot.storage.tables import MessageRow


async def unanswered(storage: SqlStorage, since: datetime, limit: int = 1000) -> list[InboundMessage]:
    """Inbound messages newer than `since` with no reply after them, oldest first per conversation."""
    last_reply = (
        select(MessageRow.conversation_key, func.max(MessageRow.seq).label("seq"))
        .where(MessageRow.direction == "out")
        .group_by(MessageRow.conversation_key)
        .subquery()
    )
    query = (
        select(MessageRow)
        .outerjoin(last_reply, last_reply.c.conversation_key == MessageRow.conversation_key)
        .where(
            MessageRow.direction == "in",
            MessageRow.created_at >= since,
            or_(last_reply.c.seq.is_(None), MessageRow.seq > last_reply.c.seq),
        )
        .order_by(MessageRow.created_at, MessageRow.seq)
        .limit(limit)
    )
    async with storage.sessions() as session:
        rows = (await session.scalars(query)).all()
    return [
        InboundMessage(ConversationKey.parse(r.conversation_key), r.message_id, r.text, received_at=r.created_at)
        for r in rows
    ]
