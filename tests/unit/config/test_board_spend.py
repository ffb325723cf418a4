"""The lead page shows what the LLM cost the conversation: per model, a total, escaped."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from bot.lead import Lead
from bot.model import ConversationKey
from bot.records import LeadRecord, Spend
from config.web.board.views import lead_view, render, spend_views, usd

NOW = datetime(2026, 12, 15, 9, 30, tzinfo=UTC)


def test_costs_show_to_the_millionth_of_a_dollar_and_at_least_the_cents() -> None:
    assert usd(Decimal("0.01605")) == "$0.01605"
    assert usd(Decimal("12.5")) == "$12.50"
    assert usd(Decimal(0)) == "$0.00"
    assert usd(Decimal("1234.0000004")) == "$1,234.00"
    assert usd(Decimal("0.0000015")) == "$0.000002"


def test_one_model_gets_one_row_and_several_a_total() -> None:
    main = Spend("main", 2200, 90, 2000, 2000, Decimal("0.01605"))
    assert [r.model for r in spend_views([main])] == ["main"]
    rows = spend_views([Spend("fast", 500, 10), main])
    assert [(r.model, r.input, r.cost, r.total) for r in rows] == [
        ("fast", "500", "$0.00", False), ("main", "2,200", "$0.01605", False), ("Total", "2,700", "$0.01605", True)]


def test_the_lead_page_shows_usage_escaped_and_nothing_without_it() -> None:
    record = LeadRecord(7, ConversationKey("web", "site", "c1", "u1"), Lead(name="Dana"), "new", NOW, NOW)
    common = {"lead": lead_view(record, None), "lines": [], "notice": None, "unreachable": None,
              "signed_in": True, "csrf": "x"}
    page = render("lead.html", spend=spend_views([Spend("<script>alert(1)</script>", 1, 2, 3, 4)]), **common)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert 'aria-label="Language model usage"' in page
    assert "Language model usage" not in render("lead.html", spend=[], **common)
