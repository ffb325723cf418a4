"""Running an ingest: a cheap up-to-date check first, then the real work with a progress bar."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from config.datadir import private_data_dir
from config.settings import Settings
from knowledge_base.changes import IngestReport, up_to_date
from knowledge_base.layout import DataLayout, StoreConfig


def layout_for(settings: Settings) -> DataLayout:
    return DataLayout(settings.data_dir, settings.embedding_model)


def store_config(settings: Settings) -> StoreConfig:
    def secret(value: object) -> str | None:
        return value.get_secret_value() if value is not None else None  # type: ignore[attr-defined]

    return StoreConfig(
        data_dir=settings.data_dir,
        qdrant_url=settings.qdrant_url,
        qdrant_api_key=secret(settings.qdrant_api_key),
        weaviate_url=settings.weaviate_url,
        weaviate_api_key=secret(settings.weaviate_api_key),
    )


def _progress_bar(total: int) -> Callable[[int], None]:
    from tqdm import tqdm

    bar = tqdm(total=total, unit="chunk", desc="embedding", file=sys.stderr, leave=False)
    return bar.update  # type: ignore[no-any-return]


def run_ingest(settings: Settings, kb_dir: Path) -> IngestReport:
    """Ingest `kb_dir` into the settings' data dir."""
    kb_dir = kb_dir.resolve()
    private_data_dir(settings.data_dir)
    layout, store = layout_for(settings), store_config(settings)
    nothing_to_do = up_to_date(kb_dir, layout, store.identity)
    if nothing_to_do is not None:
        return nothing_to_do
    # Only now the heavy imports (LlamaIndex, the vector store client, the model).
    from knowledge_base.embeddings import load_embedding
    from knowledge_base.ingest import ingest
    from knowledge_base.stores import open_vector_index

    index = open_vector_index(store)
    try:
        return ingest(
            kb_dir,
            layout,
            load_embedding(settings.embedding_model),
            index,
            progress_factory=_progress_bar if sys.stderr.isatty() else None,
        )
    finally:
        index.close()
