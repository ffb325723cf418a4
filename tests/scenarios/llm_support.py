"""Shared by the LLM scenario tests: the app on the demo KB with an LLM responder pointed at a fake."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from prometheus_client import REGISTRY
from pydantic import SecretStr

from bot.testing import MemoryOutbox
from config.settings import LLMSettings
from config.wiring import Runtime, build_runtime
from knowledge_base.catalog import CsvCatalog
from knowledge_base.demo import DEMO_KB_DIR
from tests.conftest import embedded_settings

CATALOG = CsvCatalog.load(DEMO_KB_DIR)
FAST_LLM = LLMSettings(
    model="main-model", fast_model="fast-model", history_tokens=700,
    # Generous for a loaded 2-core machine; the failure tests wait out the deadline once each.
    request_timeout_seconds=4.0, deadline_seconds=8.0, backoff_seconds=0.05, backoff_max_seconds=0.3,
    prices={"main-model": {"input": 3.0, "output": 15.0, "cache_read": 0.3, "cache_write": 3.75}},  # type: ignore[dict-item]
)


async def llm_runtime(demo_data_dir: Path, tmp: Path, **overrides: Any) -> Runtime:
    copy = tmp / "data"
    shutil.copytree(demo_data_dir, copy)
    settings = embedded_settings(copy, **overrides)
    settings = settings.model_copy(update={"llm": LLMSettings.model_validate(FAST_LLM.model_dump())})
    return await build_runtime(settings, outbox=MemoryOutbox())


def claude_settings(url: str, key: str) -> dict[str, Any]:
    return {"responder": "claude", "anthropic_api_key": SecretStr(key), "anthropic_base_url": url}


def openai_settings(url: str, key: str) -> dict[str, Any]:
    return {"responder": "openai", "openai_api_key": SecretStr(key), "openai_base_url": url}


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def money(amount: object, lang: str = "en") -> str:
    from decimal import Decimal

    return CATALOG.format_money(Decimal(str(amount)), "EUR", lang)
