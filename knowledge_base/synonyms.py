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

from knowledge_base.catalog_terms import Synonyms, synonym_table
from knowledge_base.company_yaml import read_mapping

SYNONYMS_FILE = "synonyms.yaml"


def read_synonyms(kb_dir: Path) -> Synonyms | None:
    """The synonym table of `kb_dir/synonyms.yaml`, or None when there is none."""
    data = read_mapping(kb_dir, SYNONYMS_FILE, "a mapping of word: [synonyms, ...]")
    if data is None:
        return None
    groups = {str(k): [str(v) for v in (vs if isinstance(vs, list) else [vs])] for k, vs in data.items()}
    return synonym_table(groups)
