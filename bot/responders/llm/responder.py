"""The LLM responder: the model leads the conversation through the sales tools; code keeps it honest.

One turn: build the request (system prompt of the language, the tools, the conversation
trimmed to its budget), run the tool loop, then check the reply (`guards`). A reply that breaks
a rule is sent back once with what to fix; a second refusal, a model that cannot be reached
within the deadline, or any other failure, and the offline responder answers instead. Whatever
the model recorded about the lead is kept either way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import structlog

from bot.model import OutboundMessage
from bot.ports import Responder
from bot.responders.llm import metrics
from bot.responders.llm.accounting import Ledger
from bot.responders.llm.drafts import GuardedDraft
from bot.responders.llm.facts import numbers_in
from bot.responders.llm.guards import Context, Secrets, Violation, check
from bot.responders.llm.history import conversation
from bot.responders.llm.messages import (
    AssistantMessage,
    ChatModel,
    Message,
    ModelRequest,
    ModelUnavailable,
    ToolResults,
    UserMessage,
)
from bot.responders.llm.prompts import Prompts
from bot.responders.llm.retry import Backoff, complete
from bot.responders.llm.toolbox import SPECS, Toolbox
from bot.responders.tools import SalesTools
from bot.turn import Reply, TurnContext

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class LLMOptions:
    """How the responder uses its model (from `llm:` settings)."""

    model: str
    fast_model: str | None = None
    # A turn goes to the fast model when its intent is one of these, it names no product and is short.
    fast_intents: frozenset[str] = frozenset({"greeting", "thanks", "contact"})
    fast_max_chars: int = 160
    max_tokens: int = 1024
    history_tokens: int = 3000
    max_tool_rounds: int = 6
    deadline_seconds: float = 45.0
    backoff: Backoff = field(default_factory=Backoff)
    phone_default_region: str = "US"
    phone_regions: Mapping[str, str] = field(default_factory=dict)  # language → region ("ru" → "RU")


class LLMResponder:
    """Implements the `Responder` port with a `ChatModel`; `fallback` answers when it cannot."""

    def __init__(self, model: ChatModel, tools: SalesTools, fallback: Responder, prompts: Prompts,
                 options: LLMOptions, ledger: Ledger, internal_texts: tuple[str, ...] = ()) -> None:
        self.model = model
        self.tools = tools
        self.fallback = fallback
        self.prompts = prompts
        self.options = options
        self.ledger = ledger
        self.secrets = Secrets([*prompts.secrets(), *internal_texts])
        names = " ".join(f"{p.sku} {p.name}" for p in tools.catalog.products())
        self.catalog_numbers = frozenset(numbers_in(names))

    async def respond(self, turn: TurnContext) -> Reply:
        if not turn.message.text.strip():  # nothing to read: no reason to pay a model
            return await self.fallback.respond(turn)
        box = Toolbox(self.tools, turn.language, self._regions(turn.language))
        deadline = asyncio.get_running_loop().time() + self.options.deadline_seconds
        try:
            async with asyncio.timeout_at(deadline):
                reply = await self._converse(turn, box, deadline)
        except (ModelUnavailable, TimeoutError) as exc:
            # Retries exhausted or the turn's deadline passed: the same to the customer.
            log.warning("llm.unavailable", provider=self.model.provider, detail=str(exc) or "deadline")
            reason, reply = "unavailable", None
        except Exception:
            # A bad key, a refused request: the customer still gets an answer.
            log.exception("llm.failed", provider=self.model.provider)
            reason, reply = "error", None
        else:
            reason = "guard"
        finally:
            await self.ledger.close_turn(turn.message.key)
        if reply is None:
            metrics.FALLBACKS.labels(self.model.provider, reason).inc()
            offline = await self.fallback.respond(turn)
            return replace(offline, lead=box.lead, wants_human=offline.wants_human or box.wants_human)
        return reply

    async def _converse(self, turn: TurnContext, box: Toolbox, deadline: float) -> Reply | None:
        history = turn.session.history
        # The engine adds this message to the history before answering; a turn built without it has not.
        past = history[:-1] if history and history[-1].role == "customer" and \
            history[-1].text == turn.message.text else history
        messages: list[Message] = list(conversation(past, turn.session.lead, turn.message.text,
                                                    self.options.history_tokens))
        ctx = self._context(turn)
        draft = GuardedDraft(turn.draft, lambda text: check(text, box.facts, self.secrets, ctx))
        for attempt in range(2):
            text = await self._tool_loop(turn, box, messages, draft, deadline)
            violations = check(text, box.facts, self.secrets, ctx) if text.strip() else [Violation("empty", "")]
            if not violations:
                return self._reply(turn, text, box)
            for v in violations:
                metrics.GUARD_REJECTIONS.labels(self.model.provider, v.guard).inc()
            log.info("llm.reply_refused", guards=[v.guard for v in violations], attempt=attempt + 1)
            messages += [AssistantMessage(text), UserMessage(_correction(violations))]
        return None

    async def _tool_loop(
        self, turn: TurnContext, box: Toolbox, messages: list[Message], draft: GuardedDraft, deadline: float
    ) -> str:
        model = self._model_for(turn)
        system = self.prompts.system(turn.language, turn.message.key.channel)
        for _ in range(self.options.max_tool_rounds):
            request = ModelRequest(model, system, SPECS, tuple(messages), self.options.max_tokens)
            answer = await complete(self.model, request, draft, deadline=deadline, backoff=self.options.backoff)
            await self.ledger.record(turn.message.key, model, answer.usage)
            if not answer.tool_calls:
                return answer.text
            messages.append(AssistantMessage(answer.text, answer.tool_calls))
            messages.append(ToolResults(tuple([await box.run(call) for call in answer.tool_calls])))
        raise ModelUnavailable(f"no answer after {self.options.max_tool_rounds} tool rounds")

    def _model_for(self, turn: TurnContext) -> str:
        o, u = self.options, turn.understanding
        simple = (u is not None and u.intent in o.fast_intents and not u.products
                  and len(turn.message.text) <= o.fast_max_chars)
        return o.fast_model if o.fast_model and simple else o.model

    def _context(self, turn: TurnContext) -> Context:
        lead = turn.session.lead
        own = " ".join(v for v in (turn.message.text, lead.email, lead.phone) if v)
        return Context(own, self.catalog_numbers, self._regions(turn.language))

    def _regions(self, language: str) -> tuple[str, ...]:
        own = self.options.phone_regions.get(language)
        return tuple(dict.fromkeys(r for r in (own, self.options.phone_default_region) if r))

    def _reply(self, turn: TurnContext, text: str, box: Toolbox) -> Reply:
        sources = tuple(box.facts.sources)
        intent = turn.understanding.intent if turn.understanding else "llm"
        message = OutboundMessage(text.strip(), sources=sources)
        return Reply((message,), intent, sources, wants_human=box.wants_human, lead=box.lead)


def _correction(violations: list[Violation]) -> str:
    problems = "; ".join(v.detail for v in violations if v.detail) or "it was empty"
    return ("(Note from the system, not the customer: your reply was not sent because " + problems +
            ". Write it again: use the tools for every figure, or say you will check with a colleague.)")
