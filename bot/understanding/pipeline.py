"""Understanding a message: a pipeline of small components filling one `Understanding`.

Each component does one job and reads what the earlier ones found (Rasa's NLU pipeline is the
model): the customer's own text, then where products and specs are named, then the counts
left outside them, then the lead fields and the intent. Products are resolved once here, so
the responder, the lead and the language detector all see the same products.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.catalog import Product, ProductMention, Resolution
from bot.email_text import split_reply
from bot.extraction import extract_update
from bot.language import detect_language
from bot.lead import LeadUpdate
from bot.model import InboundMessage
from bot.ports import Catalog
from bot.session import Session
from bot.understanding.intents import (
    ExampleMatcher,
    Facts,
    IntentVocabulary,
    Signals,
    asks_about_products,
    classify,
    default_vocabulary,
)
from bot.understanding.model import Understanding
from bot.understanding.quantities import Quantity, find_quantities
from bot.understanding.specs import Spec, find_specs


@dataclass(frozen=True, slots=True)
class Context:
    """What understanding needs besides the message: the catalog, the intents' words (the
    package's and the company's), the matcher of their examples, and the regional settings."""

    catalog: Catalog
    default_language: str = "en"
    phone_default_region: str = "US"
    phone_regions: Mapping[str, str] = field(default_factory=dict)
    intents: IntentVocabulary = field(default_factory=default_vocabulary)
    examples: ExampleMatcher | None = None


@dataclass(slots=True)
class Draft:
    """The understanding being built; each component fills its part."""

    message: InboundMessage
    session: Session
    context: Context
    text: str = ""
    language: str = "en"
    resolution: Resolution = field(default_factory=Resolution)
    focus: tuple[Product, ...] = ()
    specs: list[Spec] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    update: LeadUpdate = field(default_factory=LeadUpdate)
    intent: str = "other"
    intent_source: str = "words"
    asks_about_products: bool = False
    objection: str | None = None

    def result(self) -> Understanding:
        return Understanding(
            self.text, self.language, self.resolution.products, self.resolution.choices, self.focus,
            tuple(self.quantities), tuple(self.specs), self.update, self.intent, self.intent_source,
            self.asks_about_products, self.objection,
        )


Component = Callable[[Draft], None]


def own_text(draft: Draft) -> None:
    """The customer's own words: a quoted email thread is record, not request."""
    text, quoted = split_reply(draft.message.text)
    draft.text = text if quoted else draft.message.text


def products(draft: Draft) -> None:
    """The products asked about (or tied candidates), and the focus carried from earlier turns."""
    draft.resolution = draft.context.catalog.resolve(draft.text)
    focus = [draft.context.catalog.get(s) for s in draft.session.last_skus[-1:]]
    draft.focus = tuple(p for p in focus if p is not None)


def language(draft: Draft) -> None:
    """The customer's language, read from the text less the product names (the company's words
    in any language: "Сколько стоит Downlight Round 15?" is Russian)."""
    text = draft.text
    for mention in draft.resolution.products:
        for name in (mention.product.name, mention.product.sku):
            text = re.sub(re.escape(name), " ", text, flags=re.IGNORECASE)
    ctx = draft.context
    draft.language = detect_language(text, draft.session.language, ctx.default_language)


def specs(draft: Draft) -> None:
    draft.specs = find_specs(draft.text, draft.context.catalog.count_units())


def quantities(draft: Draft) -> None:
    mentions: Sequence[ProductMention] = draft.resolution.products
    draft.quantities = find_quantities(
        draft.text, mentions, draft.specs, _other_numbers(draft.text), draft.context.catalog.count_units()
    )


def _other_numbers(text: str) -> list[tuple[int, int]]:
    """Spans of money, dates, phones and emails: numbers there are no counts."""
    from bot.extract.contacts import find_emails, find_phones
    from bot.extract.money import find_money
    from bot.extract.text import mask
    from bot.extract.timeline import time_spans

    taken = [*(e.span for e in find_emails(text)), *(m.span for m in find_money(text)), *time_spans(text)]
    phones = find_phones(mask(text, taken), ["RU", "US"])
    return [(s.start, s.end) for s in (*taken, *(p.span for p in phones))]


def lead(draft: Draft) -> None:
    """The lead fields the message gives, with the products and count found above."""
    ctx, named = draft.context, [m.product for m in draft.resolution.products]
    counted = [q for q in draft.quantities if q.sku in {p.sku for p in named} or q.sku is None]
    draft.update = extract_update(
        draft.text, catalog=ctx.catalog, known=draft.session.lead, language=draft.language,
        now=draft.message.received_at, default_region=ctx.phone_default_region, regions=ctx.phone_regions,
        mentioned=named, quantity=counted[0].value if counted else None,
    )


def intent(draft: Draft) -> None:
    """What the message asks for, read with the product names blanked out: a product called
    "Courier bag" must not make a price question about delivery. Its meaning is compared to
    the intents' examples with the names written as "X", as the examples write them."""
    update, ctx = draft.update, draft.context
    mentions = [sorted(m.parts) for m in draft.resolution.products]
    spaces = [(a, b, " " * (b - a)) for parts in mentions for a, b in parts]
    marks = [(a, b, "X" if i == 0 else "") for parts in mentions for i, (a, b) in enumerate(parts)]
    signals = Signals(_replace(spaces, draft.text), _replace(marks, draft.text), ctx.intents, ctx.examples)
    facts = Facts(
        named=bool(draft.resolution.products), in_focus=bool(draft.focus),
        gave_contact=bool(update.email or update.phone or update.name),
        gave_quantity=bool(draft.quantities) or update.quantity is not None,
    )
    draft.intent = classify(signals, facts).value
    draft.intent_source = "examples" if signals.decided_by_example else "words"
    draft.asks_about_products = asks_about_products(signals)
    draft.objection = signals.objection_kind()


def _replace(spans: Sequence[tuple[int, int, str]], text: str) -> str:
    """`text` with each (start, end) span replaced; spans may come in any order, never overlap."""
    for start, end, by in sorted(spans, reverse=True):
        text = text[:start] + by + text[end:]
    return text


DEFAULT_COMPONENTS: tuple[Component, ...] = (own_text, products, language, specs, quantities, lead, intent)


class Understander:
    """Runs the components over one message; replaceable one by one."""

    def __init__(self, context: Context, components: Sequence[Component] = DEFAULT_COMPONENTS) -> None:
        self.context = context
        self.components = tuple(components)

    def understand(self, message: InboundMessage, session: Session, now: datetime | None = None) -> Understanding:
        draft = Draft(replace(message, received_at=now or message.received_at), session, self.context)
        for component in self.components:
            component(draft)
        return draft.result()
