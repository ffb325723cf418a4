"""Telling customers that their request moved to another stage, on the channel they wrote on.

A stage change made on a board (ours or the CRM's) is news for the customer:
"Your request has moved to: proposal". The message is stored in the
transcript before it is sent, like every reply, so a channel that replays
the transcript (the web chat) shows it even to a page that was offline.
"""

from __future__ import annotations

from bot import metrics
from bot.model import OutboundMessage
from bot.ports import Outbox, Storage
from bot.records import LeadRecord

_TEMPLATES = {
    "en": "Your request has moved to: {stage}",
    "ru": "Ваша заявка перешла на этап: {stage}",
}
# Customer-facing names; a language without its own entry falls back to English.
_STAGE_NAMES: dict[str, dict[str, str]] = {
    "en": {"new": "new", "qualified": "qualified", "proposal": "proposal", "won": "won", "shipped": "shipped",
           "lost": "lost"},
    "ru": {
        "new": "новая",
        "qualified": "квалифицирована",
        "proposal": "коммерческое предложение",
        "won": "сделка заключена",
        "shipped": "отправлена",
        "lost": "закрыта",
    },
}


def _base_language(language: str | None) -> str:
    base = (language or "en").replace("_", "-").split("-")[0].lower()
    return base if base in _TEMPLATES else "en"


def stage_message(stage: str, language: str | None) -> str:
    """The notification text for `stage` in `language` (English when we do not speak it)."""
    lang = _base_language(language)
    name = _STAGE_NAMES[lang].get(stage, stage)
    return _TEMPLATES[lang].format(stage=name)


def stage_idempotency_key(record: LeadRecord) -> str:
    """One key per stage change: repeating an announcement of the same change sends nothing new.

    `updated_at` tells a lead that went proposal → won → proposal apart from a retry.
    """
    return f"stage:{record.id}:{record.stage}:{record.updated_at.isoformat()}"


async def announce_stage(record: LeadRecord, outbox: Outbox, storage: Storage, language: str) -> None:
    """Store and send "your request has moved to <stage>" to the lead's conversation.

    Stored first: if sending fails, the line is still in the transcript (the web
    chat replays it on reconnect), and a retry with the same key is harmless.
    """
    message = OutboundMessage(stage_message(record.stage, language))
    key = stage_idempotency_key(record)
    await storage.record_outbound(record.key, message, key)
    await outbox.send(record.key, message, idempotency_key=key)
    metrics.MESSAGES_OUT.labels(record.key.channel).inc()
