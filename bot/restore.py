"""A conversation's session, completed from durable storage.

The session store is a cache: in-process by default, so a restart empties it, and
Redis evicts and expires. What a sales team cannot lose lives in SQL: the lead and
the transcript. A session is therefore merged with them before every turn: the lead
takes every field the stored lead has and the session lacks, and an empty history is
rebuilt from the transcript, so a restart costs the conversation nothing it said.
"""

from __future__ import annotations

from bot.model import InboundMessage
from bot.ports import SessionStore, Storage
from bot.session import MAX_HISTORY, Session, Turn

_ROLES = {"in": "customer", "out": "bot"}


async def restored_session(sessions: SessionStore, storage: Storage, message: InboundMessage) -> Session:
    """The session to answer `message` in: the cached one, completed from storage."""
    key = message.key
    session = await sessions.load(key)
    stored = await storage.lead_for(key)
    if stored is not None:
        session.lead = session.lead.filled_from(stored.lead)
        # Who answers is decided in storage (a person took the conversation over, or handed it
        # back), never by a cached session that outlived the change or was lost with its process.
        session.handoff = stored.taken_over_by is not None
    if not session.history:
        lines = await storage.transcript(key)
        # Only what came before this message: it is added by the turn itself.
        before = next(
            (i for i, line in enumerate(lines) if line.direction == "in" and line.message_id == message.message_id),
            len(lines),
        )
        session.history = [Turn(_ROLES[line.direction], line.text, line.at) for line in lines[:before]][-MAX_HISTORY:]
    return session
