"""Shared fixtures: the demo knowledge base ingested once, and runtimes built on copies of it.

Embedding the demo KB takes seconds, so it is ingested once per session into
`demo_data_dir`. Tests work on copies of that folder (`data_dir`): the embedded
vector store allows one client per folder at a time, and each copy has its own
SQLite database. Copying takes milliseconds; building a runtime does not (loading
the embedding model costs seconds, twice per runtime), so scenario modules share
one runtime per module (`shared_runtime`) and tell conversations apart by key.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.testing import MemoryOutbox
from config.settings import DEMO_KB, Settings, load_settings
from config.wiring import Runtime, build_runtime


def embedded_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings on `data_dir` with every service off, whatever the environment says."""
    settings = load_settings(data_dir=data_dir)
    update: dict[str, object] = {"redis_url": None, "database_url": None, "weaviate_url": None, "qdrant_url": None}
    update.update(overrides)
    return settings.model_copy(update=update)


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with the demo KB ingested; never opened by tests (they get copies)."""
    from config.ingesting import run_ingest

    data_dir = tmp_path_factory.mktemp("demo-kb") / "data"
    report = run_ingest(embedded_settings(data_dir), DEMO_KB)
    assert not report.errors, report.errors
    return data_dir


@pytest.fixture
def data_dir(demo_data_dir: Path, tmp_path: Path) -> Path:
    """This test's own copy of the ingested demo data dir."""
    copy = tmp_path / "data"
    shutil.copytree(demo_data_dir, copy)
    return copy


@pytest.fixture
async def runtime(data_dir: Path) -> AsyncIterator[Runtime]:
    """The whole app on the demo KB (offline responder, SQLite, in-process sessions)."""
    built = await build_runtime(embedded_settings(data_dir), outbox=MemoryOutbox())
    try:
        yield built
    finally:
        await built.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_runtime(demo_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Runtime]:
    """One runtime for a whole module; its tests must run in the module's event loop
    (`pytestmark = pytest.mark.asyncio(loop_scope="module")`) and use their own conversations."""
    copy = tmp_path_factory.mktemp("shared") / "data"
    shutil.copytree(demo_data_dir, copy)
    built = await build_runtime(embedded_settings(copy), outbox=MemoryOutbox())
    try:
        yield built
    finally:
        await built.close()
