"""Understanding a message, one test per class of error that made it fail on new companies.

The catalog is a garden-water shop invented for these tests (no evaluation kit's data): names
full of numbers that are not quantities, look-alikes that differ in one spec, an accessory that
shares words with a main product, one product named in Russian.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import cache

import pytest

from bot.catalog import Product
from bot.lead import Lead
from bot.model import ConversationKey, InboundMessage
from bot.session import Session
from bot.understanding.model import Understanding
from bot.understanding.pipeline import Context, Understander
from knowledge_base.catalog import CsvCatalog

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _product(sku: str, name: str, category: str, price: str, unit: str = "pcs", description: str = "",
             related: tuple[str, ...] = ()) -> Product:
    return Product(sku, name, category, Decimal(price), "EUR", unit, 50, 4, description, related)


@cache
def catalog() -> CsvCatalog:
    return CsvCatalog(
        [
            _product("GP-800", "Garden Pump 800 W", "pumps", "149.00", description="Surface pump, 3 m³/h.",
                     related=("HR-1", "FT-1")),
            _product("GP-1200", "Garden Pump 1200 W", "pumps", "219.00", description="Surface pump, 4.5 m³/h."),
            _product("HR-1", "Hose Reel for Garden Pump", "accessories", "39.00", description="Wall-mounted reel."),
            _product("FT-1", "Suction Filter for Garden Pump", "accessories", "12.00"),
            _product("RB-200", "Rain Barrel 200 l", "barrels", "59.00"),
            _product("RB-300", "Rain Barrel 300 l", "barrels", "79.00"),
            _product("DH-13", "Drip Hose 13 mm x 25 m", "hoses", "18.50", unit="roll"),
            _product("SH-19", "Шланг поливочный 19 мм", "hoses", "2.40", unit="m", description="Армированный шланг."),
        ]
    )


def understand(text: str, language: str = "en", focus: tuple[str, ...] = ()) -> Understanding:
    key = ConversationKey("test", "shop", "chat", "customer")
    session = Session(key, language=language, lead=Lead(), last_skus=list(focus))
    message = InboundMessage(key, "m1", text, received_at=NOW)
    return Understander(Context(catalog(), phone_regions={"ru": "RU"})).understand(message, session)


def skus(u: Understanding) -> list[str]:
    return [p.sku for p in u.named]


# 1. Numbers inside product names and specs are not quantities.
@pytest.mark.parametrize(
    ("text", "sku"),
    [
        ("Do you have the Garden Pump 1200 W?", "GP-1200"),
        ("price of the drip hose 13 mm x 25 m", "DH-13"),
        ("the 300 l rain barrel please", "RB-300"),
    ],
)
def test_a_number_in_a_name_or_spec_is_no_quantity(text: str, sku: str) -> None:
    u = understand(text)
    assert skus(u) == [sku]
    assert u.quantities == ()


def test_a_count_before_the_spec_is_the_quantity_and_the_spec_is_not() -> None:
    u = understand("25 of your basic 800 W garden pumps")
    assert skus(u) == ["GP-800"] and u.quantity_for("GP-800") == 25


# 2. Quantities in words or after the noun.
@pytest.mark.parametrize(
    ("text", "quantity"),
    [
        ("сто одна бочка Rain Barrel 200 l", 101),
        ("Rain Barrel 200 l, штук 60", 60),
        ("about forty units of the Rain Barrel 300 l", 40),
        ("rain barrels 300 l, about forty", 40),
        ("Шланг поливочный 19 мм — 2 500 м", 2500),  # sold by the metre: metres are the quantity
    ],
)
def test_quantities_in_words_or_after_the_noun(text: str, quantity: int) -> None:
    u = understand(text, "ru" if any("а" <= c <= "я" for c in text.lower()) else "en")
    assert len(u.named) == 1
    assert u.quantity_for(u.named[0].sku) == quantity


# 3. Product resolution by type and spec: the spec decides, an accessory never wins over it.
@pytest.mark.parametrize(
    ("text", "sku"),
    [
        ("the 1200 W pumps", "GP-1200"),
        ("10 garden pumps, the 800 W ones", "GP-800"),
        ("the smaller rain barrel", "RB-200"),
        ("the bigger rain barrel", "RB-300"),
        ("a hose reel for the garden pump", "HR-1"),
    ],
)
def test_type_and_spec_resolve_one_product(text: str, sku: str) -> None:
    assert skus(understand(text)) == [sku]


def test_candidates_that_truly_tie_are_offered_as_choices() -> None:
    u = understand("how much is a rain barrel?")
    assert u.named == () and {p.sku for p in u.choices} == {"RB-200", "RB-300"}


def test_a_stated_spec_no_product_has_settles_nothing() -> None:
    assert "GP-800" not in skus(understand("the 5000 W garden pump"))


def test_a_russian_word_meets_an_english_name_by_transliteration() -> None:
    assert skus(understand("сколько стоит Garden Pump 800 W?", "ru")) == ["GP-800"]


# 4. Intent routing.
@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("What do I need to buy with the Garden Pump 800 W to mount it?", "cross_sell"),
        ("Is the Garden Pump 1200 W in stock?", "availability"),
        ("Can I pick up my order at your warehouse?", "policy"),
        ("Is there a stronger pump than the Garden Pump 800 W?", "upsell"),
        ("40 Rain Barrel 300 l", "quote"),
        ("Что у вас есть в ассортименте?", "catalog"),
        ("Hi! What do you sell?", "catalog"),
    ],
)
def test_intent(text: str, intent: str) -> None:
    assert understand(text).intent == intent


def test_a_product_name_that_is_also_a_service_word_does_not_make_a_policy_question() -> None:
    # "Reel" and "Filter" are no delivery words, but "pick up" in a product name would be:
    # intents are read with the product's own words blanked out.
    assert understand("How much is the Suction Filter for Garden Pump?").intent == "quote"


def test_the_conversation_focus_carries_to_a_follow_up() -> None:
    u = understand("is it in stock?", focus=("RB-300",))
    assert [p.sku for p in u.in_play] == ["RB-300"] and u.intent == "availability"


# 3b. Product resolution when the words differ from the catalog's: a model code before the noun,
# one side of a size, a word the catalog writes as a longer derived word (or in Russian).
@cache
def fittings() -> CsvCatalog:
    return CsvCatalog(
        [
            _product("VB-2040", "Valve Body 20/40", "valves", "31.00"),
            _product("VB-2060", "Valve Body 20/60", "valves", "36.00"),
            _product("TB-16", "Tube PE 16x2.0, coil 100 m", "tubes", "120.00", unit="coil"),
            _product("TB-20", "Tube PE 20x2.0, coil 100 m", "tubes", "150.00", unit="coil"),
            _product("HT-E", "Нагреватель электрический 2 кВт", "нагреватели", "90.00"),
            _product("HT-G", "Нагреватель газовый 2 кВт", "нагреватели", "95.00"),
            _product("MK-B2", "Marker Pen Level B2", "markers", "4.00"),
            _product("MK-B4", "Marker Pen Level B4", "markers", "5.00"),
            _product("CP-F", "Cap Class F Red", "caps", "7.00"),
            _product("CP-H", "Cap Class H Blue", "caps", "8.00"),
            _product("DL-40", "Desk Lamp 40 W", "lamps", "30.00"),
            _product("DL-BK", "Desk Lamp Bulb Kit", "lamps", "9.00"),
            _product("VS-3", "Жилет сигнальный Class 3 (10 шт)", "жилеты", "120.00", unit="pack"),
        ]
    )


def understand_in(catalog: CsvCatalog, text: str) -> Understanding:
    key = ConversationKey("test", "shop", "chat", "customer")
    message = InboundMessage(key, "m1", text, received_at=NOW)
    return Understander(Context(catalog)).understand(message, Session(key, lead=Lead()))


@pytest.mark.parametrize(
    ("text", "sku", "quantity"),
    [
        ("six of the 20/60 valve bodies please", "VB-2060", 6),
        ("price for 3 coils of the 16 mm tube?", "TB-16", 3),
        ("two electric heaters, 2 kW", "HT-E", 2),
        ("сколько стоят 3 обогревателя на 2 кВт, электрических?", "HT-E", 3),
        ("we'd need 30 of the B4 markers", "MK-B4", 30),
        ("Кепки класса H, штук двадцать", "CP-H", 20),
        ("desk lamps, the 40 W ones, 12 pcs", "DL-40", 12),
        ("Жилеты Class 3 для бригады — 3 упаковки", "VS-3", 3),
    ],
)
def test_the_catalog_words_said_another_way_still_settle_the_product(text: str, sku: str, quantity: int) -> None:
    u = understand_in(fittings(), text)
    assert [p.sku for p in u.named] == [sku]
    assert u.quantity_for(sku) == quantity
