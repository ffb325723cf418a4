"""The web chat channel: a WebSocket per browser tab and the embeddable widget.

Inbound: the widget sends frames over `/webchat/ws`; each message is submitted
to the core's inbox (which stores it with the conversation's next seq) and
acknowledged. Outbound: `send` does not carry text itself; it pushes whatever
the transcript holds past each socket's last seq, so the stored transcript
decides order and content, and a reconnecting page gets the same lines.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from bot.model import ConversationKey, OutboundMessage
from channels.base import Channel, ChannelContext
from channels.webchat.assets import Asset, demo_asset, widget_asset
from channels.webchat.endpoint import Endpoint
from channels.webchat.hub import Hub
from channels.webchat.limits import RateLimiter
from channels.webchat.protocol import DraftFrame, TypingFrame
from channels.webchat.settings import WebChatSettings


class WebChatChannel(Channel):
    """The site's chat widget, speaking the frame protocol of `protocol.py`.

    Settings (keys of `context.settings`): `allowed_origins`, `allow_same_origin`,
    `max_message_chars`, `rate_per_minute`, `account`, `title`, `greeting`,
    `max_connections_per_visitor`, `rate_per_minute_per_address`; see `WebChatSettings`.

    Sockets live in this process: with several web processes, a reply sent from
    another process reaches the page on its next reconnect or message, not live.
    """

    name = "webchat"

    def __init__(self, context: ChannelContext) -> None:
        super().__init__(context)
        self.settings = WebChatSettings.from_mapping(context.settings)
        self.hub = Hub(context.transcripts)
        self.limiter = RateLimiter(self.settings.rate_per_minute)
        self.address_limiter = RateLimiter(self.settings.rate_per_minute_per_address)
        self._widget: Asset | None = None
        self._demo: Asset | None = None

    def key_for(self, visitor: str) -> ConversationKey:
        """The conversation of one browser visitor."""
        return ConversationKey(self.name, self.settings.account, visitor, visitor)

    def router(self) -> APIRouter:
        router = APIRouter(prefix="/webchat", tags=["webchat"])
        router.add_api_route("/widget.js", self._serve_widget, methods=["GET"], include_in_schema=False)
        router.add_api_route("/demo", self._serve_demo, methods=["GET"], include_in_schema=False)
        endpoint = Endpoint(self.settings, self.context.inbox, self.hub, self.limiter, self.address_limiter)
        router.add_api_websocket_route("/ws", endpoint)
        return router

    async def send(self, key: ConversationKey, message: OutboundMessage, *, idempotency_key: str) -> None:
        """Push the stored reply (with its buttons) to the visitor's open sockets."""
        self.hub.buttons.remember(key, message, idempotency_key)
        await self.hub.deliver(key)

    async def send_text(self, key: ConversationKey, text: str, *, idempotency_key: str) -> None:
        """Push the stored line: the transcript already holds `text` under its seq."""
        await self.hub.deliver(key)

    async def typing(self, key: ConversationKey) -> None:
        await self.hub.broadcast(key, TypingFrame())

    async def draft(self, key: ConversationKey, draft_id: str, text: str) -> None:
        """Show the reply growing on the visitor's open sockets."""
        await self.hub.broadcast(key, DraftFrame(id=draft_id, text=text))

    async def _serve_widget(self, request: Request) -> Response:
        if self._widget is None:  # read once, on first use, not at import
            self._widget = widget_asset(self.settings)
        return self._widget.serve(request)

    async def _serve_demo(self, request: Request) -> Response:
        if self._demo is None:
            self._demo = demo_asset()
        return self._demo.serve(request)
