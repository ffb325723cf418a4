"""Channel-free message values that flow through the core."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote


@dataclass(frozen=True, slots=True)
class ConversationKey:
    """Identifies one conversation on one channel.

    `account` is the company-side identity (bot token, phone number, mailbox);
    `conversation` the thread or chat; `user` the customer within it.
    """

    channel: str
    account: str
    conversation: str
    user: str

    def as_str(self) -> str:
        """A stable, reversible string form, used for lock and storage keys.

        Parts are percent-encoded: account ids such as Telegram bot tokens contain ':'.
        """
        parts = (self.channel, self.account, self.conversation, self.user)
        return ":".join(quote(p, safe="") for p in parts)

    @classmethod
    def parse(cls, value: str) -> ConversationKey:
        channel, account, conversation, user = (unquote(p) for p in value.split(":"))
        return cls(channel, account, conversation, user)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that came with or goes with a message.

    `platform_id` is the transport's own handle on the file (a Telegram file id),
    enough to fetch it later without keeping its bytes; `url` where the platform
    serves it (a Twilio media URL). `stored` names the copy a channel kept of the
    bytes in its attachment folder (an email attachment), `size` is in bytes.
    """

    filename: str
    content_type: str
    url: str | None = None
    data: bytes | None = None
    platform_id: str | None = None
    size: int | None = None
    stored: str | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    """Contact details a channel knows about the sender (e.g. a shared phone).

    `language` is the language the sender's app is set to ("ru", "en"), a hint
    for a conversation whose first words do not tell.
    """

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One customer message, normalized by a channel adapter.

    `message_id` is unique within the channel (Telegram update_id, Twilio
    MessageSid, email Message-ID ...) and drives deduplication. `raw` keeps the
    transport payload for the record; the core's logic never reads it.
    `contact` is what the transport itself knows about the sender (a shared
    contact card, the number or address written from); `source` where the
    customer came from (a deep link's payload). Both only fill what the lead
    does not know yet: the customer's own words win. `signature` is the
    sender's signature block (an email's closing, name, role, company, phone),
    kept out of `text`: it feeds the lead, never the reply.
    """

    key: ConversationKey
    message_id: str
    text: str
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    attachments: tuple[Attachment, ...] = ()
    contact: Contact | None = None
    quoted_text: str = ""
    signature: str = ""
    raw: Any = field(default=None, compare=False, repr=False)
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Button:
    """A quick reply: `payload` is sent back as the customer's text when pressed."""

    title: str
    payload: str


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """One reply to send. Channels that cannot show buttons list them as text."""

    text: str
    buttons: tuple[Button, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    sources: tuple[str, ...] = ()
