"""Generic sales-talk words by role (`data/words.yaml`): size comparatives, naming nouns, stop words,
negations."""

from __future__ import annotations

from functools import lru_cache

from bot.understanding.resources import load_yaml


@lru_cache(maxsize=1)
def size_words() -> dict[str, frozenset[str]]:
    """"big" and "small" → the words that mean them, lowercased."""
    data = load_yaml("words.yaml")["size_words"]
    return {str(k): frozenset(str(w).lower() for w in v) for k, v in data.items()}


@lru_cache(maxsize=1)
def naming_nouns() -> frozenset[str]:
    return frozenset(str(w).lower() for w in load_yaml("words.yaml")["naming_nouns"])


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(str(load_yaml("words.yaml")["stopwords"]).split())


@lru_cache(maxsize=1)
def negations() -> frozenset[str]:
    """Words that deny the word after them ("without", "не")."""
    return frozenset(str(w).lower() for w in load_yaml("words.yaml")["negations"])


@lru_cache(maxsize=1)
def size_letters() -> dict[str, str]:
    """A size word → its letter ("medium" → "m"), for products named by the letter ("size M")."""
    data = load_yaml("words.yaml")["size_letters"]
    return {str(w).lower(): str(letter).lower() for letter, words in data.items() for w in words}
