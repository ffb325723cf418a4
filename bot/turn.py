"""What a responder is given for one customer message, and what it gives back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.lead import LeadUpdate
from bot.model import InboundMessage, OutboundMessage
from bot.session import Session

if TYPE_CHECKING:
    from bot.understanding.model import Understanding

DraftSink = Callable[[str], Awaitable[None]]
"""Takes the reply's whole text so far; a streaming responder calls it as the text grows."""


async def no_drafts(text: str) -> None:
    """The draft sink of a turn nobody watches being written."""


@dataclass(frozen=True, slots=True)
class TurnContext:
    """One customer message in its conversation.

    `session.lead` already includes `update`, the fields learned from this message;
    `understanding` is everything understood about it (products, counts, intent), computed
    once by the engine and read by every responder.
    A responder that produces its text piece by piece (an LLM) may pass the text so far
    to `draft`; channels that can show a reply being written do. Only the returned
    `Reply` is stored and sent: a draft is never a promise.
    """

    message: InboundMessage
    session: Session
    language: str
    update: LeadUpdate
    understanding: Understanding
    draft: DraftSink = no_drafts


@dataclass(frozen=True, slots=True)
class Reply:
    """The responder's answer: messages to send and where the facts came from."""

    messages: tuple[OutboundMessage, ...]
    intent: str
    sources: tuple[str, ...] = ()
    wants_human: bool = False
    # Lead details the responder itself learned (an LLM's `record_lead`, validated); the engine
    # merges them over what the extractors found, which still fill every field left empty.
    lead: LeadUpdate = field(default_factory=LeadUpdate)

    @property
    def text(self) -> str:
        return "\n\n".join(m.text for m in self.messages)
