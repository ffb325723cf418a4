"""Email's settings: the mailbox to read (IMAP URL), the server to send through (SMTP URL), our address."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from channels.base import ChannelConfigError
from channels.settings import parse_section


@dataclass(frozen=True, slots=True)
class Server:
    """A mail server from a URL: scheme decides the security, the path names the folder."""

    scheme: str
    host: str
    port: int
    user: str
    password: str
    folder: str

    @property
    def tls(self) -> bool:
        """TLS from the first byte (imaps://, smtps://)."""
        return self.scheme in ("imaps", "smtps")

    @property
    def starttls(self) -> bool:
        return self.scheme == "smtp+starttls"


_PORTS = {"imap": 143, "imaps": 993, "smtp": 25, "smtps": 465, "smtp+starttls": 587}


def parse_server(url: str, schemes: tuple[str, ...], variable: str) -> Server:
    """`scheme://user:password@host:port/folder`; the error names `variable`, never the password."""
    parts = urlsplit(url)
    if parts.scheme not in schemes or not parts.hostname:
        raise ChannelConfigError(f"{variable}: expected {' or '.join(s + '://' for s in schemes)}user:password@host")
    try:
        port = parts.port or _PORTS[parts.scheme]
    except ValueError:
        raise ChannelConfigError(f"{variable}: the port is not a number") from None
    return Server(
        parts.scheme, parts.hostname, port, unquote(parts.username or ""), unquote(parts.password or ""),
        unquote(parts.path.strip("/")) or "INBOX",
    )


class EmailSettings(BaseModel):
    """From the `email` section (SALESBOT_EMAIL__IMAP_URL, __SMTP_URL, __ADDRESS ...).

    The URLs carry passwords, so they are secrets: keep them in the environment.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    imap_url: SecretStr | None = None
    smtp_url: SecretStr | None = None
    address: str | None = None
    poll_interval: float = Field(default=60.0, gt=0)  # when the server has no IDLE
    idle_timeout: float = Field(default=25 * 60.0, gt=0)  # re-issue IDLE before servers drop it (29 min)
    max_attempts: int = Field(default=4, ge=1)  # per SMTP send
    attachment_dir: str | None = None  # where attachments' bytes are kept (`salesbot serve`: in the data dir)
    max_attachment_bytes: int = Field(default=10 << 20, ge=0)  # larger files are noted, their bytes not kept

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> EmailSettings:
        settings = parse_section(cls, values, "SALESBOT_EMAIL__")
        settings.imap()
        settings.smtp()
        if not settings.address or "@" not in settings.address:
            raise ChannelConfigError("SALESBOT_EMAIL__ADDRESS: the From address, e.g. sales@shop.example")
        return settings

    def imap(self) -> Server:
        if self.imap_url is None:
            raise ChannelConfigError("SALESBOT_EMAIL__IMAP_URL is not set")
        return parse_server(self.imap_url.get_secret_value(), ("imap", "imaps"), "SALESBOT_EMAIL__IMAP_URL")

    def smtp(self) -> Server:
        if self.smtp_url is None:
            raise ChannelConfigError("SALESBOT_EMAIL__SMTP_URL is not set")
        schemes = ("smtp", "smtps", "smtp+starttls")
        return parse_server(self.smtp_url.get_secret_value(), schemes, "SALESBOT_EMAIL__SMTP_URL")

    @property
    def our_address(self) -> str:
        return (self.address or "").lower()
