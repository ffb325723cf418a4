"""`salesbot ask` and `converse` answer through the configured LLM, so the evaluation kit can run
through one; without its key the command stops at once, naming the variable."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.fakes.anthropic_api import API_KEY, FakeAnthropic
from tests.fakes.llm_script import Say
from tests.scenarios.llm_support import CATALOG, money

pytestmark = pytest.mark.asyncio(loop_scope="module")
CLI = [sys.executable, "-m", "config.cli"]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fake() -> AsyncIterator[FakeAnthropic]:
    server = FakeAnthropic()
    await server.start()
    yield server
    await server.stop()


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESBOT_", "ANTHROPIC_", "OPENAI_"))}
    for name in ("REDIS_URL", "DATABASE_URL", "QDRANT_URL", "WEAVIATE_URL"):
        env.pop(name, None)
    return env | extra


async def run(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(*CLI, *args, env=env, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_ask_answers_through_the_configured_model(
    fake: FakeAnthropic, demo_data_dir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(demo_data_dir, data)
    total = money(CATALOG.quote("NW-P6060", 25).total)
    fake.play(Say(tools=(("quote_price", {"sku": "NW-P6060", "quantity": 25}),)),
              Say(text=f"25 Panel Slim 60x60 come to {total}."))
    batch = tmp_path / "questions.jsonl"
    batch.write_text(json.dumps({"id": "q1", "question": "How much are 25 Panel Slim 60x60?"}) + "\n")
    env = clean_env(SALESBOT_RESPONDER="claude", ANTHROPIC_API_KEY=API_KEY, ANTHROPIC_BASE_URL=fake.url)

    code, out, err = await run(["--data-dir", str(data), "ask", "--batch", str(batch), "--json"], env)

    assert code == 0, err
    row = json.loads(out.strip().splitlines()[-1])
    assert row["answer"] == f"25 Panel Slim 60x60 come to {total}."
    assert "catalog.csv" in " ".join(row["sources"])
    assert len(fake.requests) == 2


async def test_without_the_key_the_command_stops_naming_it(tmp_path: Path) -> None:
    code, _, err = await run(["--data-dir", str(tmp_path / "data"), "ask", "hello"],
                             clean_env(SALESBOT_RESPONDER="claude"))
    assert code == 2 and "ANTHROPIC_API_KEY" in err
