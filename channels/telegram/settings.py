"""Telegram's settings: the bot token, where the Bot API is, and how updates arrive."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from channels.base import ChannelConfigError
from channels.settings import parse_section

WEBHOOK_PATH = "/channels/telegram/webhook"
# What Telegram accepts as a webhook secret_token.
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class TelegramSettings(BaseModel):
    """`bot_token` comes from TELEGRAM_BOT_TOKEN, `public_url` from SALESBOT_PUBLIC_URL; the rest
    from the `telegram` section (SALESBOT_TELEGRAM__*).

    `mode`: "webhook" registers `public_url` + /channels/telegram/webhook with Telegram at start;
    "polling" asks Telegram for updates (a machine without a public URL).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    bot_token: SecretStr | None = None
    api_url: str = "https://api.telegram.org"
    webhook_secret: SecretStr | None = None
    mode: Literal["webhook", "polling"] = "webhook"
    public_url: str | None = None
    poll_timeout: int = Field(default=30, ge=0, le=50)  # long-poll seconds
    max_attempts: int = Field(default=5, ge=1)  # per outbound call, 429s and network errors included
    max_retry_after: float = Field(default=60.0, gt=0)  # a longer flood wait fails the send instead
    drafts: bool = True  # stream replies being written with sendMessageDraft
    # Telegram shows a typing action for 5 s; it is sent again this often until the reply goes
    # out, so a reply an LLM takes half a minute to write shows "typing…" all along.
    typing_interval: float = Field(default=4.5, gt=0, le=5)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> TelegramSettings:
        """Parse and check settings; the error names the variable to set."""
        settings = parse_section(cls, values, "SALESBOT_TELEGRAM__")
        settings.check()
        return settings

    def check(self) -> None:
        if self.bot_token is None or not self.bot_token.get_secret_value():
            raise ChannelConfigError("TELEGRAM_BOT_TOKEN is not set")
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if secret and not _SECRET.fullmatch(secret):
            raise ChannelConfigError("SALESBOT_TELEGRAM__WEBHOOK_SECRET: use 1-256 of A-Z, a-z, 0-9, _ and -")
        if self.mode == "webhook":
            if not self.public_url:
                raise ChannelConfigError("SALESBOT_PUBLIC_URL is needed for SALESBOT_TELEGRAM__MODE=webhook")
            if not secret:
                raise ChannelConfigError("SALESBOT_TELEGRAM__WEBHOOK_SECRET is needed for the webhook mode")

    @property
    def token(self) -> str:
        return self.bot_token.get_secret_value() if self.bot_token else ""

    @property
    def bot_id(self) -> str:
        """The bot's numeric id: the token's public half, used in conversation keys instead of the token."""
        return self.token.partition(":")[0]

    @property
    def webhook_url(self) -> str:
        return (self.public_url or "").rstrip("/") + WEBHOOK_PATH
