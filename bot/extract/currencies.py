"""Currencies written next to amounts: signs, ISO codes, and names in English and Russian."""

from __future__ import annotations

import re
from functools import cache

import babel.core
import babel.numbers

from bot.extract.lexicon import load

_LOCALES = ("en", "ru")
# Plural categories Babel names (one, few, many, other) are reached by these counts.
_COUNTS = (1, 2, 5, 1.5)
_WORD = re.compile(r"[^\W\d_]{3,30}")


@cache
def _names() -> dict[str, str]:
    """Every word of every currency name in every plural form, mapped to its currency, unless it
    names several and none of them is preferred."""
    codes_of: dict[str, set[str]] = {}
    for locale in _LOCALES:
        for code in _in_use():
            for count in (None, *_COUNTS):
                name = babel.numbers.get_currency_name(code, count, locale)
                for word in _WORD.findall(name.lower()):
                    codes_of.setdefault(word, set()).add(code)
    preferred = load("currencies")["preferred"]
    table: dict[str, str] = {}
    for word, codes in codes_of.items():
        chosen = next(iter(codes)) if len(codes) == 1 else next((c for c in preferred if c in codes), None)
        if chosen:
            table[word] = chosen
    table.update({word: code for word, code in load("currencies")["words"].items()})
    return table


@cache
def _in_use() -> frozenset[str]:
    """Legal tender of some country today: not gold (XAU), not the Soviet rouble."""
    territories = babel.core.get_global("territory_currencies")
    return frozenset(code for t in territories for code in babel.numbers.get_territory_currencies(t, tender=True))


@cache
def symbols() -> dict[str, str]:
    """Currency signs ("$", "₸", "zł") and their ISO codes."""
    return dict(load("currencies")["symbols"])


def currency_of(token: str) -> str | None:
    """The ISO 4217 code a sign, code or word stands for ("₸", "PLN", "злотых", "tenge"), else None."""
    token = token.strip().rstrip(".")
    if token in symbols():
        return symbols()[token]
    if len(token) == 3 and token.isupper() and token in _in_use():
        return token
    if token.lower() in ("usd", "eur", "gbp", "rub"):
        return token.upper()
    return _names().get(token.lower())
