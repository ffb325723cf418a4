"""An extractive reader: which sentence of the retrieved passages answers the question?

A question's content words must be found in a sentence (or its section heading),
either as the same stem or, across languages, as a word whose e5 embedding is
very close ("гарантия" ~ "warranty"). Retrieval always returns *something*;
this is what lets the offline responder say "I don't know" instead of quoting a
merely related passage.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

from bot.knowledge import Evidence, Passage
from knowledge_base.lexical import STOPWORDS, tokenize

# Question words that carry no topic: the reader ignores them.
QUESTION_WORDS = frozenset(
    """what which when where why who whom whose how much many long often cost costs price total
    tell know need want get give buy order model models product products your you take takes
    accept offer provide
    какой какая какое какие каков сколько когда где почему зачем кто стоит стоят стоить будут
    цена можно нужно хочу надо ваш ваша ваши у""".split()
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[^\s\d])|\n+")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CYRILLIC = re.compile(r"[а-яё]")
# Addresses are not words: "warranty@acme-panels.example" covers neither "warranty" nor "panels".
_ADDRESS = re.compile(r"\S+@\S+|\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)
# Snowball leaves some forms of one word apart ("deliver" -> "deliv", "delivery" -> "deliveri"):
# a stem that begins another counts as the same word once it is this long (shorter is "part"
# ~ "particular").
PREFIX_STEM = 5
# Measured on e5-small word pairs: true translations score 0.90-0.93, unrelated
# words up to ~0.885; below this a cross-language match is not trusted.
SOFT_MATCH = 0.895


MIN_WORDS = 3
# Sentences tied on coverage whose meaning is compared; each costs one e5 pass (cached).
MEANING_CANDIDATES = 12


def _tier(evidence: Evidence) -> tuple[float, bool]:
    """What ranks first, before meaning: coverage, then whether the sentence says any of it itself."""
    return evidence.coverage, evidence.own_coverage > 0


def _section(passage: Passage) -> str:
    heading = passage.heading.rsplit("/", 1)[-1].strip()
    return f"{heading}: " if heading else ""


def split_sentences(text: str) -> list[str]:
    """The sentences and list items of a text; a fragment of one or two words (a title, a
    signature line) states nothing and is left out."""
    parts = (p.strip(" -•*\t") for p in _SENTENCE.split(text))
    return [p for p in parts if len(p) > 2 and len(_WORD.findall(p)) >= MIN_WORDS]


def words_of(text: str) -> list[str]:
    return _WORD.findall(_ADDRESS.sub(" ", text).lower().replace("ё", "е"))


def content_words(text: str, ignore: set[str]) -> list[str]:
    """Distinct topic words of a question, lowercased."""
    seen: list[str] = []
    for word in words_of(text):
        if word in STOPWORDS or word in QUESTION_WORDS or word in ignore or word in seen:
            continue
        if len(word) < 2 and not word.isdigit():  # two letters can be a unit that matters ("kg", "IP")
            continue
        seen.append(word)
    return seen


def _is_cyrillic(word: str) -> bool:
    return bool(_CYRILLIC.search(word))


class _Text:
    """A sentence or heading prepared for matching: stems, numbers and word vectors by script."""

    def __init__(self, text: str, vector: Callable[[str], np.ndarray]) -> None:
        words = words_of(text)
        self.stems = set(tokenize(" ".join(words))) | {w for w in words if w.isdigit()}
        letters = [w for w in words if len(w) > 2 and not w.isdigit()]
        self.vectors = {
            cyrillic: np.stack(vs) if (vs := [vector(w) for w in letters if _is_cyrillic(w) == cyrillic]) else None
            for cyrillic in (False, True)
        }

    def match(self, word: str, vector: Callable[[str], np.ndarray]) -> float:
        """1.0 for the same word (stem or number), else the best e5 similarity to a word of the
        other script. Within one language a close vector is a look-alike ("weight" ~ "height"),
        not a translation, so only stems count there."""
        if word.isdigit():
            return 1.0 if word in self.stems else 0.0
        stems = tokenize(word)
        if stems and (stems[0] in self.stems or self._prefix_match(stems[0])):
            return 1.0
        other = self.vectors[not _is_cyrillic(word)]
        if other is None:
            return 0.0
        return float(np.max(other @ vector(word)))


    def _prefix_match(self, stem: str) -> bool:
        if len(stem) < PREFIX_STEM or stem.isdigit():
            return False
        return any(
            len(own) >= PREFIX_STEM and (own.startswith(stem) or stem.startswith(own))
            for own in self.stems
            if not own.isdigit()
        )


class SentenceReader:
    """Implements the core's `Reader` port with stems plus e5 word similarity."""

    def __init__(
        self, embed_word: Callable[[str], Sequence[float]], soft_match: float = SOFT_MATCH, by_meaning: bool = True
    ) -> None:
        """`embed_word` embeds in e5's "query:" role, which e5 prescribes for symmetric similarity:
        word to word, and (`by_meaning`) question to sentence for sentences that tie on coverage."""
        self._soft = soft_match
        self._by_meaning = by_meaning
        self._lock = threading.Lock()
        self._vector = lru_cache(maxsize=50_000)(lambda w: np.asarray(embed_word(w), dtype=np.float32))

    def _evidence(self, words: list[str], sentence: str, vouched: set[str], passage: Passage) -> Evidence:
        own = _Text(sentence, self._vector)
        covered, by_itself, strength = 0, 0, 0.0
        for word in words:
            score = own.match(word, self._vector)
            strength += score
            by_itself += score >= self._soft
            # A section heading ("Payment methods") vouches for the sentences under it.
            if score >= self._soft or word in vouched:
                covered += 1
        n = len(words)
        return Evidence(sentence, passage, round(covered / n, 3), round(strength / n, 4), round(by_itself / n, 3))

    def evidence_sync(
        self, question: str, passages: Sequence[Passage], ignore: Sequence[str] = ()
    ) -> list[Evidence]:
        ignored = {w for term in ignore for w in words_of(term)}
        words = content_words(question, ignored)
        if not words:
            return []
        found: list[Evidence] = []
        for passage in passages:
            # The heading's verdict is the same for every sentence under it: match it once.
            heading = _Text(passage.heading.rsplit("/", 1)[-1], self._vector)
            vouched = {w for w in words if heading.match(w, self._vector) >= self._soft}
            found.extend(self._evidence(words, s, vouched, passage) for s in split_sentences(passage.text))
        found = [e for e in found if e.coverage > 0]
        meaning = self._meaning(question, found)
        # Equal coverage: a sentence that says any of it in its own words beats one only its
        # heading vouches for; then the one closest in meaning (with its heading) to the question,
        # since how many words match across languages is noisy (look-alikes), the whole less so;
        # then own words, the retriever's ranking of the passage, the closest words. (Preferring
        # the question's own language here was measured: it picks a same-language sentence that
        # merely shares words over the other language's that answers.)
        return sorted(
            found,
            key=lambda e: (*_tier(e), meaning.get(id(e), 0.0), e.own_coverage, e.passage.score, e.similarity),
            reverse=True,
        )

    def _meaning(self, question: str, found: list[Evidence]) -> dict[int, float]:
        """e5 similarity of the question to each sentence tied for first place on `_tier` (few:
        each costs an embedding)."""
        if not self._by_meaning or not found:
            return {}
        top = max(_tier(e) for e in found)
        tied = [e for e in found if _tier(e) == top][:MEANING_CANDIDATES]
        if len(tied) < 2:
            return {}
        asked = self._vector(question)
        return {id(e): float(self._vector(f"{_section(e.passage)}{e.sentence}") @ asked) for e in tied}

    async def evidence(
        self, question: str, passages: Sequence[Passage], ignore: Sequence[str] = ()
    ) -> list[Evidence]:
        def locked() -> list[Evidence]:
            with self._lock:
                return self.evidence_sync(question, passages, ignore)

        return await asyncio.to_thread(locked)
