"""Number words in English and Russian: the one source every extractor reads.

Cardinals and their Russian case forms ("сто пятьдесят", "семисот тысяч", "one hundred and
twenty") come from number-parser; the few words it lacks (fractions such as "полтора",
collective counts such as "dozen") are in `lexicon/numbers.yaml`. "полтора" is 1.5 everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from importlib import import_module

from number_parser import parse_number
from number_parser.parser import LanguageData

from bot.extract.lexicon import load

LANGUAGES = ("en", "ru")
_WORD = re.compile(r"[^\W\d_]{1,20}")
# Words allowed inside a run of number words ("one hundred and twenty", "twenty-five").
_JOINERS = frozenset({"and", "-"})
_MAX_RUN = 8


@dataclass(frozen=True, slots=True)
class NumberPhrase:
    """A number written in words and where."""

    value: Decimal
    start: int
    end: int


def fold(word: str) -> str:
    """Lowercase without combining marks ("трёх" → "трех", "тысячей" → "тысячеи"), as number-parser
    keys its tables, so a word matches whatever way it was typed."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


@cache
def spelled_words() -> dict[str, Decimal]:
    """Every number word as typed (lowercase) with its value, in all languages."""
    table: dict[str, Decimal] = {}
    for language in LANGUAGES:
        info = import_module(f"number_parser.data.{language}").info
        for group in ("UNIT_NUMBERS", "DIRECT_NUMBERS", "TENS", "HUNDREDS", "BIG_POWERS_OF_TEN"):
            table.update({word.lower(): Decimal(value) for word, value in info[group].items()})
        table.update({word: Decimal(str(value)) for word, value in load("numbers")[language].items()})
    return table


@cache
def _folded() -> dict[str, Decimal]:
    return {fold(word): value for word, value in spelled_words().items()}


@cache
def _powers() -> dict[str, int]:
    """Words and abbreviations of thousand, million, billion, folded."""
    powers = {fold(word): int(value) for word, value in load("numbers")["powers"].items()}
    for language in LANGUAGES:
        powers.update({word: value for word, value in LanguageData(language).big_powers_of_ten.items() if value > 100})
    return powers


@cache
def power_words() -> frozenset[str]:
    """Thousand, million, billion as typed, in every case form, and their abbreviations."""
    spelled = {word for word, value in spelled_words().items() if value >= 1000}
    return frozenset(spelled | set(load("numbers")["powers"]))


def word_value(word: str) -> Decimal | None:
    """The value of one number word ("три", "fifteen", "полтора"), else None."""
    return _folded().get(fold(word))


def power_value(word: str) -> int | None:
    """The multiplier a word or abbreviation stands for ("тысяч", "k", "млн."), else None."""
    return _powers().get(fold(word.rstrip(".")))


def phrase_value(words: Sequence[str]) -> Decimal | None:
    """The value of a run of number words, or None if they don't make one number.

    "сто пятьдесят" → 150, "fifteen thousand" → 15000, "полтора миллиона" → 1500000.
    """
    folded = [part for word in words for part in re.split(r"[\s-]+", fold(word)) if part and part not in _JOINERS]
    return _value_of(tuple(folded)) if folded else None


# number-parser rebuilds its language tables on every call; a message repeats its phrases.
@lru_cache(maxsize=4096)
def _value_of(folded: tuple[str, ...]) -> Decimal | None:
    if len(folded) == 1:
        return word_value(folded[0])
    power = power_value(folded[-1])
    head = _value_of(folded[:-1]) if power else None
    if power and head is not None and head < power:  # "полтора миллиона", "two hundred thousand"
        return _plain(head * power)
    for language in LANGUAGES:
        value = parse_number(" ".join(folded), language)
        if value is not None:
            return Decimal(value)
    return None


def _plain(value: Decimal) -> Decimal:
    """1500000, not 1500000.0."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def number_phrases(text: str) -> list[NumberPhrase]:
    """Every number written in words, longest runs first read as one number."""
    tokens = [m for m in _WORD.finditer(text) if word_value(m.group()) is not None or m.group().lower() == "and"]
    found: list[NumberPhrase] = []
    run: list[re.Match[str]] = []
    for token in [*tokens, None]:
        if token is not None and run and _joined(text, run[-1], token) and len(run) < _MAX_RUN:
            run.append(token)
            continue
        found += _read_run(run)
        run = [token] if token is not None and token.group().lower() != "and" else []
    return found


def _joined(text: str, last: re.Match[str], token: re.Match[str]) -> bool:
    """Whether two number words belong to one number: only spaces or a hyphen between them."""
    return text[last.end() : token.start()].strip(" -") == ""


def _read_run(run: list[re.Match[str]]) -> list[NumberPhrase]:
    """The numbers in a run of words, trying the whole run first, then shorter heads."""
    while run and run[-1].group().lower() == "and":
        run = run[:-1]
    out: list[NumberPhrase] = []
    while run:
        for end in range(len(run), 0, -1):
            value = phrase_value([m.group() for m in run[:end]])
            if value is not None:
                out.append(NumberPhrase(value, run[0].start(), run[end - 1].end()))
                run = run[end:]
                break
        else:
            run = run[1:]
    return out
