"""BM25 over chunks with Russian and English stemming (bm25s + Snowball)."""

from __future__ import annotations

import logging
import re

import bm25s
import numpy as np

from bot.understanding.stems import stem

# bm25s sets its logger to DEBUG on import and logs every index build.
logging.getLogger("bm25s").setLevel(logging.WARNING)

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Words so frequent in sales questions that they only add noise to BM25.
STOPWORDS = frozenset(
    """a an the and or of to in on for with at by from is are was were be been it its this that
    these those what which who how much many do does did can could would should i you we your our
    me my us there any some about as if so not no yes please hi hello
    и в во на с со по к ко у о об от до за из для не ни но а же ли бы что как какой какая какие
    сколько это этот эта эти вы вам вас ваш ваша ваши мы нам нас наш я мне меня он она они ли есть
    можно ли ну да нет пожалуйста здравствуйте привет""".split()
)


def tokenize(text: str) -> list[str]:
    """Lowercased word stems; Cyrillic words use the Russian stemmer, others English."""
    tokens: list[str] = []
    for word in _WORD.findall(text.lower().replace("ё", "е")):
        if word in STOPWORDS:
            continue
        tokens.append(stem(word))  # one thread-safe stemmer for the package
    return tokens


class LexicalIndex:
    """An in-memory BM25 index over chunk texts; cheap to rebuild on every ingest."""

    def __init__(self, ids: list[str], texts: list[str]) -> None:
        self._ids = ids
        self._model: bm25s.BM25 | None = None
        corpus = [tokenize(t) for t in texts]
        if any(corpus):
            self._model = bm25s.BM25()
            # bm25s accepts pre-tokenized corpora as lists of string tokens.
            self._model.index(corpus, show_progress=False)

    def search(self, query: str, top_k: int) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) best first; only chunks sharing a term with the query."""
        tokens = tokenize(query)
        if self._model is None or not tokens:
            return []
        k = min(top_k, len(self._ids))
        docs, scores = self._model.retrieve([tokens], k=k, show_progress=False)
        return [
            (self._ids[int(d)], float(s))
            for d, s in zip(np.asarray(docs)[0], np.asarray(scores)[0], strict=True)
            if s > 0
        ]
