"""Which countries a conversation points at, for reading phone numbers written the national way.

The conversation's language names a few (`lexicon/regions.yaml`); the message and the lead so far
may name more: an email domain's country code, a company's legal form, a currency.
"""

from __future__ import annotations

from collections.abc import Iterable

import phonenumbers

from bot.extract.legal_forms import countries_in
from bot.extract.lexicon import load


def language_regions(language: str) -> list[str]:
    """Countries whose phone formats a conversation in this language commonly uses."""
    return list(load("regions")["languages"].get(_base(language), []))


def hinted_regions(text: str, emails: Iterable[str], currencies: Iterable[str | None]) -> list[str]:
    """Countries the message points at: email domains first, then legal forms, then currencies."""
    found = [*(_email_region(e) for e in emails if e), *countries_in(text), *(currency_region(c) for c in currencies)]
    return list(dict.fromkeys(r for r in found if r))


def _base(language: str) -> str:
    return language.replace("_", "-").split("-")[0].lower()  # "ru-RU" → "ru"


def _email_region(address: str) -> str | None:
    table = load("regions")
    domain = address.rsplit(".", 1)[-1].lower()
    if domain in table["generic_domains"]:
        return None
    region = table["domain_countries"].get(domain, domain.upper())
    return region if region in phonenumbers.SUPPORTED_REGIONS else None


def currency_region(code: str | None) -> str | None:
    """ISO 4217 codes start with their country's ISO 3166 code (GBP → GB, KZT → KZ); EUR names none."""
    region = code[:2].upper() if code else None
    return region if region in phonenumbers.SUPPORTED_REGIONS else None
