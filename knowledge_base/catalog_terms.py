"""Text analysis for product lookup: tokens, stems, transliteration and specs.

A text becomes a list of `Term`s. Each term carries *keys*: the stem of the word in its own
script's language (Russian or English); a Cyrillic word also carries the English stem of its
transliteration, so "шланг" meets "shlang" and "план" meets "plan". A company may add its
own synonyms in `synonyms.yaml` beside its knowledge base. Specs ("100 W", "23 мкм",
"400 x 300 x 200 mm") become one term keyed by `bot.understanding.specs`, the same key in
either language, so a size or a power is never mistaken for a quantity or a stray number.

No word of any company's products is written here: product words come from the catalog.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

from bot.understanding.specs import find_specs
from bot.understanding.stems import stem
from bot.understanding.words import naming_nouns, negations, size_letters, size_words, stopwords

BIG = "big"
SMALL = "small"
STOPWORDS: frozenset[str] = stopwords()
NEGATIONS: frozenset[str] = negations()
# The key prefix of a denied word: "not insulated" carries "not:insul", which meets the
# "insulated" of a name only to count against it (and a name's own "без подогрева" to agree).
DENIED = "not:"
_BETWEEN_WORDS = re.compile(r"[\s-]*")
Synonyms = Mapping[str, frozenset[str]]

# A letter code glued to digits ("A4", "S3", "HM300") is one token: the letters alone say nothing
# and the digits alone look like a count.
_TOKEN = re.compile(r"[^\W\d_]{1,3}\d{1,5}(?!\d)|\d+|[^\W\d_]+")
_CYRILLIC = re.compile(r"[а-я]")

_TRANSLIT = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
        "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
        "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch",
        "ш": "sh", "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    }
)


@dataclass(frozen=True, slots=True)
class Term:
    """One content word or number of a text.

    `keys` are what comparisons use; `word` is the normalized surface form (for fuzzy matching);
    `start`/`end` are character offsets in the text (for spans and ordering mentions).
    """

    word: str
    keys: frozenset[str]
    start: int
    is_number: bool = False
    is_dimension: bool = False  # a spec (size, power ...): counts on either side of a name
    end: int = -1

    @property
    def stop(self) -> int:
        """Where the term ends in the text."""
        return self.end if self.end >= 0 else self.start + len(self.word)


def normalize(text: str) -> str:
    """Lowercase and ё→е; offsets stay those of the text."""
    return text.lower().replace("ё", "е")


def transliterate(word: str) -> str:
    """Cyrillic → Latin letters, so "принтер" can be compared with "printer"."""
    return word.translate(_TRANSLIT)


def is_cyrillic(word: str) -> bool:
    return bool(_CYRILLIC.search(word))


def word_keys(word: str, synonyms: Synonyms | None = None) -> frozenset[str]:
    """The comparison keys of one lowercase word: its stem, a Cyrillic word's transliterated
    English stem, and the canonical keys of a company synonym it belongs to."""
    stemmed = stem(word)
    keys = {stemmed}
    letter = size_letters().get(word)
    if letter:  # "medium" also meets the "M" of "Rain coat size M"
        keys.add(letter)
    if is_cyrillic(word):
        keys.add(stem(transliterate(word)))
    if synonyms:
        keys.update(synonyms.get(stemmed, ()))
    return frozenset(keys)


def size_of(word: str) -> str | None:
    """BIG or SMALL for a size comparative ("smaller", "побольше", "компактная"), else None."""
    return _size_stems().get(stem(word))


@lru_cache(maxsize=1)
def _size_stems() -> dict[str, str]:
    return {stem(w): size for size, words in size_words().items() for w in words if " " not in w}


# Nouns that say "the word next to me is a product name": "the Plus plan", "модель Pro".
GENERIC_KEYS: frozenset[str] = frozenset(stem(w) for w in naming_nouns())


def synonym_table(groups: Mapping[str, list[str]]) -> dict[str, frozenset[str]]:
    """A company's synonym groups (`canonical: [variants]`) as stem → canonical keys."""
    table: dict[str, set[str]] = {}
    for canonical, variants in groups.items():
        for text in (canonical, *variants):
            for token in _TOKEN.findall(normalize(str(text))):
                if not token.isdigit():
                    table.setdefault(stem(token), set()).add(stem(normalize(str(canonical)).split()[0]))
    return {k: frozenset(v) for k, v in table.items()}


# Longer digit runs are no model number or quantity (and int() refuses > 4300 digits).
MAX_NUMBER_CHARS = 12


