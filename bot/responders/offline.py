"""The offline responder: rules over retrieval, the reader and the catalog.

Deterministic and key-free, it is the default. It answers prices and stock
from the catalog only, policies from sentences its reader finds in the
company's documents (naming the source), and says so when it does not know.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.catalog import Product
from bot.knowledge import Evidence, Passage
from bot.model import Button, OutboundMessage
from bot.qualification import next_question
from bot.responders import catalog_replies as cr
from bot.responders.phrases import say
from bot.responders.playbook import customer_sentences, is_note
from bot.responders.tools import SalesTools
from bot.turn import Reply, TurnContext
from bot.understanding.intents import Intent, objection_kind
from bot.understanding.language_of import written_in

# Intents after which the assistant asks its next qualification question.
QUALIFYING = {Intent.QUOTE, Intent.GREETING, Intent.CONTACT, Intent.OTHER, Intent.PRODUCT_QUESTION,
              Intent.AVAILABILITY, Intent.LEAD_TIME}


class OfflineResponder:
    """Implements the core's `Responder` port without any model or key."""

    def __init__(self, tools: SalesTools) -> None:
        self.tools = tools

    async def respond(self, turn: TurnContext) -> Reply:
        u = turn.understanding
        if not u.products and len(u.choices) > 1 and u.asks_about_products:
            return self._choose(turn, list(u.choices))  # "your panels": ask which, one button each
        products = list(u.in_play)
        intent = Intent(u.intent)
        body, sources = await self._answer(intent, turn, products)
        messages = [OutboundMessage(body, sources=sources)]
        answered = bool(sources) or intent not in (Intent.POLICY, Intent.PRODUCT_QUESTION)
        follow_up = self._follow_up(intent, turn, answered)
        if follow_up:
            messages.append(OutboundMessage(follow_up))
        return Reply(tuple(messages), intent.value, sources, wants_human=intent is Intent.HUMAN)

    def _choose(self, turn: TurnContext, candidates: list[Product]) -> Reply:
        """Ask which product the customer means; each button asks for that one's quote."""
        lang, catalog = turn.language, self.tools.catalog
        qty = turn.update.quantity
        listed = "; ".join(f"{p.name} ({catalog.format_money(p.price, p.currency, lang)})" for p in candidates)
        buttons = tuple(Button(p.name, f"{qty} × {p.name}" if qty else p.name) for p in candidates)
        message = OutboundMessage(say("choose", lang, items=listed), buttons=buttons, sources=catalog.sources[:1])
        return Reply((message,), Intent.CHOOSE.value, catalog.sources[:1])

    async def _answer(self, intent: Intent, turn: TurnContext, products: list[Product]) -> tuple[str, tuple[str, ...]]:
        lang, catalog = turn.language, self.tools.catalog
        catalog_src, discounts_src = catalog.sources
        match intent:
            case Intent.EMPTY:
                return say("empty", lang), ()
            case Intent.HUMAN:
                return say("handoff", lang), ()
            case Intent.THANKS:
                return say("thanks", lang), ()
            case Intent.OTHER if any(t.role == "bot" for t in turn.session.history):
                return say("ack", lang), ()  # mid-conversation: no second greeting
            case Intent.GREETING | Intent.OTHER:
                categories = cr.categories_text(catalog, lang)
                if self.tools.company:
                    return say("greeting_named", lang, company=self.tools.company, categories=categories), ()
                return say("greeting", lang, categories=categories), ()
            case Intent.CATALOG:
                return say("catalog", lang, items=cr.categories_text(catalog, lang, examples=True)), (catalog_src,)
            case Intent.CONTACT:
                return say("contact_thanks", lang), ()
            case Intent.OBJECTION:
                return await self._objection(turn)
            case Intent.QUOTE:
                qty = self._quantity(turn, products)
                texts = [cr.quote_text(catalog, catalog.quote(p.sku, qty), lang) for p in products[:3]]
                return " ".join(texts), (catalog_src, discounts_src) if qty > 1 else (catalog_src,)
            case Intent.AVAILABILITY:
                return " ".join(cr.stock_text(p, lang) for p in products[:3]), (catalog_src,)
            case Intent.LEAD_TIME:
                return " ".join(cr.lead_time_text(p, lang) for p in products[:3]), (catalog_src,)
            case Intent.CROSS_SELL:
                return cr.cross_sell_text(catalog, products[0], lang), (catalog_src,)
            case Intent.UPSELL:
                return cr.upsell_text(catalog, products[0], lang), (catalog_src,)
            case Intent.PRODUCT_QUESTION:
                return await self._product_question(turn, products[0])
            case _:
                return await self._from_documents(turn, products)

    @staticmethod
    def _quantity(turn: TurnContext, products: list[Product]) -> int:
        """The quantity said now, or earlier for this same product; one otherwise."""
        if len(products) != 1:
            return 1
        said = turn.understanding.quantity_for(products[0].sku)
        if said or turn.update.quantity:
            return said or turn.update.quantity or 1
        lead = turn.session.lead
        return lead.quantity if lead.quantity and products[0].sku in lead.skus else 1

    async def _from_documents(self, turn: TurnContext, products: Sequence[Product]) -> tuple[str, tuple[str, ...]]:
        """A policy answer: the sentences that cover the question, with their source."""
        text, lang = turn.message.text, turn.language
        # The objection playbook instructs sales people; it is not policy to quote to customers.
        # It often ranks high (it mentions every topic), so fetch extra before setting it aside.
        # The reader sees twice the usual passages: across languages the answering section often
        # ranks just below the top (a Russian question, an English policy), and the reader, not
        # the ranking, decides what answers.
        found = await self.tools.retriever.search(text, self.tools.top_k * 4)
        # Catalog rows are answered from the catalog itself (price, stock, lead time intents), never
        # quoted as a policy; internal documents never.
        skip = self.tools.internal_sources | set(self.tools.catalog.sources)
        passages = [p for p in found if not objection_kind(p.heading) and p.source not in skip]
        passages = passages[: self.tools.top_k * 2]
        answer = await self._answer_each(text, passages, [p.name for p in products])
        if not answer:
            return say("unknown", lang), ()
        sources = tuple(dict.fromkeys(e.passage.source for e in answer))
        said = " ".join(e.sentence for e in answer)
        body = say("from_docs", lang, answer=said)
        if written_in(said) not in (None, lang):  # the only source is in the other language: say so
            body = f"{say('other_language', lang)} {body}"
        return f"{body} {say('source', lang, sources=', '.join(sources))}", sources

    async def _answer_each(self, text: str, passages: list[Passage], ignore: list[str]) -> list[Evidence]:
        """The best sentences for the question; when it asks several ("Is VAT included? What is
        the rate?"), also the best sentence for each of them within the passage that answers the
        whole (a short second question alone could match anything: "what rate?")."""
        answer = self._best(await self._evidence(text, passages, ignore))
        questions = _questions(text)
        if not answer or len(questions) < 2:
            return answer
        for question in questions:
            found = self._best(await self._evidence(question, [answer[0].passage], ignore))
            answer.extend(e for e in found[:1] if e.sentence not in {a.sentence for a in answer})
        return answer[:4]

    async def _evidence(self, question: str, passages: list[Passage], ignore: list[str]) -> list[Evidence]:
        evidence = await self.tools.reader.evidence(question, passages, ignore=ignore)
        return [e for e in evidence if not is_note(e.sentence)]  # rep notes never reach a customer

    def _best(self, evidence: list[Evidence]) -> list[Evidence]:
        """The best sentence, plus up to two more of the same passage that cover the question as well."""
        good = [e for e in evidence if e.coverage >= self.tools.min_coverage]
        if not good:
            return []
        top = good[0]
        same = [e for e in good[1:] if e.coverage >= top.coverage and e.passage == top.passage]
        return [top, *same[:2]]

    async def _product_question(self, turn: TurnContext, product: Product) -> tuple[str, tuple[str, ...]]:
        """A question about a product's properties: its description, else the documents."""
        catalog_src = self.tools.catalog.sources[0]
        card = Passage(f"{product.name}: {product.description}", catalog_src, product.category)
        evidence = await self.tools.reader.evidence(turn.message.text, [card], ignore=[product.name])
        if self._best(evidence):
            return evidence[0].sentence, (catalog_src,)
        body, sources = await self._from_documents(turn, [product])
        if sources:
            return body, sources
        return say("unknown_product", turn.language, name=product.name), ()

    async def _objection(self, turn: TurnContext) -> tuple[str, tuple[str, ...]]:
        """The company's own playbook section for this objection, when it has one."""
        lang = turn.language
        passages = await self.tools.retriever.search(turn.message.text, self.tools.top_k)
        kind = turn.understanding.objection
        sections = [p for p in passages if objection_kind(p.heading)]
        # The section for this very objection; failing that, the closest playbook section.
        same = [p for p in sections if objection_kind(p.heading) == kind]
        if not (same or sections):
            return say("objection_generic", lang), ()
        passage = (same or sections)[0]
        said = customer_sentences(passage.text, internal=passage.source in self.tools.internal_sources)
        if not said:  # a playbook written to the reps: its notes are not ours to paste
            return say("objection_generic", lang), ()
        return f"{say('objection_intro', lang)} {' '.join(said[:3])}", (passage.source,)

    def _follow_up(self, intent: Intent, turn: TurnContext, answered: bool = True) -> str | None:
        """The hot-lead note or the next qualification question; none after "I don't know"
        (asking "by when?" right after failing to answer reads as not listening)."""
        lead, lang = turn.session.lead, turn.language
        if not answered:
            return None
        if lead.hot and "hot" not in turn.session.asked:
            turn.session.asked.append("hot")
            return say("hot", lang)
        if intent not in QUALIFYING:
            return None
        question = next_question(lead, turn.session.asked, lang)
        if question is None:
            return None
        qid, text = question
        turn.session.asked.append(qid)
        return text


def _questions(text: str) -> list[str]:
    """The questions a message asks, each on its own when it asks several; else the whole text."""
    parts = [p.strip() for p in re.split(r"(?<=\?)\s+", text) if len(p.strip()) > 3]
    return parts if sum(p.endswith("?") for p in parts) >= 2 else [text]
