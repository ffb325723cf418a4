"""What the LLM cost each conversation, in SQL beside the transcript (implements `SpendBook`)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import select

from bot.model import ConversationKey
from bot.records import Spend
from bot.storage.dialects import insert_for
from bot.storage.sql import SqlStorage
from bot.storage.tables import SpendRow, utcnow

PICO = Decimal(10) ** 12  # picodollars in a dollar: the stored unit of cost
_SUMMED = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "cost_picodollars")


def picodollars(usd: Decimal) -> int:
    """A cost in dollars as whole picodollars (exact for prices with up to six decimals)."""
    return int((usd * PICO).to_integral_value(ROUND_HALF_EVEN))


class SqlSpendBook:
    """Per-conversation, per-model totals of tokens and cost, added to by one upsert each."""

    def __init__(self, storage: SqlStorage) -> None:
        self._sessions = storage.sessions
        self._dialect = storage.dialect

    async def add(self, key: ConversationKey, spend: Spend) -> None:
        """Add one request's tokens and cost; the database does the sum, so racing adds all count."""
        now = utcnow()
        insert = insert_for(self._dialect, SpendRow).values(
            conversation_key=key.as_str(), model=spend.model,
            input_tokens=spend.input, output_tokens=spend.output,
            cache_read_tokens=spend.cache_read, cache_write_tokens=spend.cache_write,
            cost_picodollars=picodollars(spend.cost), created_at=now, updated_at=now,
        )
        summed = {name: getattr(SpendRow, name) + getattr(insert.excluded, name) for name in _SUMMED}
        upsert = insert.on_conflict_do_update(
            index_elements=["conversation_key", "model"], set_={**summed, "updated_at": now}
        )
        async with self._sessions.begin() as session:
            await session.execute(upsert)

    async def spent(self, key: ConversationKey) -> list[Spend]:
        """The conversation's totals per model, by model name."""
        query = select(SpendRow).where(SpendRow.conversation_key == key.as_str()).order_by(SpendRow.model)
        async with self._sessions() as session:
            rows = (await session.scalars(query)).all()
        return [
            Spend(row.model, row.input_tokens, row.output_tokens, row.cache_read_tokens, row.cache_write_tokens,
                  Decimal(row.cost_picodollars) / PICO)
            for row in rows
        ]
