"""The conversation as the model reads it: past turns within a token budget, the lead's known
facts, and this message, each delimited as data.

Trimming drops the oldest turns first; what the lead already holds (name, company, products,
quantity, timeline) is restated in every request, so trimming never makes the model ask again.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import fields

from bot.lead import Lead, LeadUpdate
from bot.responders.llm.messages import AssistantMessage, Message, UserMessage
from bot.session import Turn

MAX_MESSAGE_CHARS = 4000  # a pasted novel still leaves room for the question at its end
_SKIP = {"score", "hot", "reasons", "source"}


def estimate_tokens(text: str) -> int:
    """A conservative estimate without the provider's tokenizer: Cyrillic runs near three
    characters a token in current tokenizers, Latin near four; budget for the denser one."""
    return len(text) // 3 + 1


def delimit(text: str, tag: str) -> str:
    """Customer-written text as data: escaped, so it cannot close its own tag or open another."""
    return f"<{tag}>\n{html.escape(text, quote=False)}\n</{tag}>"


def clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Long text keeps its start and its end: greetings open a message, questions close it."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]} […] {text[-half:]}"


def known_facts(lead: Lead) -> str:
    lines = []
    for f in fields(LeadUpdate):
        value = getattr(lead, f.name)
        if f.name in _SKIP or value in (None, ()):
            continue
        shown = ", ".join(value) if isinstance(value, tuple) else str(value)
        lines.append(f"{f.name}: {shown}")
    return "\n".join(lines)


def conversation(past: Sequence[Turn], lead: Lead, current: str, budget_tokens: int) -> tuple[Message, ...]:
    """Messages for the model: `past` turns within the budget, then the lead's facts and `current`."""
    facts = known_facts(lead)
    now = delimit(clip(current), "customer_message")
    if facts:
        now = f"{delimit(facts, 'known_facts')}\n{now}"
    budget = budget_tokens - estimate_tokens(now)
    kept: list[Turn] = []
    for turn in reversed(past):
        cost = estimate_tokens(turn.text)
        if cost > budget:
            break
        kept.append(turn)
        budget -= cost
    return _alternating([*reversed(kept)], now)


def _alternating(turns: list[Turn], now: str) -> tuple[Message, ...]:
    """User and assistant messages in turn, starting with the user's, as the APIs require."""
    merged: list[tuple[str, str]] = []
    for turn in turns:
        role = "user" if turn.role == "customer" else "assistant"
        text = delimit(clip(turn.text), "customer_message") if role == "user" else turn.text
        if merged and merged[-1][0] == role:
            merged[-1] = (role, f"{merged[-1][1]}\n{text}")
        else:
            merged.append((role, text))
    while merged and merged[0][0] == "assistant":
        merged.pop(0)
    if merged and merged[-1][0] == "user":
        last = merged.pop()
        now = f"{last[1]}\n{now}"
    out: list[Message] = [UserMessage(t) if r == "user" else AssistantMessage(t) for r, t in merged]
    return (*out, UserMessage(now))
