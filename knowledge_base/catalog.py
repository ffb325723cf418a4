"""The catalog port over a knowledge base's `catalog.csv` and `discounts.csv`.

Every price and total the assistant states comes from here, by `Decimal` arithmetic; loose
product lookup is delegated to `ProductMatcher` (see `knowledge_base.product_match`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from babel.numbers import format_currency

from bot.catalog import Discount, Product, ProductMatch, Quote, Resolution
from knowledge_base.catalog_csv import (
    CATALOG_FILE,
    DISCOUNTS_FILE,
    CatalogError,
    CsvRowError,
    read_knowledge_base,
)
from knowledge_base.catalog_terms import Synonyms
from knowledge_base.product_match import ProductMatcher, Semantic, count_units
from knowledge_base.synonyms import read_synonyms

__all__ = ["CatalogError", "CsvCatalog", "CsvRowError"]

_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)
_LOCALES = {"en": "en_US", "ru": "ru_RU"}


class CsvCatalog:
    """Products and discount rules of one company, loaded from its knowledge-base folder.

    Satisfies `bot.ports.Catalog`. Rows that failed to load are listed in `errors`.
    """

    def __init__(
        self,
        products: Iterable[Product],
        discounts: Iterable[Discount] = (),
        sources: tuple[str, str] = (CATALOG_FILE, DISCOUNTS_FILE),
        synonyms: Synonyms | None = None,
    ) -> None:
        self._products = tuple(products)
        self._by_sku: dict[str, Product] = {}
        for product in self._products:
            key = product.sku.strip().casefold()
            if key in self._by_sku:
                raise CatalogError(f"duplicate sku '{product.sku}'")
            self._by_sku[key] = product
        self._discounts = tuple(discounts)
        self._sources = sources
        self._matcher = ProductMatcher(self._products, synonyms)
        self._count_units = count_units(self._products)
        self.errors: list[CsvRowError] = []

    @classmethod
    def load(cls, kb_dir: Path) -> CsvCatalog:
        """Read `catalog.csv` and `discounts.csv` from `kb_dir`; either may be missing.

        Malformed rows are skipped and collected in `errors` ("catalog.csv line 7: price 'abc' is
        not a number"); the rest loads.
        """
        rows = read_knowledge_base(kb_dir)
        catalog = cls(rows.products, rows.discounts, synonyms=read_synonyms(kb_dir))
        catalog.errors = rows.errors
        return catalog

    @property
    def sources(self) -> tuple[str, str]:
        """Names of the catalog and discount tables relative to the knowledge-base folder."""
        return self._sources

    @property
    def discounts(self) -> Sequence[Discount]:
        return self._discounts

    def products(self) -> Sequence[Product]:
        """All products in file order."""
        return self._products

    def get(self, sku: str) -> Product | None:
        """The product with this SKU, ignoring case and surrounding spaces."""
        return self._by_sku.get(sku.strip().casefold())

    def find(self, text: str, limit: int = 3) -> list[ProductMatch]:
        """Products matching a loose description, best first (scoring: `knowledge_base.product_match`)."""
        return self._matcher.find(text, limit)

    def mentioned(self, text: str) -> list[Product]:
        """Products a free-text message names, in the order it first names them."""
        return self._matcher.mentioned(text)

    def resolve(self, text: str) -> Resolution:
        """The products a message asks about, or the candidates it leaves tied (`ProductMatcher.resolve`)."""
        return self._matcher.resolve(text)

    def count_units(self) -> tuple[str, ...]:
        return self._count_units

    def use_semantic(self, semantic: Semantic) -> None:
        """Let meaning similarity (e5) bridge words spelling cannot ("hose" ~ "шланг")."""
        self._matcher.semantic = semantic

    def quote(self, sku: str, quantity: int) -> Quote:
        """`quantity × price` less the best single matching discount, in cents rounded half up.

        Raises `ValueError` for an unknown SKU or a quantity below 1.
        """
        product = self.get(sku)
        if product is None:
            raise ValueError(f"unknown SKU '{sku}'")
        if quantity < 1:
            raise ValueError(f"quantity must be at least 1, got {quantity}")
        subtotal = _cents(product.price * quantity)
        discount = self.best_discount(product, quantity)
        percent = discount.percent if discount else Decimal(0)
        # The invoice convention: the discount line is rounded to cents (half up) and the total
        # is what remains, so the figures the customer sees always add up. (Rounding the total
        # instead differs by a cent in half-cent cases, e.g. 4225.00 at 0.02 %.)
        discount_amount = _cents(subtotal * percent / _HUNDRED)
        return Quote(
            product=product,
            quantity=quantity,
            unit_price=product.price,
            subtotal=subtotal,
            discount=discount,
            discount_amount=discount_amount,
            total=subtotal - discount_amount,
        )

    def best_discount(self, product: Product, quantity: int) -> Discount | None:
        """The single rule with the highest percent among those for this SKU, its category or `*`
        whose minimum quantity is reached; the first such rule in the file on a tie."""
        targets = {"*", product.sku.casefold(), product.category.strip().casefold()}
        matching = [d for d in self._discounts
                    if d.applies_to.strip().casefold() in targets and quantity >= d.min_qty]
        return max(matching, key=lambda d: d.percent, default=None)

    def related(self, sku: str) -> list[Product]:
        """Cross-sell: the product's `related` SKUs that exist in the catalog, in their listed order."""
        product = self.get(sku)
        if product is None:
            return []
        found: list[Product] = []
        for other_sku in product.related:
            other = self.get(other_sku)
            if other is not None and other is not product and other not in found:
                found.append(other)
        return found

    def upgrade(self, sku: str) -> Product | None:
        """Up-sell: the product's `upgrade`, if it exists in the catalog."""
        product = self.get(sku)
        if product is None or product.upgrade is None:
            return None
        other = self.get(product.upgrade)
        return other if other is not product else None

    def format_money(self, amount: Decimal, currency: str, language: str) -> str:
        """`amount` in the customer's language: en → "$20,865.60", ru → "20 865,60 $".

        Babel separates groups and the symbol with no-break spaces, so a number never wraps mid-way.
        """
        locale = _LOCALES.get(language.split("-")[0].split("_")[0].lower(), "en_US")
        return str(format_currency(amount, currency, locale=locale))


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)
