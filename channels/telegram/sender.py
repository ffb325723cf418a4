"""Outbound calls to the Bot API: idempotent sends, flood waits, customers who blocked the bot.

Telegram has no idempotency key of its own, so every part of a reply is claimed
in the ledger under ours before it goes out and noted there once Telegram took
it (`channels.parts`): a worker that handles the same reply again (after a
crash, a redelivery, or at the same moment) skips the parts already sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

import structlog
from aiogram import Bot
from aiogram.exceptions import (
    RestartingTelegram,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendChatAction, SendMessage, SendMessageDraft, TelegramMethod

from bot.model import ConversationKey, OutboundMessage
from bot.ports import ChannelLedger
from channels.backoff import backoff_delay
from channels.parts import send_once
from channels.telegram.formatting import PARSE_MODE, draft_number, escape, keyboard, split_text
from channels.telegram.settings import TelegramSettings

log = structlog.get_logger(__name__)
T = TypeVar("T")
BLOCKED = "bot-blocked"
# The typing action is repeated (every `settings.typing_interval`) until the reply is sent, for at
# most this long: past an LLM's deadline and the offline fallback, something else has gone wrong.
TYPING_MAX_S = 60.0


class Unreachable(Exception):
    """The customer blocked the bot: nothing can be delivered until they start it again."""


class SendFailed(Exception):
    """Telegram did not take a message after every allowed attempt."""


class TelegramSender:
    """Sends replies, typing actions and drafts to one bot's private chats."""

    def __init__(
        self, bot: Bot, ledger: ChannelLedger, settings: TelegramSettings,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.bot = bot
        self.ledger = ledger
        self.settings = settings
        self._sleep = sleep
        self._typing: dict[ConversationKey, asyncio.Task[None]] = {}

    async def send(self, key: ConversationKey, message: OutboundMessage, idempotency_key: str) -> None:
        """Send a reply in parts; the keyboard goes with the last part."""
        self._stop_typing(key)
        if reason := await self.ledger.blocked(key):
            log.info("telegram.not_sent", reason=reason, idempotency_key=idempotency_key)
            return
        parts = split_text(message.text) or [" ".join(b.title for b in message.buttons) or "…"]
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            method = SendMessage(
                chat_id=int(key.conversation), text=escape(part), parse_mode=PARSE_MODE,
                reply_markup=keyboard(message.buttons) if last else None,
            )
            try:
                # A part sent before a crash, or by another worker, is skipped.
                await send_once(self.ledger, key, f"{idempotency_key}#p{index}", partial(self._sent_id, method), "sent")
            except Unreachable:
                await self._mark_unreachable(key)
                return

    async def _sent_id(self, method: SendMessage) -> str:
        return str((await self.call(method)).message_id)

    async def typing(self, key: ConversationKey) -> None:
        """Show "typing…" now and keep it up until the reply is sent (or a minute passed)."""
        self._stop_typing(key)
        if await self.ledger.blocked(key):
            return
        if await self._show_typing(key):
            self._typing[key] = asyncio.create_task(self._keep_typing(key), name="telegram-typing")

    async def draft(self, key: ConversationKey, draft_id: str, text: str) -> None:
        """Stream the reply being written (sendMessageDraft); the final `send` makes it a message."""
        if not self.settings.drafts or not text.strip():
            return
        parts = split_text(text)
        await self.bot(SendMessageDraft(
            chat_id=int(key.conversation), draft_id=draft_number(draft_id),
            text=escape(parts[-1] if parts else text), parse_mode=PARSE_MODE,
        ))

    async def call(self, method: TelegramMethod[T]) -> T:
        """One Bot API call, waiting out flood limits and retrying transient failures."""
        attempts = self.settings.max_attempts
        for attempt in range(attempts):
            try:
                return await self.bot(method)
            except TelegramRetryAfter as exc:
                if exc.retry_after > self.settings.max_retry_after or attempt == attempts - 1:
                    raise SendFailed(f"flood wait of {exc.retry_after}s") from exc
                log.warning("telegram.retry_after", seconds=exc.retry_after, method=method.__api_method__)
                await self._sleep(exc.retry_after)
            except TelegramForbiddenError as exc:
                raise Unreachable(exc.message) from exc
            except (TelegramNetworkError, TelegramServerError, RestartingTelegram) as exc:
                if attempt == attempts - 1:
                    raise SendFailed(str(exc)) from exc
                await self._sleep(backoff_delay(attempt))
        raise SendFailed("no attempts allowed")  # pragma: no cover - max_attempts >= 1

    async def close(self) -> None:
        for task in list(self._typing.values()):
            task.cancel()
        self._typing.clear()

    async def _show_typing(self, key: ConversationKey) -> bool:
        """One typing action; False when it cannot be shown (a courtesy never costs the reply)."""
        try:
            await self.bot(SendChatAction(chat_id=int(key.conversation), action="typing"))
        except TelegramForbiddenError:
            await self._mark_unreachable(key)
            return False
        except Exception:
            log.debug("telegram.typing_failed", exc_info=True)
            return False
        return True

    async def _keep_typing(self, key: ConversationKey) -> None:
        waited, every = 0.0, self.settings.typing_interval
        while waited < TYPING_MAX_S:
            await asyncio.sleep(every)
            waited += every
            if not await self._show_typing(key):
                return

    def _stop_typing(self, key: ConversationKey) -> None:
        task = self._typing.pop(key, None)
        if task is not None:
            task.cancel()

    async def _mark_unreachable(self, key: ConversationKey) -> None:
        await self.ledger.block(key, BLOCKED)
        log.info("telegram.unreachable", reason=BLOCKED)
