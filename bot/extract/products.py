"""Which products the customer wants, across turns, and the words that name them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from bot.catalog import Product
from bot.extract.quantities import ProductWords
from bot.ports import Catalog

_CORRECTION = re.compile(
    r"(?i:\b(?:instead|actually|rather|change (?:it |that |this )?to|switch to|replace (?:it|that|this|them) with"
    r"|вместо|(?<!что )(?<!какой )(?<!какая )(?<!какое )лучше|передумал\w{0,2}|замени\w{0,3}|поменя\w{0,4})\b)"
)
# What follows these is the product being replaced: "instead of the Printer 200", "вместо Printer 200".
_REPLACED = re.compile(r"(?i:\b(?:instead of|rather than|вместо)\s(?P<old>[^,.;!?\n]{1,60}))")


def is_correction(text: str) -> bool:
    """The customer changes their mind ("Actually, make it one Printer 500 instead")."""
    return _CORRECTION.search(text) is not None


def merge_skus(
    text: str, mentioned: Sequence[Product], known: Sequence[str], catalog: Catalog
) -> tuple[str, ...] | None:
    """All SKUs the customer wants after this message; None if it names no product.

    New products join the known ones in order, unless the message corrects an earlier
    choice: then only the products it names now remain (minus those it says to replace).
    """
    if not mentioned:
        return None
    new = _unique(p.sku for p in mentioned)
    if not is_correction(text):
        return _unique([*known, *new])
    replaced = {p.sku for match in _REPLACED.finditer(text) for p in catalog.mentioned(match.group("old"))}
    kept = tuple(sku for sku in new if sku not in replaced)
    return kept or new


def product_words(products: Sequence[Product]) -> ProductWords:
    """Name words, SKU parts, category words and units of the products in play."""
    names = [text for p in products for text in (p.name, p.sku, p.category)]
    return ProductWords.of(names, [p.unit for p in products])


def _unique(skus: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(skus))
