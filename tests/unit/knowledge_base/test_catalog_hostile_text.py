"""Regressions: product matching on hostile text must not crash (found by a property test)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.catalog import Product
from knowledge_base.catalog import CsvCatalog


@pytest.fixture
def catalog() -> CsvCatalog:
    return CsvCatalog([Product("OF-300", "Office 300", "machines", Decimal("3450"), "USD", "pcs", 5, 7)])


@pytest.mark.parametrize(
    "text",
    [
        "¹",  # str.isdigit() is True, int() refuses it
        "²x³ Office",
        "1" * 5000,  # int() refuses more than 4300 digits
        "12x" + "9" * 5000,
        "60 на " + "6" * 5000,
    ],
)
def test_mentioned_survives_unusual_digits(catalog: CsvCatalog, text: str) -> None:
    assert catalog.mentioned(text) == []


def test_superscript_next_to_a_name_still_finds_the_product(catalog: CsvCatalog) -> None:
    assert [p.sku for p in catalog.mentioned("¹ Office 300")] == ["OF-300"]
