"""Language data files shipped with the package (`bot/understanding/data/*.yaml`), read once."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml


@lru_cache(maxsize=32)
def load_yaml(name: str) -> Any:
    """The parsed YAML file `name` of this package's data folder."""
    text = resources.files("bot.understanding").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return yaml.safe_load(text)
