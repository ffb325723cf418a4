"""Loose product lookup: which products a free-text message describes (`find`) or names (`mentioned`).

How it scores
-------------
Texts and product names are analysed into terms (`catalog_terms`: stems, synonyms, numbers).

Term weights and phrases (runs of the text that spell part of one product's name) are
defined in `catalog_phrases`; distinctive words weigh more than words many products share.

*Naming* (`mentioned`). A product is named by its SKU; or by a phrase of two or more of its name
terms (or its whole name) that holds a model number or a word that is not merely its category
("grinder pro", "Barista 900"; not "coffee machine"); or by a word only its name has next to a
generic noun ("the Plus plan", "модель Barista"); or by a size word next to its category ("the
big grinder" → the priciest grinder, "small" → the cheapest) when no product of that category is
otherwise named. When several products are named by the same words of the text, a phrase over a
strict superset of those words wins ("service plan Plus" over "Service Plan Basic"); over the same
words, the product with fewer name terms left unsaid wins ("panel 60x60" names "Panel 60x60", not
"Panel 60x60 Pro"); a tie ("service plan", "Brewline Office") names none.

*Score* (`find`, 0..1): 0.75 × the weighted share of the name its best phrase covers + 0.15 × the share of
the category's words present + 0.10 × the share of the text's words found in the description. A
named product scores at least 0.5 + half its name coverage; a SKU scores 1. When the text carries a
model number of some product, an unnamed product whose own model number is absent is scaled by 0.2
("Office 300" does not match "Office 100"). A size word adds up to 0.1 by price rank within the category.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher

from bot.catalog import Product, ProductMatch
from knowledge_base.catalog_phrases import Entry, Phrase, find_phrases, make_entry
from knowledge_base.catalog_terms import (
    BIG,
    SIZE_KEYS,
    SMALL,
    Term,
    is_cyrillic,
    normalize,
    split_dimension,
    terms,
    transliterate,
)

_MIN_SCORE = 0.12
_CONFLICT_FACTOR = 0.2
_FUZZY_CACHE_LIMIT = 20_000


@dataclass(slots=True)
class _Analysis:
    """Everything `find` and `mentioned` need to know about one text."""

    terms: list[Term]
    phrases: dict[int, list[Phrase]] = field(default_factory=dict)
    named_at: dict[int, int] = field(default_factory=dict)  # entry index → first character offset
    sku_hits: set[int] = field(default_factory=set)
    size: str | None = None


class ProductMatcher:
    """Finds the products of a catalog that a free-text message describes or names (see module doc)."""

    def __init__(self, products: Sequence[Product]) -> None:
        names = [tuple(terms(p.name)) for p in products]
        df = Counter(key for name in names for key in {k for t in name for k in t.keys})
        self._entries = tuple(make_entry(i, p, name, df, len(products)) for i, (p, name) in
                              enumerate(zip(products, names, strict=True)))
        self._by_key: dict[str, set[int]] = defaultdict(set)
        for entry in self._entries:
            for term in entry.name:
                for key in term.keys:
                    self._by_key[key].add(entry.index)
        self._known = frozenset(self._by_key) | {k for e in self._entries for k in e.category}
        self._vocabulary: dict[str, frozenset[str]] = {}
        for p, name in zip(products, names, strict=True):
            for term in (*name, *terms(p.category)):
                if not term.is_number and len(term.word) >= 4:
                    self._vocabulary.setdefault(_latin(term.word), term.keys)
        self._fuzzy_cache: dict[str, frozenset[str] | None] = {}

    def find(self, text: str, limit: int = 3) -> list[ProductMatch]:
        """Products the text describes, best first, each scored 0..1; nothing below a small threshold."""
        if limit < 1:
            return []
        analysis = self._analyse(text)
        words = {k for t in analysis.terms if not t.is_number for k in t.keys}
        numbers = {k for ps in analysis.phrases.values() for p in ps for s in p.slots
                   for k in p.entry.name[s].keys if p.entry.name[s].is_number}
        scored = [(self._score(e, analysis, words, bool(numbers)), e.index) for e in self._entries]
        ranked = sorted((item for item in scored if item[0] >= _MIN_SCORE), key=lambda i: (-i[0], i[1]))
        return [ProductMatch(self._entries[i].product, round(s, 4)) for s, i in ranked[:limit]]

    def mentioned(self, text: str) -> list[Product]:
        """Products the text names, in the order it first names them; none for unrelated text."""
        named = self._analyse(text).named_at
        return [self._entries[i].product for i in sorted(named, key=lambda i: (named[i], i))]

    # -- analysis ------------------------------------------------------------------------------

    def _analyse(self, text: str) -> _Analysis:
        normalized = normalize(text)
        analysis = _Analysis([resolved for t in terms(text) for resolved in self._resolve(t)])
        hits: dict[int, list[int]] = defaultdict(list)  # entry index → positions of its name's words
        for position, term in enumerate(analysis.terms):
            for index in {i for k in term.keys for i in self._by_key.get(k, ())}:
                hits[index].append(position)
        for index in sorted(hits):
            found = find_phrases(self._entries[index], analysis.terms, hits[index])
            if found:
                analysis.phrases[index] = found
        self._resolve_naming(analysis)
        for entry in self._entries:
            hit = entry.sku.search(normalized)
            if hit:
                analysis.sku_hits.add(entry.index)
                _note(analysis.named_at, entry.index, hit.start())
        self._size_mentions(analysis)
        return analysis

    @staticmethod
    def _resolve_naming(analysis: _Analysis) -> None:
        """Record the naming phrases no other product's phrase beats (see `Phrase.beaten_by`)."""
        naming = [p for ps in analysis.phrases.values() for p in ps if p.names_product(analysis.terms)]
        # A phrase can only be beaten by one covering its first position: compare just those.
        at: dict[int, list[Phrase]] = defaultdict(list)
        for phrase in naming:
            for position in phrase.positions:
                at[position].append(phrase)
        for phrase in naming:
            rivals = at[min(phrase.positions)]
            if not any(phrase.beaten_by(o) for o in rivals if o.entry is not phrase.entry):
                _note(analysis.named_at, phrase.entry.index, phrase.start)

    def _size_mentions(self, analysis: _Analysis) -> None:
        """'the big grinder' → the priciest product of the category next to the size word."""
        for position, term in enumerate(analysis.terms):
            size = next((SIZE_KEYS[k] for k in term.keys if k in SIZE_KEYS), None)
            if size is None:
                continue
            analysis.size = analysis.size or size
            neighbours = analysis.terms[max(position - 1, 0):position] + analysis.terms[position + 1:][:1]
            category = self._category_of(neighbours)
            if category is None:
                continue
            members = [e for e in self._entries if e.product.category.casefold() == category]
            if any(e.index in analysis.named_at for e in members):
                continue
            pick = max if size == BIG else min
            chosen = pick(members, key=lambda e: e.product.price)
            _note(analysis.named_at, chosen.index, term.start)

    def _category_of(self, neighbours: list[Term]) -> str | None:
        """The one category whose words the neighbouring terms match best, if there is exactly one."""
        best: dict[str, int] = {}
        for entry in self._entries:
            hits = max((len(t.keys & entry.category) for t in neighbours), default=0)
            if hits:
                best[entry.product.category.casefold()] = hits
        if not best:
            return None
        top = max(best.values())
        winners = [c for c, hits in best.items() if hits == top]
        return winners[0] if len(winners) == 1 else None

    def _score(self, entry: Entry, analysis: _Analysis, words: set[str], has_numbers: bool) -> float:
        phrases = analysis.phrases.get(entry.index, [])
        slots = frozenset(s for p in phrases for s in p.slots)
        # A name is said in one place: words scattered over the text ("grinder pro … service
        # plan") do not add up to "Service Plan Pro".
        name = max((p.coverage for p in phrases), default=0.0)
        category = len(entry.category & words) / len(entry.category) if entry.category else 0.0
        description = len(entry.description & words) / len(words) if words else 0.0
        score = 0.75 * name + 0.15 * category + 0.10 * description
        if entry.index in analysis.named_at:
            score = max(score, 0.5 + 0.5 * name)
        if entry.index in analysis.sku_hits:
            score = 1.0
        own_numbers = {s for s, t in enumerate(entry.name) if t.is_number}
        if has_numbers and own_numbers and not own_numbers & slots and entry.index not in analysis.named_at:
            score *= _CONFLICT_FACTOR
        if analysis.size and category:
            score += 0.1 * self._price_rank(entry, analysis.size)
        return min(score, 1.0)

    def _price_rank(self, entry: Entry, size: str) -> float:
        """0 for the cheapest of its category … 1 for the priciest (reversed for 'small')."""
        prices = sorted({e.product.price for e in self._entries
                         if e.product.category.casefold() == entry.product.category.casefold()})
        if len(prices) < 2:
            return 0.0
        rank = prices.index(entry.product.price) / (len(prices) - 1)
        return rank if size == BIG else 1.0 - rank if size == SMALL else 0.0

    # -- fuzzy words ---------------------------------------------------------------------------

    def _resolve(self, term: Term) -> list[Term]:
        """An unknown word takes the keys of a catalog word close to it in spelling or transliteration;
        a dimension no product has is read as two numbers ("Downlight 25 x 12": 12 of the 25)."""
        if term.keys & self._known:
            return [term]
        if term.is_dimension:
            return split_dimension(term)
        keys = None if term.is_number else self._fuzzy(term.word)
        return [term if keys is None else replace(term, keys=keys)]

    def _fuzzy(self, word: str) -> frozenset[str] | None:
        if word in self._fuzzy_cache:
            return self._fuzzy_cache[word]
        if len(self._fuzzy_cache) >= _FUZZY_CACHE_LIMIT:
            self._fuzzy_cache.clear()
        probe = _latin(word)
        # Transliteration is lossy ("офис" → "ofis"), so Cyrillic words get a looser threshold.
        threshold, shortest = (0.8, 4) if is_cyrillic(word) else (0.85, 5)
        found: frozenset[str] | None = None
        if len(word) >= shortest:
            best = threshold
            for candidate, keys in self._vocabulary.items():
                if candidate[0] != probe[0] or abs(len(candidate) - len(probe)) > 2:
                    continue
                ratio = SequenceMatcher(None, probe, candidate).ratio()
                if ratio >= best:
                    best, found = ratio, keys
        self._fuzzy_cache[word] = found
        return found


def _latin(word: str) -> str:
    return transliterate(word) if is_cyrillic(word) else word


def _note(named_at: dict[int, int], index: int, start: int) -> None:
    named_at[index] = min(start, named_at.get(index, start))
