"""STOP, START and HELP: the carrier keywords every sender of SMS must honour, in English and Russian.

A message is a keyword only when it is nothing else (case, spaces and end
punctuation aside). START words are keywords only for an opted-out number:
otherwise "yes" is an answer to the bot's question.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Keyword(StrEnum):
    STOP = "opt-out"
    START = "opt-in"
    HELP = "help"


# Twilio's standard keywords, plus Russian ones.
_STOP = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout",
         "стоп", "отписаться", "отписка"}
_START = {"start", "yes", "unstop", "старт", "подписаться"}
_HELP = {"help", "info", "помощь", "справка"}
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)

_REPLIES = {
    Keyword.STOP: {
        "en": "You have been unsubscribed and will get no more messages from us. Reply START to subscribe again.",
        "ru": "Вы отписались и больше не получите от нас сообщений. Чтобы подписаться снова, ответьте СТАРТ.",
    },
    Keyword.START: {
        "en": "You are subscribed again. Reply STOP to unsubscribe.",
        "ru": "Вы снова подписаны. Чтобы отписаться, ответьте СТОП.",
    },
    Keyword.HELP: {
        "en": "This is our sales assistant: write your question here. Reply STOP to unsubscribe.",
        "ru": "Это ассистент отдела продаж: напишите ваш вопрос сюда. Чтобы отписаться, ответьте СТОП.",
    },
}
# Twilio's Advanced Opt-Out tells which keyword it saw in `OptOutType`.
_OPT_OUT_TYPE = {"STOP": Keyword.STOP, "START": Keyword.START, "HELP": Keyword.HELP}


def keyword(body: str, *, opted_out: bool, opt_out_type: str | None = None) -> Keyword | None:
    """The keyword this message is, if it is one."""
    if opt_out_type:
        return _OPT_OUT_TYPE.get(opt_out_type.strip().upper())
    word = re.sub(r"[\s.!?,;:]+", "", body).lower()
    if word in _STOP:
        return Keyword.STOP
    if word in _HELP:
        return Keyword.HELP
    if opted_out and word in _START:
        return Keyword.START
    return None


def keyword_reply(found: Keyword, body: str) -> str:
    """The confirmation for a keyword, in the language the keyword was written in."""
    return _REPLIES[found]["ru" if _CYRILLIC.search(body) else "en"]
