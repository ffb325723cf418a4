"""The language a passage of the company's documents is written in, by its script."""

from __future__ import annotations

# A sentence is Russian when most of its letters are Cyrillic; product names in Latin letters
# inside a Russian sentence do not make it English.
_SHARE = 0.5


def written_in(text: str) -> str | None:
    """'ru' or 'en' by the share of Cyrillic letters; None when the text has too few letters."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 12:
        return None
    cyrillic = sum("а" <= c.lower() <= "я" or c.lower() == "ё" for c in letters)
    return "ru" if cyrillic / len(letters) > _SHARE else "en"
