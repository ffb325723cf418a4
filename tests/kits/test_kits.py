"""Evaluation kits of whole companies, scored through the `salesbot` command line.

Each kit is a company's knowledge base with the questions, lead conversations and hostile
messages its assistant must handle (format: tests/kits/README.md). `score.py`, the scorer of
the project's evaluation kits, drives `salesbot kb ingest / kb search / ask / converse` exactly
as a user would, and each figure must stay at or above the floor recorded here: a change that
helps one company and hurts another shows up as a failure.

`tests/kits/agrodrip` is ours (an irrigation supplier: EUR, metres and litres, English catalog,
Russian documents); so are `labvia` (CHF, lab supplies sold in packs) and `solarkz` (KZT, solar
equipment, Russian catalog), which run with `SALESBOT_KITS=all`. The two sample companies
beside the project checkout (`../shared/eval`) run too when they are there; a user's clone
without them runs ours alone. The scorer comes from there as well: without it these tests are
skipped, saying why.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED_EVAL = ROOT.parent / "shared" / "eval"
SCORER = SHARED_EVAL / "score.py"
SALESBOT = [sys.executable, "-m", "config.cli"]

# Floors per kit: the figures measured when the kit was last improved, rounded down. Raise them
# when understanding gets better; never lower one to make a change pass.
FLOORS: dict[str, dict[str, dict[str, float]]] = {
    "agrodrip": {
        "retrieval": {"hit@5": 0.85},
        "answers": {"fact_accuracy": 0.5, "unanswerable": 0.9},
        "leads": {"name": 0.9, "email": 0.9, "company": 0.9, "skus": 0.75, "quantity": 0.9},
        "adversarial": {"adversarial": 1.0},
    },
    "labvia": {
        "retrieval": {"hit@5": 0.95},
        "answers": {"fact_accuracy": 0.6, "unanswerable": 0.95},
        "leads": {"name": 0.9, "email": 1.0, "company": 0.9, "skus": 0.55, "quantity": 0.85},
        "adversarial": {"adversarial": 1.0},
    },
    "solarkz": {
        "retrieval": {"hit@5": 0.95},
        "answers": {"fact_accuracy": 0.75, "unanswerable": 0.95},
        "leads": {"name": 0.85, "email": 1.0, "company": 0.9, "skus": 0.8, "quantity": 0.8},
        "adversarial": {"adversarial": 1.0},
    },
    "public": {
        "retrieval": {"hit@5": 0.9},
        "answers": {"fact_accuracy": 0.9, "unanswerable": 0.9},
        "leads": {"name": 0.9, "email": 1.0, "phone": 1.0, "company": 0.9, "skus": 0.8, "quantity": 0.8},
        "adversarial": {"adversarial": 1.0},
    },
    "public-ru": {
        "retrieval": {"hit@5": 0.9},
        "answers": {"fact_accuracy": 0.75, "unanswerable": 0.8},
        "leads": {"name": 0.9, "email": 1.0, "company": 0.9, "skus": 0.9, "quantity": 0.8},
        "adversarial": {"adversarial": 1.0},
    },
}


# The other companies' kits of ours run when asked (`SALESBOT_KITS=all`): each adds minutes, and CI
# holds the whole suite under 15 minutes on two cores.
MORE_KITS = ("labvia", "solarkz")


def _kits() -> list[Path]:
    kits = [ROOT / "tests" / "kits" / "agrodrip"]
    if os.environ.get("SALESBOT_KITS") == "all":
        kits += [ROOT / "tests" / "kits" / name for name in MORE_KITS]
    kits += [SHARED_EVAL / name for name in ("public", "public-ru") if (SHARED_EVAL / name / "qa.jsonl").is_file()]
    return kits


@pytest.mark.kits
@pytest.mark.parametrize("kit", _kits(), ids=lambda p: p.name)
def test_the_kit_scores_at_or_above_its_floors(kit: Path, tmp_path: Path) -> None:
    if not SCORER.is_file():
        pytest.skip(f"the kit scorer is not beside this checkout ({SCORER})")
    command = " ".join(SALESBOT)
    run = subprocess.run(
        [sys.executable, str(SCORER), str(kit), "--cmd", command, "--json", "--misses", "--workdir", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, timeout=1800, check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    below = [
        f"{stage}.{figure} = {result[stage].get(figure)} < {floor}"
        for stage, figures in FLOORS[kit.name].items()
        for figure, floor in figures.items()
        if not isinstance(result.get(stage, {}).get(figure), int | float) or result[stage][figure] < floor
    ]
    misses = "\n".join(line for line in run.stdout.splitlines() if line.startswith("  "))
    assert not below, "\n".join(below) + "\n" + misses[-6000:]
