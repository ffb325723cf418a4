"""The cheap up-to-date check that lets an unchanged ingest skip loading any model or store."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base.changes import file_hash, list_kb_files, up_to_date
from knowledge_base.chunks import Chunk
from knowledge_base.layout import DataLayout
from knowledge_base.manifest import Manifest

STORE = "qdrant-local:/salesbot_kb"


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "faq.md").write_text("# FAQ\n\nWe deliver in 3 days.\n", encoding="utf-8")
    header = "sku,name,category,price,currency,unit,stock,lead_time_days,description,related,upgrade\n"
    (folder / "catalog.csv").write_text(header, encoding="utf-8")
    return folder


@pytest.fixture
def layout(tmp_path: Path, kb: Path) -> DataLayout:
    """A data dir whose manifest records `kb` as ingested into STORE."""
    layout = DataLayout(tmp_path / "data")
    manifest = Manifest(layout.embedding_model, STORE)
    for path in list_kb_files(kb):
        source = path.relative_to(kb).as_posix()
        manifest.record(source, file_hash(path), [Chunk(f"id-{source}", source, "", "text")])
    manifest.save(layout.manifest)
    layout.vectors_dir.mkdir()  # where the embedded store keeps them
    return layout


def test_nothing_changed_is_reported_without_work(kb: Path, layout: DataLayout) -> None:
    report = up_to_date(kb, layout, STORE)
    assert report is not None
    assert sorted(report.unchanged) == ["catalog.csv", "faq.md"] and report.embedded == 0


@pytest.mark.parametrize(
    "change",
    [
        lambda kb: (kb / "faq.md").write_text("# FAQ\n\nWe deliver in 2 days.\n", encoding="utf-8"),
        lambda kb: (kb / "new.txt").write_text("new", encoding="utf-8"),
        lambda kb: (kb / "faq.md").unlink(),
    ],
    ids=["changed", "added", "deleted"],
)
def test_any_change_needs_an_ingest(kb: Path, layout: DataLayout, change: object) -> None:
    change(kb)  # type: ignore[operator]
    assert up_to_date(kb, layout, STORE) is None


def test_a_removed_vector_folder_needs_an_ingest(kb: Path, layout: DataLayout) -> None:
    layout.vectors_dir.rmdir()
    assert up_to_date(kb, layout, STORE) is None


def test_another_vector_store_needs_a_full_ingest(kb: Path, layout: DataLayout) -> None:
    """Regression: pointing a data dir at a new store reported every file unchanged, leaving it empty."""
    assert up_to_date(kb, layout, "qdrant-server:http://vectors:6333/salesbot_kb") is None
    assert Manifest.load(layout.manifest, layout.embedding_model, "weaviate:http://w:8080/salesbot_kb").files == {}


def test_another_embedding_model_needs_a_full_ingest(kb: Path, layout: DataLayout) -> None:
    other = DataLayout(layout.data_dir, "another-model")
    assert up_to_date(kb, other, STORE) is None
    assert Manifest.load(layout.manifest, "another-model", STORE).stale_ids == ["id-catalog.csv", "id-faq.md"]


def test_missing_folder_or_manifest_needs_an_ingest(tmp_path: Path, kb: Path) -> None:
    assert up_to_date(tmp_path / "nope", DataLayout(tmp_path / "data"), STORE) is None
    assert up_to_date(kb, DataLayout(tmp_path / "empty"), STORE) is None
