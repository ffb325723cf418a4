"""Text analysis for product lookup: normalization, stemming and a small bilingual sales vocabulary.

A text becomes a list of `Term`s. Each term carries *keys*: the stem of the word in its own
script's language (Russian or English), mapped through a built-in synonym table of common
sales vocabulary so that "кофемолка", "grinders" and "grinder" share the key of "grinder".
Numbers are kept as they are; a dimension such as "60x60", "60 x 60" or "60 на 60" becomes
one term "60x60" so it is never mistaken for a quantity.

The vocabulary is deliberately generic (machines, grinders, panels, plans, service, big/small …):
company-specific names are matched by their own words, never by entries here.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

# Canonical English word → words with the same meaning in sales talk (English or Russian).
# Every variant is stemmed on load, so listing one inflected form is usually enough; forms the
# stemmer does not reduce to one stem ("bigger", "сервисный" vs "сервис") are listed apiece.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "machine": ("machines", "машина", "аппарат", "device", "устройство"),
    "coffee": ("кофе", "кофейный"),
    "grinder": ("мельница", "grinding"),
    "bean": ("зерно", "зерновой", "зернах"),
    "plan": ("план", "тариф", "subscription", "подписка"),
    "model": ("модель", "модификация"),
    "version": ("версия", "edition", "редакция"),
    "package": ("пакет", "bundle"),
    "tier": ("уровень",),
    "service": ("сервис", "сервисный", "обслуживание", "servicing"),
    "maintenance": ("техобслуживание",),
    "filter": ("фильтр",),
    "panel": ("панель",),
    "lamp": ("лампа", "bulb", "лампочка"),
    "light": ("lighting", "свет", "освещение", "luminaire", "светильник", "fixture"),
    "downlight": ("даунлайт",),
    "sensor": ("датчик", "сенсор", "detector"),
    "controller": ("контроллер", "control", "управление"),
    "frame": ("рамка", "рама"),
    "kit": ("set", "набор", "комплект"),
    "cable": ("кабель", "провод", "wire"),
    "battery": ("аккумулятор", "батарея"),
    "charger": ("зарядка",),
    "milk": ("молоко", "молочный"),
    "water": ("вода", "водяной"),
    "fridge": ("холодильник", "refrigerator"),
    "clean": ("cleaning", "чистка", "очистка", "чистящий"),
    "tablet": ("таблетка",),
    "accessory": ("accessories", "аксессуар", "принадлежность"),
    "consumable": ("consumables", "расходник", "расходный"),
    "part": ("деталь", "запчасть"),
    "office": ("офис", "офисный"),
    "home": ("дом", "домашний"),
    "table": ("стол",),
    "chair": ("стул", "кресло"),
    "monitor": ("монитор", "display", "дисплей", "screen", "экран"),
    "printer": ("принтер",),
    "laptop": ("ноутбук", "notebook"),
    "phone": ("телефон", "smartphone", "смартфон"),
    "camera": ("камера",),
    "speaker": ("колонка", "динамик"),
    "license": ("licence", "лицензия"),
    "installation": ("install", "установка", "монтаж", "mounting"),
    "suspension": ("подвес", "подвесной"),
    "emergency": ("аварийный",),
    "motion": ("движение", "movement"),
    "basic": ("базовый", "base"),
    "standard": ("стандарт", "стандартный"),
    "premium": ("премиум",),
    "plus": ("плюс",),
    "mini": ("мини",),
    "round": ("круглый",),
    "square": ("квадратный",),
    "big": ("large", "bigger", "larger", "biggest", "largest", "большой", "больше", "побольше",
            "крупный", "крупнее"),
    "small": ("smaller", "smallest", "compact", "little", "маленький", "меньше", "поменьше",
              "компактный", "небольшой"),
}

# One word standing for several canonical words (Russian compounds).
COMPOUNDS: dict[str, tuple[str, ...]] = {
    "кофемашина": ("coffee", "machine"),
    "кофеаппарат": ("coffee", "machine"),
    "кофеварка": ("coffee", "machine"),
    "coffeemaker": ("coffee", "machine"),
    "кофемолка": ("grinder",),
    "техплан": ("service", "plan"),
}

BIG = "big"
SMALL = "small"

# Function words carry no product information; they are skipped without breaking a phrase.
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS: frozenset[str] = _words(
    """a an the of for to in on at by with and or is are be been am i we you it its this that these
    those me my our your us they them their please do does did have has had how much many what which
    who when where there here want wants need needs like would will can could should some any about
    from as than then so just also too very get got give me let s
    и в во на с со к ко по для о об от до из у за а но или же ли не ни что как это мне нам нас
    я мы вы ты он она они ваш ваша ваше ваши наш наша наше наши есть бы то так также уже еще ещё
    вот там тут здесь чтобы если какой какая какие сколько нужен нужна нужно нужны хочу хотим
    можно пожалуйста нашей нашего нашим нашу наших вашей вашего вашим вашу ваших мой моя мою мои
    моей меня мной нами вам вами вас"""
)

# "x", Cyrillic "х", "×", "*", "на" and "by" separate the two sides of a dimension.
# The lookahead leaves "2 x 60x60" as a count of 2 and a dimension, not "2x60" and a stray 60.
# Digit runs are bounded and anchored so a long run of digits cannot make matching quadratic.
_DIMENSION = re.compile(
    r"(?<!\d)(\d{1,12})\s*(?:x|х|×|\*|на|by)\s*(\d{1,12})(?!\d)(?!\s*(?:x|х|×|\*)\s*\d)"
)
_TOKEN = re.compile(r"\d+(?:x\d+)?|[^\W\d_]+")
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
    `start` is the character offset in the normalized text (for ordering mentions).
    """

    word: str
    keys: frozenset[str]
    start: int
    is_number: bool = False
    is_dimension: bool = False


