"""Routes replies to the channel adapter of each conversation (implements `Outbox`)."""

from __future__ import annotations

from bot.model import ConversationKey, OutboundMessage
from channels.base import Channel


class ChannelOutbox:
    """`send` by `key.channel`; channels register once the core exists (they need its inbox)."""

    def __init__(self) -> None:
        self.channels: dict[str, Channel] = {}

    def register(self, channel: Channel) -> None:
        self.channels[channel.name] = channel

    async def send(self, key: ConversationKey, message: OutboundMessage, *, idempotency_key: str) -> None:
        channel = self.channels.get(key.channel)
        if channel is None:
            raise LookupError(f"no channel {key.channel!r} is enabled to send to")
        await channel.send(key, message, idempotency_key=idempotency_key)

    async def typing(self, key: ConversationKey) -> None:
        channel = self.channels.get(key.channel)
        if channel is not None:
            await channel.typing(key)

    async def draft(self, key: ConversationKey, draft_id: str, text: str) -> None:
        channel = self.channels.get(key.channel)
        if channel is not None:
            await channel.draft(key, draft_id, text)
