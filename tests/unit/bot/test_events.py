"""Which moments of a turn go on the lead's card."""

from __future__ import annotations

from bot.events import HANDOFF, OBJECTION, QUOTE, turn_events
from bot.model import ConversationKey, InboundMessage, OutboundMessage
from bot.turn import Reply

KEY = ConversationKey("telegram", "1", "2", "2")


def kinds(text: str, reply: Reply) -> list[str]:
    return [event.kind for event in turn_events(InboundMessage(KEY, "m1", text), reply)]


def test_a_quote_counts_only_when_the_reply_cites_the_catalog() -> None:
    quoted = Reply((OutboundMessage("25 × Panel: 2,113.75 USD"),), "quote", ("catalog.csv",))
    assert kinds("How much?", quoted) == [QUOTE]
    assert kinds("How much?", Reply((OutboundMessage("Which product?"),), "quote")) == []


def test_objections_and_requests_for_a_person_are_noted_with_the_customers_words() -> None:
    events = turn_events(InboundMessage(KEY, "m2", "Too expensive, get me a manager"),
                         Reply((OutboundMessage("..."),), "objection", wants_human=True))
    assert [(e.kind, e.text) for e in events] == [(OBJECTION, "Too expensive, get me a manager"),
                                                 (HANDOFF, "Too expensive, get me a manager")]
    assert len({e.key for e in events}) == 2 and all("m2" in e.key for e in events)
    assert kinds("hello", Reply((OutboundMessage("Hi"),), "greeting")) == []
