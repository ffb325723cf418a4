"""The catalog and discount tables as searchable text chunks.

Prices are answered from the tables by arithmetic; these chunks only let
retrieval point at the catalog when a question is about products.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.catalog import Discount, Product
from knowledge_base.chunks import Chunk, chunk_id


def product_text(product: Product, names: Mapping[str, str]) -> str:
    """One product as a sentence-like paragraph."""
    parts = [
        f"{product.name} ({product.sku}), {product.category}.",
        f"Price: {product.price} {product.currency} per {product.unit}.",
        f"In stock: {product.stock}. Lead time: {product.lead_time_days} days.",
    ]
    if product.description:
        parts.append(product.description)
    related = [names[s] for s in product.related if s in names]
    if related:
        parts.append("Goes well with: " + ", ".join(related) + ".")
    if product.upgrade and product.upgrade in names:
        parts.append(f"Upgrade: {names[product.upgrade]}.")
    return " ".join(parts)


def catalog_chunks(source: str, products: Sequence[Product]) -> list[Chunk]:
    names = {p.sku: p.name for p in products}
    chunks = []
    for product in products:
        # The text names the SKU, which is unique, so it alone keeps ids stable when rows move.
        text = product_text(product, names)
        chunks.append(Chunk(chunk_id(source, text), source, f"{product.category} / {product.name}", text))
    return chunks


def discount_chunks(source: str, discounts: Sequence[Discount]) -> list[Chunk]:
    if not discounts:
        return []
    lines = [
        f"- {'any product' if d.applies_to == '*' else d.applies_to}: {d.percent}% off from {d.min_qty} units"
        for d in discounts
    ]
    text = "Volume discounts (the best single discount applies, they do not stack):\n" + "\n".join(lines)
    return [Chunk(chunk_id(source, text), source, "Volume discounts", text)]
