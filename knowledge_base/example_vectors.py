"""Meaning similarity of a message to labelled example messages (the intents' examples).

Examples and messages are both embedded in e5's "query:" role, which e5 prescribes for
symmetric similarity. The example vectors are computed once and kept in the data dir, keyed by
the examples' text, so a company that adds examples gets new vectors and nobody waits twice.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding


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
        if self._vectors is not None:
            return self._vectors
        digest = hashlib.sha256("\n".join(f"{label}\t{text}" for label, text in self._rows).encode()).hexdigest()[:16]
        path = self._cache.with_name(f"{self._cache.stem}-{digest}.npy")
        if path.is_file():
            self._vectors = np.load(path)
        else:
            rows = [self._embedding.get_query_embedding(text) for _, text in self._rows]
            self._vectors = np.asarray(rows, dtype=np.float32)
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path, self._vectors)
        return self._vectors
