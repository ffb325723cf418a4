"""Qualification: which question to ask next to complete the lead."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.lead import Lead

_QUESTIONS: dict[str, dict[str, str]] = {
    "need": {
        "en": "What are you looking for — which product, or for how many people?",
        "ru": "Подскажите, что вы ищете — какой товар или на сколько человек?",
    },
    "timeline": {
        "en": "When would you like to have it?",
        "ru": "К какому сроку это нужно?",
    },
    "quantity": {
        "en": "How many would you need?",
        "ru": "Какое количество вам нужно?",
    },
    "authority": {
        "en": "Will you be making the decision, or is someone else involved?",
        "ru": "Решение принимаете вы или кто-то ещё?",
    },
    "budget": {
        "en": "Do you have a budget in mind?",
        "ru": "Есть ли у вас ориентир по бюджету?",
    },
    "contact": {
        "en": "May I have your name and an email or phone number to send the offer to?",
        "ru": "Как к вам обращаться и на какую почту или телефон отправить предложение?",
    },
    "contact_only": {
        "en": "What email or phone number should we send the offer to?",
        "ru": "На какую почту или телефон отправить предложение?",
    },
    "name": {
        "en": "May I have your name?",
        "ru": "Как к вам обращаться?",
    },
}

# Most valuable first: what they need and when decide whether the rest matters.
_ORDER: tuple[tuple[str, Callable[[Lead], bool]], ...] = (
    ("need", lambda lead: not lead.skus and not lead.team_size),
    ("timeline", lambda lead: lead.timeline_days is None),
    ("quantity", lambda lead: bool(lead.skus) and lead.quantity is None),
    ("authority", lambda lead: lead.is_decision_maker is None),
    ("budget", lambda lead: lead.budget is None and not lead.accepts_quote),
    ("contact", lambda lead: not lead.has_contact()),
    ("name", lambda lead: lead.name is None),
)


def next_question(lead: Lead, asked: Sequence[str], language: str) -> tuple[str, str] | None:
    """(question id, question text) for the most valuable missing piece not yet asked.

    The text is Russian for `language` "ru", English otherwise; None when nothing is missing
    or everything missing has been asked once already.
    """
    lang = "ru" if language.lower().startswith("ru") else "en"
    done = set(asked)
    if "contact" in done:  # the contact question asked for the name as well
        done.add("name")
    for question_id, missing in _ORDER:
        if question_id not in done and missing(lead):
            return question_id, _text(question_id, lead, lang)
    return None


def _text(question_id: str, lead: Lead, lang: str) -> str:
    """Asking for a contact when the name is known only asks for the contact."""
    if question_id == "contact" and lead.name:
        return _QUESTIONS["contact_only"][lang]
    return _QUESTIONS[question_id][lang]
