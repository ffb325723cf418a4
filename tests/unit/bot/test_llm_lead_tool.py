"""The lead tool takes what a model wrote only when a person would: real phones, well-formed
emails, SKUs of the catalog, positive whole quantities."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.responders.llm.lead_tool import check_lead
from knowledge_base.catalog import CsvCatalog
from knowledge_base.demo import DEMO_KB_DIR

CATALOG = CsvCatalog.load(DEMO_KB_DIR)


def test_valid_details_are_normalised() -> None:
    checked = check_lead({"name": "  Anna   Smith ", "email": "Anna.Smith@Example.COM", "phone": "+44 20 7946 0958",
                          "skus": ["NW-P6060", "NW-P6060"], "quantity": 40, "budget": 5000, "budget_currency": "eur",
                          "is_decision_maker": True}, CATALOG, ["US"])
    u = checked.update
    assert not checked.rejected
    assert (u.name, u.email, u.phone) == ("Anna Smith", "anna.smith@example.com", "+442079460958")
    assert (u.skus, u.quantity, u.budget, u.budget_currency) == (("NW-P6060",), 40, Decimal(5000), "EUR")


def test_a_national_number_is_read_in_the_customers_region() -> None:
    assert check_lead({"phone": "8 912 345-67-89"}, CATALOG, ["RU", "US"]).update.phone == "+79123456789"


@pytest.mark.parametrize(("field", "value"), [
    ("phone", "12345"), ("phone", "call me maybe"), ("email", "anna@"), ("email", "anna at example.com"),
    ("skus", ["NW-NOPE"]), ("skus", "NW-P6060"), ("quantity", 0), ("quantity", -3), ("quantity", 2.5),
    ("quantity", True), ("quantity", "lots"), ("budget", -1), ("budget", "a lot"), ("budget_currency", "euros"),
    ("is_decision_maker", "yes"), ("name", ""), ("name", "x" * 500), ("favourite_colour", "blue"),
])
def test_what_a_person_would_not_accept_is_rejected_and_not_recorded(field: str, value: object) -> None:
    checked = check_lead({field: value, "company": "Northwind"}, CATALOG, ["US"])
    assert field in checked.rejected
    assert checked.update.company == "Northwind"  # the rest of the call still counts
    assert getattr(checked.update, field, None) is None


def test_an_unknown_sku_names_itself_and_the_way_out() -> None:
    reason = check_lead({"skus": ["NW-P6060", "PANEL-9000"]}, CATALOG, ["US"]).rejected["skus"]
    assert "PANEL-9000" in reason and "lookup" in reason
