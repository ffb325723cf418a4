"""Email attachments: read from the message, their bytes kept in a folder of the data dir.

A kept file is named by the SHA-256 of its bytes, never by the sender's file
name (which is only data: it could hold "../" or a program's extension), and
written without any execute permission. Files above the size limit are noted
(name, type, size) but their bytes are not kept. Nothing here opens a file.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

from bot.model import Attachment

MAX_ATTACHMENTS = 20  # per message; a message with more is not a customer's
_NAME_LIMIT = 120
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


def attachments_of(message: EmailMessage) -> tuple[Attachment, ...]:
    """The message's attachments with their bytes (`data`) and size."""
    found: list[Attachment] = []
    for part in list(message.iter_attachments())[:MAX_ATTACHMENTS]:
        data = _bytes(part)
        name = _UNSAFE.sub("_", str(part.get_filename() or "attachment")).strip(" .")[:_NAME_LIMIT]
        found.append(Attachment(name or "attachment", part.get_content_type(), data=data, size=len(data)))
    return tuple(found)


def _bytes(part: EmailMessage) -> bytes:
    if part.is_multipart() or part.get_content_maintype() == "message":
        return part.as_bytes()  # a forwarded message, kept as it came
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


class AttachmentStore:
    """Keeps attachment bytes in `folder`, at most `max_bytes` a file."""

    def __init__(self, folder: Path | None, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes

    async def keep(self, found: Attachment) -> Attachment:
        """The attachment as recorded: `stored` names the kept copy; its bytes leave the message."""
        data = found.data or b""
        if self.folder is None or not data or len(data) > self.max_bytes:
            return replace(found, data=None)
        name = hashlib.sha256(data).hexdigest()
        await asyncio.to_thread(self._write, name, data)
        return replace(found, data=None, stored=name)

    def _write(self, name: str, data: bytes) -> None:
        assert self.folder is not None
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.folder / name
        if path.exists():  # the same bytes came before
            return
        temporary = self.folder / f".{name}.{os.getpid()}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.replace(temporary, path)  # complete or absent, never half-written
