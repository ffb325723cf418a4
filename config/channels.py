"""Which channels `salesbot serve` runs, and the settings each adapter is given.

A channel is on when its credentials are set; `channels` (SALESBOT_CHANNELS)
lists more. A channel listed there without its credentials fails when its
adapter is built, with an error naming the variable, before anything starts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import SecretStr

from config.settings import Settings

# Channel → (its setting, the top-level credential it is read from). Credentials keep their
# conventional unprefixed environment names (TELEGRAM_BOT_TOKEN ...), see config/settings.py.
CREDENTIALS: dict[str, dict[str, str]] = {
    "telegram": {"bot_token": "telegram_bot_token"},
    "twilio": {
        "account_sid": "twilio_account_sid",
        "auth_token": "twilio_auth_token",
        "from_number": "twilio_from_number",
        "whatsapp_from": "twilio_whatsapp_from",
    },
    "slack": {"bot_token": "slack_bot_token", "signing_secret": "slack_signing_secret"},
}
# The credential whose presence switches a channel on.
_SWITCH: dict[str, Callable[[Settings], object]] = {
    "telegram": lambda s: s.telegram_bot_token,
    "twilio": lambda s: s.twilio_account_sid,
    "email": lambda s: s.email.imap_url,
    # The sales team's channel needs all three: a token, the secret to verify Slack, a channel to post in.
    "slack": lambda s: _set(s.slack_bot_token) and _set(s.slack_signing_secret) and bool(s.slack.channel),
}


def _set(value: object) -> bool:
    if isinstance(value, SecretStr):
        return bool(value.get_secret_value())
    return bool(value)


def enabled_channels(settings: Settings) -> list[str]:
    """The listed channels, then every other channel whose credentials are set."""
    names = list(dict.fromkeys(settings.channels))
    names += [name for name, switch in _SWITCH.items() if name not in names and _set(switch(settings))]
    return names


def channel_settings(settings: Settings, name: str) -> dict[str, Any]:
    """A channel's own section, with its credentials and the public URL filled in."""
    section = getattr(settings, name, None)
    values: dict[str, Any] = section.model_dump() if section is not None else {}
    for key, field in CREDENTIALS.get(name, {}).items():
        credential = getattr(settings, field)
        if _set(credential):
            values[key] = credential
    if "public_url" in values and not values["public_url"]:
        values["public_url"] = settings.public_url
    if "attachment_dir" in values and not values["attachment_dir"]:
        values["attachment_dir"] = str(settings.data_dir / "attachments" / name)
    return values

