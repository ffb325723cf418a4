"""What a customer message asks for: a registry of intents read from data, and the few rules.

The words are data (`data/intents.yaml`, plus a company's `intents.yaml` beside its knowledge
base): per intent, cues (the exact wordings that settle it) and example messages. A message's
`Signals` are the cues it matches, and, when no cue decides, the intent whose examples it is
nearest to in meaning (an `ExampleMatcher`, the e5 model in production). The rules here are
the few that are not about words: an empty message, a product named or in focus, a quantity
with a product makes a quote, contact details are thanked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property, lru_cache
from typing import Any

from bot.understanding.resources import load_yaml


class Intent(StrEnum):
    EMPTY = "empty"
    HUMAN = "human"
    GREETING = "greeting"
    THANKS = "thanks"
    OBJECTION = "objection"
    QUOTE = "quote"
    AVAILABILITY = "availability"
    LEAD_TIME = "lead_time"
    CROSS_SELL = "cross_sell"
    UPSELL = "upsell"
    PRODUCT_QUESTION = "product_question"
    POLICY = "policy"
    CONTACT = "contact"
    CHOOSE = "choose"
    CATALOG = "catalog"
    OTHER = "other"


OBJECTION_PREFIX = "objection_"
# What a question about a named product may ask, in the order cues are trusted when several match:
# a service question first ("how long after delivery can a defective X be replaced?" asks about
# returns, not X's lead time).
PRODUCT_ASKS = ("service", "lead_time", "upsell", "availability", "cross_sell", "price")
TOPICS = {"service": Intent.POLICY, "lead_time": Intent.LEAD_TIME, "upsell": Intent.UPSELL,
          "availability": Intent.AVAILABILITY, "cross_sell": Intent.CROSS_SELL, "price": Intent.QUOTE,
          "product_question": Intent.PRODUCT_QUESTION}

ExampleMatcher = Callable[[str], Mapping[str, float]]
"""Text → {signal name: similarity in meaning of the nearest example of that signal}."""


class IntentDataError(ValueError):
    """A company's `intents.yaml` names an unknown intent or holds a cue that is no regex."""


@dataclass(frozen=True, slots=True)
class Cues:
    """One signal's words: its cue patterns (all languages) and its example messages."""

    patterns: tuple[re.Pattern[str], ...] = ()
    examples: tuple[str, ...] = ()

    def match(self, text: str) -> bool:
        return any(p.search(text) for p in self.patterns)

    def first(self, text: str) -> int | None:
        """Where the earliest cue starts in the text, if any does."""
        starts = [m.start() for p in self.patterns if (m := p.search(text))]
        return min(starts) if starts else None


