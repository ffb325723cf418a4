"""Fixtures shared by the pipeline tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage import SqlStorage
from tests.unit.bot.test_pipeline import Parts


@pytest.fixture
async def parts(tmp_path: Path) -> AsyncIterator[Parts]:
    """A `SalesBot`'s parts on a real SQLite file (`tmp_path / "salesbot.db"`)."""
    storage = await SqlStorage.connect(f"sqlite+aiosqlite:///{tmp_path / 'salesbot.db'}")
    await storage.migrate()
    yield Parts(storage)
    await storage.close()
