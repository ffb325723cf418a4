"""Shared text helpers: normalization, spans, masking and number words."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from bot.extract.numbers import spelled_words, word_value


def _whole(value: Decimal) -> bool:
    return value == value.to_integral_value() and value < 1000



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

# A capitalized word of a proper name in any script ("Wróbel", "Ковалёва", "O'Neil"), bounded so
# matching stays linear. Unicode classes: compile with the `regex` module.
CAP_WORD = r"\p{Lu}(?:\p{Ll}{1,30}(?:[-']\p{L}\p{Ll}{0,30})?|'\p{Lu}\p{Ll}{1,30})"

# Single number words with whole values, as typed ("три", "forty"). Thousands and millions are
# multipliers of the number before them ("две тысячи"), read by `numbers.phrase_value`.
NUMBER_WORDS: dict[str, int] = {word: int(v) for word, v in spelled_words().items() if _whole(v)}
# "a"/"an" count as one only right before a product or unit ("an Printer 500").
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
    """The whole value of a number word in English or Russian ("two", "трёх"), else None:
    "полтора" is 1.5, so it is no count."""
    value = word_value(word)
    return int(value) if value is not None and _whole(value) else None


def parse_count(token: str) -> int | None:
    """An integer count from digits or a number word, None for anything else."""
    if token.isdecimal():
        return int(token) if len(token) <= 7 else None
    return word_number(token)


def same_stem(token: str, word: str) -> bool:
    """Loose match of inflected forms ("pumps"/"pump", "машины"/"машина")."""
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
