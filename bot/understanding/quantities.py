"""How many of which product: counts read outside product names and specs, bound to a product.

Products and specs are found first, so "600x600", "100 W", "Panel 50" or "23 micron" are never
counts. A number is a count when a count unit stands next to it ("300 шт", "штук 300",
"40 packs"), when it stands right before or after the words that name a product ("800 коробок",
"25 of your garden pumps", "рулонов 200", "Printer 500 x 2"), or after "make it"; the count is
bound to the nearest product mention.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.catalog import Product, ProductMention
from bot.understanding.numbers import Number, find_numbers
from bot.understanding.resources import load_yaml
from bot.understanding.specs import Spec, find_specs, unit_of
from bot.understanding.stems import stem

# Characters between a count and what it counts: spaces, "of (the|your)", a hyphen.
_GAP = 24
_MAX_COUNT = 10_000_000
# Between a product and a count written after it: "Printer 500 x 2", "barrels, about forty",
# "шланг — рулонов 200" is handled by the unit rule.
_AFTER_PRODUCT = re.compile(
    r"\s*(?:x|х|×|\*|—|–|-|:|,)?\s*(?:(?:about|around|approximately|roughly|some|maybe|примерно|около|порядка"
    r"|где-то|штук|шт\.?|pcs)\s*)?"
)
# A preposition that introduces a spec ("котёл на 9 кВт"), not a new clause.
_SPEC_PREPOSITION = re.compile(r"\b(?:на|по|с|в|with|of|at|rated)\s*$")
_CONJUNCTIONS = frozenset({"and", "or", "but", "и", "или", "но", "а", "per", "на", "for", "to", "in", "по"})


@dataclass(frozen=True, slots=True)
class Quantity:
    """A count the customer asked for, where it stands, and the product it is bound to."""

    value: int
    start: int
    end: int
    sku: str | None = None


def _cue_words() -> tuple[frozenset[str], frozenset[str]]:
    data = load_yaml("quantities.yaml")
    return frozenset(data["before_count"]), frozenset(data["bridges"])


def find_quantities(
    text: str,
    products: Sequence[ProductMention],
    specs: Sequence[Spec],
    taken: Iterable[tuple[int, int]] = (),
    count_units: Iterable[str] = (),
) -> list[Quantity]:
    """Counts in the order written. `taken` are spans already read as something else (money,
    dates, phones); `count_units` the words the company's catalog counts in."""
    parts = [part for m in products for part in m.parts]
    # "Printer 500 x 2": a "size" that starts inside a product's name is a multiplication.
    specs = [s for s in specs if not (s.kind == "size" and _inside(s.start, s.start + 1, parts))]
    counted = {(s.start, s.end) for s in specs
               if (s.is_count or _sold_by(s, products)) and not _inside(s.start, s.end, parts)}
    measured = [(s.start, s.end) for s in specs if (s.start, s.end) not in counted]
    blocked = [*taken, *measured, *parts]
    units = {u.lower() for u in count_units}
    found: list[Quantity] = []
    for number in find_numbers(text):
        if not number.is_integer or not 0 < number.value < _MAX_COUNT:
            continue
        if any(a <= number.start < b or a < number.end <= b for a, b in blocked):
            continue
        if _pack_size(text, number, products):
            continue
        if _is_count(text, number, products, units, counted):
            product = _nearest(number, products)
            value = _in_selling_units(text, number, product)
            found.append(Quantity(value, number.start, number.end, product.sku if product else None))
    if not found and products:
        found = _articles(text, products)
    return found


def _articles(text: str, products: Sequence[ProductMention]) -> list[Quantity]:
    """"We need a Nimbus Printer 500": an article right before a product's words means one."""
    for mention in products:
        for start, _ in mention.parts:
            article = re.search(r"\b(?:a|an|one)\s+$", text[max(0, start - 6):start], re.IGNORECASE)
            if article is not None:
                at = max(0, start - 6) + article.start()
                return [Quantity(1, at, at + len(article.group().strip()), mention.product.sku)]
    return []


