"""Reading a company's YAML file beside its knowledge base (`synonyms.yaml`, `intents.yaml`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from knowledge_base.errors import KnowledgeBaseError


def read_mapping(kb_dir: Path, name: str, shape: str) -> dict[Any, Any] | None:
    """The mapping in `kb_dir/name`, None when the file is absent; `shape` describes the
    expected content in the error a user reads when it is not a mapping."""
    path = kb_dir / name
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise KnowledgeBaseError(f"{name}: cannot read ({exc})") from exc
    if not isinstance(data, dict):
        raise KnowledgeBaseError(f"{name}: expected {shape}")
    return data
