"""The lead: what we know about a prospective buyer, built up turn by turn."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from decimal import Decimal

from bot.model import Contact


@dataclass(frozen=True, slots=True)
class LeadUpdate:
    """Fields learned from one customer message; `None` means "not said this turn"."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    company: str | None = None
    skus: tuple[str, ...] | None = None
    quantity: int | None = None
    budget: Decimal | None = None
    budget_currency: str | None = None
    timeline_days: int | None = None
    timeline_text: str | None = None
    decision_role: str | None = None
    is_decision_maker: bool | None = None
    team_size: int | None = None
    accepts_quote: bool | None = None
    source: str | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))


@dataclass(frozen=True, slots=True)
class Lead:
    """The lead so far. `score`, `hot` and `reasons` are set by the scorer."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    company: str | None = None
    skus: tuple[str, ...] = ()
    quantity: int | None = None
    budget: Decimal | None = None
    budget_currency: str | None = None
    timeline_days: int | None = None
    timeline_text: str | None = None
    decision_role: str | None = None
    is_decision_maker: bool | None = None
    team_size: int | None = None
    accepts_quote: bool | None = None
    source: str | None = None  # where the customer came from (a deep link's payload)
    score: int = 0
    hot: bool = False
    reasons: tuple[str, ...] = field(default=())

    def merge(self, update: LeadUpdate) -> Lead:
        """Apply an update: whatever the customer said last wins."""
        changes = {
            f.name: getattr(update, f.name)
            for f in fields(update)
            if getattr(update, f.name) is not None
        }
        return replace(self, **changes) if changes else self

    def fill_unknown(self, update: LeadUpdate) -> Lead:
        """Apply only the fields the lead does not know yet (what a channel knows about the sender)."""
        changes = {
            f.name: value
            for f in fields(update)
            if (value := getattr(update, f.name)) is not None and getattr(self, f.name) in (None, ())
        }
        return replace(self, **changes) if changes else self

    def filled_from(self, known: Lead) -> Lead:
        """This lead with the fields it leaves empty taken from `known` (an older, stored state).

        A lead only ever grows: a session lost with its process must not save a lead
        with less than the stored one had. Score and reasons stay this lead's; they are
        recomputed from the fields on the next turn.
        """
        changes = {
            f.name: getattr(known, f.name)
            for f in fields(LeadUpdate)
            if getattr(self, f.name) in (None, ()) and getattr(known, f.name) not in (None, ())
        }
        return replace(self, **changes) if changes else self

    def has_contact(self) -> bool:
        return bool(self.email or self.phone)


def channel_facts(contact: Contact | None, source: str | None) -> LeadUpdate:
    """What a channel knows about a sender, as a lead update (for `Lead.fill_unknown`)."""
    if contact is None:
        return LeadUpdate(source=source)
    return LeadUpdate(name=contact.name, email=contact.email, phone=contact.phone, source=source)
