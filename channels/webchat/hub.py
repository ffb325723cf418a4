"""Open sockets per visitor, and pushing transcript lines to them in seq order.

The transcript is the source of truth: a socket remembers the last seq it was
sent, and every delivery pushes what the transcript holds after it. So frames
arrive ordered by our sequence number, never twice on one socket, and a socket
that missed a push (or a page that reconnects) catches up on the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from typing import Literal

from fastapi import WebSocket

from bot.model import Button, ConversationKey, OutboundMessage
from bot.ports import TranscriptReader
from bot.records import TranscriptLine
from channels.webchat.limits import LRU
from channels.webchat.protocol import ButtonFrame, MessageFrame, ServerFrame

log = logging.getLogger(__name__)

# A browser that stops reading must not stall the worker that is sending a reply:
# past this the socket is closed and the page catches up when it reconnects.
SEND_TIMEOUT = 10.0


class Connection:
    """One open socket and the highest seq pushed on it."""

    def __init__(self, websocket: WebSocket, last_seq: int) -> None:
        self.websocket = websocket
        self.last_seq = last_seq
        self.alive = True
        # Replay, live pushes and acks come from different tasks; one writer at a time
        # keeps frames whole and `last_seq` consistent with what was really sent.
        self._lock = asyncio.Lock()

    async def send(self, frame: ServerFrame) -> None:
        async with self._lock:
            await self.websocket.send_text(frame.dump())

    async def push(self, lines: list[TranscriptLine], render: _Render) -> None:
        """Send the lines this socket has not had yet, in seq order."""
        async with self._lock:
            for line in lines:
                if line.seq <= self.last_seq:
                    continue
                await self.websocket.send_text(render(line).dump())
                self.last_seq = line.seq

    async def close(self, code: int, reason: str = "") -> None:
        self.alive = False
        with contextlib.suppress(Exception):  # the peer may be gone already
            await asyncio.wait_for(self.websocket.close(code, reason), SEND_TIMEOUT)


class _Render:
    """Turns transcript lines into message frames, attaching remembered buttons."""

    def __init__(self, buttons: ButtonMemory, key: ConversationKey) -> None:
        self._buttons = buttons
        self._key = key

    def __call__(self, line: TranscriptLine) -> MessageFrame:
        direction: Literal["in", "out"] = "in" if line.direction == "in" else "out"
        message_id = line.message_id
        buttons: tuple[Button, ...] = ()
        if direction == "in":
            # Inbound ids are "<visitor>:<client id>"; the widget knows its own client id.
            message_id = message_id.removeprefix(f"{self._key.conversation}:")
        else:
            buttons = self._buttons.lookup(self._key, line)
        return MessageFrame(
            seq=line.seq,
            direction=direction,
            text=line.text,
            buttons=[ButtonFrame(title=b.title, payload=b.payload) for b in buttons],
            id=message_id,
        )


class ButtonMemory:
    """Buttons of recently sent replies; the transcript stores only their text.

    Looked up by the transcript line's message id (the idempotency key when the
    core uses it as such) and else by conversation and text. Bounded: a replay
    of an old line simply comes without its buttons.
    """

    def __init__(self, capacity: int = 2048) -> None:
        self._by_id: LRU[str, tuple[Button, ...]] = LRU(capacity)
        self._by_text: LRU[tuple[str, str], tuple[Button, ...]] = LRU(capacity)

    def remember(self, key: ConversationKey, message: OutboundMessage, idempotency_key: str) -> None:
        if message.buttons:
            self._by_id.put(idempotency_key, message.buttons)
            self._by_text.put((key.as_str(), message.text), message.buttons)

    def lookup(self, key: ConversationKey, line: TranscriptLine) -> tuple[Button, ...]:
        return self._by_id.get(line.message_id) or self._by_text.get((key.as_str(), line.text)) or ()


class Hub:
    """Sockets per visitor and delivery of transcript lines and typing frames to them."""

    def __init__(self, transcripts: TranscriptReader) -> None:
        self._transcripts = transcripts
        self._sockets: dict[ConversationKey, set[Connection]] = {}
        self.buttons = ButtonMemory()

    def count(self, key: ConversationKey) -> int:
        return len(self._sockets.get(key, ()))

    def open_conversations(self) -> int:
        return len(self._sockets)

    def add(self, key: ConversationKey, connection: Connection) -> None:
        self._sockets.setdefault(key, set()).add(connection)

    def remove(self, key: ConversationKey, connection: Connection) -> None:
        connection.alive = False
        sockets = self._sockets.get(key)
        if sockets is None:
            return
        sockets.discard(connection)
        if not sockets:  # drop empty sets so a visitor who left costs nothing
            del self._sockets[key]

    async def deliver(self, key: ConversationKey, only: Connection | None = None) -> None:
        """Push every transcript line a socket of `key` has not had yet."""
        targets = [only] if only is not None else [c for c in self._sockets.get(key, ()) if c.alive]
        if not targets:
            return
        # One read for all sockets of the visitor, from the one furthest behind.
        after = min(c.last_seq for c in targets)
        lines = sorted(await self._transcripts.transcript(key, after_seq=after), key=lambda line: line.seq)
        if lines:
            render = _Render(self.buttons, key)
            await asyncio.gather(*(self._guarded(key, c, c.push(lines, render)) for c in targets))

    async def broadcast(self, key: ConversationKey, frame: ServerFrame) -> None:
        """Send one frame (e.g. typing) to every socket of `key`."""
        targets = [c for c in self._sockets.get(key, ()) if c.alive]
        await asyncio.gather(*(self._guarded(key, c, c.send(frame)) for c in targets))

    async def _guarded(self, key: ConversationKey, connection: Connection, sending: Awaitable[None]) -> None:
        # A failed or stuck socket must not fail the core's send: nothing is lost,
        # the transcript has the line and the page replays it on reconnect.
        try:
            await asyncio.wait_for(sending, SEND_TIMEOUT)
        except Exception as exc:  # any socket failure is handled the same way
            log.info("webchat: dropping socket of %s after failed send: %r", key.as_str(), exc)
            self.remove(key, connection)
            await connection.close(1011, "send failed")
