"""The web chat's settings, parsed from the plain dict `config/` hands every channel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

DEFAULT_ORIGINS = ["http://127.0.0.1:8000", "http://localhost:8000"]


class WebChatConfigError(ValueError):
    """A web chat setting is missing or invalid; the message names the setting."""


class WebChatSettings(BaseModel):
    """What the web chat can be configured with (keys of `ChannelContext.settings`).

    `allowed_origins` guards against cross-site WebSocket hijacking: a page on
    another site could otherwise open a socket as our visitor. "*" allows all.
    `allow_same_origin` also admits a page served by this very server (its
    Origin's host equals the Host header), so the demo works on any port.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    allowed_origins: list[str] = Field(default_factory=lambda: list(DEFAULT_ORIGINS))
    allow_same_origin: bool = True
    max_message_chars: int = Field(default=2000, gt=0, le=100_000)
    rate_per_minute: int = Field(default=20, gt=0)
    # Per client address, over all its visitor ids (an office behind one NAT shares it).
    rate_per_minute_per_address: int = Field(default=120, gt=0)
    account: str = Field(default="site", min_length=1)
    title: str = "Sales assistant"
    greeting: str | None = None
    # Bounds memory per visitor; a page reload briefly holds two sockets, tabs add more.
    max_connections_per_visitor: int = Field(default=8, gt=0)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> WebChatSettings:
        """Parse settings, raising `WebChatConfigError` that names the bad key."""
        try:
            return cls.model_validate(dict(values))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "settings"
            raise WebChatConfigError(f"webchat setting {where!r}: {first['msg']}") from None

    def origin_allowed(self, origin: str | None, host: str | None) -> bool:
        """True if a browser page at `origin` may open a socket here."""
        if "*" in self.allowed_origins:
            return True
        if not origin:
            # Browsers always send Origin on WebSocket handshakes; a client without
            # one is a script that could claim any origin, so only "*" admits it.
            return False
        wanted = _normalize(origin)
        if any(_normalize(allowed) == wanted for allowed in self.allowed_origins):
            return True
        return self.allow_same_origin and bool(host) and urlsplit(wanted).netloc == (host or "").lower()


def _normalize(origin: str) -> str:
    return origin.strip().rstrip("/").lower()
