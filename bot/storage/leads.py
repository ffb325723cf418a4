"""The leads table: one lead per conversation, which only ever grows, and its board stage."""

from __future__ import annotations

import json

from sqlalchemy import Update, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.lead import Lead
from bot.model import ConversationKey
from bot.records import STAGES, LeadRecord
from bot.session import lead_from_json, lead_to_json
from bot.storage.dialects import insert_for
from bot.storage.tables import LeadRow, utcnow


class LeadTable:
    """The lead methods of `SqlStorage` (a mixin: it lends the session maker and dialect)."""

    _sessions: async_sessionmaker[AsyncSession]

    @property
    def dialect(self) -> str:
        raise NotImplementedError

    async def save_lead(self, key: ConversationKey, lead: Lead) -> LeadRecord:
        """Insert or update the conversation's lead; the stage is kept, and fields the new
        state leaves empty keep their stored values.

        One transaction under the row's lock: two holders saving at once (a lock lost to a
        stall) are applied one after the other, each merged over what the other stored, so
        neither drops a field only the other knew. Saving an unchanged lead leaves
        `updated_at` alone, so the CRM outbox sees the same state and does not enqueue it again.
        """
        now = utcnow()
        # Creating the row first (a no-op when it exists) gives every saver a row to lock: on
        # PostgreSQL a racing insert waits for the first one's commit; on SQLite the write
        # statement takes the database's write lock for the rest of the transaction.
        create = insert_for(self.dialect, LeadRow).values(
            key=key.as_str(), data=_dump(lead), score=lead.score, hot=lead.hot,
            stage=STAGES[0], created_at=now, updated_at=now,
        ).on_conflict_do_nothing(index_elements=[LeadRow.key])
        async with self._sessions.begin() as session:
            await session.execute(create)
            locked = select(LeadRow).where(LeadRow.key == key.as_str()).with_for_update()
            row = (await session.scalars(locked)).one()
            # Never overwrite a field with nothing (a session lost with its process).
            merged = _dump(lead.filled_from(lead_from_json(json.loads(row.data))))
            if merged != row.data:
                row.data, row.score, row.hot, row.updated_at = merged, lead.score, lead.hot, now
        return _record(row)

    async def get_lead(self, lead_id: int) -> LeadRecord | None:
        """The lead with this id, or None."""
        async with self._sessions() as session:
            row = await session.get(LeadRow, lead_id)
        return _record(row) if row is not None else None

    async def lead_for(self, key: ConversationKey) -> LeadRecord | None:
        """The conversation's lead, or None before the first `save_lead`."""
        async with self._sessions() as session:
            row = await session.scalar(select(LeadRow).where(LeadRow.key == key.as_str()))
        return _record(row) if row is not None else None

    async def list_leads(self, limit: int = 200) -> list[LeadRecord]:
        """Leads, most recently updated first."""
        query = select(LeadRow).order_by(LeadRow.updated_at.desc(), LeadRow.id.desc()).limit(limit)
        async with self._sessions() as session:
            rows = (await session.scalars(query)).all()
        return [_record(row) for row in rows]

    async def set_stage(self, lead_id: int, stage: str) -> LeadRecord:
        """Move a lead to `stage` (one of `STAGES`); KeyError if there is no such lead."""
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")
        change = (
            update(LeadRow)
            .where(LeadRow.id == lead_id, LeadRow.stage != stage)
            .values(stage=stage, updated_at=utcnow())
        )
        async with self._sessions.begin() as session:
            await session.execute(change)
            row = await session.get(LeadRow, lead_id)
        if row is None:
            raise KeyError(f"no lead with id {lead_id}")
        return _record(row)

    async def set_owner(self, lead_id: int, owner: str) -> LeadRecord:
        """Give the lead to the sales rep `owner`; a new owner is a new state for the CRM."""
        change = (
            update(LeadRow)
            .where(LeadRow.id == lead_id, (LeadRow.owner != owner) | LeadRow.owner.is_(None))
            .values(owner=owner, updated_at=utcnow())
        )
        return await self._change(lead_id, change)

    async def set_taken_over(self, lead_id: int, person: str | None) -> LeadRecord:
        """A person answers the lead's customer instead of the bot (None: the bot again)."""
        return await self._change(lead_id, update(LeadRow).where(LeadRow.id == lead_id).values(taken_over_by=person))

    async def _change(self, lead_id: int, change: Update) -> LeadRecord:
        async with self._sessions.begin() as session:
            await session.execute(change.execution_options(synchronize_session=False))
            row = await session.get(LeadRow, lead_id, populate_existing=True)
        if row is None:
            raise KeyError(f"no lead with id {lead_id}")
        return _record(row)


def _dump(lead: Lead) -> str:
    # sort_keys: equal leads give equal text, which `save_lead` compares to skip no-op updates.
    return json.dumps(lead_to_json(lead), ensure_ascii=False, sort_keys=True)


def _record(row: LeadRow) -> LeadRecord:
    return LeadRecord(
        id=row.id,
        key=ConversationKey.parse(row.key),
        lead=lead_from_json(json.loads(row.data)),
        stage=row.stage,
        created_at=row.created_at,
        updated_at=row.updated_at,
        owner=row.owner,
        taken_over_by=row.taken_over_by,
    )
