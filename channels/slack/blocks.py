"""The Block Kit of the alert, of its updates and of the notes in its thread."""

from __future__ import annotations

from typing import Any

from bot.records import LeadRecord
from channels.slack.mrkdwn import clip, escape
from channels.slack.state import HOT, Alert

CLAIM = "salesbot_claim"
TAKE_OVER = "salesbot_take_over"
HAND_BACK = "salesbot_hand_back"
ACTIONS = (CLAIM, TAKE_OVER, HAND_BACK)
_FIELD_LIMIT = 2000  # characters of one section field
_TEXT_LIMIT = 3000  # characters of one section text
_HEADER_LIMIT = 150

Block = dict[str, Any]


def _who(record: LeadRecord) -> str:
    lead = record.lead
    return lead.name or lead.email or lead.phone or f"Lead #{record.id}"


def alert_text(record: LeadRecord, alert: Alert) -> str:
    """The notification's plain text (shown where blocks are not: phone notifications)."""
    kind = "Hot lead" if alert.reason == HOT else "A customer asks for a person"
    return f"{kind}: {_who(record)} (score {record.lead.score}, {record.key.channel})"


def alert_blocks(record: LeadRecord, alert: Alert, card_url: str, transcript_url: str) -> list[Block]:
    """Who, what, how much, score and why, channel, links, and the buttons still meaningful."""
    lead = record.lead
    kind = "Hot lead" if alert.reason == HOT else "Asks for a person"
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(f"{kind}: {_who(record)}", _HEADER_LIMIT)}},
        {"type": "section", "fields": [_field(title, value) for title, value in _facts(record)]},
        {"type": "section", "text": _mrkdwn(
            "*Why*\n" + "\n".join(f"• {escape(reason)}" for reason in lead.reasons) if lead.reasons else "*Why*\n–"
        )},
        {"type": "section", "text": _mrkdwn(f"<{card_url}|Card on the board>  ·  <{transcript_url}|Transcript>")},
    ]
    status = _status(alert)
    if status:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": status}]})
    buttons = []
    if alert.claimed_by is None:
        buttons.append(_button("Claim", CLAIM, record.id, primary=True))
    if alert.taken_by is None:
        buttons.append(_button("Take over", TAKE_OVER, record.id))
    if buttons:
        blocks.append({"type": "actions", "block_id": f"lead-{record.id}", "elements": buttons})
    return blocks


def note_blocks(text: str, lead_id: int, hand_back: bool) -> list[Block]:
    """A note in the thread; under a takeover's note, the Hand back button."""
    blocks: list[Block] = [{"type": "section", "text": _mrkdwn(text)}]
    if hand_back:
        blocks.append({"type": "actions", "block_id": f"handback-{lead_id}",
                       "elements": [_button("Hand back to the bot", HAND_BACK, lead_id)]})
    return blocks


def customer_line(text: str) -> str:
    """A customer's message as the thread shows it."""
    return clip(f"*Customer:* {escape(text)}", _TEXT_LIMIT)


def _facts(record: LeadRecord) -> list[tuple[str, str]]:
    lead = record.lead
    who = [part for part in (lead.name, lead.company) if part]
    reach = [part for part in (lead.email, lead.phone) if part]
    wants = ", ".join(lead.skus) or "–"
    much = []
    if lead.quantity:
        much.append(f"{lead.quantity} pcs")
    if lead.budget is not None:
        much.append(" ".join(part for part in (f"budget {lead.budget}", lead.budget_currency) if part))
    if lead.timeline_text or lead.timeline_days is not None:
        much.append(f"needed {lead.timeline_text or f'in {lead.timeline_days} days'}")
    return [
        ("Who", "\n".join([" — ".join(who) or "–", " · ".join(reach) or "no contact yet"])),
        ("What", wants),
        ("How much", "; ".join(much) or "–"),
        ("Score", f"{lead.score}/100{' (hot)' if lead.hot else ''}"),
        ("Channel", record.key.channel),
    ]


def _status(alert: Alert) -> str:
    parts = []
    if alert.claimed_by:
        parts.append(f"Claimed by <@{alert.claimed_by}>")
    if alert.taken_by:
        parts.append(f"Taken over by <@{alert.taken_by}>: the bot is silent, write in the thread")
    return "  ·  ".join(parts)


def _field(title: str, value: str) -> Block:
    return _mrkdwn(clip(f"*{title}*\n{escape(value)}", _FIELD_LIMIT))


def _mrkdwn(text: str) -> Block:
    return {"type": "mrkdwn", "text": clip(text, _TEXT_LIMIT)}


def _button(title: str, action_id: str, lead_id: int, *, primary: bool = False) -> Block:
    button: Block = {"type": "button", "text": {"type": "plain_text", "text": title},
                     "action_id": action_id, "value": str(lead_id)}
    if primary:
        button["style"] = "primary"
    return button
