"""The dialogue engine: understand a message once (`bot.understanding`), then answer it.

Understanding is deterministic and cannot fail on customer input, so the
pipeline stores the lead between the two steps: if answering fails, the
lead is already safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from bot.extraction import extract_update
from bot.language import SUPPORTED
from bot.lead import LeadUpdate, channel_facts
from bot.model import InboundMessage
from bot.ports import Catalog, Responder
from bot.scoring import ScoringRules, score_lead
from bot.session import Session
from bot.turn import DraftSink, Reply, TurnContext, no_drafts
from bot.understanding.intents import ExampleMatcher, IntentVocabulary, default_vocabulary
from bot.understanding.model import Understanding
from bot.understanding.pipeline import Context, Understander


@dataclass(frozen=True, slots=True)
class DialogueSettings:
    """What the engine needs from settings."""

    default_language: str = "en"
    phone_default_region: str = "US"
    phone_regions: Mapping[str, str] = field(default_factory=lambda: {"ru": "RU"})
    scoring: ScoringRules = field(default_factory=ScoringRules)


@dataclass(frozen=True, slots=True)
class Understood:
    """A message after understanding: its new text without quotes, and what it says."""

    message: InboundMessage
    understanding: Understanding

    @property
    def language(self) -> str:
        return self.understanding.language

    @property
    def update(self) -> LeadUpdate:
        return self.understanding.update


class DialogueEngine:
    """Turns one customer message into a reply and a grown lead."""

    def __init__(
        self, responder: Responder, catalog: Catalog, settings: DialogueSettings | None = None,
        intents: IntentVocabulary | None = None, intent_examples: ExampleMatcher | None = None,
    ) -> None:
        """`intents`: the intents' words (the package's by default); `intent_examples`: what
        compares a message to their example messages by meaning (none: words only)."""
        self.responder = responder
        self.catalog = catalog
        self.settings = settings or DialogueSettings()
        s = self.settings
        self.understander = Understander(Context(
            catalog, s.default_language, s.phone_default_region, s.phone_regions,
            intents or default_vocabulary(), intent_examples,
        ))

    def understand(self, message: InboundMessage, session: Session) -> Understood:
        """Understand the message once (`bot.understanding`) and grow the lead; mutates `session`."""
        # What the channel knows (a shared contact, the number written from) fills gaps only, and
        # before reading the text: "— Anna" in the body must not shorten the sender's "Anna Smith".
        session.lead = session.lead.fill_unknown(channel_facts(message.contact, message.source))
        hint = message.contact.language if message.contact else None
        if session.language is None and hint in SUPPORTED.values():
            session.language = hint  # "/start" or "hi" tells no language; the customer's app does
        if message.signature:  # the sender's own words, read before the text so the text wins
            session.lead = session.lead.merge(self._signed(message, session))
        understanding = self.understander.understand(message, session)
        if understanding.text != message.text:  # the quoted thread is kept in the record only
            quoted = message.text[len(understanding.text):].strip()
            message = replace(message, text=understanding.text, quoted_text=message.quoted_text or quoted)
        session.language = understanding.language
        session.lead = score_lead(session.lead.merge(understanding.update), self.settings.scoring)
        session.add_turn("customer", message.text)
        return Understood(message, understanding)

    def _signed(self, message: InboundMessage, session: Session) -> LeadUpdate:
        """Who signed the message: name, contacts, company and role from its signature block.
        Products or counts there are letterhead, not a request, so they are not taken."""
        s = self.settings
        found = extract_update(
            message.signature, catalog=self.catalog, known=session.lead,
            language=session.language or s.default_language, now=message.received_at,
            default_region=s.phone_default_region, regions=s.phone_regions, mentioned=(), quantity=None,
        )
        return LeadUpdate(
            name=found.name, email=found.email, phone=found.phone, company=found.company,
            decision_role=found.decision_role, is_decision_maker=found.is_decision_maker,
        )

    async def respond(self, understood: Understood, session: Session, draft: DraftSink = no_drafts) -> Reply:
        """The responder's reply; recorded in the session's history. `draft` sees it being written."""
        u = understood.understanding
        reply = await self.responder.respond(
            TurnContext(understood.message, session, u.language, u.update, u, draft)
        )
        if not reply.lead.is_empty():
            session.lead = score_lead(session.lead.merge(reply.lead), self.settings.scoring)
        if u.products:  # "is it in stock?" next turn refers to the last product talked about
            session.last_skus = [m.product.sku for m in u.products]
        session.add_turn("bot", reply.text)
        return reply
