"""One WebSocket of the web chat: admission, replay, then the visitor's frames.

Admission happens before the handshake completes: a refused origin or visitor
id gets an ASGI close with 1008 before `accept`, which servers such as uvicorn
answer with HTTP 403 (browsers then report close code 1006), so nothing is
ever read from a socket we did not admit.
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass

from fastapi import WebSocket
from pydantic import ValidationError
from starlette.websockets import WebSocketState

from bot.model import ConversationKey, InboundMessage
from bot.ports import Inbox
from bot.storable import storable_text
from channels.webchat import protocol as p
from channels.webchat.hub import Connection, Hub
from channels.webchat.limits import RateLimiter
from channels.webchat.settings import WebChatSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """What every socket of the channel shares."""

    settings: WebChatSettings
    inbox: Inbox
    hub: Hub
    limiter: RateLimiter
    # Visitor ids are chosen by the client: a script minting ids must still meet a limit.
    address_limiter: RateLimiter

    async def __call__(self, websocket: WebSocket) -> None:
        key, last_seq = await self._admit(websocket)
        if key is None:
            return
        if self.hub.count(key) >= self.settings.max_connections_per_visitor:
            # Accept first so the widget sees why and backs off instead of hammering.
            with contextlib.suppress(Exception):  # the peer may be gone already
                await websocket.accept()
                await websocket.send_text(p.ErrorFrame(code=p.ERR_BUSY, detail="too many open chats").dump())
                await websocket.close(p.CLOSE_TRY_AGAIN, "too many connections")
            return
        await websocket.accept()
        connection = Connection(websocket, last_seq)
        # Registered before replay so a reply stored meanwhile is not missed: the
        # connection lock and `last_seq` keep replay and live pushes from overlapping.
        self.hub.add(key, connection)
        try:
            await self.hub.deliver(key, only=connection)
            await connection.send(p.ReadyFrame(last_seq=connection.last_seq))
            await _Session(self, key, connection).run()
        except Exception as exc:  # a socket's failure must not leak out of its task
            if connection.alive and websocket.application_state == WebSocketState.CONNECTED:
                log.warning("webchat: socket of %s failed: %r", key.as_str(), exc)
                await connection.close(p.CLOSE_INTERNAL, "server error")
        finally:
            self.hub.remove(key, connection)

    async def _admit(self, websocket: WebSocket) -> tuple[ConversationKey | None, int]:
        origin = websocket.headers.get("origin")
        visitor = websocket.query_params.get("visitor", "")
        last_seq = _parse_seq(websocket.query_params.get("last_seq", "0"))
        refusal = None
        if not self.settings.origin_allowed(origin, websocket.headers.get("host")):
            refusal = "origin not allowed"
        elif not p.VISITOR_ID.fullmatch(visitor):
            refusal = "bad visitor id"
        elif last_seq is None:
            refusal = "bad last_seq"
        if refusal is not None or last_seq is None:
            # Refusals are logged, never silent: a misconfigured origin list shows up here.
            # %r escapes control characters, so a crafted header cannot forge log lines.
            log.warning(
                "webchat: refused socket (%s): origin=%r visitor=%r client=%s",
                refusal,
                (origin or "")[:200],
                visitor[:80],
                _address(websocket),
            )
            await websocket.close(p.CLOSE_POLICY, refusal or "refused")
            return None, 0
        return ConversationKey("webchat", self.settings.account, visitor, visitor), last_seq


class _Session:
    """Reads one admitted socket's frames until it closes."""

    def __init__(self, endpoint: Endpoint, key: ConversationKey, connection: Connection) -> None:
        self.endpoint = endpoint
        self.key = key
        self.connection = connection
        self.visitor = key.conversation
        self.address = _address(connection.websocket)
        max_chars = endpoint.settings.max_message_chars
        # A JSON string can spend up to 12 characters on one code point (a \\uXXXX
        # surrogate pair); beyond that bound the frame is too big without parsing it.
        self.raw_limit = max_chars * 12 + 1024

    async def run(self) -> None:
        websocket = self.connection.websocket
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            raw = message.get("text")
            if raw is None:
                await self._close(p.ERR_BAD_FRAME, "binary frames are not supported", p.CLOSE_UNSUPPORTED)
                return
            if len(raw) > self.raw_limit:
                await self._close(p.ERR_TOO_BIG, "frame too big", p.CLOSE_TOO_BIG)
                return
            try:
                frame = p.parse_client_frame(raw)
            except ValidationError as exc:
                detail = exc.errors()[0]["msg"] if exc.errors() else "invalid frame"
                await self._close(p.ERR_BAD_FRAME, detail, p.CLOSE_UNSUPPORTED)
                return
            if isinstance(frame, p.ClientPing):
                await self.connection.send(p.PongFrame())
            elif not await self._on_message(frame):
                return

    async def _on_message(self, frame: p.ClientMessage) -> bool:
        """Handle a customer message; False when the socket was closed."""
        settings = self.endpoint.settings
        if len(frame.text) > settings.max_message_chars:
            detail = f"at most {settings.max_message_chars} characters"
            await self._close(p.ERR_TOO_BIG, detail, p.CLOSE_TOO_BIG, frame.id)
            return False
        # Made storable before the ack: a NUL or a lone surrogate must never fail the insert later.
        text = storable_text(frame.text).strip()
        if not text:
            await self.connection.send(p.ErrorFrame(code=p.ERR_EMPTY, detail="empty message", id=frame.id))
            return True
        refusal = self._rate_limited()
        if refusal is not None:
            await self.connection.send(p.ErrorFrame(code=p.ERR_RATE_LIMITED, detail=refusal, id=frame.id))
            return True
        inbound = InboundMessage(
            key=self.key,
            # Scoped by visitor so one visitor's ids can never collide with another's,
            # and a resend after a reconnect (same client id) is deduplicated by the core.
            message_id=f"{self.visitor}:{frame.id}",
            text=text,
            raw=frame.model_dump(),
        )
        try:
            fresh = await self.endpoint.inbox.submit(inbound)
        except Exception:  # storage down: the widget keeps the message and resends
            log.exception("webchat: submit failed for %s", self.key.as_str())
            await self._close(p.ERR_UNAVAILABLE, "try again shortly", p.CLOSE_INTERNAL, frame.id)
            return False
        await self.connection.send(p.AckFrame(id=frame.id, duplicate=not fresh))
        # Echo the stored line (with its seq) to every tab of this visitor.
        await self.endpoint.hub.deliver(self.key)
        return True

    def _rate_limited(self) -> str | None:
        """Why this message is refused for its rate, or None if it may pass."""
        settings = self.endpoint.settings
        if not self.endpoint.limiter.allow(self.visitor):
            return f"at most {settings.rate_per_minute} messages a minute"
        if not self.endpoint.address_limiter.allow(self.address):
            return f"at most {settings.rate_per_minute_per_address} messages a minute from one address"
        return None

    async def _close(self, code: str, detail: str, close_code: int, frame_id: str | None = None) -> None:
        # Only our own error code: `detail` may quote the client's frame (a forged log line).
        log.info("webchat: closing socket of %s with %d: %s", self.key.as_str(), close_code, code)
        await self.connection.send(p.ErrorFrame(code=code, detail=detail, id=frame_id))
        await self.connection.close(close_code, code)


_SEQ = re.compile(r"[0-9]{1,18}")  # ASCII digits only: str.isdigit() also accepts "²", which int() refuses


def _parse_seq(value: str) -> int | None:
    return int(value) if _SEQ.fullmatch(value) else None


def _address(websocket: WebSocket) -> str:
    return websocket.client.host if websocket.client else "?"
