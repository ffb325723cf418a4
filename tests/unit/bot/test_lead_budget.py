"""Budgets with no currency sign, in words, or in any currency's own name."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.extract.money import find_budget, find_money
from tests.unit.bot.lead_fixtures import extract


def _budget(text: str) -> tuple[Decimal, str | None] | None:
    found = find_budget(text, find_money(text))
    return (found.amount, found.currency) if found else None


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("Рассчитываем уложиться до 450 тысяч, не больше.", "450000"),
        ("We can spend up to 25K on the whole fit-out.", "25000"),
        ("Бюджет около двух миллионов", "2000000"),
        ("somewhere around two hundred thousand for all of it", "200000"),
        ("Готовы потратить порядка полутора миллионов.", "1500000"),
    ],
)
def test_round_sum_after_a_budget_cue_needs_no_currency(text: str, amount: str) -> None:
    assert _budget(text) == (Decimal(amount), None)


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("Budget is up to 900k tenge", "900000", "KZT"),
        ("бюджет до 12 тысяч злотых", "12000", "PLN"),
        ("we have about 40 000 Swiss francs", "40000", "CHF"),
        ("до 300 000 ₸ на всё", "300000", "KZT"),
        ("around fifteen thousand dollars", "15000", "USD"),
        ("около полутора миллионов рублей", "1500000", "RUB"),
        ("up to 8,000 PLN net", "8000", "PLN"),
    ],
)
def test_currency_by_sign_code_or_name(text: str, amount: str, currency: str) -> None:
    assert _budget(text) == (Decimal(amount), currency)


@pytest.mark.parametrize(
    "text",
    [
        "Нужно около 20 тысяч листов бумаги",  # a count of things, not money
        "up to 15k sheets a month",
        "до 10 декабря",
        "the model with 4000 lumens",
    ],
)
def test_counts_and_dates_are_no_budget(text: str) -> None:
    assert extract(text, "ru" if "а" in text else "en").budget is None


@pytest.mark.parametrize(
    "text",
    [
        "Ваш менеджер обещал по 1 200 тг за коробку",
        "£12 per licence is what we pay now",
        "they sell it at €35 each",
        "подписка 900 ₽ в месяц",
    ],
)
def test_a_unit_price_is_no_budget(text: str) -> None:
    assert _budget(text) is None


def test_a_sum_for_everything_is_the_budget() -> None:
    assert _budget("до 300 000 ₽ за всё") == (Decimal(300000), "RUB")