def terms(text: str, synonyms: Synonyms | None = None, count_units: tuple[str, ...] = ()) -> list[Term]:
    """The content terms of a text, in order; stopwords and lone letters are dropped.

    Specs become single terms; a number before a count unit ("300 шт", `count_units`) is a
    quantity, no term at all: it can never spell a model number or a spec of a name.
    """
    normalized = normalize(text)
    out: list[Term] = []
    # Specs are read on the text as written: "100 W" is a unit, "100 w" may be a word.
    found = find_specs(text, count_units) if len(text) == len(normalized) else find_specs(normalized, count_units)
    specs = [s for s in found if not s.is_count]
    # "8 шт", "40 packs": a count, never part of a name ("8 шт насосов на 8 кВт" is not two eights of one).
    counts = [(s.start, s.end) for s in found if s.is_count]
    for spec in specs:
        keys = {spec.key}
        if spec.kind != "size":
            keys.add(_plain_number(normalized[spec.start:spec.end]))
        else:
            keys.add(_raw_size(normalized[spec.start:spec.end]))
        out.append(Term(normalized[spec.start:spec.end], frozenset(keys - {""}), spec.start, True, True, spec.end))
    taken = [(s.start, s.end) for s in specs]
    tokens = list(_TOKEN.finditer(normalized))
    for at, match in enumerate(tokens):
        if any(a <= match.start() < b for a, b in taken):
            continue
        token = match.group()
        if token[0].isdecimal():  # not isdigit(): "¹" is a digit that int() refuses
            if any(a <= match.start() < b for a, b in counts):
                continue
            if len(token) <= MAX_NUMBER_CHARS:
                code = _in_code(normalized, match.start(), match.end())
                out.append(replace(_number_term(token, match.start()), is_dimension=code))
        elif token in NEGATIONS:
            continue
        elif (token not in STOPWORDS if len(token) > 1 else _letter_code(text, match.start(), out)):
            said = word_keys(token, synonyms)
            if _denied(normalized, tokens, at):
                said = frozenset(DENIED + k for k in said)
            out.append(Term(token, said, match.start(), end=match.end()))
    return sorted(out, key=lambda t: t.start)


def _denied(text: str, tokens: list[re.Match[str]], at: int) -> bool:
    """Whether a negation stands right before the word, across at most one stop word and no
    punctuation: "not the insulated", "non-thermostatic", "без подогрева"; not "No, the insulated"."""
    for back in (1, 2):
        if at - back < 0:
            return False
        before = tokens[at - back]
        between = text[before.end():tokens[at - back + 1].start()]
        if not _BETWEEN_WORDS.fullmatch(between):
            return False
        if before.group() in NEGATIONS:
            return True
        if before.group() not in STOPWORDS:
            return False
    return False


def _letter_code(text: str, start: int, before: list[Term]) -> bool:
    """A lone letter that designates a model: "Class G", "класса G", "type C" (a capital other
    than the pronoun and the article, or any letter after a naming noun such as "class")."""
    letter = text[start:start + 1]
    if not letter.isascii() or not letter.isalpha():
        return False
    if letter.isupper() and letter not in "AI":
        return True
    return bool(before and before[-1].keys & GENERIC_KEYS and before[-1].stop == start - 1)


def _in_code(text: str, start: int, end: int) -> bool:
    """A number joined to another by "/" or "-" with no space ("500/80", "25-60"): a model code,
    never a count, so it names its product on either side of the name's words."""
    before = re.search(r"\d[/-]$", text[max(start - 2, 0):start]) is not None
    after = re.match(r"[/-]\d", text[end:end + 2]) is not None
    return before or after


def _plain_number(written: str) -> str:
    """The leading number of a spec as a bare key ("120 вт" → "120"), so "на 120" can meet it."""
    match = re.match(r"\d+", written)
    return str(int(match.group())) if match else ""


def _raw_size(written: str) -> str:
    """A size's sides as written, without units: "60x60" in a name meets "60 x 60 см" in a message."""
    sides = sorted(int(n) for n in re.findall(r"\d+", written.split("+")[0])[:3])
    return "size:" + "x".join(str(n) for n in sides) if len(sides) > 1 else ""


def split_dimension(term: Term) -> list[Term]:
    """A size no product has, as its plain numbers: in "Downlight 25 x 12" the x was a
    multiplication sign (12 of the 25), not a size."""
    return [_number_term(m.group(), term.start + m.start()) for m in re.finditer(r"\d+", term.word)]


def is_size(term: Term) -> bool:
    return any(k.startswith("size:") for k in term.keys)


def _number_term(token: str, start: int) -> Term:
    # Leading zeros carry no meaning in a model number ("Panel 060" = "Panel 60").
    return Term(token, frozenset({str(int(token))}), start, True, end=start + len(token))
