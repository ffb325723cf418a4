"""Number words: one source for every extractor, "полтора" is one and a half everywhere."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.extract.numbers import number_phrases, phrase_value, word_value
from bot.extract.text import parse_count, word_number


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("двести тридцать", "230"),
        ("ninety-nine", "99"),
        ("two hundred and five", "205"),
        ("полтора миллиона", "1500000"),
        ("полутора тысяч", "1500"),
        ("сорока пяти", "45"),
        ("three thousand", "3000"),
        ("пятьсот тысяч", "500000"),
    ],
)
def test_phrase_value(words: str, value: str) -> None:
    assert phrase_value(words.split()) == Decimal(value)


def test_one_and_a_half_is_the_same_in_every_reader() -> None:
    assert word_value("полторы") == Decimal("1.5")
    # a count of things is whole: "полтора" is no count of products, not 1
    assert word_number("полторы") is None and parse_count("полтора") is None


@pytest.mark.parametrize(("word", "count"), [("трёх", 3), ("семь", 7), ("dozen", 12), ("пару", 2), ("eleven", 11)])
def test_single_words_are_counts(word: str, count: int) -> None:
    assert parse_count(word) == count


def test_number_phrases_in_a_sentence() -> None:
    text = "Нужно около двухсот пятидесяти штук, бюджет около полутора миллионов, and twenty-one more"
    found = [(text[p.start : p.end], p.value) for p in number_phrases(text)]
    assert found == [
        ("двухсот пятидесяти", Decimal(250)),
        ("полутора миллионов", Decimal(1500000)),
        ("twenty-one", Decimal(21)),
    ]