def _inside(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(a <= start and end <= b for a, b in spans)


def _pack_size(text: str, number: Number, products: Sequence[ProductMention]) -> bool:
    """"24 упаковки по 1000 штук", "40 packs of 1000": the number a product's unit holds
    ("упаковка 1000 шт", "box of 50 rolls") is what one unit contains, not how many units."""
    before = text[max(0, number.start - 12):number.start].lower()
    said_as_content = bool(re.search(r"(?:\bпо|\bof|\bx|×|\bà|\bс)\s*$", before))
    for mention in products:
        inside = {int(n) for n in re.findall(r"\d+", mention.product.unit)}
        if int(number.value) in inside and said_as_content:
            return True
    return False


def pack_count(unit: str) -> int:
    """How many pieces one selling unit holds: "bag of 500" → 500, "bag (4 packs x 25 ties)" → 100,
    "упаковка 10 пар" → 10; a measure is no count ("bottle 500 ml", "бухта 100 м" → 1)."""
    measured = [(s.start, s.end) for s in find_specs(unit) if not s.is_count]
    count = 1
    for match in re.finditer(r"\d+", unit):
        if not any(a <= match.start() < b for a, b in measured):
            count *= int(match.group())
    return count


def _in_selling_units(text: str, number: Number, product: Product | None) -> int:
    """The count in the units the product is sold in: "1000 screws" of a product sold by the "box of
    200" are 5 boxes, "500 cable ties" 5 bags of 100; a count said in the pack itself ("20 boxes"),
    or one that is no whole number of packs, stays as said."""
    value = int(number.value)
    if product is None:
        return value
    per_pack = pack_count(product.unit)
    if per_pack < 2 or value < per_pack or value % per_pack:
        return value
    pack_word = re.match(r"[^\W\d_]+", product.unit.lower())
    near = text[number.end:number.end + _GAP] + " " + text[max(0, number.start - _GAP):number.start]
    if pack_word and stem(pack_word.group()) in {stem(w) for w in re.findall(r"[^\W\d_]+", near.lower())}:
        return value
    return value // per_pack


def _sold_by(spec: Spec, products: Sequence[ProductMention]) -> bool:
    """A measure in the unit a product is sold in is its quantity: "2 000 пог. м" of a product
    priced per linear metre, "500 kg" of one priced per kg."""
    for mention in products:
        unit = unit_of(mention.product.unit)
        if unit is not None and not unit.count and unit.kind == spec.kind and spec.unit == unit.code:
            return True
    return False


def _is_count(
    text: str, number: Number, products: Sequence[ProductMention], units: set[str], counted: set[tuple[int, int]]
) -> bool:
    if any(a == number.start for a, _ in counted):
        return True  # "300 шт", "forty packs"
    before = text[max(0, number.start - _GAP):number.start].lower()
    after = text[number.end:number.end + _GAP].lower()
    if _unit_before(before, units) or _unit_after(after, units):
        return True
    if re.search(r"(?:make it|let's do|давайте|пусть будет|сделаем)\s*$", before):
        return True
    if re.match(r"\s[^\W\d_]{2,20}\s(?:of|из)\b", after):
        return True  # "250 rolls of ...", "40 packs of ..."
    if re.match(r"\s(?:of (?:them|those|these)|из них|штук из них)\b", after) and products:
        return True  # "the 2 l/h ones, 25 000 of them"
    return _next_to_product(number, text, products)


def _unit_before(before: str, units: set[str]) -> bool:
    """"штук 300", "рулонов — 200": a count unit right before the number."""
    word = re.search(r"([^\W\d_]+)[\s:—–-]{0,3}$", before)
    return bool(word and _is_unit(word.group(1), units))


def _unit_after(after: str, units: set[str]) -> bool:
    word = re.match(r"\s?(?:-\s?)?([^\W\d_]+\.?)", after)
    return bool(word and _is_unit(word.group(1), units))


def _is_unit(word: str, units: set[str]) -> bool:
    word = word.lower().rstrip(".")
    unit = unit_of(word)
    if unit is not None and unit.count:
        return True
    # A catalog unit in any inflection: "рулонов" for "рулон", "упаковки" for "упаковка".
    return stem(word) in {stem(u) for u in units if len(u) >= 2}


def _next_to_product(number: Number, text: str, products: Sequence[ProductMention]) -> bool:
    """The number stands right before a product's words ("800 коробок", "25 of your chairs")
    or right after them with a multiplication sign or a dash ("Printer 500 x 2")."""
    bridges = _cue_words()[1]
    for mention in products:
        for start, end in mention.parts:
            between = text[number.end:start].lower() if start >= number.end else None
            if between is not None and text[start:start + 1].isdigit():
                # The product is named by its spec: "2 электрокотла на 9 кВт", "3 heaters with 2 kW".
                between = _SPEC_PREPOSITION.sub("", between)
            if between is not None and len(between) <= _GAP and _only_bridges(between, bridges):
                return True
            gap = text[end:number.start].lower() if number.start >= end else None
            if gap is not None and _AFTER_PRODUCT.fullmatch(gap):
                return True
    return False


def _only_bridges(between: str, bridges: frozenset[str]) -> bool:
    """Up to four words, at most two of them other than linking words ("25 of your basic ...",
    "3 машины"), with no sentence break or conjunction between the count and the product."""
    words = re.findall(r"[^\W\d_]+", between)
    if re.search(r"[.;!?\n,]", between) or any(w in _CONJUNCTIONS for w in words):
        return False
    other = [w for w in words if w not in bridges]
    return len(words) <= 4 and len(other) <= 2


def _nearest(number: Number, products: Sequence[ProductMention]) -> Product | None:
    if not products:
        return None

    def distance(mention: ProductMention) -> int:
        return min((abs(a - number.end) if a >= number.end else abs(number.start - b)) for a, b in mention.parts) \
            if mention.parts else 10**6

    return min(products, key=distance).product
