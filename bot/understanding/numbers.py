"""Numbers as customers write them: digits with thousands separators or decimals, and words.

"2 500", "1,500", "0,75", "сто двадцать", "three hundred and thirty-three", "полторы тысячи",
"15k", "2 тыс." all become a `Number` with its span, so later steps can tell a quantity from a
size and never read one number twice. Number words come from number-parser's language tables
(a maintained package), not from lists of our own; the few forms it lacks are in
`data/numbers.yaml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import import_module

from number_parser import parse_number

from bot.understanding.resources import load_yaml

LANGUAGES = ("en", "ru")

# Digits: groups of three after a space or comma make one number ("2 500", "1,500");
# a comma or point followed by one or two digits is a decimal ("0,75", "1.5").
_DIGITS = re.compile(
    # thousands apart by a space, a comma or, the Swiss way, an apostrophe ("12'000")
    r"(?<![\w.,])(?:\d{1,3}(?:[ \u00a0\u202f\u2009,'\u2019]\d{3})+(?![\d]|[.,]\d)|\d{1,12}(?:[.,]\d{1,3})?)(?![\w])"
    r"|(?<![\w.,])\d{1,12}(?=[^\W\d_])"  # glued to a word: "100W", "15k", "60x60"
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_SUFFIX = re.compile(r"\s?(?P<mult>k|к|тыс\.?|thousand|млн\.?|mln|million)(?![^\W_])", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Number:
    """A number written in a text, its value and where it stands."""

    value: Decimal
    start: int
    end: int
    in_words: bool = False

    @property
    def is_integer(self) -> bool:
        return self.value == self.value.to_integral_value()


@lru_cache(maxsize=1)
def _extra() -> dict[str, Decimal]:
    data = load_yaml("numbers.yaml")
    return {str(k): Decimal(str(v)) for k, v in data["extra_words"].items()}


@lru_cache(maxsize=1)
def _multipliers() -> dict[str, Decimal]:
    data = load_yaml("numbers.yaml")
    return {str(k): Decimal(str(v)) for k, v in data["multipliers"].items()}


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, str]:
    """Every number word number-parser knows in our languages → its language."""
    words: dict[str, str] = {}
    for language in LANGUAGES:
        info = import_module(f"number_parser.data.{language}").info
        for table in ("UNIT_NUMBERS", "DIRECT_NUMBERS", "TENS", "HUNDREDS", "BIG_POWERS_OF_TEN"):
            for word in info[table]:
                words.setdefault(str(word), language)
    return words


def _skip_words() -> frozenset[str]:
    return frozenset({"and", "и"})


def digits_value(raw: str) -> Decimal | None:
    """The value of a digit string as written: "2 500" → 2500, "1,500" → 1500, "12'000" → 12000,
    "0,75" → 0.75."""
    compact = re.sub(r"[\s\u00a0\u202f\u2009'\u2019]", "", raw)
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", compact):
        compact = compact.replace(",", "")
    try:
        return Decimal(compact.replace(",", "."))
    except InvalidOperation:
        return None


def find_numbers(text: str) -> list[Number]:
    """Every number in the text, in order, digits and words alike."""
    found = [*_digit_numbers(text), *_word_numbers(text)]
    return sorted(found, key=lambda n: n.start)


def _digit_numbers(text: str) -> list[Number]:
    found: list[Number] = []
    for match in _DIGITS.finditer(text):
        value = digits_value(match.group())
        if value is None:
            continue
        end = match.end()
        suffix = _SUFFIX.match(text, end)
        if suffix:
            value *= _multipliers().get(suffix.group("mult").lower().rstrip("."), Decimal(1))
            end = suffix.end()
        found.append(Number(value, match.start(), end))
    return found


def _word_numbers(text: str) -> list[Number]:
    """Runs of number words ("сто двадцать", "three hundred and five") read as one number."""
    lexicon, extra = _lexicon(), _extra()
    words = [(m.group().lower().replace("ё", "е"), m.start(), m.end()) for m in _WORD.finditer(text)]
    found: list[Number] = []
    i = 0
    while i < len(words):
        word = words[i][0]
        if word in extra and word not in lexicon:
            # "полторы тысячи": a half-word times the power that follows it
            power = _multipliers().get(words[i + 1][0]) if i + 1 < len(words) else None
            power = power or _power(words[i + 1][0]) if i + 1 < len(words) else None
            end = words[i + 1][2] if power else words[i][2]
            found.append(Number(extra[word] * (power or 1), words[i][1], end, in_words=True))
            i += 2 if power else 1
            continue
        if word not in lexicon:
            i += 1
            continue
        j = i + 1
        while j < len(words) and (words[j][0] in lexicon or (words[j][0] in _skip_words() and j + 1 < len(words)
                                                             and words[j + 1][0] in lexicon)):
            j += 1
        number = _run_value(words[i:j], lexicon[word], extra)
        if number is not None:
            found.append(number)
        i = j
    return found


def _power(word: str) -> Decimal | None:
    """The value of a big power word ("тысячи", "thousand"), else None."""
    language = _lexicon().get(word)
    if language is None:
        return None
    powers = import_module(f"number_parser.data.{language}").info["BIG_POWERS_OF_TEN"]
    return Decimal(powers[word]) if word in powers else None


def _run_value(run: list[tuple[str, int, int]], language: str, extra: dict[str, Decimal]) -> Number | None:
    phrase = " ".join(w for w, _, _ in run)
    value = parse_number(phrase, language=language)
    if value is None:
        # A lone big power ("тысяча", "thousand") is 1000; anything else unreadable is no number.
        return None
    return Number(Decimal(value), run[0][1], run[-1][2], in_words=True)


def half_words() -> dict[str, Decimal]:
    """Words such as "полтора" that number-parser does not read."""
    return dict(_extra())
