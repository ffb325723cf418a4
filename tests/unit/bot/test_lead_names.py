"""Names listed with a contact or the company, in a signature without a closing, signing off."""

from __future__ import annotations

import pytest

from bot.lead import Lead
from tests.unit.bot.lead_fixtures import extract


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Жду счёт. Пётр Семёнов, ООО «Кедр», +7 921 555 20 10", "Пётр Семёнов"),
        ("Оплатим сразу. Тимур Алиев, 8 (727) 250-11-22", "Тимур Алиев"),
        ("Пишите на info@kedr.example — Захар, ООО «Кедр».", "Захар"),
        ("Contact: Łucja Kowalczyk, lucja@piekarnia.example", "Łucja Kowalczyk"),
        ("Send it over. Bjørn Ødegård, Fjordlys AS, +47 412 34 567", "Bjørn Ødegård"),
    ],
)
def test_name_listed_with_a_contact_or_the_company(text: str, name: str) -> None:
    assert extract(text, "ru" if "а" in text else "en").name == name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Прошу выставить счёт.\n\nАрсений Волков\nведущий инженер\nАО «Гранит»\n+7 495 123-45-67", "Арсений Волков"),
        (
            "Please quote 40 units.\n\nHelen O'Brien\nHead of Operations\nDunmore Foods Ltd\n+353 1 555 0199",
            "Helen O'Brien",
        ),
        ("Please confirm.\n\nBest regards\nDr. Ingrid Haugen\nLaboratory lead", "Ingrid Haugen"),
        ("Can you deliver on Friday?\n\nRegards,\nŁucja Nowak", "Łucja Nowak"),
        ("Thanks, Søren", "Søren"),
        ("Жду ответа.\n\nЗаранее спасибо!\nОлег Гусев", "Олег Гусев"),
    ],
)
def test_signature_with_or_without_a_closing(text: str, name: str) -> None:
    assert extract(text, "ru" if "а" in text else "en").name == name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Пока только присматриваюсь. Ульяна", "Ульяна"),
        ("Вероника. Хотела бы узнать про доставку.", "Вероника"),
        ("Will decide after the holidays.\n\nGreta", "Greta"),
        ("Tom Baker here, we need a quote.", "Tom Baker"),
        ("Hi! Ola Nordmann from Fjordlys AS.", "Ola Nordmann"),
    ],
)
def test_name_opening_or_signing_off(text: str, name: str) -> None:
    assert extract(text, "ru" if "а" in text and "Hi" not in text else "en").name == name


@pytest.mark.parametrize(
    "text",
    [
        # a city or a company in the same listing is no person: Natasha tells them apart
        "Доставка: Екатеринбург, +7 912 000 11 22",
        "Склад Северный, тел. 8 (343) 222-33-44",
        "Поставка нужна в марте. Спасибо",
        "Москва. Нужна доставка до склада.",
        "Понятно. А сколько стоит доставка?",
        "Please send it to Riverside, +1 415 555 0144",
    ],
)
def test_places_and_words_are_no_names(text: str) -> None:
    assert extract(text, "ru" if "а" in text else "en").name is None


def test_a_first_name_signing_off_keeps_the_full_name() -> None:
    known = Lead(name="Greta Lindqvist")
    assert extract("One more thing: delivery to the back door.\n\nGreta", known=known).name is None
