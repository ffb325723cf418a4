"""Phrases: the words of a text that spell (part of) one product's name, and when they name it.

*Weights.* A name term weighs ln(1 + N / df), N products of which df have that word in their name,
so a word many products share ("Nimbus", "Printer") counts less than a distinctive one
("Plus", "300").

*Phrases.* A phrase is a run of consecutive content terms of the text (stopwords do not break it)
that each match a different term of one product's name, in any order; except that a plain number
counts only when it stands on the same side of a matched name word as in the name: "Printer 500"
says 500 of the Printer, "20 pumps" does not name "Pump 20" (there 20 is a quantity). A
dimension ("60x60", "60 на 60") counts on either side.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.catalog import Product
from knowledge_base.catalog_terms import GENERIC_KEYS, Synonyms, Term, normalize, terms


@dataclass(frozen=True, slots=True)
class Entry:
    """A product with its analysed name, the weight of each name term, and its other vocabularies."""

    index: int
    product: Product
    name: tuple[Term, ...]
    weights: tuple[float, ...]
    category: frozenset[str]
    description: frozenset[str]
    sku: re.Pattern[str]
    distinct: frozenset[int]  # slots of name words no other product's name has
    specs: Mapping[str, frozenset[str]] = field(default_factory=dict)  # spec kind → keys (name + description)

    def coverage(self, slots: frozenset[int]) -> float:
        total = sum(self.weights)
        return sum(self.weights[s] for s in slots) / total if total else 0.0


@dataclass(frozen=True, slots=True)
class Phrase:
    """Terms of the text (`positions`) spelling name terms (`slots`) of one product."""

    entry: Entry
    positions: frozenset[int]
    slots: frozenset[int]
    start: int

    @property
    def coverage(self) -> float:
        return self.entry.coverage(self.slots)

    def names_product(self, text: list[Term]) -> bool:
        """Two or more name terms (or the whole name), at least one beyond the category's words; or one
        word only this product's name has, next to a generic noun ("the Plus plan", "модель Pro")."""
        name = self.entry.name
        if len(self.slots) >= 2 or len(self.slots) == len(name):
            return any(name[s].is_number or not name[s].keys & self.entry.category for s in self.slots)
        (slot,), (position,) = self.slots, self.positions
        neighbours = text[max(position - 1, 0):position] + text[position + 1:position + 2]
        generic = any(t.keys & GENERIC_KEYS for t in neighbours)
        return generic and slot in self.entry.distinct and not name[slot].is_number

    @property
    def unmatched(self) -> int:
        return len(self.entry.name) - len(self.slots)

    def beaten_by(self, other: Phrase) -> bool:
        """Another product's phrase over more of these words, or over the same words with no more
        of its name left unsaid (so an exact tie beats both and neither is named)."""
        if other.positions > self.positions:
            return True
        return other.positions == self.positions and other.unmatched <= self.unmatched


def make_entry(
    index: int, product: Product, name: tuple[Term, ...], df: Counter[str], n: int, synonyms: Synonyms | None = None
) -> Entry:
    weights = tuple(max(math.log(1 + n / df[k]) for k in t.keys) for t in name)
    category = frozenset(k for t in terms(product.category, synonyms) if not t.is_number for k in t.keys)
    described = terms(product.description, synonyms)
    description = frozenset(k for t in described if not t.is_number for k in t.keys)
    distinct = frozenset(s for s, t in enumerate(name) if any(df[k] == 1 for k in t.keys))
    specs: dict[str, set[str]] = {}
    for term in (*name, *described):
        for key in term.keys:
            if term.is_dimension and ":" in key:
                specs.setdefault(key.split(":")[0], set()).update(term.keys)
    frozen = {kind: frozenset(keys) for kind, keys in specs.items()}
    return Entry(index, product, name, weights, category, description, _sku_pattern(product.sku), distinct, frozen)


def _sku_pattern(sku: str) -> re.Pattern[str]:
    """The SKU as a whole word, parts joined by an optional separator: "BL-CM300", "bl cm300", "BLCM300"."""
    parts = re.findall(r"[0-9a-zа-я]+", normalize(sku))
    body = r"[\s\-_./]?".join(re.escape(p) for p in parts) or re.escape(sku.lower())
    return re.compile(rf"(?<![0-9a-zа-я]){body}(?![0-9a-zа-я])")


def find_phrases(entry: Entry, text: list[Term], hits: Sequence[int]) -> list[Phrase]:
    """The maximal runs of text terms that each match a different term of the entry's name.

    `hits` are the ascending positions of the text terms sharing a key with the name: only
    there can a phrase start or continue, which keeps long messages cheap.
    """
    found: list[Phrase] = []
    end = -1
    for start in hits:
        if start <= end:
            continue
        used: dict[int, int] = {}  # name slot → text position
        end = start
        while end < len(text):
            slot = _free_slot(entry, text[end], used)
            if slot is None:
                break
            used[slot] = end
            end += 1
        phrase = _validated(entry, text, used)
        if phrase is not None:
            found.append(phrase)
    return found


def _free_slot(entry: Entry, term: Term, used: dict[int, int]) -> int | None:
    """The first name term not yet used in this phrase that the text term matches."""
    return next((s for s, t in enumerate(entry.name) if s not in used and t.keys & term.keys), None)


def _validated(entry: Entry, text: list[Term], used: dict[int, int]) -> Phrase | None:
    """Drops plain numbers standing on the wrong side of the name's words; a phrase needs a word or a
    dimension, since a bare number is as likely a quantity as a model."""
    words = {s: p for s, p in used.items() if not entry.name[s].is_number}
    if not words and not any(entry.name[s].is_dimension for s in used):
        return None
    kept = dict(words)
    for slot, pos in used.items():
        term = entry.name[slot]
        same_side = any((pos - q) * (slot - r) > 0 for r, q in words.items())
        if term.is_number and (term.is_dimension or same_side):
            kept[slot] = pos
    positions = frozenset(kept.values())
    return Phrase(entry, positions, frozenset(kept), text[min(positions)].start)
