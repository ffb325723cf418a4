"""Durable storage: leads, transcripts, the CRM outbox, the channel ledger and LLM spend in SQL
(SQLite or PostgreSQL)."""

from bot.storage.crm_cards import CardRef, CrmCards
from bot.storage.ledger import SqlLedger
from bot.storage.outbox import CrmOutbox
from bot.storage.spend import SqlSpendBook
from bot.storage.sql import SqlStorage

__all__ = ["CardRef", "CrmCards", "CrmOutbox", "SqlLedger", "SqlSpendBook", "SqlStorage"]
