"""What a lead's Trello card says: title, description, labels, due date, and its comments.

The description ends with a marker line naming the lead; if salesbot dies
between Trello creating a card and salesbot storing its id, the next attempt
finds the card by that marker instead of creating a second one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, timedelta

from bot.events import LeadEvent
from bot.metrics import score_band
from bot.records import LeadRecord

ProductName = Callable[[str], "str | None"]
"""A SKU's product name (the catalog's), or None when it is not known."""

# Label colours Trello offers; bands read hot-to-cold, channels share one neutral colour.
BAND_COLORS = {"hot": "red", "warm": "orange", "cold": "blue"}
CHANNEL_COLOR = "purple"
_TITLE_LIMIT = 200  # characters; Trello allows 16384, a board shows a line or two


def marker(lead_id: int) -> str:
    """The line that ties a card to its lead."""
    return f"salesbot lead #{lead_id}"


def band(record: LeadRecord) -> str:
    """The lead's score band; a high score without a way to reach them is not hot yet (the scorer's rule)."""
    lead = record.lead
    if lead.hot:
        return "hot"
    return "warm" if score_band(lead.score) in ("hot", "warm") else "cold"


def _products(record: LeadRecord, name_of: ProductName) -> str:
    names = [name_of(sku) or sku for sku in record.lead.skus]
    text = ", ".join(names)
    return f"{text} ×{record.lead.quantity}" if text and record.lead.quantity else text


def title(record: LeadRecord, name_of: ProductName) -> str:
    """Who, which company, what: "Anna Smith · Harbor Foods — Panel Slim 60x60 ×25"."""
    lead = record.lead
    who = " · ".join(part for part in (lead.name, lead.company) if part)
    who = who or lead.email or lead.phone or f"Lead #{record.id}"
    what = _products(record, name_of)
    return (f"{who} — {what}" if what else who)[:_TITLE_LIMIT]


def description(record: LeadRecord, name_of: ProductName) -> str:
    """The lead's fields and why it scored as it did, in Trello's Markdown."""
    lead = record.lead
    rows = [
        ("Name", lead.name), ("Company", lead.company), ("Email", lead.email), ("Phone", lead.phone),
        ("Role", lead.decision_role),
        ("Decision maker", None if lead.is_decision_maker is None else ("yes" if lead.is_decision_maker else "no")),
        ("Team size", lead.team_size), ("Products", _products(record, name_of) or None),
        ("SKUs", ", ".join(lead.skus) or None), ("Quantity", lead.quantity),
        ("Budget", f"{lead.budget} {lead.budget_currency or ''}".strip() if lead.budget is not None else None),
        ("Timeline", lead.timeline_text or (f"{lead.timeline_days} days" if lead.timeline_days else None)),
        ("Accepts the quote", None if lead.accepts_quote is None else ("yes" if lead.accepts_quote else "no")),
        ("Source", lead.source), ("Channel", record.key.channel),
        ("Owner", record.owner), ("Answered by", record.taken_over_by),
        ("Score", f"{lead.score} ({band(record)})"),
    ]
    lines = [f"**{label}:** {_plain(value)}" for label, value in rows if value not in (None, "")]
    if lead.reasons:
        lines += ["", "**Why this score:**", *(f"- {_plain(reason)}" for reason in lead.reasons)]
    lines += ["", "---", marker(record.id)]
    return "\n".join(lines)


def labels(record: LeadRecord) -> dict[str, str]:
    """Label name → colour: the score band and the channel."""
    return {band(record): BAND_COLORS[band(record)], record.key.channel: CHANNEL_COLOR}


def due(record: LeadRecord) -> str | None:
    """When the customer needs it, as Trello's ISO date: from the lead's first day plus their timeline."""
    days = record.lead.timeline_days
    if not days:
        return None
    return (record.created_at + timedelta(days=days)).isoformat()


def comment(event: LeadEvent) -> str:
    """A notable moment as a card comment: its heading, then what was said."""
    quoted = "\n".join(f"> {line}" if line else ">" for line in _plain(event.text).splitlines())
    return f"**{event.heading}** ({event.at.astimezone(UTC).strftime('%Y-%m-%d %H:%M UTC')})\n{quoted}"


def _plain(value: object) -> str:
    """Customer words shown as text: Markdown that could make a link or a heading is escaped."""
    text = str(value)
    for char in ("\\", "[", "]", "#", "*", "_", "`", "<", ">"):
        text = text.replace(char, "\\" + char)
    return text
