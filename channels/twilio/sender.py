"""Outbound SMS and WhatsApp through Twilio's Messages API (the SDK's async client).

Twilio has no idempotency key for sending, so every message is claimed in the
ledger under ours before it goes out and noted there once Twilio took it (with
its MessageSid, which the status callbacks then update; `channels.parts`): a
reply handled again, or by two workers at once, skips what was sent.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import structlog
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bot.model import ConversationKey, OutboundMessage
from bot.ports import ChannelLedger
from channels.backoff import backoff_delay
from channels.parts import send_once
from channels.twilio.inbound import WHATSAPP, address_key
from channels.twilio.settings import STATUS_PATH, TwilioSettings
from channels.twilio.sms_text import plain, split_sms, split_whatsapp

log = structlog.get_logger(__name__)
OPTED_OUT = "opt-out"
# Twilio's error for a recipient who replied STOP: sending again is refused, so we stop asking.
UNSUBSCRIBED = 21610


class SendFailed(Exception):
    """Twilio did not take a message after every allowed attempt."""


class TwilioSender:
    """Sends texts from the number the customer wrote to; never to an opted-out address."""

    def __init__(self, settings: TwilioSettings, ledger: ChannelLedger) -> None:
        self.settings = settings
        self.ledger = ledger
        self._client: Client | None = None

    @property
    def client(self) -> Client:
        """The SDK client, made on first use: its aiohttp session needs the running loop."""
        if self._client is None:
            http = AsyncTwilioHttpClient(timeout=30)
            self._client = Client(self.settings.account_sid, self.settings.token, http_client=http)
            if self.settings.api_url:
                self._client.api.base_url = self.settings.api_url.rstrip("/")
        return self._client

    async def send(self, key: ConversationKey, message: OutboundMessage, idempotency_key: str) -> None:
        """Send a reply shaped for the medium, one Twilio message per part."""
        if await self.opted_out(key.conversation):
            log.info("twilio.not_sent", reason=OPTED_OUT, idempotency_key=idempotency_key)
            return
        text = plain(message)
        whatsapp = key.conversation.startswith(WHATSAPP)
        parts = split_whatsapp(text) if whatsapp else split_sms(text, self.settings.max_segments)
        for index, part in enumerate(parts):
            if not await self.send_one(key, part, f"{idempotency_key}#p{index}"):
                return

    async def send_one(self, key: ConversationKey, body: str, part_key: str) -> bool:
        """One message under our key (skipped if sent before a crash or by another worker);
        False if the address turned out to be opted out."""
        try:
            await send_once(
                self.ledger, key, part_key, lambda: self._create(to=key.conversation, from_=key.account, body=body),
                "queued",
            )
        except TwilioRestException as exc:
            if exc.code != UNSUBSCRIBED:
                raise
            await self.ledger.block(address_key(key.conversation), OPTED_OUT)
            log.info("twilio.unsubscribed_recipient", idempotency_key=part_key)
            return False
        return True

    async def opted_out(self, address: str) -> bool:
        return await self.ledger.blocked(address_key(address)) is not None

    async def check(self) -> None:
        """Our credentials open the account (a GET of the account resource)."""
        await self.client.api.v2010.accounts(self.settings.account_sid).fetch_async()

    async def close(self) -> None:
        if self._client is not None:
            http = self._client.http_client
            if isinstance(http, AsyncTwilioHttpClient):
                await http.close()

    async def _create(self, **fields: Any) -> str:
        """Create a message, retrying 429, 5xx and network errors with backoff; returns its SID."""
        attempts = self.settings.max_attempts
        callback = self.settings.url(STATUS_PATH)
        for attempt in range(attempts):
            try:
                created = await self.client.messages.create_async(status_callback=callback, **fields)
                return str(created.sid)
            except TwilioRestException as exc:
                if exc.status != 429 and exc.status < 500:
                    raise
                error: Exception = exc
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = exc
            if attempt < attempts - 1:
                log.warning("twilio.retry", attempt=attempt + 1, error=type(error).__name__)
                await asyncio.sleep(backoff_delay(attempt))
        raise SendFailed(f"Twilio did not take the message after {attempts} attempts")
