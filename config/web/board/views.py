"""What the board pages show: leads and transcript lines as plain values, and the templates.

Templates are rendered by Jinja2 with autoescaping on for every template, so
anything a customer wrote (a name, a message with `<script>`) is shown as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.metrics import score_band
from bot.ports import Catalog
from bot.records import STAGES, LeadRecord, Spend, TranscriptLine

TEMPLATES = Path(__file__).parent / "templates"
STAGE_TITLES = {"new": "New", "qualified": "Qualified", "proposal": "Proposal", "won": "Won", "shipped": "Shipped",
                "lost": "Lost"}

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,  # all templates, whatever their extension
    undefined=StrictUndefined,  # a misspelt variable fails the test instead of rendering blank
    trim_blocks=True,
    lstrip_blocks=True,
)


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


_env.filters["when"] = _when


def render(template: str, **context: Any) -> str:
    """Render one page of `templates/`."""
    return _env.get_template(template).render(stage_titles=STAGE_TITLES, stages=STAGES, **context)


@dataclass(frozen=True, slots=True)
class Product:
    """A product the lead asked about: catalog name when the SKU is known."""

    sku: str
    name: str | None


@dataclass(frozen=True, slots=True)
class LeadView:
    """One lead as a card and as the head of its page."""

    id: int
    title: str
    name: str | None
    company: str | None
    email: str | None
    phone: str | None
    products: tuple[Product, ...]
    quantity: int | None
    score: int
    band: str
    hot: bool
    reasons: tuple[str, ...]
    stage: str
    channel: str
    updated_at: datetime
    owner: str | None = None  # the rep who claimed it
    taken_over_by: str | None = None  # the person answering instead of the bot


@dataclass(frozen=True, slots=True)
class LineView:
    """One transcript line; `who` names the side for people and screen readers."""

    seq: int
    direction: str
    who: str
    text: str
    at: datetime


def lead_view(record: LeadRecord, catalog: Catalog | None) -> LeadView:
    lead = record.lead
    products = tuple(Product(sku, _product_name(catalog, sku)) for sku in lead.skus)
    band = score_band(lead.score)
    if band == "hot" and not lead.hot:
        band = "warm"  # a high score without a way to reach them is not hot yet (the scorer's rule)
    elif lead.hot:
        band = "hot"
    return LeadView(
        id=record.id,
        title=lead.name or lead.email or lead.phone or f"Lead #{record.id}",
        name=lead.name,
        company=lead.company,
        email=lead.email,
        phone=lead.phone,
        products=products,
        quantity=lead.quantity,
        score=lead.score,
        band=band,
        hot=lead.hot,
        reasons=lead.reasons,
        stage=record.stage,
        channel=record.key.channel,
        updated_at=record.updated_at,
        owner=record.owner,
        taken_over_by=record.taken_over_by,
    )


def columns(records: list[LeadRecord], catalog: Catalog | None) -> dict[str, list[LeadView]]:
    """Leads by stage in `STAGES` order; within a column the given order (most recent first) is kept."""
    board: dict[str, list[LeadView]] = {stage: [] for stage in STAGES}
    for record in records:
        board.setdefault(record.stage, []).append(lead_view(record, catalog))
    return board


def line_views(lines: list[TranscriptLine]) -> list[LineView]:
    ordered = sorted(lines, key=lambda line: line.seq)  # our sequence orders, never timestamps
    return [
        LineView(line.seq, line.direction, "Customer" if line.direction == "in" else "Assistant", line.text, line.at)
        for line in ordered
    ]


@dataclass(frozen=True, slots=True)
class SpendView:
    """What the LLM used on the conversation with one model (or `total`), as shown."""

    model: str
    input: str
    output: str
    cache_read: str
    cache_write: str
    cost: str
    total: bool = False


def spend_views(spent: list[Spend]) -> list[SpendView]:
    """One row per model, and a total row when there are several."""
    rows = [_spend_view(s.model, s) for s in spent]
    if len(spent) > 1:
        rows.append(_spend_view("Total", sum(spent, Spend("")), total=True))
    return rows


def _spend_view(label: str, s: Spend, total: bool = False) -> SpendView:
    return SpendView(label, f"{s.input:,}", f"{s.output:,}", f"{s.cache_read:,}", f"{s.cache_write:,}",
                     usd(s.cost), total)


def usd(amount: Decimal) -> str:
    """Dollars to the millionth, trailing zeros dropped past the cents: one request costs fractions of a cent."""
    whole, _, fraction = f"{amount.quantize(Decimal('0.000001')):,f}".partition(".")
    return f"${whole}.{fraction.rstrip('0').ljust(2, '0')}"


def _product_name(catalog: Catalog | None, sku: str) -> str | None:
    product = catalog.get(sku) if catalog is not None else None
    return product.name if product is not None else None
