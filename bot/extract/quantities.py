"""How many: the quantity of a product, and the size of the customer's team.

The caller masks money, dates, durations, phones and emails first, so a number left in the
text is a count. A count is taken only when it is tied to a product or a unit: "two Office
100", "20 kg", "10 шт", "an Printer 500".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.extract.text import ARTICLES, COUNT_RE, NUMBER_WORD_RE, Span, parse_count, same_stem

UNIT_WORDS = frozenset(
    """
    pcs pc piece pieces unit units item items kg kgs kilo kilos kilogram kilograms g gram grams lb lbs
    pack packs packet packets box boxes kit kits bag bags set sets bottle bottles case cases carton
    cartons licence licences license licenses
    шт штук штука штуки кг килограмм килограмма килограммов кило грамм упаковка упаковки упаковок
    пачка пачки пачек коробка коробки коробок комплект комплекта комплектов набор набора наборов
    мешок мешка мешков единица единицы единиц позиция позиции позиций бутылка бутылки бутылок
    """.split()
)
_TIME_UNITS = frozenset({"year", "years", "month", "months", "day", "days", "week", "weeks", "hour"})
_TOKEN = re.compile(r"\d{1,9}|[^\W\d_]{1,40}|[×*]")
# Words that end the phrase between a count and its product ("2 and the Printer 500" is no pair).
_BREAKS = frozenset({"and", "or", "but", "per", "и", "или", "но", "на", "for", "to", "in", "по"})
_PRONOUNS = frozenset({"them", "those", "these"})
_MAKE_IT = re.compile(rf"(?i:\b(?:make it|let's do|давайте|сделаем|пусть будет)\s(?P<n>\d{{1,5}}|{NUMBER_WORD_RE})\b)")
_TEAM = re.compile(
    rf"(?i:\b(?P<n>{COUNT_RE})\s?-?\s?(?:people|persons|person|employees|employee|staff"
    r"|workers|colleagues|users|team members|человек|чел\.|сотрудник\w{0,3}|работник\w{0,3}|коллег\w{0,2})"
    rf"(?!\w)|\b(?:team|staff|office) of (?P<m>{COUNT_RE})\b|\bкоманда из (?P<r>\d{{1,5}}))"
)


@dataclass(frozen=True, slots=True)
class ProductWords:
    """Words of the products in play: name words, model numbers written after them, units."""

    words: frozenset[str]
    model_numbers: frozenset[str]
    units: frozenset[str]
    prefixes: frozenset[str]  # 4-letter starts of `words`, for a fast first check

    @classmethod
    def of(cls, names: Iterable[str], units: Iterable[str]) -> ProductWords:
        """Build from product names, SKUs and categories, and their catalog units."""
        words: set[str] = set()
        numbers: set[str] = set()
        for name in names:
            for token in _TOKEN.findall(name.lower()):
                (numbers if token.isdecimal() else words).add(token)
        unit_set = {u.lower() for u in units} - _TIME_UNITS
        prefixes = frozenset(word[:4] for word in words if len(word) >= 4)
        return cls(frozenset(words), frozenset(numbers), frozenset(unit_set), prefixes)

    def names(self, token: str) -> bool:
        """Whether the token is (an inflection of) a product word."""
        if token in self.words:
            return True
        # same_stem needs a shared 4-letter start, so most tokens are ruled out in one lookup
        return token[:4] in self.prefixes and any(same_stem(token, word) for word in self.words)

    def is_unit(self, token: str) -> bool:
        """Whether the token is a unit of count ("kg", "шт", or a unit of a product in play)."""
        return token in UNIT_WORDS or token in self.units


def find_team_size(text: str) -> tuple[int, Span] | None:
    """The number of people ("60 people in the office", "на 30 человек")."""
    for match in _TEAM.finditer(text):
        count = parse_count(match.group("n") or match.group("m") or match.group("r") or "")
        if count:
            return count, Span(match.start(), match.end())
    return None


def find_quantity(text: str, products: ProductWords) -> int | None:
    """The first count tied to a product or a unit; model numbers ("Printer 500") are skipped."""
    tokens = [(m.group().lower(), m.start()) for m in _TOKEN.finditer(text)]
    for index, (token, _) in enumerate(tokens):
        count = _count_at(tokens, index, products)
        if count:
            return count
        if (
            token in ("x", "×", "*")
            and index + 1 < len(tokens)
            and not _inside_dimension(text, tokens[index][1])
            and _after_product(tokens, index, products)
        ):
            return parse_count(tokens[index + 1][0])
    made = _MAKE_IT.search(text)
    return parse_count(made.group("n")) if made else None


def _count_at(tokens: list[tuple[str, int]], index: int, products: ProductWords) -> int | None:
    token = tokens[index][0]
    following = [t for t, _ in tokens[index + 1 : index + 5]]
    if token in ARTICLES:
        return 1 if following and (products.names(following[0]) or products.is_unit(following[0])) else None
    count = parse_count(token)
    if not count or _is_model_number(tokens, index, products):
        return None
    if following and products.is_unit(following[0]):
        return count
    if following[:1] == ["of"] and len(following) > 1 and following[1] in _PRONOUNS:
        return count
    for word in following[:3]:
        if word in _BREAKS or parse_count(word) is not None:
            return None
        if products.names(word):
            return count
    return None


def _is_model_number(tokens: list[tuple[str, int]], index: int, products: ProductWords) -> bool:
    """Whether the number is part of a name ("300" in "Printer 500" or "PR-500"), not a count."""
    token = tokens[index][0]
    return token in products.model_numbers and index > 0 and products.names(tokens[index - 1][0])


def _inside_dimension(text: str, at: int) -> bool:
    """Whether the sign at `at` joins two numbers with no space, as in a size ("Panel 60x60")."""
    return 0 < at < len(text) - 1 and text[at - 1].isdigit() and text[at + 1].isdigit()


def _after_product(tokens: list[tuple[str, int]], index: int, products: ProductWords) -> bool:
    """Whether a multiplication sign follows a product name ("Printer 500 x 2")."""
    if index == 0:
        return False
    before = tokens[index - 1][0]
    return products.names(before) or _is_model_number(tokens, index - 1, products)
