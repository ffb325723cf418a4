"""Loose product lookup: which products a free-text message describes (`find`) or names (`mentioned`).

How it scores
-------------
Texts and product names are analysed into terms (`catalog_terms`: stems, synonyms, numbers).

Term weights and phrases (runs of the text that spell part of one product's name) are
defined in `catalog_phrases`; distinctive words weigh more than words many products share.

*Naming* (`mentioned`). A product is named by its SKU; or by a phrase of two or more of its name
terms (or its whole name) that holds a model number or a word that is not merely its category
("printer pro", "Nimbus 500"; not "laser printer"); or by a word only its name has next to a
generic noun ("the Plus plan", "модель Nimbus"); or by a size word next to its category ("the
big printer" → the priciest printer, "small" → the cheapest) when no product of that category is
otherwise named. When several products are named by the same words of the text, a phrase over a
strict superset of those words wins ("support plan Gold" over "Support Plan Basic"); over the same
words, the product with fewer name terms left unsaid wins ("panel 60x60" names "Panel 60x60", not
"Panel 60x60 Pro"); a tie ("support plan", "Nimbus Printer") names none.

*Score* (`find`, 0..1): 0.75 × the weighted share of the name its best phrase covers + 0.15 × the share of
the category's words present + 0.10 × the share of the text's words found in the description. A
named product scores at least 0.5 + half its name coverage; a SKU scores 1. When the text carries a
model number of some product, an unnamed product whose own model number is absent is scaled by 0.2
("Printer 500" does not match "Printer 200"). A size word adds up to 0.1 by price rank within the category.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise

from rapidfuzz import fuzz, process

from bot.catalog import Product, ProductMatch, ProductMention, Resolution
from bot.understanding.specs import unit_of
from knowledge_base.catalog_phrases import Entry, Phrase, find_phrases, make_entry
from knowledge_base.catalog_terms import (
    BIG,
    DENIED,
    SMALL,
    Synonyms,
    Term,
    is_cyrillic,
    is_size,
    normalize,
    size_of,
    split_dimension,
    terms,
    transliterate,
)

_MIN_SCORE = 0.12
_TIE = 0.03
_CONFLICT_FACTOR = 0.2
# Below this a description is too loose to act on ("something for packing"); tied candidates
# above it are offered as choices.
_RESOLVE_MIN = 0.4
_MAX_CHOICES = 4
# A description below _RESOLVE_MIN settles a product only when meaning agrees and it leads clearly.
_LOOSE_MIN = 0.2
_LOOSE_LEAD = 0.1
_FUZZY_CACHE_LIMIT = 20_000
# A clause adds a product to the message's only when it names it (a named product scores 0.5 up).
_CLAUSE_MIN = 0.5
_CLAUSE_BREAK = re.compile(r"[.!?;](?=\s)|\n|\s(?:and|plus|as well as|и|а также|плюс)\s", re.IGNORECASE)


@dataclass(slots=True)
class _Analysis:
    """Everything `find` and `mentioned` need to know about one text."""

    terms: list[Term]
    text: str = ""
    phrases: dict[int, list[Phrase]] = field(default_factory=dict)
    named_at: dict[int, int] = field(default_factory=dict)  # entry index → first character offset
    sku_hits: set[int] = field(default_factory=set)
    sku_spans: dict[int, tuple[int, int]] = field(default_factory=dict)
    model_numbers: bool = False  # a phrase of the text holds some product's model number
    size: str | None = None


Semantic = Callable[[str], Mapping[str, float]]
"""SKU → meaning similarity of a text to the product's description (any scale)."""


def count_units(products: Sequence[Product]) -> tuple[str, ...]:
    """The words a catalog counts in ("roll" of "roll", "упаковка" of "упаковка 1000 шт")."""
    words = {m.group() for p in products if (m := re.match(r"[^\W\d_]{2,}", p.unit.lower()))}
    return tuple(sorted(words))


