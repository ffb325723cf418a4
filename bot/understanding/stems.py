"""Snowball stems for English and Russian (PyStemmer), safe to call from several threads."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import Stemmer

_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
# PyStemmer's stemmer objects are not thread-safe, and lookups may run in worker threads.
_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _stemmers() -> tuple[Stemmer.Stemmer, Stemmer.Stemmer]:
    return Stemmer.Stemmer("english"), Stemmer.Stemmer("russian")


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The stem of a lowercase word in its script's language (Cyrillic → Russian, else English)."""
    english, russian = _stemmers()
    stemmer = russian if _CYRILLIC.search(word) else english
    with _LOCK:
        return str(stemmer.stemWord(word))
