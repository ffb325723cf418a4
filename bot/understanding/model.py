"""What one customer message says, understood once and read by every responder."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.catalog import Product, ProductMention
from bot.lead import LeadUpdate
from bot.understanding.quantities import Quantity
from bot.understanding.specs import Spec


@dataclass(frozen=True, slots=True)
class Understanding:
    """One message after understanding.

    `text` is the customer's own words (quoted email history removed); `products` the products
    it asks about, settled, in the order named; `choices` the candidates it leaves tied ("which
    one?"); `focus` the products the conversation was already about when this message names
    none ("is it in stock?"); `quantities` counts bound to products; `specs` the measures it
    states; `update` the lead fields it gives; `intent` what it asks for (see
    `bot.understanding.intents`), with `intent_source` saying how that was decided ("words":
    cues and rules, "examples": nearest example messages by meaning); `asks_about_products`
    whether it is a price, purchase or stock request, which may name products loosely;
    `objection` the kind of objection it raises ("price", "think" ...), if any.
    """

    text: str
    language: str
    products: tuple[ProductMention, ...] = ()
    choices: tuple[Product, ...] = ()
    focus: tuple[Product, ...] = ()
    quantities: tuple[Quantity, ...] = ()
    specs: tuple[Spec, ...] = ()
    update: LeadUpdate = field(default_factory=LeadUpdate)
    intent: str = "other"
    intent_source: str = "words"
    asks_about_products: bool = False
    objection: str | None = None

    @property
    def named(self) -> tuple[Product, ...]:
        """The products this message itself settles."""
        return tuple(m.product for m in self.products)

    @property
    def in_play(self) -> tuple[Product, ...]:
        """What the message is about: the products it names, else those in focus."""
        return self.named or self.focus

    def quantity_for(self, sku: str) -> int | None:
        """The count bound to this product, or the message's only count."""
        bound = [q.value for q in self.quantities if q.sku == sku]
        if bound:
            return bound[0]
        return self.quantities[0].value if len(self.quantities) == 1 else None
