"""The dialogue engine: understand a message (language, lead), then answer it.

Understanding is deterministic and cannot fail on customer input, so the
pipeline stores the lead between the two steps: if answering fails, the
lead is already safe.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from bot.email_text import split_reply
from bot.extraction import extract_update
from bot.language import detect_language
from bot.lead import LeadUpdate, channel_facts
from bot.model import InboundMessage
from bot.ports import Catalog, Responder
from bot.scoring import ScoringRules, score_lead
from bot.session import Session
from bot.turn import DraftSink, Reply, TurnContext, no_drafts


@dataclass(frozen=True, slots=True)
class DialogueSettings:
    """What the engine needs from settings."""

    default_language: str = "en"
    phone_default_region: str = "US"
    phone_regions: Mapping[str, str] = field(default_factory=lambda: {"ru": "RU"})
    scoring: ScoringRules = field(default_factory=ScoringRules)


@dataclass(frozen=True, slots=True)
class Understood:
    """A message after understanding: its new text without quotes, language and lead update."""

    message: InboundMessage
    language: str
    update: LeadUpdate


class DialogueEngine:
    """Turns one customer message into a reply and a grown lead."""

    def __init__(self, responder: Responder, catalog: Catalog, settings: DialogueSettings | None = None) -> None:
        self.responder = responder
        self.catalog = catalog
        self.settings = settings or DialogueSettings()

    def understand(self, message: InboundMessage, session: Session) -> Understood:
        """Detect the language and grow the lead; mutates `session`."""
        text, quoted = split_reply(message.text)
        if quoted:  # the quoted thread is kept in the record, never read as the customer's words
            message = replace(message, text=text, quoted_text=message.quoted_text or quoted)
        s = self.settings
        language = detect_language(self._without_product_names(message.text), session.language, s.default_language)
        update = extract_update(
            message.text, catalog=self.catalog, known=session.lead, language=language,
            now=message.received_at, default_region=s.phone_default_region, regions=s.phone_regions,
        )
        session.language = language
        # What the channel knows (a shared contact, the number written from) fills gaps only.
        known = session.lead.fill_unknown(channel_facts(message.contact, message.source))
        session.lead = score_lead(known.merge(update), s.scoring)
        session.add_turn("customer", message.text)
        return Understood(message, language, update)

    def _without_product_names(self, text: str) -> str:
        """The text less the catalog names and SKUs it mentions: they are the company's words in any
        language, and lingua read "Сколько стоит Downlight Round 15?" as English."""
        for product in self.catalog.mentioned(text):
            for name in (product.name, product.sku):
                text = re.sub(re.escape(name), " ", text, flags=re.IGNORECASE)
        return text

    async def respond(self, understood: Understood, session: Session, draft: DraftSink = no_drafts) -> Reply:
        """The responder's reply; recorded in the session's history. `draft` sees it being written."""
        reply = await self.responder.respond(
            TurnContext(understood.message, session, understood.language, understood.update, draft)
        )
        mentioned = self.catalog.mentioned(understood.message.text)
        if mentioned:  # "is it in stock?" next turn refers to the last product talked about
            session.last_skus = [p.sku for p in mentioned]
        session.add_turn("bot", reply.text)
        return reply
