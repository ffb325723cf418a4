"""Replies built from the catalog: prices, quotes, stock, lead times, cross- and up-sell.

Every figure here is computed from the catalog and discount tables.
"""

from __future__ import annotations

from bot.catalog import Product, Quote
from bot.ports import Catalog
from bot.responders.phrases import say, unit_name


def quote_text(catalog: Catalog, quote: Quote, language: str) -> str:
    """Price per unit, and for several units the total with the discount applied."""
    p = quote.product

    def money(amount: object) -> str:
        return catalog.format_money(amount, p.currency, language)  # type: ignore[arg-type]

    unit = unit_name(p.unit, language)
    lines = [say("price", language, name=p.name, sku=p.sku, unit_price=money(p.price), unit=unit)]
    if quote.quantity > 1 and quote.discount is not None:
        lines.append(
            say(
                "quote_discount", language, qty=quote.quantity, name=p.name, subtotal=money(quote.subtotal),
                percent=_percent(quote.discount.percent), discount=money(quote.discount_amount),
                total=money(quote.total),
            )
        )
    elif quote.quantity > 1:
        lines.append(say("quote_plain", language, qty=quote.quantity, name=p.name, total=money(quote.total)))
    tier = next_tier(catalog, quote)
    if tier is not None:
        lines.append(say("next_tier", language, min_qty=tier[0], percent=_percent(tier[1])))
    return " ".join(lines)


def next_tier(catalog: Catalog, quote: Quote) -> tuple[int, object] | None:
    """The next quantity that earns a bigger discount than this quote has, if any (looking 200 units ahead)."""
    current = quote.discount.percent if quote.discount else 0
    for qty in range(quote.quantity + 1, quote.quantity + 201):
        better = catalog.quote(quote.product.sku, qty).discount
        if better is not None and better.percent > current:
            return qty, better.percent
    return None


def _percent(value: object) -> str:
    text = f"{value}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def stock_text(product: Product, language: str) -> str:
    key = "stock" if product.stock > 0 else "out_of_stock"
    return say(key, language, name=product.name, stock=product.stock,
        unit=unit_name(product.unit, language, product.stock), days=product.lead_time_days,
    )


def lead_time_text(product: Product, language: str) -> str:
    return say(
        "lead_time", language, name=product.name, days=product.lead_time_days, stock=product.stock,
        unit=unit_name(product.unit, language, product.stock),
    )


def cross_sell_text(catalog: Catalog, product: Product, language: str) -> str:
    items = catalog.related(product.sku)
    if not items:
        return say("no_cross_sell", language, name=product.name)
    listed = ", ".join(f"{p.name} ({catalog.format_money(p.price, p.currency, language)})" for p in items)
    return say("cross_sell", language, name=product.name, items=listed)


def upsell_text(catalog: Catalog, product: Product, language: str) -> str:
    better = catalog.upgrade(product.sku)
    if better is None:
        return say("no_upsell", language, name=product.name)
    price = catalog.format_money(better.price, better.currency, language)
    return say("upsell", language, name=product.name, upgrade=better.name, price=price, description=better.description)


def categories_text(catalog: Catalog, language: str, examples: bool = False, limit: int = 8) -> str:
    """The catalog's categories in file order ("pumps, hoses"); with `examples`,
    each with a product of it and its price from."""
    groups: dict[str, list[Product]] = {}
    for product in catalog.products():
        groups.setdefault(product.category.strip(), []).append(product)
    if not examples:
        return ", ".join(list(groups)[:limit])
    parts = []
    for category, products in list(groups.items())[:limit]:
        cheapest = min(products, key=lambda p: p.price)
        price = catalog.format_money(cheapest.price, cheapest.currency, language)
        parts.append(say("category_item", language, category=category, name=products[0].name,
                         count=len(products), price=price))
    return "; ".join(parts)
