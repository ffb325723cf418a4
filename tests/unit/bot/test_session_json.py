"""The session's JSON form: what crosses processes and survives restarts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.lead import Lead
from bot.model import ConversationKey
from bot.session import SCHEMA_VERSION, Session, SessionSchemaError, Turn, dumps, loads

KEY = ConversationKey("telegram", "bot1", "42", "user7")


def _session() -> Session:
    at = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
    return Session(
        key=KEY,
        history=[
            Turn("customer", "Здравствуйте! Нужно 10 ноутбуков", at),
            Turn("bot", "Конечно, для кого?", at),
        ],
        language="ru",
        lead=Lead(
            name="Иван Петров",
            email="ivan@example.ru",
            skus=("LAP-01", "MON-02"),
            quantity=10,
            budget=Decimal("1234567.89"),
            budget_currency="RUB",
            is_decision_maker=True,
            score=72,
            hot=True,
            reasons=("budget", "timeline"),
        ),
        handoff=True,
        last_activity=at,
        asked=["budget", "timeline"],
        last_skus=["LAP-01"],
    )


def test_round_trip_keeps_every_field() -> None:
    session = _session()

    restored = loads(dumps(session))

    assert restored == session
    assert restored.lead.budget == Decimal("1234567.89")
    assert isinstance(restored.lead.budget, Decimal)
    assert restored.lead.skus == ("LAP-01", "MON-02")


def test_round_trip_from_bytes_as_redis_returns_them() -> None:
    session = _session()

    assert loads(dumps(session).encode()) == session


def test_cyrillic_is_stored_as_text_not_escapes() -> None:
    raw = dumps(_session())

    assert "Здравствуйте" in raw
    assert json.loads(raw)["lead"]["name"] == "Иван Петров"


def test_fresh_session_round_trips() -> None:
    session = Session(KEY)

    assert loads(dumps(session)) == session


def test_key_with_colons_in_user_survives() -> None:
    key = ConversationKey("email", "sales@example.com", "thread", "a:b@example.com")

    assert loads(dumps(Session(key))).key == key


def test_key_with_colons_in_account_or_conversation_survives() -> None:
    key = ConversationKey("telegram", "123456:AAbbCC", "chat:42", "user7")

    assert loads(dumps(Session(key))).key == key


@pytest.mark.parametrize("version", [SCHEMA_VERSION + 1, 0, None, "1"])
def test_unknown_schema_version_is_refused(version: object) -> None:
    data = json.loads(dumps(_session()))
    data["v"] = version

    with pytest.raises(SessionSchemaError):
        loads(json.dumps(data))


def test_missing_schema_version_is_refused() -> None:
    data = json.loads(dumps(_session()))
    del data["v"]

    with pytest.raises(SessionSchemaError):
        loads(json.dumps(data))
