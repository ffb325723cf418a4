"""What changed in a KB folder since the last ingest, found without loading any model.

`salesbot kb ingest` on an unchanged folder should cost a few file hashes, not
the seconds it takes to import LlamaIndex and a vector store.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from knowledge_base.layout import DataLayout
from knowledge_base.manifest import Manifest

DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf")
# The price tables, and the company's synonyms read with them (knowledge_base/synonyms.py).
TABLE_FILES = ("catalog.csv", "discounts.csv", "synonyms.yaml", "intents.yaml")


def list_kb_files(kb_dir: Path) -> list[Path]:
    """Documents and tables of a KB folder (recursively), in a stable order."""
    files = [
        p
        for p in kb_dir.rglob("*")
        if p.is_file()
        and not any(part.startswith((".", "_")) for part in p.relative_to(kb_dir).parts)
        and (p.suffix.lower() in DOCUMENT_SUFFIXES or p.name in TABLE_FILES)
    ]
    return sorted(files, key=lambda p: p.relative_to(kb_dir).as_posix())


@dataclass(slots=True)
class IngestReport:
    """What one ingest run did."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    embedded: int = 0
    chunks: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        files = len(self.added) + len(self.changed) + len(self.unchanged)
        return (
            f"Ingested {files} files ({len(self.added)} new, {len(self.changed)} changed, "
            f"{len(self.deleted)} deleted, {len(self.unchanged)} unchanged): "
            f"{self.chunks} chunks, {self.embedded} embedded, {len(self.errors)} errors "
            f"in {self.seconds:.1f}s"
        )


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def plan_changes(kb_dir: Path, manifest: Manifest, report: IngestReport) -> dict[str, tuple[Path, str]]:
    """Files that are new or changed, by source name, with their hash."""
    todo: dict[str, tuple[Path, str]] = {}
    for path in list_kb_files(kb_dir):
        source = path.relative_to(kb_dir).as_posix()
        digest = file_hash(path)
        entry = manifest.files.get(source)
        if entry is not None and entry.sha256 == digest:
            report.unchanged.append(source)
        else:
            todo[source] = (path, digest)
    return todo


def up_to_date(kb_dir: Path, layout: DataLayout, store: str) -> IngestReport | None:
    """A report of nothing to do, or None when something must be (re)ingested."""
    if not kb_dir.is_dir() or not layout.manifest.exists() or not layout.vectors_present(store):
        return None
    manifest = Manifest.load(layout.manifest, layout.embedding_model, store)
    report = IngestReport()
    if manifest.stale_ids or not manifest.files or plan_changes(kb_dir, manifest, report):
        return None
    if set(manifest.files) - set(report.unchanged):
        return None  # files were deleted
    report.chunks = len(manifest.chunks)
    return report
