"""Catalog values: products, discounts and quotes. Prices are `Decimal`, never floats."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Product:
    """One row of `catalog.csv`."""

    sku: str
    name: str
    category: str
    price: Decimal
    currency: str
    unit: str
    stock: int
    lead_time_days: int
    description: str = ""
    related: tuple[str, ...] = ()
    upgrade: str | None = None


@dataclass(frozen=True, slots=True)
class Discount:
    """One row of `discounts.csv`: `applies_to` is a SKU, a category or `*`."""

    applies_to: str
    min_qty: int
    percent: Decimal


@dataclass(frozen=True, slots=True)
class ProductMatch:
    """A product found by a loose description, with how sure the match is (0..1)."""

    product: Product
    score: float


@dataclass(frozen=True, slots=True)
class Quote:
    """`quantity × unit_price`, less the best single matching discount."""

    product: Product
    quantity: int
    unit_price: Decimal
    subtotal: Decimal
    discount: Discount | None
    discount_amount: Decimal
    total: Decimal

    @property
    def currency(self) -> str:
        return self.product.currency


@dataclass(frozen=True, slots=True)
class ProductMention:
    """A product a message asks about, how sure that is (0..1), and the stretches of the
    message that name or describe it (its words and specs; numbers there are not quantities)."""

    product: Product
    confidence: float
    parts: tuple[tuple[int, int], ...] = ()

    @property
    def start(self) -> int:
        return min((a for a, _ in self.parts), default=-1)

    @property
    def end(self) -> int:
        return max((b for _, b in self.parts), default=-1)


@dataclass(frozen=True, slots=True)
class Resolution:
    """Which products a message is about: those it settles, or the candidates it leaves tied."""

    products: tuple[ProductMention, ...] = ()
    choices: tuple[Product, ...] = ()
