"""uvicorn's protocols with what `salesbot serve` needs on top: bounds on the request head,
and a quiet close for WebSocket text that is not UTF-8.

httptools accepts a head of any size (an 8 MB header was read in full), and the
WebSocket handshake parser behind it (websockets) stalls instead of answering when a
request line or header line exceeds its own 8 KiB. So the head is bounded here, before
either: a URL longer than `max_url_bytes` gets 414, a header line longer than
`max_header_line_bytes` or a head larger than `max_head_bytes` gets 431, and the
connection is closed.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

_REASONS = {414: "URI Too Long", 431: "Request Header Fields Too Large"}


class _Refused(Exception):
    """Stops the parser; httptools wraps it, and the refusal is answered in `send_400_response`."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with limits on URL, header lines and the whole head."""

    max_url_bytes = 4096
    max_header_line_bytes = 8000
    max_head_bytes = 16384

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_bytes = 0  # bytes received while the head is incomplete
        self._header_bytes = 0  # bytes of the parsed header lines
        self._head_done = False
        self._refusal: int | None = None

    @classmethod
    def with_limits(
        cls, *, max_url_bytes: int, max_header_line_bytes: int, max_head_bytes: int
    ) -> type[HttpToolsProtocol]:
        """A subclass with these limits (uvicorn takes a protocol class, not an instance)."""
        limits = {
            "max_url_bytes": max_url_bytes,
            "max_header_line_bytes": max_header_line_bytes,
            "max_head_bytes": max_head_bytes,
        }
        return type("BoundedHttpTools", (cls,), limits)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._refusal is None and not self._head_done and not self.transport.is_closing():
            # A header still being received counts too: httptools buffers it until its line ends.
            self._head_bytes += len(data)
            if self._head_bytes > self.max_head_bytes:
                self._refuse(431)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = self._header_bytes = 0
        self._head_done = False

    def on_url(self, url: bytes) -> None:
        if len(self.url) + len(url) > self.max_url_bytes:
            self._refusal = 414
            raise _Refused
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        line = len(name) + len(value) + 4
        self._header_bytes += line
        if line > self.max_header_line_bytes or self._header_bytes > self.max_head_bytes:
            self._refusal = 431
            raise _Refused
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._head_done = True
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        if self._refusal is None:
            super().send_400_response(msg)
        else:
            self._refuse(self._refusal)

    def _refuse(self, status: int) -> None:
        self._refusal = status
        reason = _REASONS[status]
        self.logger.warning("Refused a request: %s", reason)
        body = reason.encode("ascii")
        head = (
            f"HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain; charset=utf-8\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
        ).encode("ascii")
        self.transport.write(head + body)
        self.transport.close()


class Utf8CheckedWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol, closing with 1007 on a text frame that is not UTF-8.

    uvicorn does close such a socket, but logs a traceback for what is only a client's bad
    frame; here it is one INFO line.
    """

    def send_receive_event_to_app(self) -> None:
        if self.curr_msg_data_type == "text" and not self.close_sent:
            try:
                b"".join(self.frames).decode()
            except UnicodeDecodeError:
                self.frames = []
                self.logger.info("Closed a WebSocket that sent a text frame that is not UTF-8 (1007).")
                self.conn.send_close(1007)
                self.handle_parser_exception()
                return
        super().send_receive_event_to_app()
