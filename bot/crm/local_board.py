"""The local board: the default CRM, a card per lead in SQL for the dashboard's board page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from bot.events import LeadEvent
from bot.records import STAGES, LeadRecord
from bot.storage.dialects import insert_for
from bot.storage.sql import SqlStorage
from bot.storage.tables import BoardCardRow


@dataclass(frozen=True, slots=True)
class BoardCard:
    """One card as the board page shows it; `stage` is the list it sits in."""

    lead_id: int
    stage: str
    title: str
    score: int
    hot: bool
    synced_at: datetime


def card_title(record: LeadRecord) -> str:
    """A card title: who, which company, what, e.g. "Jane Doe — Harbor Foods — NW-P6060 ×1"."""
    lead = record.lead
    parts = [lead.name or lead.email or lead.phone or f"Lead #{record.id}"]
    if lead.company:
        parts.append(lead.company)
    if lead.skus:
        wanted = ", ".join(lead.skus)
        parts.append(f"{wanted} ×{lead.quantity}" if lead.quantity else wanted)
    return " — ".join(parts)


class LocalBoard:
    """`CRMSink` writing cards to the `board_cards` table of the storage database.

    `sync` is idempotent and ignores states older than the card already shows,
    so a retried or late delivery never moves a card backwards.
    """

    def __init__(self, storage: SqlStorage) -> None:
        self._storage = storage

    async def sync(self, record: LeadRecord) -> None:
        values = {
            "lead_id": record.id,
            "stage": record.stage,
            "title": card_title(record),
            "score": record.lead.score,
            "hot": record.lead.hot,
            "lead_updated_at": record.updated_at,
            "synced_at": datetime.now(UTC),
        }
        insert = insert_for(self._storage.dialect, BoardCardRow).values(**values)
        upsert = insert.on_conflict_do_update(
            index_elements=[BoardCardRow.lead_id],
            set_={name: insert.excluded[name] for name in values if name != "lead_id"},
            where=BoardCardRow.lead_updated_at <= insert.excluded.lead_updated_at,
        )
        async with self._storage.sessions.begin() as session:
            await session.execute(upsert)

    async def note(self, record: LeadRecord, event: LeadEvent) -> None:
        """Nothing to add: the local board's lead page shows the whole transcript, moments included."""

    async def cards(self) -> dict[str, list[BoardCard]]:
        """The board: every stage's list of cards, hottest and highest-scoring first."""
        query = select(BoardCardRow).order_by(
            BoardCardRow.hot.desc(), BoardCardRow.score.desc(), BoardCardRow.lead_id
        )
        async with self._storage.sessions() as session:
            rows = (await session.scalars(query)).all()
        board: dict[str, list[BoardCard]] = {stage: [] for stage in STAGES}
        for row in rows:
            card = BoardCard(row.lead_id, row.stage, row.title, row.score, row.hot, row.synced_at)
            board.setdefault(row.stage, []).append(card)
        return board
