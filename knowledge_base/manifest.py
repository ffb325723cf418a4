"""What has been ingested: per file its hash and chunk ids, and every chunk's text.

Kept as JSON in the data dir. It makes ingestion incremental (an unchanged file
is skipped) and lets BM25 be rebuilt without reading the vector store back.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from knowledge_base.chunks import Chunk

VERSION = 3  # 2: vectors without the language axis; 3: wrapped lines joined


@dataclass(slots=True)
class FileEntry:
    sha256: str
    chunk_ids: list[str]


@dataclass(slots=True)
class Manifest:
    """The ingested state of one knowledge base."""

    embedding_model: str
    store: str = ""  # which vector store holds the vectors (StoreConfig.identity)
    files: dict[str, FileEntry] = field(default_factory=dict)
    chunks: dict[str, Chunk] = field(default_factory=dict)
    stale_ids: list[str] = field(default_factory=list)  # vectors of another model, to purge

    @classmethod
    def load(cls, path: Path, embedding_model: str, store: str = "") -> Manifest:
        """The saved manifest; an empty one if absent, or if its vectors are elsewhere or stale.

        Built with another embedding model: its chunk ids are `stale_ids`, to purge. Built
        into another vector store: nothing is in this store yet, so everything is ingested.
        """
        if not path.exists():
            return cls(embedding_model, store)
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("store", "") != store:
            return cls(embedding_model, store)
        if data.get("version") != VERSION or data.get("embedding_model") != embedding_model:
            return cls(embedding_model, store, stale_ids=list(data.get("chunks", {})))
        return cls(
            embedding_model,
            store,
            files={k: FileEntry(v["sha256"], v["chunk_ids"]) for k, v in data["files"].items()},
            chunks={k: Chunk(k, v["source"], v["heading"], v["text"]) for k, v in data["chunks"].items()},
        )

    def save(self, path: Path) -> None:
        """Written to a temporary file and renamed, so a crash never leaves half a manifest."""
        data = {
            "version": VERSION,
            "embedding_model": self.embedding_model,
            "store": self.store,
            "files": {k: {"sha256": v.sha256, "chunk_ids": v.chunk_ids} for k, v in self.files.items()},
            "chunks": {
                c.id: {"source": c.source, "heading": c.heading, "text": c.text} for c in self.chunks.values()
            },
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

    def forget(self, source: str) -> list[str]:
        """Drop a file's chunks; returns their ids for deletion from the vector store."""
        entry = self.files.pop(source, None)
        if entry is None:
            return []
        for cid in entry.chunk_ids:
            self.chunks.pop(cid, None)
        return entry.chunk_ids

    def record(self, source: str, sha256: str, chunks: list[Chunk]) -> None:
        self.files[source] = FileEntry(sha256, [c.id for c in chunks])
        self.chunks.update((c.id, c) for c in chunks)
