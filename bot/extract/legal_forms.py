"""Legal forms of companies (ООО, ТОО, GmbH, Sp. z o.o., SIA, Oy, LLP, …) and the countries they hint at."""

from __future__ import annotations

import re
from functools import cache

from bot.extract.lexicon import load


def _alternation(forms: list[str]) -> str:
    # Longest first, so "GmbH & Co. KG" wins over "GmbH" and "Pty Ltd" over "Ltd".
    return "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))


@cache
def before_forms() -> str:
    """A pattern of the forms written before the name ("ООО «Василёк»")."""
    return _alternation(list(load("legal_forms")["before"]))


@cache
def after_forms() -> str:
    """A pattern of the forms written after the name ("Acme GmbH")."""
    return _alternation(list(load("legal_forms")["after"]))


@cache
def any_form() -> str:
    """A pattern of every form, wherever it is written."""
    table = load("legal_forms")
    return _alternation(sorted({*table["before"], *table["after"]}))


@cache
def _form_pattern() -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.])(?:{any_form()})(?![\w])")


def countries_in(text: str) -> list[str]:
    """Countries hinted at by the legal forms written in the text, in order, without repeats."""
    table = load("legal_forms")
    found: list[str] = []
    for match in _form_pattern().finditer(text):
        form = match.group()
        found += table["before"].get(form, []) + table["after"].get(form, [])
    return list(dict.fromkeys(found))
