"""The Telegram channel: updates in by webhook or long polling, replies out through the Bot API.

Inbound, in this order: verify the secret, parse, keep the raw update in the
ledger, submit to the core (stored + queued, deduplicated on `update_id`),
acknowledge. The reply goes out later from the worker through `send`.
"""

from __future__ import annotations

import asyncio
import hmac
import json

import structlog
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods import AnswerCallbackQuery, DeleteWebhook, GetMe, SetWebhook
from aiogram.types import Update
from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from bot.model import ConversationKey, OutboundMessage
from channels.base import Channel, ChannelContext
from channels.tasks import BackgroundTasks
from channels.telegram.poller import Poller
from channels.telegram.sender import BLOCKED, TelegramSender
from channels.telegram.settings import WEBHOOK_PATH, TelegramSettings
from channels.telegram.updates import CustomerMessage, Membership, read_update

log = structlog.get_logger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
MAX_BODY = 1 << 20  # Telegram updates are a few KB; anything near this is not Telegram


class TelegramChannel(Channel):
    """A Telegram bot: private chats with customers. Settings: `TelegramSettings`."""

    name = "telegram"

    def __init__(self, context: ChannelContext) -> None:
        super().__init__(context)
        self.settings = TelegramSettings.from_mapping(context.settings)
        self.ledger = context.require_ledger(self.name)
        api = TelegramAPIServer.from_base(self.settings.api_url)
        self.bot = Bot(self.settings.token, session=AiohttpSession(api=api))
        self.sender = TelegramSender(self.bot, self.ledger, self.settings)
        self.poller = Poller(self.sender, self.receive, self.settings.poll_timeout, ALLOWED_UPDATES)
        self.tasks = BackgroundTasks()
        self._registered = asyncio.Event()

    def router(self) -> APIRouter:
        router = APIRouter(tags=["telegram"])
        router.add_api_route(WEBHOOK_PATH, self.webhook, methods=["POST"], include_in_schema=False)
        return router

    async def webhook(self, request: Request) -> Response:
        """Telegram's POST: 403 without our secret, 400 for what is not an update, else 200 at once."""
        if not self._secret_ok(request.headers.get(SECRET_HEADER)):
            log.warning("telegram.refused", reason="bad secret token")
            return Response(status_code=403)
        body = await request.body()
        if len(body) > MAX_BODY:
            return Response(status_code=413)
        try:
            update = Update.model_validate(json.loads(body))
        except (ValueError, ValidationError, RecursionError):  # JSON and pydantic errors are ValueErrors
            return Response(status_code=400)
        try:
            await self.receive(update, body)
        except Exception:
            # Storage is down: a non-2xx makes Telegram deliver the update again later.
            log.exception("telegram.receive_failed", update_id=update.update_id)
            return Response(status_code=503)
        return Response(status_code=200)

    async def receive(self, update: Update, raw: bytes) -> None:
        """Record and queue one update (both paths: webhook and polling)."""
        meaning = read_update(update, self.settings.bot_id)
        if isinstance(meaning, Membership):
            await (self.ledger.block(meaning.key, BLOCKED) if meaning.blocked else self.ledger.unblock(meaning.key))
        elif isinstance(meaning, CustomerMessage):
            message = meaning.message
            await self.ledger.keep(message, raw)
            if await self.ledger.blocked(message.key):
                await self.ledger.unblock(message.key)  # writing to us proves the bot is not blocked
            await self.context.inbox.submit(message)
            if meaning.callback_id:
                self.tasks.start(self._answer_press(meaning.callback_id), "telegram-answer-press")

    async def send(self, key: ConversationKey, message: OutboundMessage, *, idempotency_key: str) -> None:
        await self.sender.send(key, message, idempotency_key)

    async def send_text(self, key: ConversationKey, text: str, *, idempotency_key: str) -> None:
        await self.sender.send(key, OutboundMessage(text), idempotency_key)

    async def typing(self, key: ConversationKey) -> None:
        await self.sender.typing(key)

    async def draft(self, key: ConversationKey, draft_id: str, text: str) -> None:
        await self.sender.draft(key, draft_id, text)

    async def start(self) -> None:
        """Webhook mode: register our URL with Telegram. Polling: drop any webhook and poll."""
        if self.settings.mode == "webhook":
            self.tasks.start(self._register_webhook(), "telegram-set-webhook")
        else:
            self.tasks.start(self._start_polling(), "telegram-polling")

    async def stop(self) -> None:
        await self.poller.stop()
        await self.tasks.cancel_all()
        await self.sender.close()
        await self.bot.session.close()

    async def check(self) -> None:
        """Telegram answers getMe with our token, and the webhook (or poller) is set up."""
        await self.bot(GetMe())
        if not self._registered.is_set():
            raise RuntimeError(f"{self.settings.mode} not set up yet")

    def _secret_ok(self, given: str | None) -> bool:
        secret = self.settings.webhook_secret
        if secret is None or given is None:
            return False  # no secret configured: the webhook accepts nothing
        return hmac.compare_digest(given.encode(), secret.get_secret_value().encode())

    async def _register_webhook(self) -> None:
        secret = self.settings.webhook_secret.get_secret_value() if self.settings.webhook_secret else None
        method = SetWebhook(url=self.settings.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
        await self.poller.until_done(method)
        self._registered.set()
        log.info("telegram.webhook_set", url=self.settings.webhook_url)

    async def _start_polling(self) -> None:
        await self.poller.until_done(DeleteWebhook(drop_pending_updates=False))
        self._registered.set()
        await self.poller.run()

    async def _answer_press(self, callback_id: str) -> None:
        """Stop the button's spinner; the reply itself comes from the worker."""
        try:
            await self.sender.call(AnswerCallbackQuery(callback_query_id=callback_id))
        except Exception:
            log.debug("telegram.answer_callback_failed", exc_info=True)
