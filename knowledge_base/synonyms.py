"""A company's own words for its products: `synonyms.yaml` beside the knowledge base.

    # synonyms.yaml
    garden hose: [шланг, поливочный шланг]
    rain barrel: [бочка, ёмкость для дождевой воды]

Each key is a word of the catalog; its list holds other words customers use for it, in any
language. Most companies need none: names, categories, descriptions, specs and meaning
similarity already cover most requests.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from knowledge_base.catalog_terms import Synonyms, synonym_table
from knowledge_base.errors import KnowledgeBaseError

SYNONYMS_FILE = "synonyms.yaml"


def read_synonyms(kb_dir: Path) -> Synonyms | None:
    """The synonym table of `kb_dir/synonyms.yaml`, or None when there is none."""
    path = kb_dir / SYNONYMS_FILE
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise KnowledgeBaseError(f"{SYNONYMS_FILE}: cannot read ({exc})") from exc
    if not isinstance(data, dict):
        raise KnowledgeBaseError(f"{SYNONYMS_FILE}: expected a mapping of word: [synonyms, ...]")
    groups = {str(k): [str(v) for v in (vs if isinstance(vs, list) else [vs])] for k, vs in data.items()}
    return synonym_table(groups)
