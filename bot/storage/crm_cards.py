"""What an external CRM sink keeps in SQL: each lead's card, its own moves, effects done once.

The card id is stored the moment the CRM gives it, so later states of the lead
update that card, after a restart too. Moves the sink makes are noted before it
makes them: the CRM's webhook about such a move is an echo, and nobody hears of
it twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, delete, select, update

from bot.storage.crm_tables import CrmCardRow, CrmMarkRow, CrmMoveRow
from bot.storage.dialects import insert_for
from bot.storage.sql import SqlStorage

# An echo the CRM never sent (a lost webhook) must not swallow a person's move forever.
ECHO_TTL = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class CardRef:
    """A lead's card: its id in the CRM, the list and stage salesbot last knew it in, the lead state
    it shows, its link."""

    lead_id: int
    card_id: str
    list_id: str | None
    stage: str | None
    lead_updated_at: datetime | None
    url: str | None


class CrmCards:
    """Card ids, expected echoes and once-only marks of one sink (`sink` names it: "trello")."""

    def __init__(self, storage: SqlStorage, sink: str) -> None:
        self._storage = storage
        self._sink = sink

    async def card_of(self, lead_id: int) -> CardRef | None:
        query = select(CrmCardRow).where(CrmCardRow.sink == self._sink, CrmCardRow.lead_id == lead_id)
        return await self._one(query)

    async def by_card(self, card_id: str) -> CardRef | None:
        query = select(CrmCardRow).where(CrmCardRow.sink == self._sink, CrmCardRow.card_id == card_id)
        return await self._one(query)

    async def _one(self, query: Select[CrmCardRow]) -> CardRef | None:
        async with self._storage.sessions() as session:
            row = (await session.scalars(query)).first()
        if row is None:
            return None
        return CardRef(row.lead_id, row.card_id, row.list_id, row.stage, row.lead_updated_at, row.url)

    async def remember(self, ref: CardRef) -> None:
        """Store (or replace) the lead's card as it is now."""
        now = datetime.now(UTC)
        values = {"sink": self._sink, "lead_id": ref.lead_id, "card_id": ref.card_id, "list_id": ref.list_id,
                  "stage": ref.stage, "lead_updated_at": ref.lead_updated_at, "url": ref.url,
                  "created_at": now, "updated_at": now}
        insert = insert_for(self._storage.dialect, CrmCardRow).values(**values)
        upsert = insert.on_conflict_do_update(
            index_elements=[CrmCardRow.sink, CrmCardRow.lead_id],
            set_={name: insert.excluded[name] for name in values if name not in ("sink", "lead_id", "created_at")},
        )
        async with self._storage.sessions.begin() as session:
            await session.execute(upsert)

    async def moved(self, lead_id: int, list_id: str, stage: str | None, lead_updated_at: datetime | None) -> None:
        """A person moved the card to `list_id`; `stage` is what that list stands for (None: a list
        salesbot has no stage for, the card keeps its stage), `lead_updated_at` the lead state it makes."""
        values: dict[str, object] = {"list_id": list_id, "updated_at": datetime.now(UTC)}
        if stage is not None:
            values["stage"] = stage
        if lead_updated_at is not None:
            values["lead_updated_at"] = lead_updated_at
        change = (
            update(CrmCardRow)
            .where(CrmCardRow.sink == self._sink, CrmCardRow.lead_id == lead_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        async with self._storage.sessions.begin() as session:
            await session.execute(change)

    async def expect_move(self, card_id: str, list_id: str) -> None:
        """Salesbot is about to move the card to `list_id`: the webhook about it will be an echo."""
        row = CrmMoveRow(sink=self._sink, card_id=card_id, list_id=list_id, created_at=datetime.now(UTC))
        async with self._storage.sessions.begin() as session:
            session.add(row)

    async def take_echo(self, card_id: str, list_id: str) -> bool:
        """True (and forgotten) when a move to `list_id` was salesbot's own, made within `ECHO_TTL`."""
        now = datetime.now(UTC)
        mine = (CrmMoveRow.sink == self._sink, CrmMoveRow.card_id == card_id, CrmMoveRow.list_id == list_id)
        async with self._storage.sessions.begin() as session:
            await session.execute(delete(CrmMoveRow).where(CrmMoveRow.created_at < now - ECHO_TTL))
            oldest = await session.scalar(select(CrmMoveRow.id).where(*mine).order_by(CrmMoveRow.id).limit(1))
            if oldest is None:
                return False
            await session.execute(delete(CrmMoveRow).where(CrmMoveRow.id == oldest))
        return True

    async def done(self, key: str) -> bool:
        """Whether the effect `key` (a comment) was made already."""
        query = select(CrmMarkRow.key).where(CrmMarkRow.sink == self._sink, CrmMarkRow.key == _short(key))
        async with self._storage.sessions() as session:
            return await session.scalar(query) is not None

    async def mark(self, key: str) -> None:
        """Note that the effect `key` was made."""
        insert = insert_for(self._storage.dialect, CrmMarkRow).values(
            sink=self._sink, key=_short(key), created_at=datetime.now(UTC)
        )
        async with self._storage.sessions.begin() as session:
            await session.execute(insert.on_conflict_do_nothing(index_elements=[CrmMarkRow.sink, CrmMarkRow.key]))


def _short(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
