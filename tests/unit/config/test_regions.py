"""Phone numbers written the local way are read in the company's own country."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bot.catalog import Product
from bot.extraction import extract_update
from bot.lead import Lead
from config.regions import home_region
from config.settings import Settings
from knowledge_base.catalog import CsvCatalog


def priced_in(currency: str) -> CsvCatalog:
    return CsvCatalog([Product("A-1", "Anchor Bolt", "fixings", Decimal("2.00"), currency, "pcs", 5, 1)], [])


@pytest.mark.parametrize(("currency", "region"), [("AED", "AE"), ("CHF", "CH"), ("KZT", "KZ"), ("EUR", "US")])
def test_the_home_country_is_the_catalog_currency_s_country(tmp_path: Path, currency: str, region: str) -> None:
    assert home_region(Settings(data_dir=tmp_path), priced_in(currency)) == region


def test_a_configured_region_wins(tmp_path: Path) -> None:
    assert home_region(Settings(data_dir=tmp_path, phone_default_region="DE"), priced_in("AED")) == "DE"


def test_a_local_number_is_read_in_the_home_country(tmp_path: Path) -> None:
    catalog = priced_in("AED")
    region = home_region(Settings(data_dir=tmp_path), catalog)
    update = extract_update("Call me back pls 0559017788", catalog=catalog, known=Lead(), language="en",
                            now=datetime(2026, 12, 1, tzinfo=UTC), default_region=region)
    assert update.phone == "+971559017788"
