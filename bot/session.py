"""Per-conversation state and its JSON form (never pickle: sessions cross processes)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bot.lead import Lead
from bot.model import ConversationKey

SCHEMA_VERSION = 1
MAX_HISTORY = 40  # turns kept in the session; the full transcript lives in SQL


@dataclass(slots=True)
class Turn:
    """One line of the conversation as the dialogue engine sees it."""

    role: str  # "customer" | "bot" | "agent"
    text: str
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(slots=True)
class Session:
    """History, language, lead-so-far and handoff state of one conversation."""

    key: ConversationKey
    history: list[Turn] = field(default_factory=list)
    language: str | None = None
    lead: Lead = field(default_factory=Lead)
    handoff: bool = False
    last_activity: datetime = field(default_factory=lambda: datetime.now(UTC))
    asked: list[str] = field(default_factory=list)  # qualification questions already asked
    last_skus: list[str] = field(default_factory=list)  # products in focus, for "it"/"them"

    def add_turn(self, role: str, text: str) -> None:
        self.history.append(Turn(role, text))
        del self.history[:-MAX_HISTORY]
        self.last_activity = datetime.now(UTC)


def lead_to_json(lead: Lead) -> dict[str, Any]:
    data = asdict(lead)
    data["skus"] = list(lead.skus)
    data["reasons"] = list(lead.reasons)
    data["budget"] = str(lead.budget) if lead.budget is not None else None
    return data


def lead_from_json(data: dict[str, Any]) -> Lead:
    data = dict(data)
    data["skus"] = tuple(data.get("skus") or ())
    data["reasons"] = tuple(data.get("reasons") or ())
    if data.get("budget") is not None:
        data["budget"] = Decimal(data["budget"])
    known = set(Lead.__dataclass_fields__)
    return Lead(**{k: v for k, v in data.items() if k in known})


def dumps(session: Session) -> str:
    """Serialize a session to JSON with its schema version."""
    return json.dumps(
        {
            "v": SCHEMA_VERSION,
            "key": session.key.as_str(),
            "history": [{"role": t.role, "text": t.text, "at": t.at.isoformat()} for t in session.history],
            "language": session.language,
            "lead": lead_to_json(session.lead),
            "handoff": session.handoff,
            "last_activity": session.last_activity.isoformat(),
            "asked": session.asked,
            "last_skus": session.last_skus,
        },
        ensure_ascii=False,
    )


class SessionSchemaError(ValueError):
    """The stored session was written by an incompatible version."""


def loads(raw: str | bytes) -> Session:
    """Read a session written by `dumps`; refuses unknown schema versions."""
    data = json.loads(raw)
    if data.get("v") != SCHEMA_VERSION:
        raise SessionSchemaError(f"session schema {data.get('v')!r}, expected {SCHEMA_VERSION}")
    return Session(
        key=ConversationKey.parse(data["key"]),
        history=[Turn(t["role"], t["text"], datetime.fromisoformat(t["at"])) for t in data["history"]],
        language=data["language"],
        lead=lead_from_json(data["lead"]),
        handoff=data["handoff"],
        last_activity=datetime.fromisoformat(data["last_activity"]),
        asked=list(data["asked"]),
        last_skus=list(data.get("last_skus", [])),
    )
