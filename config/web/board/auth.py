"""Who may see the leads board: one shared token, a signed session cookie and CSRF tokens.

The token comes from `board_token` (SALESBOT_BOARD_TOKEN) or, when that is
unset, from `<data_dir>/board_token`, generated once with mode 0600. Only the
file's path is ever logged. The cookie never holds the token: it holds an HMAC
(keyed by the token) of when it was issued and a random nonce, so a leaked
cookie expires and does not reveal the token, and changing the token signs
everybody out.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import structlog
from fastapi import Request

from config.datadir import private_data_dir
from config.settings import Settings

log = structlog.get_logger(__name__)

TOKEN_FILE = "board_token"  # noqa: S105 - a file name, not a secret
COOKIE = "salesbot_board"
SESSION_SECONDS = 7 * 24 * 3600
_TOKEN_BYTES = 24  # 32 URL-safe characters: beyond guessing, still pasteable


@dataclass(frozen=True, slots=True)
class BoardAuth:
    """Checks the login token and issues and verifies session cookies and CSRF tokens."""

    token: str
    session_seconds: int = SESSION_SECONDS

    def token_matches(self, offered: str) -> bool:
        """Constant-time comparison, so response timing says nothing about the token."""
        return secrets.compare_digest(offered.strip().encode(), self.token.encode())

    def new_session(self, now: float | None = None) -> str:
        """A fresh cookie value: `issued.nonce.mac`."""
        issued = str(int(time.time() if now is None else now))
        payload = f"{issued}.{secrets.token_urlsafe(16)}"
        return f"{payload}.{self._mac('session', payload)}"

    def session_valid(self, value: str | None, now: float | None = None) -> bool:
        """True for a cookie this token signed that has not expired."""
        if not value or value.count(".") != 2:
            return False
        issued, nonce, mac = value.split(".")
        if not secrets.compare_digest(mac, self._mac("session", f"{issued}.{nonce}")):
            return False
        age = (time.time() if now is None else now) - int(issued)
        return 0 <= age <= self.session_seconds

    def signed_in(self, request: Request) -> bool:
        return self.session_valid(request.cookies.get(COOKIE))

    def csrf_token(self, request: Request) -> str:
        """A form token bound to this request's session cookie (another session's token fails)."""
        return self._mac("csrf", request.cookies.get(COOKIE, ""))

    def csrf_valid(self, request: Request, offered: str) -> bool:
        return self.signed_in(request) and secrets.compare_digest(offered.encode(), self.csrf_token(request).encode())

    def _mac(self, purpose: str, message: str) -> str:
        # The purpose prefix keeps a session MAC from ever being accepted as a CSRF token.
        return hmac.new(self.token.encode(), f"{purpose}:{message}".encode(), hashlib.sha256).hexdigest()


def load_auth(settings: Settings) -> BoardAuth:
    """The board's auth from settings, generating the token file when no token is configured."""
    if settings.board_token is not None and settings.board_token.get_secret_value().strip():
        return BoardAuth(settings.board_token.get_secret_value().strip())
    path = private_data_dir(settings.data_dir) / TOKEN_FILE
    token = read_or_create_token(path)
    log.info("board.token_file", path=str(path.resolve()), hint="the /board login token is in this file")
    return BoardAuth(token)


def read_or_create_token(path: Path) -> str:
    """The token stored at `path`, created (mode 0600) if missing or empty."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        token = ""
    if token:
        os.chmod(path, 0o600)  # someone may have copied it in with looser rights
        return token
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    # O_EXCL: two processes starting at once cannot both write; the loser reads the winner's.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        existing = path.read_text(encoding="utf-8").strip()
        if existing:
            return existing
        path.unlink()  # an empty file left behind by a crash
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    return token
