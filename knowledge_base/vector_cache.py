"""Vectors of a fixed list of texts, computed once and kept in the data dir.

Product cards and intent examples change only when the company edits them: their vectors are
saved under a name that carries a digest of the texts, so an edit computes new ones and an
unchanged list is read back in milliseconds instead of embedded again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

Embed = Callable[[list[str]], Sequence[Sequence[float]]]


def cached_vectors(cache: Path, texts: Sequence[str], embed: Embed) -> np.ndarray:
    """The rows of `embed(texts)`, read from `cache` (suffixed with the texts' digest) when there."""
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = cache.with_name(f"{cache.stem}-{digest}.npy")
    if path.is_file():
        saved: np.ndarray = np.load(path)
        return saved
    vectors = np.asarray(embed(list(texts)), dtype=np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors
