"""The widget script and the demo host page, served from `static/`.

The script carries its settings (title, greeting, limits) inline, so embedding
it stays one `<script>` tag and the widget needs no extra request to start.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request, Response

from channels.webchat.settings import WebChatSettings

STATIC = Path(__file__).parent / "static"
# The one line of widget.js the server fills in; the file works unserved too.
CONFIG_MARKER = "/*@salesbot-config*/ {}"


@dataclass(frozen=True, slots=True)
class Asset:
    """A rendered file with its validator; `serve` answers conditional GETs with 304."""

    body: bytes
    media_type: str
    cache_control: str

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'

    def serve(self, request: Request) -> Response:
        headers = {
            "Cache-Control": self.cache_control,
            "ETag": self.etag,
            "X-Content-Type-Options": "nosniff",
        }
        offered = request.headers.get("if-none-match", "")
        if self.etag in (tag.strip().removeprefix("W/") for tag in offered.split(",")):
            return Response(status_code=304, headers=headers)
        return Response(self.body, media_type=self.media_type, headers=headers)


def widget_asset(settings: WebChatSettings) -> Asset:
    """widget.js with this deployment's settings baked in."""
    source = (STATIC / "widget.js").read_text(encoding="utf-8")
    if CONFIG_MARKER not in source:
        raise RuntimeError("widget.js lost its config marker")
    config = {
        "title": settings.title,
        "greeting": settings.greeting,
        "maxChars": settings.max_message_chars,
    }
    body = source.replace(CONFIG_MARKER, _js_literal(config), 1)
    # Short max-age so a deploy reaches sites within minutes; the ETag makes the
    # revalidation after that a cheap 304.
    return Asset(body.encode("utf-8"), "text/javascript; charset=utf-8", "public, max-age=300")


def demo_asset() -> Asset:
    """A host page with clashing CSS of its own, embedding the widget with one tag."""
    body = (STATIC / "demo.html").read_bytes()
    return Asset(body, "text/html; charset=utf-8", "no-cache")


def _js_literal(value: object) -> str:
    # JSON is a JS expression; escaping <, > and & keeps even "</script>" in a
    # title harmless should someone inline the script, and ensure_ascii covers
    # U+2028/U+2029, which older engines reject inside string literals.
    text = json.dumps(value, ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
