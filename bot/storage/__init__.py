"""Durable storage: leads, transcripts and the CRM outbox in SQL (SQLite or PostgreSQL)."""

from bot.storage.outbox import CrmOutbox
from bot.storage.sql import SqlStorage

__all__ = ["CrmOutbox", "SqlStorage"]
