"""Trello as the CRM: a card per lead on one board (`TrelloSink`), and its webhooks."""

from bot.crm.trello.client import TrelloClient, TrelloError, TrelloUnavailable
from bot.crm.trello.sink import SINK, TrelloSink
from bot.crm.trello.webhook import CardMove, MalformedWebhook, card_move, signature, verified

__all__ = [
    "SINK", "CardMove", "MalformedWebhook", "TrelloClient", "TrelloError", "TrelloSink", "TrelloUnavailable",
    "card_move", "signature", "verified",
]
