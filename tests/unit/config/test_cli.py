"""`salesbot ask` and `salesbot converse` keep the evaluation contract (../shared/eval/README.md).

Each command runs in-process through typer's CliRunner on a copy of the ingested demo
data dir; services are switched off in the environment so the embedded defaults run.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from typer.testing import CliRunner, Result

from config.cli import app
from knowledge_base.catalog import CsvCatalog
from knowledge_base.demo import DEMO_KB_DIR

CATALOG = CsvCatalog.load(DEMO_KB_DIR)
ASK_KEYS = {"id", "answer", "sources"}
CONVERSE_KEYS = {"id", "replies", "lead"}
LEAD_KEYS = {"name", "email", "phone", "company", "skus", "quantity", "score", "hot"}
# The one addition to the contract's lead (config/conversations.py: why it scored what it did).
LEAD_EXTRA = {"reasons"}
SERVICES_OFF: dict[str, str | None] = {
    name: None
    for name in ("REDIS_URL", "DATABASE_URL", "WEAVIATE_URL", "QDRANT_URL", "SALESBOT_CONFIG", "SALESBOT_DATA_DIR")
}


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """The command configures logging onto the runner's stderr; later tests must not write there."""
    saved, root = structlog.get_config(), logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    structlog.configure(**saved)
    root.handlers[:] = handlers
    root.setLevel(level)


def run(data_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["--data-dir", str(data_dir), *args], env=SERVICES_OFF)


def write_lines(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def json_lines(result: Result) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


QUESTIONS = [
    {"id": "price-en", "question": "How much is the Downlight Round 15?"},
    {"id": "price-ru", "question": "Сколько стоит Downlight Round 15?"},
    {"id": "policy", "question": "How long is the warranty on controls?"},
]


def test_ask_prints_one_contract_line_per_question_and_can_run_again(data_dir: Path, tmp_path: Path) -> None:
    batch = write_lines(tmp_path / "questions.jsonl", QUESTIONS)
    first = json_lines(run(data_dir, "ask", "--batch", str(batch), "--json"))
    assert [row["id"] for row in first] == [q["id"] for q in QUESTIONS]
    for row in first:
        assert set(row) == ASK_KEYS
        assert isinstance(row["answer"], str) and row["answer"]
        assert isinstance(row["sources"], list) and all(isinstance(s, str) for s in row["sources"])
    answers = {row["id"]: row for row in first}
    price = CATALOG.get("NW-DL15")
    assert price is not None
    assert CATALOG.format_money(price.price, "EUR", "en") in answers["price-en"]["answer"]
    assert CATALOG.format_money(price.price, "EUR", "ru") in answers["price-ru"]["answer"]
    assert "catalog.csv" in answers["price-en"]["sources"]
    assert answers["policy"]["sources"] == ["warranty.md"]

    # the data dir keeps the first run's conversations: a second run must not be taken for a redelivery
    again = json_lines(run(data_dir, "ask", "--batch", str(batch), "--json"))
    assert again == first


def test_converse_prints_replies_per_turn_and_the_lead(data_dir: Path, tmp_path: Path) -> None:
    conversations = [
        {"id": "lead-en", "channel": "webchat", "turns": [
            "Please quote 40 Motion Sensor Click", "We need them within 3 weeks",
            "I'm the office manager and I decide", "I'm Jane Doe, jane.doe@acme.example",
        ]},
        {"id": "lead-ru", "channel": "telegram", "turns": ["Здравствуйте", "Сколько стоит Downlight Round 15?"]},
    ]
    rows = json_lines(run(data_dir, "converse", str(write_lines(tmp_path / "leads.jsonl", conversations)), "--json"))
    assert [row["id"] for row in rows] == ["lead-en", "lead-ru"]
    for row, conversation in zip(rows, conversations, strict=True):
        assert set(row) == CONVERSE_KEYS
        assert len(row["replies"]) == len(conversation["turns"])
        assert all(isinstance(reply, str) and reply for reply in row["replies"])
        assert LEAD_KEYS <= set(row["lead"]) <= LEAD_KEYS | LEAD_EXTRA
    lead = rows[0]["lead"]
    assert (lead["name"], lead["email"], lead["skus"], lead["quantity"]) == (
        "Jane Doe", "jane.doe@acme.example", ["NW-SNS1"], 40
    )
    assert lead["hot"] is True and isinstance(lead["score"], int) and lead["score"] >= 75
    total = CATALOG.quote("NW-SNS1", 40).total
    assert CATALOG.format_money(total, "EUR", "en") in rows[0]["replies"][0]
    assert rows[1]["lead"]["skus"] == ["NW-DL15"] and rows[1]["lead"]["hot"] is False


@pytest.mark.parametrize("command", ["ask", "converse"])
def test_a_malformed_batch_line_exits_2_naming_the_line(data_dir: Path, tmp_path: Path, command: str) -> None:
    batch = tmp_path / "bad.jsonl"
    good = {"id": "1", "question": "Hello", "turns": ["Hello"]}
    batch.write_text(json.dumps(good) + "\n\n{not json\n", encoding="utf-8")
    args = ["ask", "--batch", str(batch), "--json"] if command == "ask" else ["converse", str(batch), "--json"]
    result = run(data_dir, *args)
    assert result.exit_code == 2
    assert "line 3" in result.stderr
    assert result.stdout == ""  # nothing half-answered


def test_a_conversation_without_turns_exits_2(data_dir: Path, tmp_path: Path) -> None:
    batch = write_lines(tmp_path / "no-turns.jsonl", [{"id": "x", "channel": "webchat"}])
    result = run(data_dir, "converse", str(batch), "--json")
    assert result.exit_code == 2
    assert "'x'" in result.stderr and "turns" in result.stderr
