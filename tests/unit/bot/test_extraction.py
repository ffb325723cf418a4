"""Extractors of who the customer is: email, phone, name, company, authority, products."""

from __future__ import annotations

import pytest

from bot.extract.authority import find_authority
from bot.extract.company import find_company
from bot.extract.contacts import find_emails, find_phones
from bot.extract.names import find_name
from bot.lead import Lead
from tests.unit.bot.lead_fixtures import extract


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("email: kim@northpeak.io", "kim@northpeak.io"),
        ("My email is Jane.Doe@Example.COM, Jane Doe.", "jane.doe@example.com"),
        ("Почта director@romashka.ru, спасибо", "director@romashka.ru"),
        ("write to <sales.lead+web@firm.co.uk>.", "sales.lead+web@firm.co.uk"),
        ("mailto:ops@firm.example", "ops@firm.example"),
    ],
)
def test_email(text: str, email: str) -> None:
    assert [e.value for e in find_emails(text)] == [email]


@pytest.mark.parametrize("text", ["a@b", "@@@@", "name@", "user@@host.com", "x@-bad-.com"])
def test_invalid_email_is_ignored(text: str) -> None:
    assert find_emails(text) == []


@pytest.mark.parametrize(
    ("text", "regions", "phone"),
    [
        ("телефон 8 (916) 123-45-67", ["RU"], "+79161234567"),
        ("+7 916 123 45 67", ["RU"], "+79161234567"),
        ("8-916-123-45-67", ["RU"], "+79161234567"),
        ("89161234567", ["RU"], "+79161234567"),
        ("+7(916)1234567", ["US"], "+79161234567"),
        ("+1 (415) 555-0123", ["US"], "+14155550123"),
        ("call (415) 555-0123 any time", ["US"], "+14155550123"),
        ("415.555.0123", ["US"], "+14155550123"),
        ("+44 (0) 20 7946 0958", ["US"], "+442079460958"),
        ("тел 8 916 123 45 67 2 шт", ["RU"], "+79161234567"),
        # a Russian number in an English conversation is found through the second region
        ("my cell is 8 (916) 123-45-67", ["US", "RU"], "+79161234567"),
    ],
)
def test_phone_formats(text: str, regions: list[str], phone: str) -> None:
    assert [p.value for p in find_phones(text, regions)] == [phone]


@pytest.mark.parametrize(
    "text",
    [
        "Бюджет 26 000 000 рублей",
        "budget around 4000 USD, order 12345",
        "с 15.12.2026 в 10:00",
        "I need 2 Nimbus Printer 500 and 5 boxes",
        "12345678901234567890",
    ],
)
def test_prices_dates_and_counts_are_not_phones(text: str) -> None:
    assert extract(text, "ru" if "Б" in text or "с " in text else "en").phone is None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hi, my name is Jane Doe and I need a printer", "Jane Doe"),
        ("my name is john smith", "John Smith"),
        ("I'm Jane Doe from Acme, we need toner", "Jane Doe"),
        ("This is Mark, I work at Bluefin", "Mark"),
        ("My email is jane.doe@acme.example, Jane Doe.", "Jane Doe"),
        ("Jane Doe, jane@acme.example", "Jane Doe"),
        ("Thanks!\n\nBest regards,\nMark Stein\nPurchasing, Bluefin Studio", "Mark Stein"),
        ("Thanks, Mark", "Mark"),
        ("Меня зовут Олег Петров, телефон 8 (916) 123-45-67", "Олег Петров"),
        ("меня зовут иван", "Иван"),
        ("Я — Анна Смирнова, офис-менеджер", "Анна Смирнова"),
        ("Нужен счёт.\n\nС уважением,\nИван Иванов\n+7 916 765-43-21", "Иван Иванов"),
    ],
)
def test_name(text: str, name: str) -> None:
    assert extract(text, "ru" if "я" in text.lower() else "en").name == name


@pytest.mark.parametrize(
    "text",
    [
        "I'm the office manager",
        "I'm interested in the Nimbus Printer 500",
        "I'm Looking for toner",
        "This is Nimbus Printer 500, right?",
        "Я — директор",
        "my name is not important",
        "Email: kim@northpeak.io",
        "hi, just looking around",
    ],
)
def test_not_a_name(text: str) -> None:
    assert extract(text).name is None


