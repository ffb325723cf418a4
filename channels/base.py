"""What every channel adapter is: routes in, `send` out, with capability fallbacks."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from fastapi import APIRouter

from bot.model import ConversationKey, OutboundMessage
from bot.ports import ChannelLedger, Desk, Inbox, SalesTeam, TranscriptReader


class ChannelConfigError(ValueError):
    """A channel's setting is missing or wrong; the message names the variable to set."""


@dataclass(frozen=True, slots=True)
class ChannelContext:
    """What the core lends every adapter: where to submit, what was said, its settings,
    the ledger for raw payloads, deliveries and blocked conversations, and the desk through
    which the sales team's channel changes leads and writes to their customers."""

    inbox: Inbox
    transcripts: TranscriptReader
    settings: dict[str, Any]
    ledger: ChannelLedger | None = None
    desk: Desk | None = None

    def require_ledger(self, channel: str) -> ChannelLedger:
        """The ledger, for channels that cannot work without one."""
        if self.ledger is None:
            raise ChannelConfigError(f"channel {channel!r} needs a ledger in its ChannelContext")
        return self.ledger

    def require_desk(self, channel: str) -> Desk:
        """The desk, for the sales team's channels."""
        if self.desk is None:
            raise ChannelConfigError(f"channel {channel!r} needs a desk in its ChannelContext")
        return self.desk


class Channel(ABC):
    """One transport. Subclasses translate payloads to `InboundMessage` and back.

    An adapter verifies, records (through `inbox.submit`) and acknowledges fast;
    it holds no dialogue logic.
    """

    name: ClassVar[str]

    def __init__(self, context: ChannelContext) -> None:
        self.context = context

    @abstractmethod
    def router(self) -> APIRouter:
        """HTTP/WebSocket routes of this channel, mounted by `salesbot serve`."""

    @abstractmethod
    async def send_text(self, key: ConversationKey, text: str, *, idempotency_key: str) -> None:
        """The one send every channel must implement."""

    async def send(self, key: ConversationKey, message: OutboundMessage, *, idempotency_key: str) -> None:
        """Send a reply; channels without buttons get them listed as text."""
        text = message.text
        if message.buttons:
            text += "\n" + "\n".join(f"• {b.title}" for b in message.buttons)
        await self.send_text(key, text, idempotency_key=idempotency_key)

    async def typing(self, key: ConversationKey) -> None:  # noqa: B027 - optional capability
        """Show that a reply is being written, where the channel can."""

    async def draft(self, key: ConversationKey, draft_id: str, text: str) -> None:  # noqa: B027 - optional
        """Show a reply as written so far, where the channel can; the final `send` replaces it."""

    async def start(self) -> None:  # noqa: B027 - optional capability
        """Open long-lived connections (IMAP IDLE, polling) if the channel needs them."""

    async def stop(self) -> None:  # noqa: B027 - optional capability
        """Close what `start` opened."""

    def sales_team(self) -> SalesTeam | None:
        """The sales team's side of this channel (alerts, takeovers), if it has one."""
        return None

    async def check(self) -> None:  # noqa: B027 - optional capability
        """Raise if the channel cannot currently reach its platform (reported by /readyz)."""
