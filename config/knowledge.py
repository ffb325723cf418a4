"""Building the knowledge-base ports (retriever, catalog) from settings."""

from __future__ import annotations

from dataclasses import dataclass

from llama_index.core.base.embeddings.base import BaseEmbedding

from bot.understanding.intents import IntentVocabulary
from config.ingesting import layout_for, store_config
from config.settings import Settings
from knowledge_base.catalog import CsvCatalog
from knowledge_base.company_intents import read_company_intents, vocabulary
from knowledge_base.embeddings import load_embedding
from knowledge_base.example_vectors import ExampleSimilarity
from knowledge_base.manifest import Manifest
from knowledge_base.product_vectors import ProductSemantics
from knowledge_base.retrieval import FusionWeights, HybridRetriever
from knowledge_base.stores import VectorIndex, open_vector_index


def fusion_weights(settings: Settings) -> FusionWeights:
    r = settings.retrieval
    return FusionWeights(
        dense=r.dense_weight, lexical=r.lexical_weight, k=r.rrf_k, candidates=r.candidates, table_rows=r.table_rows
    )


@dataclass
class KnowledgeBase:
    """The opened knowledge base: its retriever, catalog, embedding and the store to close, and
    the intents' words (the package's with the company's `intents.yaml`) with their examples."""

    retriever: HybridRetriever
    catalog: CsvCatalog
    index: VectorIndex
    embedding: BaseEmbedding
    intents: IntentVocabulary
    intent_examples: ExampleSimilarity

    def warm_up(self) -> None:
        """Load the models and the product and example vectors now, so the first customer does not
        wait for them."""
        self.catalog.find("warm up")
        self.retriever.search_sync("warm up", 1)
        self.intent_examples.warm_up()

    def close(self) -> None:
        self.index.close()


def open_knowledge_base(settings: Settings) -> KnowledgeBase:
    """Open what `kb ingest` built in the data dir."""
    layout = layout_for(settings)
    index = open_vector_index(store_config(settings))
    manifest = Manifest.load(layout.manifest, settings.embedding_model, index.identity)
    embedding = load_embedding(settings.embedding_model)
    retriever = HybridRetriever(manifest.chunks, index, embedding, fusion_weights(settings))
    catalog = CsvCatalog.load(layout.tables_dir)
    catalog.use_semantic(ProductSemantics(embedding, catalog.products(), settings.data_dir / "product-vectors.npy"))
    intents = vocabulary(read_company_intents(layout.tables_dir))
    examples = ExampleSimilarity(embedding, intents.examples(), settings.data_dir / "intent-vectors.npy")
    return KnowledgeBase(retriever, catalog, index, embedding, intents, examples)
