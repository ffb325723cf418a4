"""The channel ledger as channels see it, bound once start-up opened the database.

Channels are built before start-up (their routes must exist by then) but the
database is opened in the lifespan; this handle stands in until `bind`.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.model import ConversationKey, InboundMessage
from bot.ports import ChannelLedger
from bot.records import Claim, Delivery


class LedgerHandle:
    """Implements `ChannelLedger` by delegating to the ledger bound at start-up."""

    def __init__(self) -> None:
        self._ledger: ChannelLedger | None = None

    def bind(self, ledger: ChannelLedger) -> None:
        self._ledger = ledger

    @property
    def ledger(self) -> ChannelLedger:
        if self._ledger is None:
            raise RuntimeError("salesbot is still starting")
        return self._ledger

    async def keep(self, message: InboundMessage, raw: bytes, disposition: str = "dialogue") -> bool:
        return await self.ledger.keep(message, raw, disposition)

    async def latest_raw(self, key: ConversationKey) -> bytes | None:
        return await self.ledger.latest_raw(key)

    async def conversation_of(self, channel: str, external_ids: Sequence[str]) -> ConversationKey | None:
        return await self.ledger.conversation_of(channel, external_ids)

    async def delivered(self, channel: str, message_id: str) -> Delivery | None:
        return await self.ledger.delivered(channel, message_id)

    async def claim(self, key: ConversationKey, message_id: str, holder: str, lease: float) -> Claim:
        return await self.ledger.claim(key, message_id, holder, lease)

    async def release(self, channel: str, message_id: str, holder: str) -> None:
        await self.ledger.release(channel, message_id, holder)

    async def record_delivery(self, key: ConversationKey, message_id: str, external_id: str, status: str) -> None:
        await self.ledger.record_delivery(key, message_id, external_id, status)

    async def record_status(
        self, channel: str, external_id: str, status: str, error: str | None = None
    ) -> Delivery | None:
        return await self.ledger.record_status(channel, external_id, status, error)

    async def block(self, key: ConversationKey, reason: str) -> None:
        await self.ledger.block(key, reason)

    async def unblock(self, key: ConversationKey) -> None:
        await self.ledger.unblock(key)

    async def blocked(self, key: ConversationKey) -> str | None:
        return await self.ledger.blocked(key)

    async def position(self, channel: str, name: str) -> str | None:
        return await self.ledger.position(channel, name)

    async def set_position(self, channel: str, name: str, value: str) -> None:
        await self.ledger.set_position(channel, name, value)

    async def positions(self, channel: str, prefix: str) -> dict[str, str]:
        return await self.ledger.positions(channel, prefix)
