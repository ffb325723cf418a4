"""Slack's settings: the bot token and signing secret, the alerts channel, where the Web API is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from channels.base import ChannelConfigError
from channels.settings import parse_section

EVENTS_PATH = "/channels/slack/events"
ACTIONS_PATH = "/channels/slack/actions"


class SlackSettings(BaseModel):
    """`bot_token` comes from SLACK_BOT_TOKEN, `signing_secret` from SLACK_SIGNING_SECRET and
    `public_url` (for links to the board) from SALESBOT_PUBLIC_URL; the rest from the `slack`
    section (SALESBOT_SLACK__*). `channel` is the alerts channel's id (C…), or its name.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    bot_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    channel: str | None = None
    api_url: str = "https://slack.com/api/"
    public_url: str | None = None
    sweep_seconds: float = Field(default=5.0, gt=0)  # how often due posts are looked for besides wake-ups
    backoff_max_seconds: float = Field(default=300.0, gt=0)  # longest wait between attempts at one post
    request_timeout_seconds: int = Field(default=10, gt=0)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> SlackSettings:
        """Parse and check settings; the error names the variable to set."""
        settings = parse_section(cls, values, "SALESBOT_SLACK__")
        settings.check()
        return settings

    def check(self) -> None:
        if not self.token:
            raise ChannelConfigError("SLACK_BOT_TOKEN is not set")
        if not self.secret:
            raise ChannelConfigError("SLACK_SIGNING_SECRET is not set")
        if not self.channel:
            raise ChannelConfigError("SALESBOT_SLACK__CHANNEL is not set (the channel alerts go to)")
        if not self.public_url:
            raise ChannelConfigError("SALESBOT_PUBLIC_URL is needed for Slack: alerts link to the board there")

    @property
    def token(self) -> str:
        return self.bot_token.get_secret_value() if self.bot_token else ""

    @property
    def secret(self) -> str:
        return self.signing_secret.get_secret_value() if self.signing_secret else ""

    @property
    def alert_channel(self) -> str:
        return self.channel or ""

    @property
    def base_url(self) -> str:
        """The Web API's base URL as slack_sdk wants it: ending in a slash."""
        return self.api_url.rstrip("/") + "/"

    def board_link(self, path: str) -> str:
        return (self.public_url or "").rstrip("/") + path
