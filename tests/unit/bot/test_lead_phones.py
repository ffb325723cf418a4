"""Phone numbers written the national way of another country, with "(0)" or a "00" prefix."""

from __future__ import annotations

import pytest

from bot.extract.contacts import find_phones
from bot.lead import Lead
from tests.unit.bot.lead_fixtures import extract


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("Tel. 0033 1 42 68 53 00", "+33142685300"),  # "00" is the international prefix
        ("mobile 0047 412 34 567", "+4741234567"),
        ("Phone: +41 (0)44 668 18 00", "+41446681800"),  # the "(0)" trunk prefix is dropped
        ("ring me on +31 (0)20 794 0911", "+31207940911"),
    ],
)
def test_international_prefixes(text: str, phone: str) -> None:
    assert [p.value for p in find_phones(text, ["US"])] == [phone]


def test_whole_digit_run_beats_a_shorter_reading_in_an_earlier_region() -> None:
    # As a US number it would drop the leading 8; as a Kazakh mobile it uses every digit.
    assert [p.value for p in find_phones("whatsapp 8 777 301 22 46", ["US", "RU"])] == ["+77773012246"]


@pytest.mark.parametrize(
    ("text", "language", "phone"),
    [
        # a Kazakh mobile in an English message
        ("Call Bolat on 8 705 210 44 18 please", "en", "+77052104418"),
        # a Belarusian landline with its trunk prefix in a Russian message
        ("Звоните: 8 (0152) 62-11-40", "ru", "+375152621140"),
        # a British mobile in an English message whose default region is the US
        ("my number is 07911 123456", "en", "+447911123456"),
    ],
)
def test_national_format_of_a_country_the_language_is_spoken_in(text: str, language: str, phone: str) -> None:
    assert extract(text, language).phone == phone


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        # the email's country domain says which country the bare number belongs to
        ("Piotr, tel. 512 330 871, piotr@meble-kowal.pl", "+48512330871"),
        # so does the company's legal form
        ("Zamówienie dla Meble Kowal Sp. z o.o., telefon 512 330 871", "+48512330871"),
        ("Лайма Озола, SIA «Koka Nams», тел. 2912 4478", "+37129124478"),
    ],
)
def test_email_domain_or_legal_form_names_the_country(text: str, phone: str) -> None:
    assert extract(text, "ru").phone == phone


def test_an_earlier_turns_email_names_the_country() -> None:
    known = Lead(email="ana@ferreira.pt")
    assert extract("ligue 912 345 678", "en", known=known).phone == "+351912345678"


def test_a_budget_currency_names_the_country() -> None:
    assert extract("Budget £2k. Phone 0113 496 0000", "en").phone == "+441134960000"


@pytest.mark.parametrize("text", ["order 1234567 shipped", "invoice 0042 5512 1199 3", "ref 0000000000"])
def test_reference_numbers_are_no_phones(text: str) -> None:
    assert extract(text, "en").phone is None
