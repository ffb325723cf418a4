"""BANT scoring: budget, authority, need, timeline — and whether the lead is hot."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.lead import Lead


@dataclass(frozen=True)
class ScoringRules:
    """Points per BANT criterion and the hot-lead rule; a company tunes these in settings."""

    budget: int = 25
    authority: int = 25
    need: int = 25
    timeline: int = 25
    timeline_max_days: int = 90
    hot_threshold: int = 75
    hot_requires_contact: bool = True


@dataclass(frozen=True, slots=True)
class _Criterion:
    points: int
    reason: str


def score_lead(lead: Lead, rules: ScoringRules) -> Lead:
    """The lead with `score`, `hot` and one human-readable reason per criterion and for `hot`."""
    criteria = (
        _budget(lead, rules.budget),
        _authority(lead, rules.authority),
        _need(lead, rules.need),
        _timeline(lead, rules.timeline, rules.timeline_max_days),
    )
    score = sum(c.points for c in criteria)
    hot, hot_reason = _hot(lead, score, rules)
    reasons = (*(c.reason for c in criteria), hot_reason)
    return replace(lead, score=score, hot=hot, reasons=reasons)


def _criterion(name: str, met: bool, detail: str, weight: int) -> _Criterion:
    points = weight if met else 0
    return _Criterion(points, f"{name}: {detail} (+{points})")


def _budget(lead: Lead, weight: int) -> _Criterion:
    if lead.budget is not None:
        amount = " ".join(part for part in (str(lead.budget), lead.budget_currency) if part)
        return _criterion("budget", True, f"{amount} named", weight)
    if lead.accepts_quote:
        return _criterion("budget", True, "accepts the quote", weight)
    return _criterion("budget", False, "not named", weight)


def _authority(lead: Lead, weight: int) -> _Criterion:
    role = f" ({lead.decision_role})" if lead.decision_role else ""
    if lead.is_decision_maker:
        return _criterion("authority", True, f"decides{role}", weight)
    if lead.is_decision_maker is False:
        return _criterion("authority", False, f"does not decide{role}", weight)
    return _criterion("authority", False, f"unknown{role}", weight)


def _need(lead: Lead, weight: int) -> _Criterion:
    named = [", ".join(lead.skus)] if lead.skus else []
    if lead.team_size:
        named.append(f"team of {lead.team_size}")
    detail = "; ".join(named) if named else "no product or team size"
    return _criterion("need", bool(named), detail, weight)


def _timeline(lead: Lead, weight: int, max_days: int) -> _Criterion:
    if lead.timeline_days is None:
        return _criterion("timeline", False, "not given", weight)
    within = lead.timeline_days <= max_days
    sign = "≤" if within else ">"
    return _criterion("timeline", within, f"{lead.timeline_days} days {sign} {max_days}", weight)


def _hot(lead: Lead, score: int, rules: ScoringRules) -> tuple[bool, str]:
    """Hot when the score reaches the threshold and, if required, we can reach the customer."""
    missing: list[str] = []
    if score < rules.hot_threshold:
        missing.append(f"{score} < {rules.hot_threshold}")
    if rules.hot_requires_contact and not lead.has_contact():
        missing.append("no email or phone")
    if missing:
        return False, "not hot: " + "; ".join(missing)
    contact = " and contact given" if rules.hot_requires_contact else ""
    return True, f"hot: {score} ≥ {rules.hot_threshold}{contact}"
