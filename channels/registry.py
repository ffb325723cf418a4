"""Channel name → adapter class. Adding a channel is one module and one line here."""

from __future__ import annotations

from importlib import import_module

from channels.base import Channel

# name → "module:Class"; imported lazily so an unused channel's SDK is never loaded.
CHANNELS: dict[str, str] = {
    "webchat": "channels.webchat:WebChatChannel",
    "telegram": "channels.telegram.channel:TelegramChannel",
    "twilio": "channels.twilio.channel:TwilioChannel",
    "email": "channels.email.channel:EmailChannel",
    "slack": "channels.slack.channel:SlackChannel",
}


def channel_class(name: str) -> type[Channel]:
    """The adapter class registered under `name`."""
    try:
        target = CHANNELS[name]
    except KeyError:
        raise KeyError(f"unknown channel {name!r}; known: {', '.join(sorted(CHANNELS))}") from None
    module_name, _, attr = target.partition(":")
    cls: type[Channel] = getattr(import_module(module_name), attr)
    return cls
