"""Twilio's settings: the account, our numbers and where the API is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from channels.base import ChannelConfigError
from channels.settings import parse_section

MESSAGES_PATH = "/channels/twilio/messages"
STATUS_PATH = "/channels/twilio/status"


class TwilioSettings(BaseModel):
    """Credentials come from TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER and
    TWILIO_WHATSAPP_FROM; `public_url` from SALESBOT_PUBLIC_URL; the rest from the `twilio`
    section (SALESBOT_TWILIO__*).

    Signatures are checked against `public_url` + the path, not the URL the request
    arrived at: behind a TLS-terminating proxy the two differ.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    account_sid: str | None = None
    auth_token: SecretStr | None = None
    from_number: str | None = None
    whatsapp_from: str | None = None
    api_url: str | None = None  # None: Twilio's own (https://api.twilio.com)
    public_url: str | None = None
    max_segments: int = Field(default=4, ge=1, le=10)  # per SMS; a longer reply goes as several
    # Twilio answers STOP/START/HELP on SMS itself (its default opt-out handling); we answer them
    # on WhatsApp, and on SMS too when this is on (Twilio's handling switched off).
    sms_keyword_replies: bool = False
    max_attempts: int = Field(default=4, ge=1)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> TwilioSettings:
        """Parse and check settings; the error names the variable to set."""
        settings = parse_section(cls, values, "SALESBOT_TWILIO__")
        settings.check()
        return settings

    def check(self) -> None:
        if not self.account_sid:
            raise ChannelConfigError("TWILIO_ACCOUNT_SID is not set")
        if self.auth_token is None or not self.auth_token.get_secret_value():
            raise ChannelConfigError("TWILIO_AUTH_TOKEN is not set")
        if not (self.from_number or self.whatsapp_from):
            raise ChannelConfigError("TWILIO_FROM_NUMBER (or TWILIO_WHATSAPP_FROM) is not set")
        if not self.public_url:
            raise ChannelConfigError("SALESBOT_PUBLIC_URL is needed to verify Twilio's signatures")

    @property
    def token(self) -> str:
        return self.auth_token.get_secret_value() if self.auth_token else ""

    def url(self, path: str) -> str:
        """The public URL Twilio calls for `path` (and signs)."""
        return (self.public_url or "").rstrip("/") + path
