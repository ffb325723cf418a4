"""Companies named with a legal form of any country, after a job phrase, or in quotes."""

from __future__ import annotations

import pytest

from bot.extract.company import find_company


@pytest.mark.parametrize(
    ("text", "company"),
    [
        ("Заказчик — ТОО «Каспий Логистик», счёт на него.", "Каспий Логистик"),
        ("Pasūtītājs: SIA «Baltic Wood»", "Baltic Wood"),
        ("We are Brightwater Analytics GmbH from Leipzig.", "Brightwater Analytics"),
        ("Order for Jasna Góra Meble Sp. z o.o., please.", "Jasna Góra Meble"),
        ("Tilaaja on Pohjola Valo Oy.", "Pohjola Valo"),
        ("Invoice to UAB Vilniaus spaustuvė, thanks", "Vilniaus spaustuvė"),
        ("Fakturujte na Pražská Pekárna s.r.o.", "Pražská Pekárna"),
        ("Partner: Norrsken Bygg AS", "Norrsken Bygg"),
        ("Company: Redhill & Sons LLP.", "Redhill & Sons"),
        ("ИП Ахметов, оплата по счёту", "Ахметов"),
        ("Please bill Tartu Mõis OÜ.", "Tartu Mõis"),
    ],
)
def test_legal_forms_of_many_countries(text: str, company: str) -> None:
    assert find_company(text) == company


@pytest.mark.parametrize(
    ("text", "company"),
    [
        ("Hi, I manage facilities for Harbour Point business park.", "Harbour Point"),
        ("I look after purchasing at Greenfield Dental, we need a quote.", "Greenfield Dental"),
        ("I own The Copper Kettle, a small tea room.", "The Copper Kettle"),
        ("We run Northgate Fitness in two towns.", "Northgate Fitness"),
    ],
)
def test_company_after_a_job_phrase(text: str, company: str) -> None:
    assert find_company(text) == company


@pytest.mark.parametrize(
    ("text", "company"),
    [
        ("Мы сеть автомоек «Чистый Путь», нужен расчёт.", "Чистый Путь"),
        ("Пишу от имени студии «Белый Лист».", "Белый Лист"),
    ],
)
def test_quoted_organisation_in_russian_without_a_business_word_list(text: str, company: str) -> None:
    assert find_company(text) == company


@pytest.mark.parametrize(
    "text",
    [
        "We need them as soon as possible.",
        "I manage deliveries for Monday mornings.",
        "Нужна доставка в Алматы к пятнице.",
    ],
)
def test_no_company(text: str) -> None:
    assert find_company(text) is None
