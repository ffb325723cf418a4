"""Whole messages and conversations: accumulation across turns, email threads, hostile input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.extraction import extract_update
from bot.lead import Lead
from bot.scoring import ScoringRules, score_lead
from knowledge_base.catalog import CsvCatalog
from tests.unit.bot.lead_fixtures import EVAL_KIT, NOW, NaiveCatalog, extract, small_catalog


def converse(turns: list[str], language: str, catalog: Any = None, now: datetime = NOW) -> Lead:
    """Run customer turns through extraction and `Lead.merge`, as the dialogue engine does."""
    lead = Lead()
    for turn in turns:
        update = extract_update(turn, catalog=catalog or small_catalog(), known=lead, language=language, now=now)
        lead = lead.merge(update)
    return score_lead(lead, ScoringRules())


def test_later_statements_override_earlier_ones() -> None:
    lead = converse(
        [
            "I want two Nimbus Printer 200 machines",
            "Actually, make it one Nimbus Printer 500 instead",
            "email: kim@np.io",
        ],
        "en",
    )
    assert (lead.skus, lead.quantity, lead.email) == (("PR-500",), 1, "kim@np.io")


def test_facts_accumulate_across_turns() -> None:
    lead = converse(
        [
            "Hi, we're Acme Logistics, 60 people. I'm the office manager and I decide.",
            "We need a Nimbus Printer 500 within a month, budget around 4000 USD.",
            "Also 10 boxes of Paper A4 Box",
            "My email is jane.doe@acme.example, Jane Doe.",
        ],
        "en",
    )
    assert lead.company == "Acme Logistics" and lead.name == "Jane Doe"
    assert lead.skus == ("PR-500", "PA-A4") and lead.quantity == 10
    assert (lead.budget, lead.budget_currency, lead.timeline_days) == (Decimal(4000), "USD", 30)
    assert lead.hot and lead.score == 100


def test_email_signature_counts_and_quoted_thread_does_not() -> None:
    body = (
        "Hello,\n\nWe'd like 20 kg of the Arabica Beans every month. Please send a quote.\n\n"
        "Kind regards,\nAnna Berg\nPurchasing, Nordlys Studio\n+1 (212) 555-0188\n\n"
        "On Mon, Nov 2, 2026 at 10:00 Shop <sales@shop.example> wrote:\n"
        "> Our Nimbus Printer 200 costs 1890 USD.\n> Call us at +1 614 555 0100\n> Jane Roe, Sales"
    )
    lead = converse([body], "en")
    assert (lead.name, lead.company, lead.phone) == ("Anna Berg", "Nordlys Studio", "+12125550188")
    assert (lead.skus, lead.quantity, lead.budget) == (("CF-1",), 20, None)
    assert lead.timeline_days is None  # "every month" is a frequency
    assert not lead.accepts_quote and not lead.hot


def test_russian_conversation() -> None:
    lead = converse(
        [
            "Здравствуйте, нужно 3 машины Nimbus Printer 500 для сети «Перо». Бюджет 26 000 долларов, "
            "запуск через 2 месяца, решение за мной.",
            "Меня зовут Олег Петров, телефон 8 (916) 123-45-67",
        ],
        "ru",
    )
    assert (lead.name, lead.phone, lead.company) == ("Олег Петров", "+79161234567", "Перо")
    assert (lead.skus, lead.quantity, lead.timeline_days) == (("PR-500",), 3, 60)
    assert lead.hot


@pytest.mark.parametrize(
    "text",
    [
        "hi, just looking around",
        "<script>alert(1)</script>",
        "'; DROP TABLE leads; --",
        "A" * 2000,
        "",
        "   \n\n  ",
        "?!?!" * 500,
    ],
)
def test_no_false_positives(text: str) -> None:
    assert extract(text).is_empty()


# Inputs that would make a backtracking pattern blow up; each must come back (with no lead data
# worth keeping). Speed is measured in bench/, not asserted here.
PATHOLOGICAL = [
    "1" * 4000, "1 " * 2000, "1." * 2000, "@" * 4000, "a@" * 2000, "a.a.a." * 660 + "@", "Acme " * 800,
    "«" * 4000, "I'm " * 1000, "from Acme " * 400, "> " * 2000, "two " * 1000, "On x wrote:\n> " * 300,
    "Best regards,\n" * 300, "-" * 4000, "+7 916 " * 600, "1 декабря " * 400, "$5k " * 1000, "Я — " * 1000,
    "2 x " * 1000, "my name is " * 360,
]  # fmt: skip


@pytest.mark.parametrize("text", PATHOLOGICAL, ids=range(len(PATHOLOGICAL)))
def test_pathological_input_is_handled(text: str) -> None:
    update = extract(text[:4000], "ru")
    assert update.email is None and update.name is None


NAIVE = NaiveCatalog(small_catalog().products())


# The naive catalog keeps this a test of the extractors, not of the catalog's own matcher.
@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400), st.sampled_from(["en", "ru"]))
def test_any_text_extracts_without_error(text: str, language: str) -> None:
    update = extract_update(text, catalog=NAIVE, known=Lead(skus=("PR-200",)), language=language, now=NOW)
    if update.quantity is not None:
        assert update.quantity > 0


def _eval_leads() -> list[dict[str, Any]]:
    path = EVAL_KIT / "leads.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("case", _eval_leads(), ids=lambda case: str(case["id"]))
def test_eval_kit_conversations(case: dict[str, Any]) -> None:
    catalog = CsvCatalog.load(EVAL_KIT / "kb")
    # The kit's dates ("с 1 декабря") are read from a day in late November.
    lead = converse(case["turns"], case["lang"], catalog, now=datetime(2026, 11, 24, tzinfo=UTC))
    got = {field: getattr(lead, field) for field in case["expect"]}
    got["skus"] = list(lead.skus)
    assert got == case["expect"]
