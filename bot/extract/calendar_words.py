"""Month and weekday names in English and Russian, in every form a customer writes them.

The names come from Babel's CLDR data in each context (stand-alone "январь", format "января") and
width ("Jan", "февр."); the other Russian cases ("в феврале", "к пятнице", "до понедельника") are
built from the nominative by the regular endings of its declension.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from babel.dates import get_day_names, get_month_names

_LOCALES = ("en", "ru")
_CONTEXTS: tuple[Literal["format", "stand-alone"], ...] = ("format", "stand-alone")
_WIDTHS: tuple[Literal["wide", "abbreviated"], ...] = ("wide", "abbreviated")
# Case endings by how the nominative ends: январь/май (soft), пятница/среда (-а), март/вторник
# (consonant), воскресенье (-е). Endings that would make another common word ("среди") are left out.
_SOFT = ("ь", "й", "я", "ю", "е", "ем", "ём")
_FEMININE = ("а", "ы", "у", "е", "ой")
_HARD = ("", "а", "у", "е", "ом")
_NEUTER = ("е", "я", "ю", "ем")


def russian_forms(nominative: str) -> set[str]:
    """The singular case forms of a regular Russian noun ("февраль" → "февраля", "феврале", …)."""
    word = nominative.lower()
    if word.endswith(("ь", "й")):
        return {word[:-1] + e for e in _SOFT}
    if word.endswith("а"):
        return {word[:-1] + e for e in _FEMININE}
    if word.endswith("е"):
        return {word[:-1] + e for e in _NEUTER}
    return {word + e for e in _HARD}


def _forms(names_of: dict[int, str], locale: str, nominative: bool) -> dict[str, int]:
    table: dict[str, int] = {}
    for number, name in names_of.items():
        plain = name.lower().rstrip(".")
        table[plain] = number
        if locale == "ru" and nominative:
            table.update(dict.fromkeys(russian_forms(plain), number))
    return table


@cache
def months() -> dict[str, int]:
    """Every written form of a month name, lowercase, to its number (1–12)."""
    table: dict[str, int] = {}
    for locale in _LOCALES:
        for context in _CONTEXTS:
            for width in _WIDTHS:
                names = dict(get_month_names(width, context=context, locale=locale))
                table.update(_forms(names, locale, nominative=(context, width) == ("stand-alone", "wide")))
    return table


@cache
def weekdays() -> dict[str, int]:
    """Every written form of a weekday name (wide names only: "sat" is a word), to 0–6 from Monday,
    as Babel numbers them."""
    table: dict[str, int] = {}
    for locale in _LOCALES:
        for context in _CONTEXTS:
            names = dict(get_day_names("wide", context=context, locale=locale))
            table.update(_forms(names, locale, nominative=context == "stand-alone"))
    return table


def alternation(table: dict[str, int]) -> str:
    """A regex alternation of the table's words, longest first."""
    return "|".join(sorted(table, key=len, reverse=True))
