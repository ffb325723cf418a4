"""Generic language data the extractors read: legal forms, role words, closings, number words.

Tables of language, never of a company: what is specific to a company comes from its knowledge
base. Each file is read once per process.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

import yaml


@cache
def load(name: str) -> Any:
    """The parsed YAML file `name` (without `.yaml`) of this folder."""
    text = files(__package__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def words(name: str, key: str) -> frozenset[str]:
    """A whitespace-separated word list under `key` of file `name`, lowercased."""
    return frozenset(str(load(name)[key]).lower().split())
