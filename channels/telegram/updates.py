"""Telegram updates → the core's messages. Pure translation, no I/O.

Only private chats are customers: a sales bot added to a group stays silent there.
Media without a caption gets a language-neutral marker as its text ("📷", "📎 name"),
so the transcript shows that something came and the dialogue acknowledges it.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.types import CallbackQuery, ChatMemberUpdated, Message, Update

from bot.model import Attachment, Contact, ConversationKey, InboundMessage

CHANNEL = "telegram"
START = "/start"
# Statuses of the bot in a private chat after the customer blocked it / let it back in.
_GONE = {"kicked", "left"}


@dataclass(frozen=True, slots=True)
class CustomerMessage:
    """A message for the dialogue; `callback_id` is a button press Telegram wants answered."""

    message: InboundMessage
    callback_id: str | None = None


@dataclass(frozen=True, slots=True)
class Membership:
    """The customer blocked the bot (`blocked`) or started it again."""

    key: ConversationKey
    blocked: bool


def conversation(bot_id: str, chat_id: int, user_id: int) -> ConversationKey:
    return ConversationKey(CHANNEL, bot_id, str(chat_id), str(user_id))


def read_update(update: Update, bot_id: str) -> CustomerMessage | Membership | None:
    """What an update means for us; None for everything a sales bot ignores (groups, edits, polls ...)."""
    message_id = f"{bot_id}:{update.update_id}"
    if update.message is not None:
        return _message(update.message, bot_id, message_id)
    if update.callback_query is not None:
        return _press(update.callback_query, bot_id, message_id)
    if update.my_chat_member is not None:
        return _membership(update.my_chat_member, bot_id)
    return None


def _message(message: Message, bot_id: str, message_id: str) -> CustomerMessage | None:
    if message.chat.type != "private" or message.from_user is None:
        return None
    key = conversation(bot_id, message.chat.id, message.from_user.id)
    text = message.text or message.caption or ""
    source = None
    if text == START or text.startswith(START + " "):
        # A deep link t.me/<bot>?start=<payload>: the payload says where the customer came from;
        # the dialogue sees only "/start", never the payload (it could read as a number or name).
        source = text[len(START):].strip() or None
        text = START
    contact = _contact(message)
    attachments = _attachments(message)
    if not text:
        text = _marker(message, contact, attachments)
    received = message.date
    return CustomerMessage(
        InboundMessage(key, message_id, text, received_at=received, attachments=attachments,
                       contact=contact, source=source)
    )


def _contact(message: Message) -> Contact | None:
    """A shared contact card, and the language the sender's Telegram app is set to."""
    code = message.from_user.language_code if message.from_user else None
    language = code.split("-")[0].lower() if code else None  # an IETF tag: "ru", "en-US", "pt-br"
    shared = message.contact
    if shared is None:
        return Contact(language=language) if language else None
    name = " ".join(part for part in (shared.first_name, shared.last_name) if part).strip() or None
    digits = shared.phone_number.strip()
    phone = digits if digits.startswith("+") else "+" + digits  # Telegram sends it without the plus
    return Contact(name=name, phone=phone, language=language)


def _attachments(message: Message) -> tuple[Attachment, ...]:
    found: list[Attachment] = []
    if message.photo:
        largest = message.photo[-1]  # sizes come smallest first
        found.append(Attachment("photo.jpg", "image/jpeg", platform_id=largest.file_id))
    if message.document is not None:
        doc = message.document
        found.append(
            Attachment(doc.file_name or "document", doc.mime_type or "application/octet-stream",
                       platform_id=doc.file_id)
        )
    if message.voice is not None:
        found.append(Attachment("voice.ogg", message.voice.mime_type or "audio/ogg", platform_id=message.voice.file_id))
    return tuple(found)


def _marker(message: Message, contact: Contact | None, attachments: tuple[Attachment, ...]) -> str:
    """The text of a message that has none: what it carries, in no particular language."""
    if contact is not None and contact.phone:
        return " ".join(["👤", *(part for part in (contact.name, contact.phone) if part)])
    if message.photo:
        return "📷"
    if message.voice is not None:
        return "🎤"
    if attachments:
        return f"📎 {attachments[0].filename}"
    return ""


def _press(press: CallbackQuery, bot_id: str, message_id: str) -> CustomerMessage | None:
    """A press on one of our inline buttons: its data is the customer's choice."""
    if not press.data:
        return None
    chat = press.message.chat if press.message is not None else None
    if chat is not None and chat.type != "private":
        return None
    chat_id = chat.id if chat is not None else press.from_user.id  # a private chat's id is the user's
    key = conversation(bot_id, chat_id, press.from_user.id)
    return CustomerMessage(InboundMessage(key, message_id, press.data), callback_id=press.id)


def _membership(change: ChatMemberUpdated, bot_id: str) -> Membership | None:
    if change.chat.type != "private":
        return None
    key = conversation(bot_id, change.chat.id, change.from_user.id)
    return Membership(key, blocked=change.new_chat_member.status in _GONE)
