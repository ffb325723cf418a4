"""Specifications written with numbers: "100 W", "23 мкм", "0,75 kW", "600x600", "400 на 300 на 200 мм".

The same reader runs over product names and descriptions (at ingest) and over customer
messages, so "23 micron" in an English question and "23 мкм" in a Russian catalog meet on
one key (`length:0.023`). A spec is never a quantity; a count unit ("pcs", "шт", a unit the
company sells in) marks one. Units are data (`data/units.yaml`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from bot.understanding.numbers import Number, digits_value, find_numbers
from bot.understanding.resources import load_yaml

# Dimensions: two or three numbers joined by x, х, ×, *, "на" or "by", an optional "+40" flap.
_NUM = r"\d{1,6}(?:[.,]\d{1,3})?"
_BY = r"\s?(?:x|х|×|\*)\s?|\s(?:на|by)\s"
_DIMENSION = re.compile(
    rf"(?<![\w.,])(?P<a>{_NUM})(?:{_BY})(?P<b>{_NUM})(?:(?:{_BY})(?P<c>{_NUM}))?(?:\s?\+\s?(?P<plus>{_NUM}))?",
    re.IGNORECASE,
)
# Single letters read as units only when glued to the number ("12V") or capitalised ("12 V"):
# spaced lowercase "в", "a", "г" are words ("5 в неделю", "2 a day").
_SPACED_LETTERS_OK = frozenset({"m", "м", "l", "л", "t", "т", "k", "%", '"', "″"})


@dataclass(frozen=True, slots=True)
class Unit:
    """A unit of measure: its code, what it measures, the factor to the base unit."""

    code: str
    kind: str
    factor: Decimal
    count: bool = False


@dataclass(frozen=True, slots=True)
class Spec:
    """A measured property written in a text, with its language-free key."""

    kind: str  # "power", "length", "size" (dimensions), "items" (a count unit) ...
    value: Decimal  # in the kind's base unit; the largest side for a size
    key: str  # comparable across languages: "power:100", "size:200x300x400"
    start: int
    end: int
    unit: str = ""

    @property
    def is_count(self) -> bool:
        return self.kind == "items"


@lru_cache(maxsize=1)
def _units() -> tuple[dict[str, Unit], re.Pattern[str], dict[str, int]]:
    data = load_yaml("units.yaml")
    forms: dict[str, Unit] = {}
    for code, spec in data["units"].items():
        unit = Unit(str(code), str(spec["kind"]), Decimal(str(spec["factor"])), bool(spec.get("count", False)))
        for form in spec["forms"]:
            forms[str(form).lower()] = unit
    alternation = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    pattern = re.compile(rf"(?P<gap>\s?-?\s?)(?P<unit>{alternation})(?![^\W_])", re.IGNORECASE)
    prefixes = {str(k): int(v) for k, v in data["numeral_prefixes"].items()}
    return forms, pattern, prefixes


def unit_of(word: str) -> Unit | None:
    """The unit a written form stands for ("Вт" → W), or None."""
    return _units()[0].get(word.lower().strip())


def _key(kind: str, value: Decimal) -> str:
    return f"{kind}:{_plain(value)}"


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def find_specs(text: str, count_units: Iterable[str] = ()) -> list[Spec]:
    """Every spec in the text, in order, none overlapping.

    `count_units` are extra words that count items (a company's catalog units: "roll",
    "рулон"); a number before one of them is marked as a count, not a spec.
    """
    found = _dimensions(text)
    taken = [(s.start, s.end) for s in found]
    numbers = [n for n in find_numbers(text) if not _inside(n.start, n.end, taken)]
    found += _measures(text, numbers, _count_pattern(tuple(sorted(set(count_units)))))
    found += _numeral_compounds(text, [(s.start, s.end) for s in found])
    return sorted(found, key=lambda s: s.start)


def _inside(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(a <= start and end <= b for a, b in spans)


def _dimensions(text: str) -> list[Spec]:
    found: list[Spec] = []
    for match in _DIMENSION.finditer(text):
        if match.group("c") and _spaced_then_glued(text, match):
            # "4 x 30x120": a count times a size; read the size alone
            inner = _DIMENSION.match(text, match.start("b"))
            if inner is None:
                continue
            match = inner
        sides = [digits_value(match.group(g)) for g in ("a", "b", "c") if match.group(g)]
        values = [v for v in sides if v is not None]
        if len(values) < 2:
            continue
        end = match.end()
        unit = _units()[1].match(text, end)
        factor = Decimal(1)
        unit_code = ""
        if unit and (u := unit_of(unit.group("unit"))) is not None and u.kind == "length":
            factor, unit_code, end = u.factor, u.code, unit.end()
        sized = sorted((v * factor).normalize() for v in values)
        key = "size:" + "x".join(_plain(v) for v in sized)
        found.append(Spec("size", max(sized), key, match.start(), end, unit_code))
    return found


def _spaced_then_glued(text: str, match: re.Match[str]) -> bool:
    first = text[match.end("a"):match.start("b")]
    second = text[match.end("b"):match.start("c")]
    return first != first.strip() and second == second.strip()


@lru_cache(maxsize=64)
def _count_pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    if not words:
        return None
    alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"\s?(?:{alternation})[^\W\d_]{{0,3}}(?![^\W_])", re.IGNORECASE)


def _measures(text: str, numbers: list[Number], counts: re.Pattern[str] | None) -> list[Spec]:
    _, pattern, _ = _units()
    found: list[Spec] = []
    for number in numbers:
        match = pattern.match(text, number.end)
        if match and _unit_allowed(match):
            unit = unit_of(match.group("unit"))
            if unit is not None:
                value = number.value * unit.factor
                kind = unit.kind
                found.append(Spec(kind, value, _key(kind, value), number.start, match.end(), unit.code))
                continue
        if counts is not None and (hit := counts.match(text, number.end)):
            found.append(Spec("items", number.value, _key("items", number.value), number.start, hit.end(), "catalog"))
    return found


def _unit_allowed(match: re.Match[str]) -> bool:
    written = match.group("unit")
    if len(written) > 1 or not match.group("gap"):
        return True
    return written.lower() in _SPACED_LETTERS_OK or written.isupper()


def _numeral_compounds(text: str, taken: list[tuple[int, int]]) -> list[Spec]:
    """"трёхслойная" = 3 layers: a Russian numeral prefix glued to a unit word."""
    forms, _, prefixes = _units()
    found: list[Spec] = []
    for match in re.finditer(r"[а-яё]{6,}", text, re.IGNORECASE):
        word = match.group().lower().replace("ё", "е")
        for prefix, value in prefixes.items():
            rest = word[len(prefix):]
            prefix_plain = prefix.replace("ё", "е")
            if word.startswith(prefix_plain) and (unit := forms.get(rest)) is not None and not unit.count:
                if not _inside(match.start(), match.end(), taken):
                    amount = Decimal(value) * unit.factor
                    key = _key(unit.kind, amount)
                    found.append(Spec(unit.kind, amount, key, match.start(), match.end(), unit.code))
                break
    return found
