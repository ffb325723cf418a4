"""Telegram through the Bot API (aiogram 3): webhook or long polling.

The registry imports `channels.telegram.channel` only when Telegram is on, and
`config` imports `channels.telegram.settings` without pulling in aiogram.
"""
