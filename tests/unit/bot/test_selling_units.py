"""Counts in the units a product is sold in: pieces said for a product sold in packs become packs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.catalog import Product
from bot.understanding.quantities import find_quantities, pack_count
from bot.understanding.specs import find_specs
from knowledge_base.catalog import CsvCatalog


def item(sku: str, name: str, unit: str) -> Product:
    return Product(sku, name, "fasteners", Decimal("4.50"), "EUR", unit, 50, 2)


CATALOG = CsvCatalog([
    item("WS-8", "Wood screws 8 mm", "box of 200"),
    item("CT-3", "Cable ties 300 mm", "bag (4 packs x 25 ties)"),
    item("OIL-1", "Cutting oil", "bottle 500 ml"),
    item("SH-60", "Шайба 6", "упаковка 100 шт"),
    item("INV-8", "Инвертор сетевой 8 кВт", "шт"),
    item("INV-5", "Инвертор сетевой 5 кВт", "шт"),
], [])


@pytest.mark.parametrize(("unit", "count"), [
    ("box of 200", 200), ("bag (4 packs x 25 ties)", 100), ("bottle 500 ml", 1), ("бухта 100 м", 1),
    ("упаковка 100 шт", 100), ("pcs", 1),
])
def test_what_one_selling_unit_holds(unit: str, count: int) -> None:
    assert pack_count(unit) == count


@pytest.mark.parametrize(("text", "value"), [
    ("We need 1000 wood screws 8 mm", 5),  # 1000 screws are 5 boxes of 200
    ("1000 boxes of wood screws 8 mm", 1000),  # said in boxes: boxes
    ("price for 3 boxes of wood screws 8 mm", 3),
    ("300 wood screws 8 mm", 300),  # not a whole number of boxes: as said
    ("cable ties 300 mm, 500 pieces", 5),
    ("Шайба 6 — 2000 шт", 20),
    ("2 упаковки шайба 6", 2),
    ("8 шт сетевых инверторов 8 кВт", 8),  # the count's 8 is not the spec's
])
def test_a_count_of_pieces_becomes_packs(text: str, value: int) -> None:
    mentions = CATALOG.resolve(text).products
    assert mentions, text
    found = find_quantities(text, mentions, find_specs(text, CATALOG.count_units()), (), CATALOG.count_units())
    assert [q.value for q in found][:1] == [value]
