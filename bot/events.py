"""Notable moments of a conversation the sales team should see on the lead's card.

A quote given, an objection raised, a request for a person: each becomes one
`LeadEvent`, queued in the CRM outbox after the lead state of its turn, so the
CRM shows it in order (a Trello comment). Its `key` is derived from the customer
message it came from: a turn answered again after a crash queues nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.model import InboundMessage
from bot.turn import Reply

QUOTE, OBJECTION, HANDOFF = "quote", "objection", "handoff"
_TEXT_LIMIT = 2000  # characters of a customer's message or a reply kept in one event

_HEADINGS = {
    QUOTE: "Quote given",
    OBJECTION: "Objection raised",
    HANDOFF: "Customer asked for a person",
}


@dataclass(frozen=True, slots=True)
class LeadEvent:
    """One notable moment: `kind` (quote, objection, handoff...), what was said, and when."""

    kind: str
    text: str
    key: str
    at: datetime

    @property
    def heading(self) -> str:
        """How the sales team reads the kind ("Quote given")."""
        return _HEADINGS.get(self.kind, self.kind.replace("_", " ").capitalize())


def turn_events(message: InboundMessage, reply: Reply) -> list[LeadEvent]:
    """What of this turn is worth a note on the card: the quote the reply gave (a reply to a price
    question that cites the catalog), an objection the customer raised, a request for a person."""
    events: list[LeadEvent] = []

    def add(kind: str, text: str) -> None:
        key = f"{message.key.as_str()}|{message.message_id}|{kind}"
        events.append(LeadEvent(kind, text.strip()[:_TEXT_LIMIT], key, message.received_at))

    if reply.intent == QUOTE and reply.sources:
        add(QUOTE, reply.text)
    if reply.intent.startswith(OBJECTION):
        add(OBJECTION, message.text)
    if reply.wants_human:
        add(HANDOFF, message.text)
    return events
