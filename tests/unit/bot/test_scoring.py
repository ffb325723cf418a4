"""BANT scoring: points, reasons and the hot-lead rule."""

from __future__ import annotations

from decimal import Decimal

from bot.lead import Lead
from bot.scoring import ScoringRules, score_lead

RULES = ScoringRules()
FULL = Lead(
    email="jane@acme.example",
    skus=("BL-CM300",),
    budget=Decimal(4000),
    budget_currency="USD",
    timeline_days=30,
    decision_role="office manager",
    is_decision_maker=True,
)


def test_full_lead_is_hot_with_reasons() -> None:
    lead = score_lead(FULL, RULES)
    assert (lead.score, lead.hot) == (100, True)
    assert lead.reasons == (
        "budget: 4000 USD named (+25)",
        "authority: decides (office manager) (+25)",
        "need: BL-CM300 (+25)",
        "timeline: 30 days ≤ 90 (+25)",
        "hot: 100 ≥ 75 and contact given",
    )


def test_empty_lead_scores_zero() -> None:
    lead = score_lead(Lead(), RULES)
    assert (lead.score, lead.hot) == (0, False)
    assert lead.reasons == (
        "budget: not named (+0)",
        "authority: unknown (+0)",
        "need: no product or team size (+0)",
        "timeline: not given (+0)",
        "not hot: 0 < 75; no email or phone",
    )


def test_no_contact_is_not_hot() -> None:
    lead = score_lead(Lead(skus=("X",), budget=Decimal(1), timeline_days=1, is_decision_maker=True), RULES)
    assert (lead.score, lead.hot, lead.reasons[-1]) == (100, False, "not hot: no email or phone")


def test_contact_requirement_can_be_switched_off() -> None:
    rules = ScoringRules(hot_requires_contact=False)
    lead = score_lead(Lead(skus=("X",), budget=Decimal(1), timeline_days=1, is_decision_maker=True), rules)
    assert (lead.hot, lead.reasons[-1]) == (True, "hot: 100 ≥ 75")


def test_three_criteria_reach_the_threshold() -> None:
    lead = score_lead(
        Lead(phone="+79161234567", skus=("SP2",), timeline_days=7, is_decision_maker=True, decision_role="директор"),
        RULES,
    )
    assert (lead.score, lead.hot) == (75, True)
    assert "authority: decides (директор) (+25)" in lead.reasons


def test_accepting_the_quote_counts_as_budget() -> None:
    lead = score_lead(Lead(accepts_quote=True), RULES)
    assert lead.reasons[0] == "budget: accepts the quote (+25)"


def test_team_size_is_a_need() -> None:
    lead = score_lead(Lead(team_size=60), RULES)
    assert lead.reasons[2] == "need: team of 60 (+25)"


def test_late_timeline_and_non_decider_score_nothing() -> None:
    lead = score_lead(Lead(timeline_days=120, is_decision_maker=False, decision_role="purchasing"), RULES)
    assert lead.score == 0
    assert "timeline: 120 days > 90 (+0)" in lead.reasons
    assert "authority: does not decide (purchasing) (+0)" in lead.reasons


def test_custom_weights_and_threshold() -> None:
    rules = ScoringRules(budget=40, authority=10, need=30, timeline=20, timeline_max_days=30, hot_threshold=50)
    lead = score_lead(Lead(email="a@b.co", budget=Decimal(10), skus=("X",), timeline_days=45), rules)
    assert (lead.score, lead.hot) == (70, True)
    assert "timeline: 45 days > 30 (+0)" in lead.reasons


def test_scoring_keeps_the_other_fields_and_rescoring_is_stable() -> None:
    once = score_lead(FULL, RULES)
    assert score_lead(once, RULES) == once
    assert once.email == FULL.email and once.skus == FULL.skus
