"""A word the customer denies ("not insulated", "без подогрева", "non-thermostatic") argues
against the products whose names have it, in both languages, and never names them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.catalog import Product
from knowledge_base.catalog import CsvCatalog
from knowledge_base.catalog_terms import terms


def item(sku: str, name: str, category: str, price: str) -> Product:
    return Product(sku, name, category, Decimal(price), "EUR", "pcs", 5, 1)


@pytest.fixture
def catalog() -> CsvCatalog:
    return CsvCatalog([
        item("CL-20", "Pipe clamp 20 mm", "clamps", "2.10"),
        item("CL-20I", "Insulated pipe clamp 20 mm", "clamps", "3.40"),
        item("DR-800", "Дрель 800 Вт", "дрели", "90"),
        item("DR-800U", "Дрель ударная 800 Вт", "дрели", "110"),
        item("RV-1", "Radiator valve", "valves", "10"),
        item("RV-1T", "Radiator valve thermostatic", "valves", "24"),
        item("BT-S", "Boot liner without heating", "liners", "15"),
        item("BT-H", "Boot liner heated", "liners", "45"),
    ], [])


@pytest.mark.parametrize(("text", "sku"), [
    ("20 pipe clamps 20 mm, not insulated", "CL-20"),
    ("нужна дрель 800 Вт, не ударная", "DR-800"),
    ("the non-thermostatic radiator valve please", "RV-1"),
    ("radiator valve without a thermostatic head", "RV-1"),
    ("Radiator valve, no thermostatic head", "RV-1"),
    ("Insulated pipe clamp 20 mm", "CL-20I"),  # said, not denied
    ("No, the insulated clamp 20 mm", "CL-20I"),  # "No," answers; it denies nothing
    ("a boot liner without heating", "BT-S"),  # the name's own denial agrees with the customer's
])
def test_a_denied_word_picks_the_product_without_it(catalog: CsvCatalog, text: str, sku: str) -> None:
    resolution = catalog.resolve(text)
    assert [m.product.sku for m in resolution.products] == [sku], resolution


def test_a_denied_word_is_marked_and_not_said() -> None:
    keys = {t.word: t.keys for t in terms("без фильтра, not the sterile ones")}
    assert all(k.startswith("not:") for k in keys["фильтра"] | keys["sterile"])
    assert "без" not in keys and "not" not in keys


def test_a_capitalised_stop_word_is_no_model_letter() -> None:
    assert [t.word for t in terms("How much is The valve? Class G")] == ["valve", "class", "g"]
