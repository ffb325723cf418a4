"""Extractors of numbers: quantity, team size, budget, quote acceptance, timeline."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from bot.extract.money import accepts_quote, find_budget, find_money
from bot.extract.timeline import find_timeline
from tests.unit.bot.lead_fixtures import NOW, extract


@pytest.mark.parametrize(
    ("text", "quantity"),
    [
        ("We need a Nimbus Printer 500", 1),
        ("We need an Nimbus Printer 500 delivered", 1),
        ("one Nimbus Printer 500 please", 1),
        ("I want two Nimbus Printer 200 machines", 2),
        ("3 of the Nimbus Printer 500", 3),
        ("20 kg of the Arabica Beans", 20),
        ("Arabica Beans 1 kg, 20kg please", 20),  # "1 kg" is part of the name
        ("12 units of Toner Black", 12),
        ("Nimbus Printer 500 x 2", 2),
        ("нужно 3 машины Nimbus Printer 500", 3),
        ("10 шт Toner Black", 10),
        ("две Nimbus Printer 200", 2),
        ("Нужно пять упаковок Paper A4 Box", 5),
        ("Actually, make it one Nimbus Printer 500 instead", 1),
    ],
)
def test_quantity(text: str, quantity: int) -> None:
    language = "ru" if any("а" <= c <= "я" for c in text.lower()) else "en"
    assert extract(text, language).quantity == quantity


@pytest.mark.parametrize(
    "text",
    [
        "60 people in the office need a printer",  # team size
        "Nimbus Printer 500 for 30 people",
        "на 30 человек, Nimbus Printer 500",
        "budget 4000 USD for the Nimbus Printer 500",  # money
        "Бюджет 26 000 долларов на Nimbus Printer 500",
        "Nimbus Printer 500 by 1 декабря",  # dates and durations
        "Nimbus Printer 500 within 2 months",
        "запуск через 2 месяца, Nimbus Printer 500",
        "Nimbus Printer 500 with 3 years of Service Plan Gold",
        "How much is the Nimbus Printer 500?",  # the model number is no count
        "call me at +1 (415) 555-0123 about the Nimbus Printer 500",
        "hi, just looking around",
    ],
)
def test_not_a_quantity(text: str) -> None:
    language = "ru" if any("а" <= c <= "я" for c in text.lower()) else "en"
    assert extract(text, language).quantity is None


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("60 people in the office", 60),
        ("an office for 40 employees", 40),
        ("we're a team of 25", 25),
        ("на 30 человек", 30),
        ("у нас 45 сотрудников", 45),
    ],
)
def test_team_size(text: str, size: int) -> None:
    assert extract(text).team_size == size


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("budget around 4000 USD", "4000", "USD"),
        ("$5k max", "5000", "USD"),
        ("we can spend €12,500", "12500", "EUR"),
        ("Бюджет 26 000 долларов", "26000", "USD"),
        ("до 300 тысяч рублей", "300000", "RUB"),
        ("бюджет 1,5 млн руб.", "1500000", "RUB"),
        ("our budget is 5000", "5000", None),
        ("The printer costs 3450 USD? Our budget is $3,000", "3000", "USD"),
    ],
)
def test_budget(text: str, amount: str, currency: str | None) -> None:
    budget = find_budget(text, find_money(text))
    assert budget is not None
    assert (budget.amount, budget.currency) == (Decimal(amount), currency)


@pytest.mark.parametrize("text", ["Is it 3450 USD?", "hi", "on 15.12.2026 at 10:00", "12 units"])
def test_no_budget(text: str) -> None:
    assert extract(text).budget is None


@pytest.mark.parametrize(
    ("text", "accepts"),
    [
        ("The price works for us.", True),
        ("OK, we accept", True),
        ("Deal!", True),
        ("Цена устраивает, оформляйте", True),
        ("Согласны", True),
        ("Please send a quote.", None),
        ("Пришлите, пожалуйста, КП", None),
        ("That's too expensive", False),
        ("Нас не устраивает цена", False),
    ],
)
def test_accepts_quote(text: str, accepts: bool | None) -> None:
    assert accepts_quote(text) is accepts


@pytest.mark.parametrize(
    ("text", "days", "phrase"),
    [
        ("delivered within a month", 30, "within a month"),
        ("in 2 weeks please", 14, "in 2 weeks"),
        ("next week", 7, "next week"),
        ("ASAP", 7, "ASAP"),
        ("нужно срочно", 7, "срочно"),
        ("запуск через 2 месяца", 60, "через 2 месяца"),
        ("through 2 months", 60, "through 2 months"),
        ("в течение двух недель", 14, "в течение двух недель"),
        ("by December 15", 21, "by December 15"),
        ("подключить нужно с 1 декабря", 7, "с 1 декабря"),
        ("к 1 марта", 97, "к 1 марта"),
        ("до конца года", 37, "до конца года"),
        ("by the end of the month", 6, "by the end of the month"),
        ("on November 2", 0, "on November 2"),  # passed within a month: due now
        ("on October 2", 312, "on October 2"),  # passed longer ago: next year's
        ("by 15.01.2027", 52, "15.01.2027"),
    ],
)
def test_timeline(text: str, days: int, phrase: str) -> None:
    found = find_timeline(text, NOW)
    assert found is not None
    assert (found.days, found.text) == (days, phrase)


@pytest.mark.parametrize(
    "text", ["20 kg every month", "каждый месяц по 5 кг", "a 2 year warranty?", "hi, just looking around"]
)
def test_no_timeline(text: str) -> None:
    assert find_timeline(text, NOW) is None


def test_timeline_rolls_into_next_year() -> None:
    found = find_timeline("by March 1", datetime(2026, 4, 15))
    assert found is not None and found.days == 320


@pytest.mark.parametrize("written", [datetime(2026, 12, 1), datetime(2026, 12, 3), datetime(2026, 12, 30)])
def test_a_start_date_just_passed_is_due_now_not_next_year(written: datetime) -> None:
    found = find_timeline("подключить нужно с 1 декабря", written)
    assert found is not None and found.days == 0