class ProductMatcher:
    """Finds the products of a catalog that a free-text message describes or names (see module doc)."""

    def __init__(self, products: Sequence[Product], synonyms: Synonyms | None = None) -> None:
        self._synonyms = synonyms
        self._count_units = count_units(products)
        names = [tuple(terms(p.name, synonyms)) for p in products]
        df = Counter(key for name in names for key in {k for t in name for k in t.keys})
        self._entries = tuple(make_entry(i, p, name, df, len(products), synonyms) for i, (p, name) in
                              enumerate(zip(products, names, strict=True)))
        self.semantic: Semantic | None = None
        self._by_key: dict[str, set[int]] = defaultdict(set)
        for entry in self._entries:
            for term in entry.name:
                for key in term.keys:
                    self._by_key[key].add(entry.index)
        self._known = frozenset(self._by_key) | {k for e in self._entries for k in e.category}
        self._vocabulary: dict[str, frozenset[str]] = {}
        for p, name in zip(products, names, strict=True):
            for term in (*name, *terms(p.category, synonyms)):
                if not term.is_number and len(term.word) >= 4:
                    self._vocabulary.setdefault(_latin(term.word), term.keys)
        self._fuzzy_cache: dict[str, frozenset[str] | None] = {}

    def find(self, text: str, limit: int = 3) -> list[ProductMatch]:
        """Products the text describes, best first, each scored 0..1; nothing below a small threshold."""
        if limit < 1:
            return []
        analysis = self._analyse(text)
        closeness = self._closeness(text)
        scored = [(self._score(e, analysis, closeness.get(e.product.sku, 0.0)), e.index) for e in self._entries]
        ranked = sorted((item for item in scored if item[0] >= _MIN_SCORE), key=lambda i: (-i[0], i[1]))
        ranked = self._by_size(ranked, analysis)
        return [ProductMatch(self._entries[i].product, round(s, 4)) for s, i in ranked[:limit]]

    def _closeness(self, text: str) -> dict[str, float]:
        """Meaning similarity of the text to each product (0..1 within this catalog), when a
        semantic scorer is set: it bridges words no spelling rule can ("hose" ~ "шланг")."""
        if self.semantic is None:
            return {}
        raw = self.semantic(text)
        if not raw:
            return {}
        values = sorted(raw.values())
        top, middle = values[-1], values[len(values) // 2]
        if top <= middle:
            return {}
        return {sku: max(0.0, (v - middle) / (top - middle)) for sku, v in raw.items()}

    def _by_size(self, ranked: list[tuple[float, int]], analysis: _Analysis) -> list[tuple[float, int]]:
        """"the smaller one": among products tied at the top, the size word picks by price."""
        if not analysis.size or len(ranked) < 2:
            return ranked
        top = ranked[0][0]
        tied = [item for item in ranked if item[0] >= top - _TIE]
        if len(tied) < 2:
            return ranked
        pick = max if analysis.size == BIG else min
        chosen = pick(tied, key=lambda item: self._entries[item[1]].product.price)
        return [(min(1.0, chosen[0] + _TIE * 2), chosen[1]), *(item for item in ranked if item != chosen)]

    def mentioned(self, text: str) -> list[Product]:
        """Products the text names, in the order it first names them; none for unrelated text."""
        named = self._analyse(text).named_at
        return [self._entries[i].product for i in sorted(named, key=lambda i: (named[i], i))]

    def resolve(self, text: str) -> Resolution:
        """The products the text asks about: all it names, else the one it describes best when
        that one stands out; candidates that truly tie are returned as choices instead. A message
        that asks for several things ("2 heat pumps of 9 kW and 2 tanks of 300 l") is also read
        clause by clause: a product a clause settles firmly on its own words, words no product
        found in the whole took, joins them."""
        whole = self._resolve_text(text)
        clauses = _clauses(text)
        if len(clauses) < 2:
            return whole
        found = list(whole.products)
        for offset, clause in clauses:
            for mention in self._resolve_text(clause).products:
                parts = tuple((a + offset, b + offset) for a, b in mention.parts)
                if mention.confidence < _CLAUSE_MIN or not parts or _overlaps(parts, found) or any(
                        m.product.sku == mention.product.sku for m in found):
                    continue
                found.append(replace(mention, parts=parts))
        if len(found) == len(whole.products):
            return whole
        return Resolution(tuple(sorted(found, key=lambda m: m.start)))

    def _resolve_text(self, text: str) -> Resolution:
        analysis = self._analyse(text)
        named = sorted(analysis.named_at, key=lambda i: (analysis.named_at[i], i))
        closeness = self._closeness(text)
        scores = {e.index: self._score(e, analysis, closeness.get(e.product.sku, 0.0)) for e in self._entries}
        ranked = self._by_size(sorted(((s, i) for i, s in scores.items() if s >= _MIN_SCORE),
                                      key=lambda item: (-item[0], item[1])), analysis)
        if len(named) == 1 and ranked and ranked[0][1] != named[0] and ranked[0][0] > scores[named[0]] + _TIE:
            named = [ranked[0][1]]  # a better fit than the name's look-alike ("... the 23 micron one")
        if len(named) > 1:
            named = self._fitting(named, analysis)
        if named:
            return Resolution(tuple(self._mention(i, analysis, max(scores[i], 0.5)) for i in named))
        if ranked and ranked[0][0] < _RESOLVE_MIN and self._meaning_settles(ranked, closeness):
            return Resolution((self._mention(ranked[0][1], analysis, ranked[0][0]),))
        if not ranked or ranked[0][0] < _RESOLVE_MIN:
            return Resolution()
        top = ranked[0][0]
        tied = [i for s, i in ranked if s >= top - _TIE]
        if len(tied) == 1:
            return Resolution((self._mention(tied[0], analysis, top),))
        return Resolution(choices=tuple(self._entries[i].product for i in tied[:_MAX_CHOICES]))

    def _meaning_settles(self, ranked: list[tuple[float, int]], closeness: Mapping[str, float]) -> bool:
        """A loose description still settles a product when the words and the meaning agree on
        it and nothing else comes close ("потники для касок" for "Helmet Sweatband Liner")."""
        top, index = ranked[0]
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        best_by_meaning = closeness.get(self._entries[index].product.sku, 0.0) >= 1.0
        return top >= _LOOSE_MIN and best_by_meaning and top - runner_up >= _LOOSE_LEAD

    def _fitting(self, named: list[int], analysis: _Analysis) -> list[int]:
        """Of several products named, those with the spec the text states, when some have it:
        "ear muffs for helmets, the 30 dB ones" is not also the ear-muff hygiene kit."""
        fits = {i: self._spec_fit(self._entries[i], analysis) for i in named}
        having = [i for i in named if fits[i][0] and not fits[i][1]]
        return having or named

    def _mention(self, index: int, analysis: _Analysis, confidence: float) -> ProductMention:
        """The product with the stretches of the text that matched its name or specs."""
        entry = self._entries[index]
        name_keys = {k for t in entry.name for k in t.keys}
        spec_keys = {k for keys in entry.specs.values() for k in keys}
        # A number is part of the name only inside a phrase of it: the "3" of "3 packs" is not the
        # "3" of "Vest Class 3" said elsewhere in the message.
        phrased = {p for phrase in analysis.phrases.get(index, []) for p in phrase.positions}
        parts = [(t.start, t.stop) for at, t in enumerate(analysis.terms)
                 if (t.keys & name_keys and (not t.is_number or t.is_dimension or at in phrased))
                 or (t.is_dimension and t.keys & spec_keys)]
        if index in analysis.sku_spans:
            parts.append(analysis.sku_spans[index])
        return ProductMention(entry.product, round(min(confidence, 1.0), 4), tuple(parts))

    # -- analysis ------------------------------------------------------------------------------

    def _analyse(self, text: str) -> _Analysis:
        normalized = normalize(text)
        said = terms(text, self._synonyms, self._count_units)
        analysis = _Analysis([resolved for t in said for resolved in self._resolve(t)], normalized)
        hits: dict[int, list[int]] = defaultdict(list)  # entry index → positions of its name's words
        for position, term in enumerate(analysis.terms):
            for index in {i for k in term.keys for i in self._by_key.get(k, ())}:
                hits[index].append(position)
        for index in sorted(hits):
            found = find_phrases(self._entries[index], analysis.terms, hits[index])
            if found:
                analysis.phrases[index] = found
        self._resolve_naming(analysis)
        analysis.model_numbers = any(p.entry.name[s].is_number and not p.entry.name[s].is_dimension
                                     for ps in analysis.phrases.values() for p in ps for s in p.slots)
        for entry in self._entries:
            hit = entry.sku.search(normalized)
            if hit:
                analysis.sku_hits.add(entry.index)
                analysis.sku_spans[entry.index] = (hit.start(), hit.end())
                _note(analysis.named_at, entry.index, hit.start())
        self._size_mentions(analysis)
        return analysis

    @staticmethod
    def _resolve_naming(analysis: _Analysis) -> None:
        """Record the naming phrases no other product's phrase beats (see `Phrase.beaten_by`)."""
        naming = [p for ps in analysis.phrases.values() for p in ps if p.names_product(analysis.terms)
                  and not ProductMatcher._spec_fit(p.entry, analysis)[1]]  # "the 150 W one" never names the 100 W
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
        """'the big printer' → the priciest product of the category next to the size word."""
        for position, term in enumerate(analysis.terms):
            size = size_of(term.word)
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

    def _score(self, entry: Entry, analysis: _Analysis, closeness: float) -> float:
        """How well the text describes the product (see the module doc)."""
        if entry.index in analysis.sku_hits:
            return 1.0
        phrases = analysis.phrases.get(entry.index, [])
        phrase_slots = frozenset(s for p in phrases for s in p.slots)
        words = [t for t in analysis.terms if not t.is_number]
        # Name words said anywhere count (customers reorder them: "film, stretch, 23 micron");
        # model numbers only inside a phrase, where they cannot be a quantity.
        slots = set(phrase_slots)
        for slot, term in enumerate(entry.name):
            if not term.is_number and any(term.keys & w.keys for w in words):
                slots.add(slot)
        name = entry.coverage(frozenset(slots))
        keys = {k for t in words for k in t.keys}
        category = len(entry.category & keys) / len(entry.category) if entry.category else 0.0
        described = len(entry.description & keys) / len(words) if words else 0.0
        agree, conflict, lacks = self._spec_fit(entry, analysis)
        own_numbers = {s for s, t in enumerate(entry.name) if t.is_number and not t.is_dimension}
        if analysis.model_numbers and own_numbers and not own_numbers & phrase_slots:
            name *= _CONFLICT_FACTOR  # "Printer 500" does not describe "Printer 200"
        score = 0.55 * name + 0.1 * category + 0.1 * described + 0.15 * closeness + 0.3 * min(agree, 2)
        if entry.index in analysis.named_at:
            score = max(score, 0.5 + 0.5 * name)
        # A stated spec the product has otherwise, or lacks, counts against it even when named:
        # an accessory never wins over the product whose power or size was asked for.
        score -= 0.45 * conflict + 0.2 * lacks
        return max(0.0, min(score, 1.0))

    @staticmethod
    def _spec_fit(entry: Entry, analysis: _Analysis) -> tuple[int, int, int]:
        """Specs the text states that the product has, has otherwise (a conflict), or lacks; a
        word the text denies that the name has ("не ударная", "not insulated") is a conflict."""
        agree = lacks = 0
        conflict = _denials(entry, analysis.terms)
        sold_in = unit_of(entry.product.unit)
        for term in analysis.terms:
            if _is_amount(term, analysis.text):
                continue  # "20 kg of the blend", "1,500 metres of wrap": how much, not which
            kinds = {k.split(":")[0] for k in term.keys if term.is_dimension and ":" in k}
            if sold_in is not None and sold_in.kind in kinds:
                continue
            for kind in kinds:
                own = entry.specs.get(kind)
                if (own and own & term.keys) or (kind == "length" and _one_side(term, entry)):
                    agree += 1
                elif own is None:
                    lacks += 1
                else:
                    conflict += 1
        return agree, conflict, lacks

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
        denied = {k.removeprefix(DENIED) for k in term.keys if k.startswith(DENIED)}
        if denied:  # a denied word is looked up as itself and stays denied
            plain = self._resolve(replace(term, keys=frozenset(denied)))
            return [replace(t, keys=frozenset(DENIED + k for k in t.keys)) for t in plain]
        if is_size(term):
            return split_dimension(term)
        if term.is_dimension:
            return [term]
        keys = None if term.is_number else self._fuzzy(term.word)
        return [term if keys is None else replace(term, keys=keys)]

    def _inflected(self, probe: str) -> frozenset[str] | None:
        """A transliterated Russian word that is a catalog word plus an ending ("startovye" for
        "start", "kontrollera" for "controller"): Russian adds endings a stemmer of the other
        language cannot remove."""
        sound = _sound(probe)
        for candidate, keys in self._vocabulary.items():
            near = len(candidate) >= 4 and _first(candidate) == _first(probe)
            ending = 0 < len(probe) - len(candidate) <= 4
            if near and ending and fuzz.ratio(sound[: len(candidate)], _sound(candidate)) >= 85:
                return keys
        return None

    def _derived(self, probe: str) -> frozenset[str] | None:
        """A catalog word that is this word plus a suffix ("bimetall" of "биметаллический",
        "electric" of "электрический"): an adjective made from the noun the customer wrote, or
        the catalog's word in the other language with its ending. Shortest such word wins."""
        if len(probe) < 6:
            return None
        sound = _sound(probe)
        need = 75 if len(probe) >= 8 else 85
        found = [c for c in self._vocabulary if _first(c) == _first(probe) and 0 < len(c) - len(probe) <= 8
                 and fuzz.ratio(sound, _sound(c)[: len(sound)]) >= need]
        return self._vocabulary[min(found, key=len)] if found else None

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
            # Same first letter and a length within two: a typo or a transliteration, not a new word.
            near = [c for c in self._vocabulary if _first(c) == _first(probe) and abs(len(c) - len(probe)) <= 2]
            best = process.extractOne(probe, near, scorer=fuzz.ratio, processor=_sound, score_cutoff=threshold * 100)
            if best is not None:
                found = self._vocabulary[best[0]]
            elif is_cyrillic(word):
                found = self._inflected(probe)
            found = found or self._derived(probe)
        self._fuzzy_cache[word] = found
        return found


def _clauses(text: str) -> list[tuple[int, str]]:
    """The clauses of a message with their offsets: split at sentence ends, semicolons, line breaks
    and a conjunction between two requests ("… and 2 tanks", "… и бойлер на 150 л")."""
    cuts = [0, *(m.end() for m in _CLAUSE_BREAK.finditer(text)), len(text)]
    return [(a, text[a:b]) for a, b in pairwise(cuts) if text[a:b].strip()]


def _overlaps(parts: tuple[tuple[int, int], ...], found: list[ProductMention]) -> bool:
    return any(a < d and c < b for a, b in parts for m in found for c, d in m.parts)


def _denials(entry: Entry, said: list[Term]) -> int:
    """How many of the text's words contradict the name: denied in the text and said in the name,
    or said in the text and denied in the name ("a liner without heating" against "Heated liner")."""
    name = {k for t in entry.name for k in t.keys}
    return sum(1 for t in said if not t.is_number and any(_flipped(k) in name for k in t.keys))


def _flipped(key: str) -> str:
    return key[len(DENIED):] if key.startswith(DENIED) else DENIED + key


def _one_side(term: Term, entry: Entry) -> bool:
    """A length that is one side of the product's size: "the 16 mm pipe" is the "16x2.0" one,
    "a 60 cm panel" the "60x60" one."""
    lengths = {k.split(":", 1)[1] for k in term.keys if k.startswith("length:")}
    sides = {side for key in entry.specs.get("size", ()) if key.startswith("size:")
             for side in key.split(":", 1)[1].split("x")}
    return bool(lengths & sides)


def _is_amount(term: Term, text: str) -> bool:
    return term.is_dimension and bool(re.match(r"\s+(?:of|из)\b", text[term.stop:term.stop + 5]))


def _sound(word: str) -> str:
    """Spelling differences transliteration leaves ("konnektor" ~ "connector"), evened out."""
    return word.replace("ph", "f").replace("c", "k").replace("y", "i").replace("w", "v").replace("x", "ks")


def _first(word: str) -> str:
    """A word's first letter, with the letters transliteration confuses made one ("к" gives
    "k" where English writes "c": "контроллер" ~ "controller")."""
    return "k" if word[0] == "c" else word[0]


def _latin(word: str) -> str:
    return transliterate(word) if is_cyrillic(word) else word


def _note(named_at: dict[int, int], index: int, start: int) -> None:
    named_at[index] = min(start, named_at.get(index, start))
