"""The reply language follows the customer, and short messages keep the conversation's language."""

from __future__ import annotations

import pytest

from bot.language import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("How much does the big grinder cost?", "en"),
        ("Сколько стоит большая кофемолка?", "ru"),
        ("Почта director@romashka.ru, подключить нужно с 1 декабря", "ru"),
        ("I need 3 Office 300 for our team in Moscow", "en"),
        ("Хочу 3 Office 300 в офис", "ru"),
    ],
)
def test_detects_english_and_russian(text: str, expected: str) -> None:
    assert detect_language(text, None) == expected


@pytest.mark.parametrize("text", ["ok", "BL-CM300", "+7 916 123-45-67", "   ", "👍"])
def test_short_or_languageless_messages_keep_the_conversation_language(text: str) -> None:
    assert detect_language(text, "ru") == "ru"


def test_default_applies_to_a_new_conversation_that_says_nothing() -> None:
    assert detect_language("12", None, default="ru") == "ru"


def test_a_customer_who_switches_language_is_followed() -> None:
    assert detect_language("Could you answer in English please?", "ru") == "en"
