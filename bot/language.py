"""Which language the customer writes in (lingua), sticky across short messages."""

from __future__ import annotations

from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

SUPPORTED = {Language.ENGLISH: "en", Language.RUSSIAN: "ru"}
# Below this confidence ("ok", "BL-CM300", "+7 916 ...") the conversation keeps its language.
MIN_CONFIDENCE = 0.7


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*SUPPORTED).with_preloaded_language_models().build()


def detect_language(text: str, previous: str | None, default: str = "en") -> str:
    """'en' or 'ru' for `text`; `previous` (or `default`) when the text does not tell."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 2:
        return previous or default
    # lingua is weak on a handful of letters; the script alone settles pure Cyrillic or Latin.
    cyrillic = sum("а" <= c.lower() <= "я" or c.lower() == "ё" for c in letters)
    if cyrillic == len(letters):
        return "ru"
    if cyrillic == 0 and len(letters) < 12:
        # "ok", "BL-CM300" or an email address inside a Russian conversation stay Russian.
        return previous if previous and len(letters) < 6 else "en"
    values = _detector().compute_language_confidence_values(text[:2000])
    best = values[0] if values else None
    if best is None or best.value < MIN_CONFIDENCE:
        return previous or default
    return SUPPORTED[best.language]
