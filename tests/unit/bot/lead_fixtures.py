"""Shared fixtures for the lead-extraction tests: a small catalog unlike any eval kit's."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from bot.catalog import Product
from bot.lead import Lead, LeadUpdate
from bot.model import ConversationKey, InboundMessage
from bot.session import Session
from bot.understanding.pipeline import Context, Understander
from knowledge_base.catalog import CsvCatalog

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
EVAL_KIT = Path(__file__).resolve().parents[4] / "shared" / "eval" / "public"


def _product(sku: str, name: str, category: str, unit: str = "pcs") -> Product:
    return Product(sku, name, category, Decimal("100.00"), "USD", unit, 10, 3)


@cache
def small_catalog() -> CsvCatalog:
    """Printers and supplies: names with model numbers, units other than pieces."""
    return CsvCatalog(
        [
            _product("PR-200", "Nimbus Printer 200", "printers"),
            _product("PR-500", "Nimbus Printer 500", "printers"),
            _product("PA-A4", "Paper A4 Box", "paper", "box"),
            _product("TN-1", "Toner Black", "consumables"),
            _product("SV-GOLD", "Service Plan Gold", "service plans", "year"),
            _product("CF-1", "Arabica Beans 1 kg", "coffee", "kg"),
        ]
    )


def extract(text: str, language: str = "en", known: Lead | None = None) -> LeadUpdate:
    """The lead fields understanding reads from `text` (the engine's path) over the small catalog
    at a fixed date; `language` is the conversation's so far."""
    key = ConversationKey("test", "shop", "chat", "customer")
    session = Session(key, language=language, lead=known or Lead())
    message = InboundMessage(key, "m1", text, received_at=NOW)
    return _understander().understand(message, session).update


@cache
def _understander() -> Understander:
    return Understander(Context(small_catalog(), phone_regions={"ru": "RU"}))


class NaiveCatalog(CsvCatalog):
    """The small catalog with a plain substring `mentioned`, to test extraction on its own."""

    def mentioned(self, text: str) -> list[Product]:
        lowered = text.lower()
        return [p for p in self.products() if p.name.lower() in lowered or p.sku.lower() in lowered]
