"""What a responder is given for one customer message, and what it gives back."""

from __future__ import annotations

from dataclasses import dataclass

from bot.lead import LeadUpdate
from bot.model import InboundMessage, OutboundMessage
from bot.session import Session


@dataclass(frozen=True, slots=True)
class TurnContext:
    """One customer message in its conversation.

    `session.lead` already includes `update`, the fields learned from this message.
    """

    message: InboundMessage
    session: Session
    language: str
    update: LeadUpdate


@dataclass(frozen=True, slots=True)
class Reply:
    """The responder's answer: messages to send and where the facts came from."""

    messages: tuple[OutboundMessage, ...]
    intent: str
    sources: tuple[str, ...] = ()
    wants_human: bool = False

    @property
    def text(self) -> str:
        return "\n\n".join(m.text for m in self.messages)
