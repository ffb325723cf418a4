"""The company's home country for phone numbers written without a country code."""

from __future__ import annotations

from collections import Counter

from bot.extract.regions import currency_region
from bot.ports import Catalog
from config.settings import Settings

FALLBACK_REGION = "US"


def home_region(settings: Settings, catalog: Catalog | None = None) -> str:
    """`phone_default_region` when set; else the country of the catalog's currency (a company
    pricing in AED is in the UAE: "052 334 8890" is a UAE mobile); else the US."""
    if settings.phone_default_region:
        return settings.phone_default_region
    currencies = Counter(p.currency for p in catalog.products()) if catalog else Counter[str]()
    if currencies:
        region = currency_region(currencies.most_common(1)[0][0])
        if region:
            return region
    return FALLBACK_REGION
