"""The data dir holds the database, the board token and the knowledge-base index: this user's only."""

from __future__ import annotations

import os
from pathlib import Path


def private_data_dir(path: Path) -> Path:
    """Create `path` with mode 0700, or tighten it to 0700 if it exists (other users keep out)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path