def _strings(value: Any) -> list[str]:
    """A language's list, or every language's lists merged: {en: [...], ru: [...]} or [...]."""
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _compile(name: str, pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise IntentDataError(f"{name}: cue {pattern!r} is not a regular expression ({exc})") from exc


def _cues(name: str, spec: Any) -> Cues:
    if not isinstance(spec, Mapping):
        raise IntentDataError(f"{name}: expected `cues` and/or `examples`")
    unknown = set(spec) - {"cues", "examples"}
    if unknown:
        raise IntentDataError(f"{name}: unknown key(s) {', '.join(sorted(unknown))}; use `cues` and `examples`")
    patterns = tuple(_compile(name, p) for p in _strings(spec.get("cues")))
    return Cues(patterns, tuple(_strings(spec.get("examples"))))


@dataclass(frozen=True, slots=True)
class IntentVocabulary:
    """Every signal's cues and examples: the package's, with a company's added."""

    signals: Mapping[str, Cues]

    @classmethod
    def from_data(cls, base: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> IntentVocabulary:
        signals = {str(k): _cues(str(k), v) for k, v in base.items()}
        for name, spec in (extra or {}).items():
            if name not in signals:
                known = ", ".join(sorted(signals))
                raise IntentDataError(f"unknown intent {name!r}; known: {known}")
            more = _cues(str(name), spec)
            had = signals[name]
            signals[name] = Cues(had.patterns + more.patterns, had.examples + more.examples)
        return cls(signals)

    def cue(self, name: str, text: str) -> bool:
        cues = self.signals.get(name)
        return bool(cues and cues.match(text))

    def cue_at(self, name: str, text: str) -> int | None:
        cues = self.signals.get(name)
        return cues.first(text) if cues else None

    def examples(self) -> dict[str, tuple[str, ...]]:
        """Example messages by signal (question marks are no intent: they have none)."""
        return {name: c.examples for name, c in self.signals.items() if c.examples}

    def objection_kind(self, text: str) -> str | None:
        """Which objection a text raises by its words ("price", "think" ...), if any."""
        for name in self.signals:
            if name.startswith(OBJECTION_PREFIX) and self.cue(name, text):
                return name.removeprefix(OBJECTION_PREFIX)
        return None


@lru_cache(maxsize=1)
def default_vocabulary() -> IntentVocabulary:
    return IntentVocabulary.from_data(load_yaml("intents.yaml"))


def objection_kind(text: str) -> str | None:
    """Which objection a text raises (by the package's cues; also reads playbook headings)."""
    return default_vocabulary().objection_kind(text)


@dataclass
class Signals:
    """What one message shows: cues by name, and (asked lazily) its nearest examples by meaning.

    `text` is read for cues (product names blanked), `meaning_text` for examples (product names
    replaced by "X", as the examples write them).
    """

    text: str
    meaning_text: str
    vocabulary: IntentVocabulary
    matcher: ExampleMatcher | None = None
    min_similarity: float = 0.9
    min_margin: float = 0.015
    decided_by_example: bool = False
    _checked: dict[str, bool] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        if name not in self._checked:
            self._checked[name] = self.vocabulary.cue(name, self.text)
        return self._checked[name]

    def at(self, name: str) -> int | None:
        """Where the message first shows the cue `name`."""
        return self.vocabulary.cue_at(name, self.text)

    @cached_property
    def nearness(self) -> Mapping[str, float]:
        if self.matcher is None or not self.meaning_text.strip():
            return {}
        return self.matcher(self.meaning_text)

    def nearest(self, among: Iterable[str]) -> str | None:
        """The signal among `among` whose examples the message is nearest to, when it is also
        nearest over all signals, near enough, and clearly nearer than the runner-up (e5's
        similarities are close together: a near tie says nothing); None otherwise."""
        ranked = sorted(self.nearness.items(), key=lambda kv: kv[1], reverse=True)
        if not ranked or ranked[0][0] not in set(among) or ranked[0][1] < self.min_similarity:
            return None
        runner_up = ranked[1][1] if len(ranked) > 1 else -1.0
        if ranked[0][1] - runner_up < self.min_margin:
            return None
        self.decided_by_example = True
        return ranked[0][0]

    def objection_kind(self) -> str | None:
        kind = self.vocabulary.objection_kind(self.text)
        if kind:
            return kind
        objections = [n for n in self.vocabulary.signals if n.startswith(OBJECTION_PREFIX)]
        near = self.nearest(objections)
        return near.removeprefix(OBJECTION_PREFIX) if near else None


@dataclass(frozen=True, slots=True)
class Facts:
    """What earlier components found: a product named, one in focus, contact details, a count."""

    named: bool = False
    in_focus: bool = False
    gave_contact: bool = False
    gave_quantity: bool = False


def classify(signals: Signals, facts: Facts) -> Intent:
    """The intent of one message: its words (cues, then examples) under the few rules."""
    if not signals.text.strip():
        return Intent.EMPTY
    if signals.has("human") or signals.nearest(["human"]):
        return Intent.HUMAN
    is_question = signals.has("question")
    if _objects(signals, facts, is_question):
        return Intent.OBJECTION
    if facts.named or (facts.in_focus and (is_question or facts.gave_quantity) and not facts.gave_contact):
        return _product_intent(signals, is_question, facts.gave_quantity)
    if signals.has("catalog"):
        return Intent.CATALOG
    if facts.gave_contact and not is_question:
        return Intent.CONTACT
    if is_question or signals.has("service"):
        return Intent.CATALOG if signals.nearest(["catalog"]) else Intent.POLICY
    if facts.gave_contact:
        return Intent.CONTACT
    for name, found in (("greeting", Intent.GREETING), ("thanks", Intent.THANKS)):
        if signals.has(name):
            return found
    return _by_example(signals, {"greeting": Intent.GREETING, "thanks": Intent.THANKS, "catalog": Intent.CATALOG})


def _objects(signals: Signals, facts: Facts, is_question: bool) -> bool:
    """An objection, unless it is a price question about a named product ("cheaper X?")."""
    if facts.named and is_question and signals.has("price"):
        return False
    return signals.objection_kind() is not None


def _product_intent(signals: Signals, is_question: bool, gave_quantity: bool) -> Intent:
    for name in PRODUCT_ASKS[:-1]:
        if name == "service" and not is_question:
            continue  # "we need X delivered by May": a purchase, not a delivery question
        if name == "upsell" and not is_question:
            continue  # "a bigger order": only a question asks for the bigger model
        if signals.has(name):
            return Intent.AVAILABILITY if _stock_asked_first(signals, name) else TOPICS[name]
    if signals.has("price") or signals.has("want") or gave_quantity:  # a quantity and a product make a quote
        return Intent.QUOTE
    if not is_question:
        return Intent.QUOTE
    return _by_example(signals, TOPICS, otherwise=Intent.PRODUCT_QUESTION)


def _stock_asked_first(signals: Signals, topic: str) -> bool:
    """A stock question that comes before a delivery one is about the product's stock: "Are the
    X in stock? If not, when can you deliver?" (the catalog says both its stock and lead time)."""
    if topic not in ("service", "lead_time") or not signals.has("availability"):
        return False
    stock, other = signals.at("availability"), signals.at(topic)
    return stock is not None and other is not None and stock < other


def _by_example(signals: Signals, choices: Mapping[str, Intent], otherwise: Intent = Intent.OTHER) -> Intent:
    near = signals.nearest(choices)
    return choices[near] if near else otherwise


def asks_about_products(signals: Signals) -> bool:
    """A price, purchase or stock request that may name products loosely ("your panels")."""
    if signals.has("service") or signals.objection_kind():
        return False
    return any(signals.has(n) for n in ("price", "want", "availability"))
