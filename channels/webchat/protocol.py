"""The web chat's JSON frames in both directions, and the close codes it uses.

Client → server:
    {"type": "message", "id": "<client message id>", "text": "..."}
    {"type": "ping"}
Server → client:
    {"type": "message", "seq": n, "direction": "in"|"out", "text": "...",
     "buttons": [{"title": "...", "payload": "..."}], "id": "..."}
    {"type": "ready", "last_seq": n}      replay after connect is complete
    {"type": "ack", "id": "<client id>", "duplicate": bool}
    {"type": "typing"}
    {"type": "pong"}
    {"type": "error", "code": "...", "detail": "...", "id": "<client id>"?}

Every protocol violation (not JSON, not an object, unknown type, missing or
mistyped field, a binary frame) gets an error frame `bad_frame` and then close
1003: one rule, so a client never has to guess which of 1003/1007 it will see.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, TypeAdapter

# Close codes (RFC 6455 §7.4.1).
CLOSE_UNSUPPORTED = 1003  # a frame we do not understand
CLOSE_POLICY = 1008  # origin or visitor id refused, before the handshake completes
CLOSE_TOO_BIG = 1009  # message text longer than `max_message_chars`
CLOSE_INTERNAL = 1011  # the core could not take the message: reconnect and resend
CLOSE_TRY_AGAIN = 1013  # too many sockets open for this visitor

# Error codes of error frames.
ERR_BAD_FRAME = "bad_frame"
ERR_TOO_BIG = "too_big"
ERR_RATE_LIMITED = "rate_limited"
ERR_EMPTY = "empty"
ERR_UNAVAILABLE = "unavailable"
ERR_BUSY = "too_many_connections"

# A visitor id is random and generated in the browser; anything else (emails,
# names, socket ids) is refused so ids stay unguessable and storage-safe.
VISITOR_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
_CLIENT_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


class ClientMessage(BaseModel):
    """A customer's message; `id` is the client's own id, stable across resends."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["message"]
    id: Annotated[StrictStr, Field(pattern=_CLIENT_ID_PATTERN)]
    # Length is checked by the endpoint, not here, so an oversized text gets 1009, not 1003.
    text: StrictStr


class ClientPing(BaseModel):
    """Keep-alive from the widget; answered with a pong."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["ping"]


ClientFrame = Annotated[ClientMessage | ClientPing, Field(discriminator="type")]
_client_frame: TypeAdapter[ClientMessage | ClientPing] = TypeAdapter(ClientFrame)


def parse_client_frame(raw: str) -> ClientMessage | ClientPing:
    """Parse one text frame; raises `pydantic.ValidationError` on anything malformed."""
    return _client_frame.validate_json(raw)


class ServerFrame(BaseModel):
    """Base of frames the server sends; serialized without null fields."""

    model_config = ConfigDict(frozen=True)

    def dump(self) -> str:
        return self.model_dump_json(exclude_none=True)


class ButtonFrame(BaseModel):
    """A quick reply; the widget sends `payload` as the customer's text."""

    title: str
    payload: str


class MessageFrame(ServerFrame):
    """One transcript line. For "in" lines `id` is the client id the widget chose."""

    type: Literal["message"] = "message"
    seq: int
    direction: Literal["in", "out"]
    text: str
    buttons: list[ButtonFrame] = Field(default_factory=list)
    id: str


class ReadyFrame(ServerFrame):
    """Replay is done; `last_seq` is the highest seq pushed on this socket so far."""

    type: Literal["ready"] = "ready"
    last_seq: int


class AckFrame(ServerFrame):
    """The message with client id `id` is stored; `duplicate` if it was stored before."""

    type: Literal["ack"] = "ack"
    id: str
    duplicate: bool


class TypingFrame(ServerFrame):
    """The assistant is writing a reply."""

    type: Literal["typing"] = "typing"


class DraftFrame(ServerFrame):
    """The reply `id` as written so far (a streaming responder); the next "out" message replaces it.

    Not stored and not replayed: a page that reconnects gets the final line instead.
    """

    type: Literal["draft"] = "draft"
    id: str
    text: str


class PongFrame(ServerFrame):
    """Answer to a ping."""

    type: Literal["pong"] = "pong"


class ErrorFrame(ServerFrame):
    """Something about a client frame was refused; `id` names the message if any."""

    type: Literal["error"] = "error"
    code: str
    detail: str = ""
    id: str | None = None
