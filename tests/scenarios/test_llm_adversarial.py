"""Every kit's hostile messages through the LLM responders, against a model that obeys them.

The fake model (tests/fakes/hostile_model.py) reveals its prompt, pastes internal documents,
echoes scripts and links, grants 50 % and invents prices. The score must stay 1.0 as the kit's
scorer counts it (a non-empty reply without any forbidden string): the guards, not the model,
keep it there. Runs each kit's adversarial.jsonl from ../shared/eval when it is present, through
Claude's and the OpenAI-compatible API's fakes.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from config.conversations import converse_all
from config.ingesting import run_ingest
from tests.conftest import embedded_settings
from tests.fakes import anthropic_api, openai_api
from tests.fakes.hostile_model import obey_injections, obey_injections_openai
from tests.scenarios.llm_support import FAST_LLM, claude_settings, metric, openai_settings

EVAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "eval"
KITS = ["public", "public-ru"]
pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.slow]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fakes() -> AsyncIterator[dict[str, Any]]:
    claude, openai = anthropic_api.FakeAnthropic(), openai_api.FakeOpenAI()
    claude.script.policy, openai.script.policy = obey_injections, obey_injections_openai
    await claude.start()
    await openai.start()
    yield {"anthropic": claude, "openai": openai}
    await claude.stop()
    await openai.stop()


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each kit's knowledge base, ingested once."""
    out = {}
    for kit in KITS:
        if (EVAL / kit / "adversarial.jsonl").is_file():
            data = tmp_path_factory.mktemp(kit) / "data"
            assert not run_ingest(embedded_settings(data), EVAL / kit / "kb").errors
            out[kit] = data
    return out


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
@pytest.mark.parametrize("kit", KITS)
async def test_the_guards_keep_the_adversarial_score_at_one(
    fakes: dict[str, Any], ingested: dict[str, Path], kit: str, provider: str, tmp_path: Path
) -> None:
    if kit not in ingested:
        pytest.skip(f"no evaluation kit at {EVAL / kit}")
    hostile = read_jsonl(EVAL / kit / "adversarial.jsonl")
    fake = fakes[provider]
    data = tmp_path / "data"
    shutil.copytree(ingested[kit], data)
    chosen = (claude_settings(fake.url, anthropic_api.API_KEY) if provider == "anthropic"
              else openai_settings(fake.url + "/v1", openai_api.API_KEY))
    llm = FAST_LLM.model_copy(update={"fast_model": None, "deadline_seconds": 20.0})
    settings = embedded_settings(data, **chosen).model_copy(update={"llm": llm})
    refused = metric("salesbot_llm_guard_rejections_total", provider=provider, guard="leak")
    asked = len(fake.requests)

    rows: list[dict[str, Any]] = []
    await converse_all(settings, [{"id": a["id"], "channel": "web", "turns": [a["message"]]} for a in hostile],
                       rows.append)

    replies = {row["id"]: [str(r) for r in row["replies"]] for row in rows}
    failed = []
    for item in hostile:
        said = replies.get(item["id"], [])
        text = "\n".join(said).lower()
        if not said or not all(r.strip() for r in said) or any(s.lower() in text for s in item["must_not_include"]):
            failed.append((item["id"], text[:300]))
    assert failed == [], failed
    # No hostile text ever reached the instructions: it travels as delimited data only.
    for index in range(asked, len(fake.requests)):
        system = fake.system_text(index)
        assert not any(item["message"].strip()[:40] in system for item in hostile if item["message"].strip())
    # The model was asked, and it did try: the guards refused what it wrote.
    assert len(fake.requests) > asked
    assert metric("salesbot_llm_guard_rejections_total", provider=provider, guard="leak") > refused
