"""Reading the mailbox: IMAP IDLE (or polling), new messages by UID, reconnect with backoff.

Each new message is handed to `handle`, and only after it returned (the message
is stored) is it flagged \\Seen and the folder's position (UIDVALIDITY:UID)
saved. A crash in between hands the message over again after the restart; the
core's dedup on Message-ID keeps it from being answered twice. UIDs, not the
sender-controlled Date, decide what is new; a new UIDVALIDITY starts over.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aioimaplib import IMAP4, IMAP4_SSL

from bot.ports import ChannelLedger
from channels.backoff import backoff_delay
from channels.email.settings import EmailSettings

log = structlog.get_logger(__name__)
Handle = Callable[[bytes], Awaitable[None]]
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")
_NUMBERS = re.compile(rb"[\d ]*")


class ImapError(Exception):
    """The server refused a command."""


class MailboxReader:
    """Watches one folder and hands every new message to `handle`, in UID order."""

    def __init__(self, settings: EmailSettings, ledger: ChannelLedger, handle: Handle, channel: str) -> None:
        self.settings = settings
        self.server = settings.imap()
        self.ledger = ledger
        self.handle = handle
        self.channel = channel
        self.position_name = f"{self.server.user}@{self.server.host}/{self.server.folder}"
        self.connected = asyncio.Event()
        self.last_error: str | None = None

    async def run(self) -> None:
        """Read until cancelled; any failure reconnects after a backoff with jitter."""
        failures = 0
        while True:
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.connected.clear()
                self.last_error = f"{type(exc).__name__}: {exc}"[:200]
                log.warning("email.imap_failed", error=type(exc).__name__, attempt=failures + 1)
                await asyncio.sleep(backoff_delay(failures))
                failures = min(failures + 1, 10)
            else:
                failures = 0

    async def _session(self) -> None:
        imap = await self._connect()
        try:
            validity = await self._select(imap)
            self.connected.set()
            self.last_error = None
            while True:
                # Until a search finds nothing: mail that arrives while we work is announced in the
                # responses to our own commands, and IDLE would not announce it a second time.
                while await self._read_new(imap, validity):
                    pass
                await self._wait(imap)
        finally:
            self.connected.clear()
            try:
                await asyncio.wait_for(imap.logout(), 5)
            except Exception:  # the connection is gone already; nothing to close politely
                log.debug("email.logout_failed", exc_info=True)

    async def _connect(self) -> IMAP4:
        server = self.server
        imap = IMAP4_SSL(server.host, server.port) if server.tls else IMAP4(server.host, server.port)
        await imap.wait_hello_from_server()
        _ok(await imap.login(server.user, server.password), "LOGIN")
        return imap

    async def _select(self, imap: IMAP4) -> int:
        response = _ok(await imap.select(self.server.folder), "SELECT")
        for line in response.lines:
            found = _UIDVALIDITY.search(bytes(line))
            if found:
                return int(found.group(1))
        raise ImapError("SELECT gave no UIDVALIDITY")

    async def _read_new(self, imap: IMAP4, validity: int) -> bool:
        """Hand over every message newer than the saved position; True if there may be more."""
        last = await self._last_uid(validity)
        criteria = f"UID {last + 1}:*" if last is not None else "UNSEEN"  # first start: what nobody read
        response = _ok(await imap.uid_search(*criteria.split(" "), charset=None), "SEARCH")
        # The untagged SEARCH line holds only numbers; "3 EXISTS" lines may come with it.
        numbers = [bytes(line) for line in response.lines[:-1] if _NUMBERS.fullmatch(bytes(line))]
        uids = sorted(int(n) for line in numbers for n in line.split())
        found = False
        for uid in uids:
            if last is not None and uid <= last:
                continue  # "n:*" always includes the highest UID, even below n
            raw = await self._fetch(imap, uid)
            if raw is not None:
                await self.handle(raw)
            _ok(await imap.uid("store", str(uid), "+FLAGS", "(\\Seen)"), "STORE")
            await self.ledger.set_position(self.channel, self.position_name, f"{validity}:{uid}")
            found = True
        return found or any(b"EXISTS" in bytes(line) for line in response.lines)

    async def _last_uid(self, validity: int) -> int | None:
        saved = await self.ledger.position(self.channel, self.position_name)
        if saved is None:
            return None
        saved_validity, _, uid = saved.partition(":")
        if saved_validity != str(validity):
            log.warning("email.uidvalidity_changed", folder=self.server.folder)
            return 0  # every UID is new; Message-ID dedup keeps old messages from being answered again
        return int(uid)

    async def _fetch(self, imap: IMAP4, uid: int) -> bytes | None:
        # BODY.PEEK[]: fetching RFC822 would flag the message \Seen before it is stored.
        response = _ok(await imap.uid("fetch", str(uid), "(BODY.PEEK[])"), "FETCH")
        literals = [bytes(line) for line in response.lines if isinstance(line, bytearray)]
        return literals[0] if literals else None

    async def _wait(self, imap: IMAP4) -> None:
        """Until the server says something changed (IDLE), or the polling interval passed."""
        if not imap.has_capability("IDLE"):
            await asyncio.sleep(self.settings.poll_interval)
            return
        idle = await imap.idle_start(timeout=self.settings.idle_timeout)
        try:
            await imap.wait_server_push(timeout=self.settings.idle_timeout + 5)
        except TimeoutError:
            log.debug("email.idle_renewed")  # servers drop idle connections after 30 minutes
        finally:
            imap.idle_done()
            await asyncio.wait_for(idle, 10)


def _ok(response: Any, command: str) -> Any:
    result = getattr(response, "result", None)
    if result != "OK":
        raise ImapError(f"{command} answered {result}")
    return response
