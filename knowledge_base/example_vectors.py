"""Meaning similarity of a message to labelled example messages (the intents' examples).

Examples and messages are both embedded in e5's "query:" role, which e5 prescribes for
symmetric similarity. The example vectors are computed once and kept in the data dir, keyed by
the examples' text, so a company that adds examples gets new vectors and nobody waits twice.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding

from knowledge_base.vector_cache import cached_vectors


class ExampleSimilarity:
    """Callable text → {label: cosine similarity of the nearest example with that label}."""

    def __init__(self, embedding: BaseEmbedding, examples: Mapping[str, Sequence[str]], cache: Path) -> None:
        self._embedding = embedding
        self._rows = [(label, text) for label, texts in examples.items() for text in texts]
        self._labels = sorted({label for label, _ in self._rows})
        self._cache = cache
        self._vectors: np.ndarray | None = None
        self._lock = threading.Lock()

    def __call__(self, text: str) -> dict[str, float]:
        if not self._rows or not text.strip():
            return {}
        with self._lock:
            vectors = self._example_vectors()
            query = np.asarray(self._embedding.get_query_embedding(text), dtype=np.float32)
        scores = vectors @ query
        best: dict[str, float] = {}
        for (label, _), score in zip(self._rows, scores, strict=True):
            best[label] = max(best.get(label, -1.0), float(score))
        return best

    def warm_up(self) -> None:
        with self._lock:
            self._example_vectors()

    def _example_vectors(self) -> np.ndarray:
        if self._vectors is None:
            texts = [text for _, text in self._rows]
            self._vectors = cached_vectors(self._cache, texts, self._embed_queries)
        return self._vectors

    def _embed_queries(self, texts: list[str]) -> list[list[float]]:
        return [self._embedding.get_query_embedding(t) for t in texts]
