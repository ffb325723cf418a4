"""A message that asks for several products gets all of them, each from its own clause."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.catalog import Product
from knowledge_base.catalog import CsvCatalog


def item(sku: str, name: str, category: str) -> Product:
    return Product(sku, name, category, Decimal("100"), "EUR", "pcs", 5, 1)


CATALOG = CsvCatalog([
    item("HP-6", "Heat pump 6 kW monoblock", "heat pumps"),
    item("HP-9", "Heat pump 9 kW monoblock", "heat pumps"),
    item("TK-200", "Hot water tank 200 l", "tanks"),
    item("TK-300", "Hot water tank 300 l", "tanks"),
    item("PN-4", "Солнечная панель 400 Вт моно", "панели"),
    item("PN-5", "Солнечная панель 550 Вт моно", "панели"),
    item("PB-5", "Солнечная панель 550 Вт двусторонняя", "панели"),
    item("IN-5", "Гибридный инвертор 5 кВт однофазный", "инверторы"),
    item("IN-8", "Гибридный инвертор 8 кВт трёхфазный", "инверторы"),
], [])


@pytest.mark.parametrize(("text", "skus"), [
    # the first product is said by its type and spec only: the whole message names just the second
    ("Хотим 12 панелей 550 моно и гибридный инвертор 5 кВт", ["PN-5", "IN-5"]),
    ("Please quote 2 heat pumps of 9 kW and 2 hot water tanks of 300 l.", ["HP-9", "TK-300"]),
    ("A 6 kW heat pump. Also a 200 l tank.", ["HP-6", "TK-200"]),
    ("The 9 kW heat pump and when can you deliver?", ["HP-9"]),  # a clause with no product adds none
])
def test_each_clause_brings_its_product(text: str, skus: list[str]) -> None:
    assert [m.product.sku for m in CATALOG.resolve(text).products] == skus
