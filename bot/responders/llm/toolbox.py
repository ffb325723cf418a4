"""The sales tools as a model sees them, run over the same `SalesTools` the offline responder uses.

One `Toolbox` serves one turn: it runs the model's calls, and keeps what they returned
(`facts`, for the guards), the sources used, the lead details recorded and whether a person was
asked for. Prices and totals are computed by the catalog, never by the model; documents reach
the model without internal documents, playbook sections or notes to reps.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from bot.catalog import Product
from bot.lead import LeadUpdate
from bot.responders.llm.facts import TurnFacts
from bot.responders.llm.lead_tool import LEAD_SCHEMA, _count, check_lead
from bot.responders.llm.messages import ToolCall, ToolResult, ToolSpec
from bot.responders.playbook import customer_sentences
from bot.responders.tools import SalesTools

_SKU = {"type": "string", "description": "A SKU exactly as a lookup returned it."}
SPECS = (
    ToolSpec("search_knowledge", "Search the company's documents (policies, delivery, payment, warranty, "
             "services). Returns passages with their source; quote only what they say.",
             {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}),
    ToolSpec("lookup_product", "Find catalog products by name, SKU or description: price, stock, lead time.",
             {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}),
    ToolSpec("quote_price", "The exact price of a quantity of one product, with the volume discount the "
             "discount table gives. The only source of totals and discounts.",
             {"type": "object", "properties": {"sku": _SKU, "quantity": {"type": "integer", "minimum": 1}},
              "required": ["sku", "quantity"]}),
    ToolSpec("related_products", "Accessories that go with a product, and its upgrade.",
             {"type": "object", "properties": {"sku": _SKU}, "required": ["sku"]}),
    ToolSpec("record_lead", "Record what the customer told you about themselves and their need. Call it "
             "whenever they give a name, contact, company, products, quantity, budget or timeline.", LEAD_SCHEMA),
    ToolSpec("hand_off", "Ask a colleague from the sales team to take over the conversation.",
             {"type": "object", "properties": {"reason": {"type": "string"}}, "required": ["reason"]}),
)


class ToolError(ValueError):
    """A call the tools cannot run as asked; the message goes back to the model."""


class Toolbox:
    """Runs one turn's tool calls and remembers what they gave."""

    def __init__(self, tools: SalesTools, language: str, regions: Sequence[str]) -> None:
        self.tools = tools
        self.language = language
        self.regions = regions
        self.facts = TurnFacts()
        self.lead = LeadUpdate()
        self.wants_human = False
        self.calls: list[ToolCall] = []

    async def run(self, call: ToolCall) -> ToolResult:
        self.calls.append(call)
        try:
            payload = await self._dispatch(call.name, call.arguments)
        except ToolError as exc:
            return ToolResult(call.id, json.dumps({"error": str(exc)}, ensure_ascii=False), is_error=True)
        content = json.dumps(payload, ensure_ascii=False)
        self.facts.add_text(content)
        return ToolResult(call.id, content)

    async def _dispatch(self, name: str, args: Mapping[str, Any]) -> Any:
        match name:
            case "search_knowledge":
                return await self._search(_string(args, "query"))
            case "lookup_product":
                return self._lookup(_string(args, "query"))
            case "quote_price":
                return self._quote(self._product(args), args.get("quantity"))
            case "related_products":
                return self._related(self._product(args))
            case "record_lead":
                return self._record(args)
            case "hand_off":
                self.wants_human = True
                return {"ok": True, "say": "A colleague from the sales team will continue this conversation."}
        raise ToolError(f"no tool named {name!r}")

    async def _search(self, query: str) -> list[dict[str, str]]:
        t = self.tools
        found = await t.retriever.search(query, t.top_k * 2)
        results = []
        for passage in found:
            # Only what may be said to a customer: an internal document's lines marked sayable (a
            # playbook's "> ..."), any other document without its notes to reps. The notes reach
            # the model as guidance in its instructions, never as something to quote.
            said = " ".join(customer_sentences(passage.text, internal=passage.source in t.internal_sources))
            if said:
                results.append({"source": passage.source, "heading": passage.heading, "text": said})
                self.facts.add_source(passage.source)
        return results[: t.top_k]

    def _lookup(self, query: str) -> list[dict[str, Any]]:
        catalog = self.tools.catalog
        exact = catalog.get(query.strip())
        products = [exact] if exact else [m.product for m in catalog.find(query, 3)]
        return [self._card(p) for p in products]

    def _quote(self, product: Product, quantity: Any) -> dict[str, Any]:
        try:
            qty = _count(quantity)
        except ValueError as exc:
            raise ToolError(f"quantity: {exc}") from None
        catalog, lang = self.tools.catalog, self.language
        q = catalog.quote(product.sku, qty)

        def money(amount: Decimal) -> str:
            return catalog.format_money(amount, product.currency, lang)

        self.facts.add_money(q.unit_price, q.subtotal, q.discount_amount, q.total)
        catalog_src, discounts_src = catalog.sources
        self.facts.add_source(catalog_src)
        result: dict[str, Any] = {
            "sku": product.sku, "name": product.name, "quantity": qty, "unit": product.unit,
            "unit_price": money(q.unit_price), "subtotal": money(q.subtotal),
            "discount_percent": None, "discount_amount": None, "total": money(q.total),
            "in_stock": product.stock, "lead_time_days": product.lead_time_days,
        }
        if q.discount is not None:
            self.facts.add_percent(q.discount.percent)
            self.facts.add_source(discounts_src)
            result |= {"discount_percent": f"{q.discount.percent.normalize():f}%",
                       "discount_amount": money(q.discount_amount)}
        return result | {"currency": product.currency, "language": lang}

    def _related(self, product: Product) -> dict[str, Any]:
        catalog = self.tools.catalog
        upgrade = catalog.upgrade(product.sku)
        return {"sku": product.sku, "related": [self._card(p) for p in catalog.related(product.sku)],
                "upgrade": self._card(upgrade) if upgrade else None}

    def _record(self, args: Mapping[str, Any]) -> dict[str, Any]:
        checked = check_lead(args, self.tools.catalog, self.regions)
        self.lead = replace(self.lead, **{k: v for k, v in _fields(checked.update).items() if v is not None})
        recorded = [k for k, v in _fields(checked.update).items() if v is not None]
        return {"recorded": recorded, "rejected": dict(checked.rejected)}

    def _product(self, args: Mapping[str, Any]) -> Product:
        sku = _string(args, "sku")
        product = self.tools.catalog.get(sku)
        if product is None:
            raise ToolError(f"no product with SKU {sku!r}; use lookup_product to find it")
        return product

    def _card(self, p: Product) -> dict[str, Any]:
        self.facts.add_money(p.price)
        self.facts.add_source(self.tools.catalog.sources[0])
        price = self.tools.catalog.format_money(p.price, p.currency, self.language)
        return {"sku": p.sku, "name": p.name, "category": p.category, "price": price,
                "unit": p.unit, "in_stock": p.stock, "lead_time_days": p.lead_time_days,
                "description": p.description}


def _string(args: Mapping[str, Any], key: str) -> str:
    value = args.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ToolError(f"{key}: a non-empty text is required")
    return value.strip()


def _fields(update: LeadUpdate) -> dict[str, Any]:
    return {name: getattr(update, name) for name in LeadUpdate.__dataclass_fields__}
