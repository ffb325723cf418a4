"""Hybrid retrieval: dense (e5) and BM25 rankings fused by weighted reciprocal rank.

Plain equal-weight fusion erased cross-language hits in our probe (BM25 ranks
same-language passages first, and a Russian question shares no terms with an
English passage), so dense counts double by default (see knowledge_base/README.md).
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from dataclasses import dataclass

from llama_index.core.base.embeddings.base import BaseEmbedding

from bot.knowledge import Passage
from knowledge_base.changes import TABLE_FILES
from knowledge_base.chunking import Chunk
from knowledge_base.lexical import LexicalIndex
from knowledge_base.stores import VectorIndex


@dataclass(frozen=True, slots=True)
class FusionWeights:
    """Weighted RRF: score = Σ weight / (k + rank). `0` switches a ranking off."""

    dense: float = 2.0
    lexical: float = 1.0
    k: int = 10
    candidates: int = 20
    # Catalog rows kept in one result list: a policy question ("Is VAT included?") shares words
    # with every product row, and the rows must not crowd the document that answers out.
    table_rows: int = 2


def fuse(rankings: list[tuple[float, list[str]]], k: int) -> list[tuple[str, float]]:
    """Weighted reciprocal-rank fusion of id rankings (rank 1 = best)."""
    scores: dict[str, float] = defaultdict(float)
    for weight, ids in rankings:
        if weight <= 0:
            continue
        for rank, cid in enumerate(ids, start=1):
            scores[cid] += weight / (k + rank)
    return sorted(scores.items(), key=lambda item: item[1], reverse=True)


class HybridRetriever:
    """Implements the core's `Retriever` port over a vector store and BM25."""

    def __init__(
        self,
        chunks: dict[str, Chunk],
        index: VectorIndex,
        embedding: BaseEmbedding,
        weights: FusionWeights | None = None,
    ) -> None:
        self._chunks = chunks
        self._index = index
        self._embedding = embedding
        self.weights = weights or FusionWeights()
        ids = list(chunks)
        self._lexical = LexicalIndex(ids, [chunks[i].embed_text() for i in ids])
        # The embedded vector store and the embedder are not documented as thread-safe.
        self._lock = threading.Lock()

    def search_sync(self, query: str, top_k: int = 5) -> list[Passage]:
        """Blocking search; `search` runs it off the event loop."""
        w = self.weights
        dense: list[str] = []
        if w.dense > 0 and query.strip():
            vector = self._embedding.get_query_embedding(query)
            dense = [cid for cid, _ in self._index.nearest(vector, w.candidates)]
        lexical = [cid for cid, _ in self._lexical.search(query, w.candidates)] if w.lexical > 0 else []
        fused = fuse([(w.dense, dense), (w.lexical, lexical)], w.k)
        passages: list[Passage] = []
        rows = 0
        for cid, score in fused:
            chunk = self._chunks.get(cid)
            if chunk is None:  # a vector whose chunk was deleted meanwhile
                continue
            if chunk.source in TABLE_FILES:
                rows += 1
                if rows > w.table_rows:
                    continue
            passages.append(Passage(chunk.text, chunk.source, chunk.heading, round(score, 6)))
            if len(passages) == top_k:
                break
        return passages

    @property
    def chunks(self) -> dict[str, Chunk]:
        """Every chunk by id (read-only use: which sources say they are internal)."""
        return self._chunks

    async def search(self, query: str, top_k: int = 5) -> list[Passage]:
        def locked() -> list[Passage]:
            with self._lock:
                return self.search_sync(query, top_k)

        return await asyncio.to_thread(locked)
