"""Real mail servers for the email tests: Dovecot (IMAP, Debian's dovecot-imapd) started
unprivileged on a free port, and aiosmtpd recording what is sent to it.

Dovecot runs from a temporary folder with its own config, users and maildirs. As root it
runs as `nobody` (setpriv), otherwise as the current user.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

PASSWORD = "secret"
PATIENCE_S = 90.0  # bounds a failing wait only; the shared machines can be very slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Dovecot:
    port: int
    folder: Path
    process: subprocess.Popen[bytes]

    def url(self, user: str) -> str:
        return f"imap://{user}:{PASSWORD}@127.0.0.1:{self.port}/INBOX"


_CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_login_user = {user}
default_internal_group = {group}
mail_uid = {user}
mail_gid = {group}
first_valid_uid = 0
first_valid_gid = 0
mail_location = maildir:{d}/mail/%u/Maildir
service imap-login {{
  inet_listener imap {{
    port = {port}
    address = 127.0.0.1
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
service pop3-login {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = {d}/passwd
}}
userdb {{
  driver = passwd-file
  args = {d}/passwd
  default_fields = uid={user} gid={group} home={d}/mail/%u
}}
"""


def start_dovecot(users: list[str], extra_config: str = "", port: int | None = None) -> Dovecot:
    """Dovecot with one mailbox per user (password `PASSWORD`), listening on a free port (or `port`)."""
    dovecot = shutil.which("dovecot") or "/usr/sbin/dovecot"
    root = os.geteuid() == 0
    user, group = ("nobody", "nogroup") if root else (getpass.getuser(), _group())
    folder = Path(tempfile.mkdtemp(prefix="salesbot-dovecot-", dir="/tmp"))
    for sub in ("run", "state", "mail"):
        (folder / sub).mkdir()
    port = port or free_port()
    config = _CONFIG.format(d=folder, user=user, group=group, port=port) + extra_config
    (folder / "dovecot.conf").write_text(config)
    (folder / "passwd").write_text("".join(f"{u}:{{PLAIN}}{PASSWORD}::::::\n" for u in users))
    command = [dovecot, "-F", "-c", str(folder / "dovecot.conf")]
    if root:
        shutil.chown(folder, user, group)
        for path in folder.rglob("*"):
            shutil.chown(path, user, group)
        command = ["setpriv", f"--reuid={user}", f"--regid={group}", "--clear-groups", *command]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for_port(port, process, folder)
    return Dovecot(port, folder, process)


def stop_dovecot(server: Dovecot) -> None:
    server.process.terminate()
    try:
        server.process.wait(10)
    except subprocess.TimeoutExpired:
        server.process.kill()
    shutil.rmtree(server.folder, ignore_errors=True)


def _group() -> str:
    import grp

    return grp.getgrgid(os.getegid()).gr_name


def _wait_for_port(port: int, process: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = folder / "dovecot.log"
            raise RuntimeError(f"dovecot exited: {log.read_text() if log.exists() else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("dovecot did not listen")


@dataclass
class Sent:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class SmtpRecorder:
    """An aiosmtpd handler keeping every message it accepts."""

    sent: list[Sent] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        self.sent.append(Sent(str(envelope.mail_from), list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [s.message for s in self.sent if address in s.recipients]


@dataclass
class Smtp:
    port: int
    recorder: SmtpRecorder
    controller: Controller

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


def start_smtp() -> Smtp:
    recorder = SmtpRecorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    return Smtp(port, recorder, controller)


async def eventually(condition: Callable[[], bool], what: str) -> None:
    """Return once `condition()` holds (polled: these servers live in other threads and processes)."""
    deadline = time.monotonic() + PATIENCE_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.05)


def dovecot_servers(users: list[str]) -> Iterator[Dovecot]:
    server = start_dovecot(users)
    try:
        yield server
    finally:
        stop_dovecot(server)
