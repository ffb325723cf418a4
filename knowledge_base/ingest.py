"""`salesbot kb ingest`: bring the data dir's index up to date with a KB folder.

Incremental: a file whose hash is unchanged is skipped, a changed file has its
chunks replaced (chunks whose text did not change keep their vectors), a deleted
file has its chunks removed. A file that cannot be read is reported and keeps
its previous chunks; everything else is still ingested.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from llama_index.core.base.embeddings.base import BaseEmbedding

from knowledge_base.catalog import CsvCatalog
from knowledge_base.catalog_text import catalog_chunks, discount_chunks
from knowledge_base.changes import TABLE_FILES, IngestReport, plan_changes
from knowledge_base.chunking import chunk_markdown
from knowledge_base.chunks import Chunk
from knowledge_base.company_intents import INTENTS_FILE, read_company_intents
from knowledge_base.documents import read_document
from knowledge_base.errors import DocumentError, KnowledgeBaseError
from knowledge_base.layout import DataLayout
from knowledge_base.manifest import Manifest
from knowledge_base.stores import VectorIndex

__all__ = ["IngestReport", "ingest"]

EMBED_BATCH = 32
Progress = Callable[[int], None]




def _table_chunks(kb_dir: Path, changed_tables: set[str], report: IngestReport) -> dict[str, list[Chunk]]:
    """Chunks of the catalog and discount tables that changed; row errors go to the report."""
    catalog = CsvCatalog.load(kb_dir)
    report.errors.extend(str(e) for e in catalog.errors)
    out: dict[str, list[Chunk]] = {}
    if "catalog.csv" in changed_tables:
        out["catalog.csv"] = catalog_chunks("catalog.csv", catalog.products())
    if "discounts.csv" in changed_tables:
        out["discounts.csv"] = discount_chunks("discounts.csv", catalog.discounts)
    if "synonyms.yaml" in changed_tables:
        out["synonyms.yaml"] = []  # read with the catalog, never searched
    if INTENTS_FILE in changed_tables:
        read_company_intents(kb_dir)  # a bad cue fails the ingest, not the first customer
        out[INTENTS_FILE] = []  # read by understanding, never searched
    return out


def _document_chunks(path: Path, source: str) -> list[Chunk]:
    return chunk_markdown(source, read_document(path))


def _snapshot_tables(kb_dir: Path, layout: DataLayout) -> None:
    """Copy the price tables into the data dir: quotes must not depend on the KB folder later."""
    layout.tables_dir.mkdir(parents=True, exist_ok=True)
    for name in TABLE_FILES:
        src, dst = kb_dir / name, layout.tables_dir / name
        if src.exists():
            shutil.copyfile(src, dst)
        elif dst.exists():
            dst.unlink()


def _embed(
    embedding: BaseEmbedding, chunks: list[Chunk], progress: Progress | None
) -> list[list[float]]:
    vectors: list[list[float]] = []
    for start in range(0, len(chunks), EMBED_BATCH):
        batch = chunks[start : start + EMBED_BATCH]
        vectors.extend(embedding.get_text_embedding_batch([c.embed_text() for c in batch]))
        if progress:
            progress(len(batch))
    return vectors


def ingest(
    kb_dir: Path,
    layout: DataLayout,
    embedding: BaseEmbedding,
    index: VectorIndex,
    progress_factory: Callable[[int], Progress] | None = None,
) -> IngestReport:
    """Bring the index in `layout` up to date with `kb_dir`."""
    started = time.monotonic()
    if not kb_dir.is_dir():
        raise KnowledgeBaseError(f"knowledge base folder not found: {kb_dir}")
    report = IngestReport()
    manifest = Manifest.load(layout.manifest, layout.embedding_model, index.identity)
    if manifest.files and index.is_empty():  # the vectors were removed: build them again
        manifest = Manifest(layout.embedding_model, index.identity)
    index.delete(manifest.stale_ids)  # built with another embedding model: start over
    todo = plan_changes(kb_dir, manifest, report)
    present = set(report.unchanged) | set(todo)
    for source in sorted(set(manifest.files) - present):
        index.delete(manifest.forget(source))
        report.deleted.append(source)

    new_chunks: dict[str, list[Chunk]] = {}
    tables = {s for s in todo if s in TABLE_FILES}
    if tables or any(s in TABLE_FILES for s in report.deleted):
        new_chunks.update(_table_chunks(kb_dir, tables, report))
        _snapshot_tables(kb_dir, layout)
    for source, (path, _) in todo.items():
        if source in TABLE_FILES:
            continue
        try:
            new_chunks[source] = _document_chunks(path, source)
        except DocumentError as exc:
            report.errors.append(str(exc))

    to_embed = _replace_chunks(manifest, index, new_chunks, todo, report)
    progress = progress_factory(len(to_embed)) if progress_factory and to_embed else None
    index.add(to_embed, _embed(embedding, to_embed, progress))
    report.embedded = len(to_embed)
    report.chunks = len(manifest.chunks)
    manifest.save(layout.manifest)
    report.seconds = time.monotonic() - started
    return report


def _replace_chunks(
    manifest: Manifest,
    index: VectorIndex,
    new_chunks: dict[str, list[Chunk]],
    todo: dict[str, tuple[Path, str]],
    report: IngestReport,
) -> list[Chunk]:
    """Swap in each file's new chunks; returns those that need embedding."""
    to_embed: list[Chunk] = []
    for source, chunks in new_chunks.items():
        (report.changed if source in manifest.files else report.added).append(source)
        old_ids = set(manifest.forget(source))
        keep = {c.id for c in chunks} & old_ids
        index.delete(sorted(old_ids - keep))
        to_embed.extend(c for c in chunks if c.id not in keep)
        manifest.record(source, todo[source][1], chunks)
    return to_embed

