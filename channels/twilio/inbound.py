"""Twilio's webhook forms → the core's messages, and the signature check. No I/O."""

from __future__ import annotations

from urllib.parse import parse_qsl

from twilio.request_validator import RequestValidator, get_signature_algorithm

from bot.model import Attachment, Contact, ConversationKey, InboundMessage

CHANNEL = "twilio"
WHATSAPP = "whatsapp:"


class FormError(ValueError):
    """The body is not a Twilio form (not UTF-8 form encoding, or a required field missing)."""


class Form(dict[str, list[str]]):
    """A form-encoded body, every field with all its values (the signature covers them all)."""

    @classmethod
    def parse(cls, body: bytes) -> Form:
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        except (UnicodeDecodeError, ValueError) as exc:
            raise FormError("not a form") from exc
        form = cls()
        for name, value in pairs:
            form.setdefault(name, []).append(value)
        return form

    def getlist(self, name: str) -> list[str]:
        """What Twilio's validator asks a multi-valued form for."""
        return self[name]

    def get_one(self, name: str) -> str:
        values = self.get(name)
        return values[-1] if values else ""

    def require(self, *names: str) -> list[str]:
        missing = [n for n in names if not self.get_one(n)]
        if missing:
            raise FormError(f"missing {', '.join(missing)}")
        return [self.get_one(n) for n in names]


def signature_ok(token: str, url: str, form: Form, signature: str | None, settings_header: str | None) -> bool:
    """Twilio's X-Twilio-Signature over `url` (our public URL) and every form field."""
    if not signature:
        return False
    return bool(RequestValidator(token).validate(url, form, signature, get_signature_algorithm(settings_header)))


def address_key(address: str) -> ConversationKey:
    """The key under which a customer's address is opted out, whichever of our numbers they wrote to."""
    return ConversationKey(CHANNEL, "*", address, address)


def inbound(form: Form) -> InboundMessage:
    """A customer's SMS or WhatsApp message; we reply from the number they wrote to (`To`),
    which keeps Messaging Service number pools working."""
    sid, sender, ours = form.require("MessageSid", "From", "To")
    key = ConversationKey(CHANNEL, ours, sender, sender)
    attachments = _media(form)
    text = form.get_one("Body")
    if not text.strip() and attachments:
        text = "📷" if attachments[0].content_type.startswith("image/") else "📎"
    return InboundMessage(key, sid, text, attachments=attachments, contact=_contact(form, sender))


def _contact(form: Form, sender: str) -> Contact | None:
    number = sender.removeprefix(WHATSAPP)
    if not (number.startswith("+") and number[1:].isdigit()):
        return None  # a short code or an alphanumeric sender is no one's phone
    return Contact(phone=number, name=form.get_one("ProfileName") or None)


def _media(form: Form) -> tuple[Attachment, ...]:
    try:
        count = min(int(form.get_one("NumMedia") or 0), 10)  # Twilio sends at most 10
    except ValueError:
        return ()
    found = []
    for index in range(count):
        url = form.get_one(f"MediaUrl{index}")
        if url:
            kind = form.get_one(f"MediaContentType{index}") or "application/octet-stream"
            found.append(Attachment(f"media{index}", kind, url=url))
    return tuple(found)
