"""Web chat: a WebSocket channel and the embeddable `<salesbot-chat>` widget."""

from channels.webchat.channel import WebChatChannel

__all__ = ["WebChatChannel"]
