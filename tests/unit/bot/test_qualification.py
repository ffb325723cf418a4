"""Qualification: the next question to ask, once each, in the customer's language."""

from __future__ import annotations

from decimal import Decimal

from bot.lead import Lead
from bot.qualification import next_question

COMPLETE = Lead(
    name="Jane Doe",
    email="jane@acme.example",
    skus=("BL-CM300",),
    quantity=1,
    budget=Decimal(4000),
    timeline_days=30,
    is_decision_maker=True,
)


def ids(lead: Lead, language: str = "en") -> list[str]:
    """Every question asked, in order, when the customer never answers."""
    asked: list[str] = []
    while (question := next_question(lead, asked, language)) is not None:
        asked.append(question[0])
    return asked


def test_order_for_an_empty_lead() -> None:
    assert ids(Lead()) == ["need", "timeline", "authority", "budget", "contact"]


def test_quantity_is_asked_once_a_product_is_named() -> None:
    assert ids(Lead(skus=("BL-CM300",))) == ["timeline", "quantity", "authority", "budget", "contact"]


def test_team_size_is_enough_need_and_no_quantity_is_asked() -> None:
    assert ids(Lead(team_size=30))[0] == "timeline"
    assert "quantity" not in ids(Lead(team_size=30))


def test_nothing_missing_means_no_question() -> None:
    assert next_question(COMPLETE, [], "en") is None


def test_asked_questions_are_not_repeated() -> None:
    assert next_question(Lead(), ["need", "timeline"], "en") == (
        "authority",
        "Will you be making the decision, or is someone else involved?",
    )


def test_questions_in_russian() -> None:
    question = next_question(Lead(), [], "ru")
    assert question is not None and question[0] == "need"
    assert "что вы ищете" in question[1]


def test_contact_question_asks_for_the_name_only_when_unknown() -> None:
    without_name = next_question(
        Lead(skus=("X",), quantity=1, timeline_days=5, is_decision_maker=True, accepts_quote=True), [], "en"
    )
    with_name = next_question(
        Lead(name="Jane", skus=("X",), quantity=1, timeline_days=5, is_decision_maker=True, accepts_quote=True),
        [],
        "ru",
    )
    assert without_name == ("contact", "May I have your name and an email or phone number to send the offer to?")
    assert with_name == ("contact", "На какую почту или телефон отправить предложение?")


def test_name_is_asked_last_when_only_a_contact_was_given() -> None:
    lead = Lead(email="a@b.co", skus=("X",), quantity=1, timeline_days=5, is_decision_maker=True, accepts_quote=True)
    assert next_question(lead, [], "en") == ("name", "May I have your name?")


def test_known_non_decider_is_not_asked_again() -> None:
    assert "authority" not in ids(Lead(is_decision_maker=False))


def test_name_is_not_asked_again_after_the_contact_question() -> None:
    lead = Lead(email="a@b.co", skus=("X",), quantity=1, timeline_days=5, is_decision_maker=True, accepts_quote=True)
    assert next_question(lead, ["contact"], "en") is None
