"""Shared text helpers: normalization, spans, masking and number words."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# One-to-one character replacements, so offsets in the normalized text match the original.
_TRANSLATE = str.maketrans(
    {
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u2007": " ",
        "\u2019": "'",
        "\u2018": "'",
        "\u2010": "-",
        "\u2011": "-",
        "\u2212": "-",
        "\t": " ",
        "\r": " ",
    }
)

# A capitalized word of a proper name: Latin or Cyrillic, bounded so matching stays linear.
CAP_WORD = r"[A-ZА-ЯЁ][a-zа-яё]{1,30}(?:[-'][A-ZА-ЯЁa-zа-яё][a-zа-яё]{0,30})?"
# A word of a company name may also be all capitals or start with a digit ("3M", "IBM").
ORG_WORD = r"(?:[A-ZА-ЯЁ0-9][\w&'+-]{0,30}|&)"

EN_NUMBERS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12, "couple": 2, "pair": 2,
}  # fmt: skip

RU_NUMBERS: dict[str, int] = {
    "один": 1, "одна": 1, "одну": 1, "одно": 1, "одного": 1, "одной": 1,
    "два": 2, "две": 2, "двух": 2, "пару": 2, "пара": 2, "пары": 2,
    "три": 3, "трех": 3, "трёх": 3, "четыре": 4, "четырех": 4, "четырёх": 4,
    "пять": 5, "пяти": 5, "шесть": 6, "шести": 6, "семь": 7, "семи": 7,
    "восемь": 8, "восьми": 8, "девять": 9, "девяти": 9, "десять": 10, "десяти": 10,
    "одиннадцать": 11, "двенадцать": 12, "пятнадцать": 15, "двадцать": 20, "двадцати": 20,
    "тридцать": 30, "тридцати": 30, "сорок": 40, "сорока": 40, "пятьдесят": 50,
    "пятидесяти": 50, "сто": 100, "ста": 100, "полтора": 1, "полторы": 1,
}  # fmt: skip

NUMBER_WORDS: dict[str, int] = {**EN_NUMBERS, **RU_NUMBERS}
# "a"/"an" count as one only right before a product or unit ("an Office 300").
ARTICLES = frozenset({"a", "an"})
NUMBER_WORD_RE = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
# A count in a pattern that scans the whole text: digits or any one word, checked in code with
# `parse_count`. An alternation of every number word would be tried at every word boundary.
COUNT_RE = r"\d{1,7}|[^\W\d_]{1,14}"


@dataclass(frozen=True, slots=True)
class Span:
    """Where a fact was found in the (normalized) text."""

    start: int
    end: int


def normalize(text: str) -> str:
    """Unify spaces, apostrophes and hyphens without changing any offsets."""
    return text.translate(_TRANSLATE)


def mask(text: str, spans: Iterable[Span]) -> str:
    """Blank out spans with spaces so later extractors don't read them twice."""
    chars = list(text)
    for span in spans:
        chars[span.start : span.end] = " " * (span.end - span.start)
    return "".join(chars)


def word_number(word: str) -> int | None:
    """The value of a number word in English or Russian ("two", "три"), else None."""
    return NUMBER_WORDS.get(word.lower())


def parse_count(token: str) -> int | None:
    """An integer count from digits or a number word, None for anything else."""
    if token.isdecimal():
        return int(token) if len(token) <= 7 else None
    return word_number(token)


def same_stem(token: str, word: str) -> bool:
    """Loose match of inflected forms ("grinders"/"grinder", "машины"/"машина")."""
    if token == word:
        return True
    if len(word) < 4 or len(token) < 4:
        return False
    common = 0
    for a, b in zip(token, word, strict=False):
        if a != b:
            break
        common += 1
    return common >= max(4, len(word) - 2, len(token) - 3)
