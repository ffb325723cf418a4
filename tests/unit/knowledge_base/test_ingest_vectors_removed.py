"""Regression: a data dir whose vector folder was removed by hand is rebuilt, not trusted."""

from __future__ import annotations

import shutil
from pathlib import Path

from config.ingesting import run_ingest
from config.knowledge import open_knowledge_base
from config.settings import load_settings


def test_removed_vectors_are_rebuilt_and_searchable(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "delivery.md").write_text("# Delivery\n\nWe deliver to Toronto in 2 days.\n", encoding="utf-8")
    (kb / "returns.md").write_text("# Returns\n\nUnused items come back within 30 days.\n", encoding="utf-8")
    settings = load_settings(data_dir=tmp_path / "data")
    assert run_ingest(settings, kb).embedded == 2

    shutil.rmtree(tmp_path / "data" / "vectors")
    (kb / "returns.md").write_text("# Returns\n\nUnused items come back within 45 days.\n", encoding="utf-8")
    report = run_ingest(settings, kb)  # used to crash: "Collection salesbot_kb not found"

    assert report.embedded == 2 and not report.errors
    opened = open_knowledge_base(settings)
    try:
        assert opened.retriever.search_sync("Toronto delivery", 1)[0].source == "delivery.md"
    finally:
        opened.close()


def test_removed_vectors_are_noticed_even_when_no_file_changed(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "faq.md").write_text("# FAQ\n\nWe answer within one day.\n", encoding="utf-8")
    settings = load_settings(data_dir=tmp_path / "data")
    run_ingest(settings, kb)
    shutil.rmtree(tmp_path / "data" / "vectors")

    assert run_ingest(settings, kb).embedded == 1
