"""A company's own ways of asking: `intents.yaml` beside the knowledge base.

    # intents.yaml
    availability:
      examples:
        en: ["Is it on the truck yet?"]
      cues:
        ru: ['\\bна базе\\b']

Same shape as the package's `bot/understanding/data/intents.yaml`: per intent, `cues` (regular
expressions, case-insensitive) and `examples` (whole messages, matched by meaning), per
language. They are added to the package's, never replace them. Most companies need none.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.understanding.intents import IntentDataError, IntentVocabulary, default_vocabulary
from bot.understanding.resources import load_yaml
from knowledge_base.company_yaml import read_mapping
from knowledge_base.errors import KnowledgeBaseError

INTENTS_FILE = "intents.yaml"


def read_company_intents(kb_dir: Path) -> Mapping[str, Any]:
    """The raw intents of `kb_dir/intents.yaml` ({} when there is none), checked."""
    data = read_mapping(kb_dir, INTENTS_FILE, "a mapping of intent: {cues, examples}") or {}
    vocabulary(data)  # raises on an unknown intent or a cue that is no regex
    return data


def vocabulary(company: Mapping[str, Any]) -> IntentVocabulary:
    """The package's intents with the company's added."""
    if not company:
        return default_vocabulary()
    try:
        return IntentVocabulary.from_data(load_yaml("intents.yaml"), company)
    except IntentDataError as exc:
        raise KnowledgeBaseError(f"{INTENTS_FILE}: {exc}") from exc
