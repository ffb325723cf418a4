"""A garment or glove size said as a word meets the product named by its letter."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.catalog import Product
from knowledge_base.catalog import CsvCatalog


def coat(sku: str, size: str) -> Product:
    return Product(sku, f"Rain coat size {size}", "workwear", Decimal("30"), "EUR", "pcs", 5, 1)


CATALOG = CsvCatalog([coat("RC-S", "S"), coat("RC-M", "M"), coat("RC-L", "L"), coat("RC-XL", "XL")], [])


@pytest.mark.parametrize(("text", "sku"), [
    ("rain coats medium, 40 pieces", "RC-M"),
    ("rain coats, size medium, 40 pieces", "RC-M"),
    ("12 large rain coats", "RC-L"),
    ("rain coat size XL", "RC-XL"),
])
def test_a_size_word_meets_its_letter(text: str, sku: str) -> None:
    assert [m.product.sku for m in CATALOG.resolve(text).products] == [sku]
