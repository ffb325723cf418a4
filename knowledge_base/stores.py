"""Vector stores behind one small interface: embedded Qdrant, a Qdrant server, or Weaviate.

All three are LlamaIndex vector stores; this module picks one from settings and
adapts it to what ingestion and retrieval need (add, delete by id, nearest).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from llama_index.core.schema import TextNode
from llama_index.core.vector_stores.types import BasePydanticVectorStore, VectorStoreQuery

from knowledge_base.chunking import Chunk
from knowledge_base.errors import KnowledgeBaseError
from knowledge_base.layout import COLLECTION, DataLayout, StoreConfig

__all__ = ["COLLECTION", "StoreConfig", "VectorIndex", "open_vector_index", "to_node"]

def to_node(chunk: Chunk, embedding: list[float]) -> TextNode:
    """A LlamaIndex node carrying the chunk's source and heading as metadata."""
    return TextNode(
        id_=chunk.id,
        text=chunk.text,
        metadata={"source": chunk.source, "heading": chunk.heading},
        embedding=embedding,
    )


class VectorIndex:
    """Add, delete and search chunk vectors in the configured store."""

    def __init__(self, store: BasePydanticVectorStore, closer: Any = None, identity: str = "") -> None:
        self.store = store
        self.identity = identity
        self._closer = closer

    def add(self, chunks: list[Chunk], embeddings: list[list[float]]) -> None:
        if chunks:
            self.store.add([to_node(c, e) for c, e in zip(chunks, embeddings, strict=True)])

    def delete(self, ids: list[str]) -> None:
        if ids and not self.is_empty():  # a missing collection has nothing to delete
            self.store.delete_nodes(node_ids=ids)

    def is_empty(self) -> bool:
        """True when the collection does not exist (never ingested, or removed by hand)."""
        client = self.store.client
        if hasattr(client, "collection_exists"):  # Qdrant
            return not client.collection_exists(self.store.collection_name)  # type: ignore[attr-defined]
        return not client.collections.exists(self.store.index_name)  # type: ignore[attr-defined]

    def nearest(self, embedding: list[float], top_k: int) -> list[tuple[str, float]]:
        """(chunk id, similarity) best first; empty when nothing is stored yet."""
        try:
            result = self.store.query(VectorStoreQuery(query_embedding=embedding, similarity_top_k=top_k))
        except ValueError:  # qdrant: the collection does not exist before the first ingest
            return []
        ids = result.ids or []
        scores = result.similarities or [0.0] * len(ids)
        return list(zip(ids, (float(s) for s in scores), strict=True))

    def close(self) -> None:
        if self._closer is not None:
            self._closer.close()


def open_vector_index(config: StoreConfig) -> VectorIndex:
    """The store `config` names; a clear KnowledgeBaseError when it cannot be reached."""
    if config.weaviate_url:
        return _open_weaviate(config)
    return _open_qdrant(config)


def _open_qdrant(config: StoreConfig) -> VectorIndex:
    from llama_index.vector_stores.qdrant import QdrantVectorStore
    from qdrant_client import QdrantClient

    if config.qdrant_url:
        client = QdrantClient(url=config.qdrant_url, api_key=config.qdrant_api_key, timeout=10)
        try:
            client.get_collections()
        except Exception as exc:  # the client raises transport-specific errors
            raise KnowledgeBaseError(f"Qdrant at {config.qdrant_url} cannot be reached: {exc}") from exc
    else:
        path = DataLayout(config.data_dir).vectors_dir
        path.mkdir(parents=True, exist_ok=True)
        try:
            client = QdrantClient(path=str(path))
        except RuntimeError as exc:  # local mode allows one process per folder
            raise KnowledgeBaseError(
                f"the vector store in {path} is in use by another salesbot process: {exc}"
            ) from exc
    store = QdrantVectorStore(collection_name=config.collection, client=client)
    return VectorIndex(store, closer=client, identity=config.identity)


def weaviate_connection_params(url: str) -> dict[str, Any]:
    """HTTP and gRPC endpoints for `weaviate.connect_to_custom` from one URL.

    Weaviate serves gRPC on 50051 next to HTTP; a `grpc_port` query parameter overrides it.
    """
    invalid = KnowledgeBaseError(f"WEAVIATE_URL must look like http(s)://host[:port][?grpc_port=N], got {url!r}")
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise invalid
    secure = parsed.scheme == "https"
    query = dict(p.split("=", 1) for p in parsed.query.split("&") if "=" in p)
    try:  # `port` raises ValueError for a non-number or one out of range
        http_port = parsed.port or (443 if secure else 80)
        grpc_port = int(query.get("grpc_port", 50051))
    except ValueError:
        raise invalid from None
    if not 0 < grpc_port < 65536:
        raise invalid
    return {
        "http_host": parsed.hostname,
        "http_port": http_port,
        "http_secure": secure,
        "grpc_host": parsed.hostname,
        "grpc_port": grpc_port,
        "grpc_secure": secure,
    }


def weaviate_index_name(collection: str) -> str:
    """Weaviate class names must start with a capital letter."""
    return "".join(part.capitalize() for part in collection.split("_"))


def _open_weaviate(config: StoreConfig) -> VectorIndex:
    import weaviate
    from llama_index.vector_stores.weaviate import WeaviateVectorStore

    assert config.weaviate_url is not None
    params = weaviate_connection_params(config.weaviate_url)
    auth = weaviate.auth.AuthApiKey(config.weaviate_api_key) if config.weaviate_api_key else None
    try:
        client = weaviate.connect_to_custom(**params, auth_credentials=auth)
    except Exception as exc:  # WeaviateStartUpError and transport errors alike
        raise KnowledgeBaseError(f"Weaviate at {config.weaviate_url} cannot be reached: {exc}") from exc
    store = WeaviateVectorStore(weaviate_client=client, index_name=weaviate_index_name(config.collection))
    return VectorIndex(store, closer=client, identity=config.identity)