def normalize(text: str) -> str:
    """Lowercase, ё→е, and join dimensions ("60 x 60" → "60x60"); punctuation is left to the tokenizer."""
    lowered = text.lower().replace("ё", "е")
    return _DIMENSION.sub(lambda m: f"{int(m.group(1))}x{int(m.group(2))}", lowered)


def transliterate(word: str) -> str:
    """Cyrillic → Latin letters, so "бариста" can be compared with "barista"."""
    return word.translate(_TRANSLIT)


def is_cyrillic(word: str) -> bool:
    return bool(_CYRILLIC.search(word))


@lru_cache(maxsize=1)
def _stemmers() -> tuple[Stemmer.Stemmer, Stemmer.Stemmer]:
    return Stemmer.Stemmer("english"), Stemmer.Stemmer("russian")


# PyStemmer's stemmer objects are not thread-safe, and lookups may run in worker threads.
_STEM_LOCK = threading.Lock()


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The stem of a word in its script's language (Cyrillic → Russian, otherwise English)."""
    english, russian = _stemmers()
    stemmer = russian if is_cyrillic(word) else english
    with _STEM_LOCK:
        return str(stemmer.stemWord(word))


@lru_cache(maxsize=1)
def _synonym_keys() -> dict[str, frozenset[str]]:
    """Stem of every vocabulary word → the stems of its canonical words."""
    table: dict[str, set[str]] = {}
    for canonical, variants in SYNONYMS.items():
        for word in (canonical, *variants):
            table.setdefault(stem(word), set()).add(stem(canonical))
    for word, canonicals in COMPOUNDS.items():
        table.setdefault(stem(word), set()).update(stem(c) for c in canonicals)
    return {key: frozenset(values) for key, values in table.items()}


def word_keys(word: str) -> frozenset[str]:
    """The comparison keys of one lowercase word: its stem, or the canonical stems it stands for."""
    stemmed = stem(word)
    return _synonym_keys().get(stemmed, frozenset({stemmed}))


SIZE_KEYS: dict[str, str] = {stem(BIG): BIG, stem(SMALL): SMALL}

# Nouns that say "the word next to me is a product name": "the Plus plan", "модель Pro".
GENERIC_KEYS: frozenset[str] = frozenset(stem(w) for w in ("model", "version", "plan", "package", "tier"))


# Longer digit runs are no model number or quantity (and int() refuses > 4300 digits).
MAX_NUMBER_CHARS = 12


def terms(text: str) -> list[Term]:
    """The content terms of a text, in order; stopwords and lone letters are dropped."""
    normalized = normalize(text)
    out: list[Term] = []
    for match in _TOKEN.finditer(normalized):
        token = match.group()
        if token[0].isdecimal():  # not isdigit(): "¹" is a digit that int() refuses
            if len(token) <= MAX_NUMBER_CHARS:
                out.append(_number_term(token, match.start()))
        elif len(token) > 1 and token not in STOPWORDS:
            out.append(Term(token, word_keys(token), match.start()))
    return out


def split_dimension(term: Term) -> list[Term]:
    """"25x12" as the plain numbers 25 and 12: for a text whose "x" was a multiplication sign."""
    left, right = term.word.split("x")
    return [_number_term(left, term.start), _number_term(right, term.start + len(left) + 1)]


def _number_term(token: str, start: int) -> Term:
    if "x" in token:
        left, right = token.split("x")
        return Term(token, frozenset({f"{int(left)}x{int(right)}"}), start, True, True)
    # Leading zeros carry no meaning in a model number ("Panel 060" = "Panel 60").
    return Term(token, frozenset({str(int(token))}), start, True)
