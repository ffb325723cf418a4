"""Read a `LeadUpdate` out of one customer message.

Each fact has its own small extractor in `bot.extract`; this module runs them in an order
that keeps them from reading the same digits twice: contacts, money and dates are found
first and blanked out before phone numbers, team sizes and quantities are looked for.
Only the customer's own text counts: a quoted email thread is dropped first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from types import EllipsisType, MappingProxyType

from bot.catalog import Product
from bot.email_text import split_reply
from bot.extract.authority import find_authority
from bot.extract.company import find_company, signature_role
from bot.extract.contacts import find_emails, find_phones
from bot.extract.money import accepts_quote, find_budget, find_money
from bot.extract.names import find_name
from bot.extract.products import merge_skus, product_words
from bot.extract.quantities import find_quantity, find_team_size
from bot.extract.regions import hinted_regions, language_regions
from bot.extract.text import Span, mask, normalize
from bot.extract.timeline import find_timeline, time_spans
from bot.lead import Lead, LeadUpdate
from bot.ports import Catalog

DEFAULT_REGIONS: Mapping[str, str] = MappingProxyType({"ru": "RU"})


def extract_update(
    text: str,
    *,
    catalog: Catalog,
    known: Lead,
    language: str,
    now: datetime,
    default_region: str = "US",
    regions: Mapping[str, str] = DEFAULT_REGIONS,
    mentioned: Sequence[Product] | None = None,
    quantity: int | EllipsisType | None = ...,
) -> LeadUpdate:
    """Everything one customer message says about the lead; unsaid fields stay None.

    `known` is the lead so far (for the product list across turns), `language` picks the
    region for phone numbers written without a country code, `now` anchors timelines.
    `mentioned` and `quantity` are the products and count understanding found (see
    `bot.understanding`); without them (`...`) they are read here, the older way.
    """
    own = normalize(split_reply(text)[0])
    if not own.strip():
        return LeadUpdate()
    emails = find_emails(own)
    money = find_money(own)
    taken = [*(e.span for e in emails), *(m.span for m in money), *time_spans(own)]
    # The lead so far counts too: an email or a currency named in an earlier turn.
    hints = hinted_regions(
        own, [*(e.value for e in emails), known.email or ""], [*(m.currency for m in money), known.budget_currency]
    )
    phones = find_phones(mask(own, taken), _phone_regions(language, default_region, regions, hints))
    taken += [p.span for p in phones]
    team = find_team_size(mask(own, taken))
    if mentioned is None:
        mentioned = catalog.mentioned(own)
    budget = find_budget(own, money)
    timeline = find_timeline(own, now)
    authority = find_authority(own, _signature_role(own))
    is_product = _product_test(catalog)
    return LeadUpdate(
        name=_new_name(find_name(own, [c.span for c in (*emails, *phones)], is_product), known.name),
        email=emails[0].value if emails else None,
        phone=phones[0].value if phones else None,
        company=find_company(own, is_product),
        skus=merge_skus(own, mentioned, known.skus, catalog),
        quantity=_quantity(own, taken + ([team[1]] if team else []), mentioned, known, catalog)
        if quantity is ... or (quantity is None and not mentioned) else quantity,
        budget=budget.amount if budget else None,
        budget_currency=budget.currency if budget else None,
        timeline_days=timeline.days if timeline else None,
        timeline_text=timeline.text if timeline else None,
        decision_role=authority.role,
        is_decision_maker=authority.is_decision_maker,
        team_size=team[0] if team else None,
        accepts_quote=accepts_quote(own),
    )


def _phone_regions(language: str, default_region: str, regions: Mapping[str, str], hints: list[str]) -> list[str]:
    """The language's configured region first, then the countries the conversation points at (the
    company's own country first among them), then the others: they catch a number written
    another country's way."""
    base = language.replace("_", "-").split("-")[0].lower()  # "ru-RU" → "ru"
    # Of the countries a hint allows (a GmbH is German, Austrian or Swiss), the company's own first.
    hints = sorted(hints, key=lambda region: region != default_region)
    ordered = [regions.get(base, default_region), *hints, default_region, *regions.values(), *language_regions(base)]
    return list(dict.fromkeys(ordered))


def _new_name(found: str | None, known: str | None) -> str | None:
    """None when the name is part of the one known: "Tomasz" signing off after "Tomasz Wróbel"."""
    if found and known and set(found.split()) < set(known.split()):
        return None
    return found


def _signature_role(text: str) -> str | None:
    found = signature_role(text)
    return found[0].lower() if found else None


def _quantity(
    text: str, taken: Sequence[Span], mentioned: Sequence[Product], known: Lead, catalog: Catalog
) -> int | None:
    """Count tied to the products named now, or to those already chosen ("make it 3")."""
    in_play = list(mentioned) or [p for sku in known.skus if (p := catalog.get(sku)) is not None]
    return find_quantity(mask(text, taken), product_words(in_play))


def _product_test(catalog: Catalog) -> Callable[[str], bool]:
    """Whether a capitalized phrase is a product ("This is Nimbus Printer 500"), not a name or company."""
    return lambda phrase: bool(catalog.mentioned(phrase))