def test_name_helper_rejects_products() -> None:
    assert find_name("This is Printer 500.", [], is_product=lambda s: "500" in s) is None


@pytest.mark.parametrize(
    ("text", "company"),
    [
        ("Hi, we're Acme Logistics, 60 people in the office.", "Acme Logistics"),
        ("I'm Jane from Acme, we need toner", "Acme"),
        ("I'm the office manager at Acme Corp", "Acme"),  # "Corp" is a legal form, stripped like "LLC"
        ("Our company Northwind needs 3 printers", "Northwind"),
        ("We are Acme Logistics LLC.", "Acme Logistics"),
        ("I am CEO of Northwind Traders", "Northwind Traders"),
        ("Компания ООО Ромашка, я директор.", "Ромашка"),
        ("для сети кофеен «Зерно»", "Зерно"),
        ('кафе "Синий кит" открывается в марте', "Синий кит"),
        ('Счёт на ЗАО "Вектор Плюс"', "Вектор Плюс"),
        ("Best regards,\nMark Stein\nPurchasing, Bluefin Studio\n+1 (415) 555-0123", "Bluefin Studio"),
        ("Thanks,\nJane\nCEO, Foo Labs Inc.", "Foo Labs"),
    ],
)
def test_company(text: str, company: str) -> None:
    assert find_company(text) == company


@pytest.mark.parametrize(
    "text",
    [
        "email: kim@northpeak.io",  # never from the email domain
        "we're looking for a printer",
        "we'd like delivery from December 1",
        "hi, just looking around",
    ],
)
def test_no_company(text: str) -> None:
    assert find_company(text) is None


@pytest.mark.parametrize(
    ("text", "decides", "role"),
    [
        ("I'm the office manager and I decide on equipment.", True, "office manager"),
        ("I'm the decision maker here", True, None),
        ("The decision is mine.", True, None),
        ("I'm the owner of the cafe", True, "owner"),
        ("I am CEO of Northwind Traders", True, "ceo"),
        ("решение за мной", True, None),
        ("Компания ООО Ромашка, я директор.", True, "директор"),
        ("я решаю сам", True, None),
        ("я владелец кафе", True, "владелец"),
        ("I need to ask my boss first", False, None),
        ("I work at Bluefin as head of procurement", False, "head of procurement"),
        ("Я — офис-менеджер, решает директор", False, "офис-менеджер"),
        ("I'm the office manager", None, "office manager"),
        ("hi, just looking around", None, None),
    ],
)
def test_authority(text: str, decides: bool | None, role: str | None) -> None:
    found = find_authority(text)
    assert (found.is_decision_maker, found.role) == (decides, role)


def test_signature_role_decides_authority() -> None:
    update = extract("Please send a quote.\n\nBest regards,\nMark Stein\nPurchasing, Bluefin Studio")
    assert (update.is_decision_maker, update.decision_role) == (False, "purchasing")


def test_products_are_added_across_turns() -> None:
    assert extract("I need toner").skus is None  # "toner" alone names no product of this catalog
    first = extract("Do you have the Nimbus Printer 200?")
    assert first.skus == ("PR-200",)
    second = extract("and 10 boxes of Paper A4 Box", known=Lead(skus=("PR-200",)))
    assert second.skus == ("PR-200", "PA-A4")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Actually, make it one Nimbus Printer 500 instead", "en"),
        ("I'd rather take the Nimbus Printer 500", "en"),
        ("Change to Nimbus Printer 500 please", "en"),
        ("Вместо этого лучше Nimbus Printer 500", "ru"),
        ("Передумал, нужен Nimbus Printer 500", "ru"),
    ],
)
def test_correction_replaces_products(text: str, language: str) -> None:
    assert extract(text, language, known=Lead(skus=("PR-200", "PA-A4"))).skus == ("PR-500",)


def test_replaced_product_named_in_the_correction_is_dropped() -> None:
    known = Lead(skus=("PR-200",))
    assert extract("Nimbus Printer 500 instead of the Nimbus Printer 200", known=known).skus == ("PR-500",)


def test_comparison_question_is_not_a_correction() -> None:
    known = Lead(skus=("PA-A4",))
    update = extract("Что лучше: Nimbus Printer 200 или Nimbus Printer 500?", "ru", known=known)
    assert update.skus == ("PA-A4", "PR-200", "PR-500")
