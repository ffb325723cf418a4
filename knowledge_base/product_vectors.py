"""Meaning similarity of a message to each product, for words spelling cannot bridge.

A customer may write "hose" to a catalog that says "шланг", or describe a product by what
it does ("the pump that runs quietly at night"). Each product's card (name, category,
description) is embedded once in e5's passage role and kept in the data dir; a message is
embedded in the query role (cached, since retrieval embeds the same text).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding

from bot.catalog import Product
from knowledge_base.vector_cache import cached_vectors


def card(product: Product) -> str:
    return f"{product.name}. {product.category}. {product.description}"


class ProductSemantics:
    """Callable text → {sku: cosine similarity}; product vectors built lazily and cached on disk."""

    def __init__(self, embedding: BaseEmbedding, products: Sequence[Product], cache: Path) -> None:
        self._embedding = embedding
        self._products = tuple(products)
        self._cache = cache
        self._vectors: np.ndarray | None = None
        self._lock = threading.Lock()

    def __call__(self, text: str) -> dict[str, float]:
        if not self._products or not text.strip():
            return {}
        with self._lock:
            vectors = self._product_vectors()
            query = np.asarray(self._embedding.get_query_embedding(text), dtype=np.float32)
        scores = vectors @ query
        return {p.sku: float(s) for p, s in zip(self._products, scores, strict=True)}

    def _product_vectors(self) -> np.ndarray:
        if self._vectors is None:
            cards = [card(p) for p in self._products]
            self._vectors = cached_vectors(self._cache, cards, self._embedding.get_text_embedding_batch)
        return self._vectors
