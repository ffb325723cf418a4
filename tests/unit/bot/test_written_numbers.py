"""Numbers as customers write them, and phone numbers read in the company's own country first."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.catalog import Product
from bot.extraction import extract_update
from bot.lead import Lead
from bot.understanding.numbers import find_numbers
from knowledge_base.catalog import CsvCatalog


@pytest.mark.parametrize(("text", "value"), [
    ("we need 9'600 of them", Decimal(9600)),  # Swiss thousands
    ("we need 12’000 of them", Decimal(12000)),
    ("we need 2 500 of them", Decimal(2500)),
    ("we need 1,500 of them", Decimal(1500)),
])
def test_thousands_separators(text: str, value: Decimal) -> None:
    assert [n.value for n in find_numbers(text)] == [value]


CATALOG = CsvCatalog([Product("V-1", "Valve", "valves", Decimal("10"), "CHF", "pcs", 1, 1)], [])


def test_a_number_valid_in_several_hinted_countries_is_read_in_the_company_s_own() -> None:
    # "GmbH" hints at Germany, Austria and Switzerland; the number is valid in Germany and
    # Switzerland; a Swiss company reads it as Swiss.
    update = extract_update("Olga Berger, Beauty Lab GmbH, 076 555 18 22", catalog=CATALOG, known=Lead(),
                            language="ru", now=datetime(2026, 12, 1, tzinfo=UTC), default_region="CH",
                            regions={"ru": "RU"})
    assert update.phone == "+41765551822"


def test_energy_is_its_own_measure_in_both_languages() -> None:
    from bot.understanding.specs import find_specs

    keys = [s.key for s in find_specs("a 10 kWh battery, аккумулятор 10 кВт·ч, 10 кВтч, inverter 10 kW")]
    assert keys == ["energy:10000", "energy:10000", "energy:10000", "power:10000"]
