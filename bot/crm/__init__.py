"""CRM sinks: where leads are written for the sales team (local board by default, Trello)."""

from bot.crm.local_board import BoardCard, LocalBoard

__all__ = ["BoardCard", "LocalBoard"]
