"""The Twilio channel: SMS and WhatsApp messages in by webhook, replies out through the Messages API.

Inbound, in this order: verify X-Twilio-Signature against our public URL, parse
the form, keep it in the ledger, then either honour a keyword (STOP/START/HELP)
or submit the message to the core (stored + queued, deduplicated on
MessageSid), and answer empty TwiML at once. Replies go out from the worker.
"""

from __future__ import annotations

import structlog
from fastapi import APIRouter, Request, Response

from bot.model import ConversationKey, InboundMessage, OutboundMessage
from channels.base import Channel, ChannelContext
from channels.tasks import BackgroundTasks
from channels.twilio.inbound import WHATSAPP, Form, FormError, address_key, inbound, signature_ok
from channels.twilio.keywords import Keyword, keyword, keyword_reply
from channels.twilio.sender import OPTED_OUT, UNSUBSCRIBED, TwilioSender
from channels.twilio.settings import MESSAGES_PATH, STATUS_PATH, TwilioSettings

log = structlog.get_logger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MAX_BODY = 64 << 10  # a Twilio form is a few KB even with ten media URLs


class TwilioChannel(Channel):
    """SMS and WhatsApp customers of one Twilio account. Settings: `TwilioSettings`."""

    name = "twilio"

    def __init__(self, context: ChannelContext) -> None:
        super().__init__(context)
        self.settings = TwilioSettings.from_mapping(context.settings)
        self.ledger = context.require_ledger(self.name)
        self.sender = TwilioSender(self.settings, self.ledger)
        self.tasks = BackgroundTasks()

    def router(self) -> APIRouter:
        router = APIRouter(tags=["twilio"])
        router.add_api_route(MESSAGES_PATH, self.messages, methods=["POST"], include_in_schema=False)
        router.add_api_route(STATUS_PATH, self.status, methods=["POST"], include_in_schema=False)
        return router

    async def messages(self, request: Request) -> Response:
        """A customer's message: 403 if unsigned, 400 if not a message, else empty TwiML at once."""
        verified = await self._verified_form(request, MESSAGES_PATH)
        if isinstance(verified, Response):
            return verified
        form, body = verified
        try:
            message = inbound(form)
        except FormError:
            return Response(status_code=400)
        try:
            await self._receive(message, form, body)
        except Exception:
            # Storage is down: a non-2xx makes Twilio report the failure instead of losing the message.
            log.exception("twilio.receive_failed", message_id=message.message_id)
            return Response(status_code=503)
        return Response(EMPTY_TWIML, media_type="text/xml")

    async def status(self, request: Request) -> Response:
        """A delivery status callback: recorded with the message it is about."""
        verified = await self._verified_form(request, STATUS_PATH)
        if isinstance(verified, Response):
            return verified
        form, _ = verified
        try:
            sid, state = form.require("MessageSid", "MessageStatus")
        except FormError:
            return Response(status_code=400)
        code = form.get_one("ErrorCode")
        error = " ".join(part for part in (code, form.get_one("ErrorMessage")) if part) or None
        delivery = await self.ledger.record_status(self.name, sid, state, error)
        if delivery is not None and code == str(UNSUBSCRIBED):
            await self.ledger.block(address_key(delivery.key.conversation), OPTED_OUT)
        return Response(status_code=200)

    async def send(self, key: ConversationKey, message: OutboundMessage, *, idempotency_key: str) -> None:
        await self.sender.send(key, message, idempotency_key)

    async def send_text(self, key: ConversationKey, text: str, *, idempotency_key: str) -> None:
        await self.sender.send(key, OutboundMessage(text), idempotency_key)

    async def stop(self) -> None:
        await self.tasks.cancel_all()
        await self.sender.close()

    async def check(self) -> None:
        await self.sender.check()

    async def _verified_form(self, request: Request, path: str) -> tuple[Form, bytes] | Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return Response(status_code=413)
        try:
            form = Form.parse(body)
        except FormError:
            form = Form()  # still checked: an unsigned request is refused as such, not as malformed
            malformed = True
        else:
            malformed = False
        url = self.settings.url(path) + (f"?{request.url.query}" if request.url.query else "")
        signature = request.headers.get("X-Twilio-Signature")
        if not signature_ok(self.settings.token, url, form, signature,
                            request.headers.get("X-Twilio-Webhooks-Signature-Settings")):
            # Never silently: a mismatch after a proxy or URL change loses customers' messages.
            log.warning("twilio.refused", path=path, reason="signature mismatch" if signature else "no signature",
                        signed_url=url)
            return Response(status_code=403)
        return Response(status_code=400) if malformed else (form, body)

    async def _receive(self, message: InboundMessage, form: Form, raw: bytes) -> None:
        opted_out = await self.sender.opted_out(message.key.conversation)
        found = keyword(message.text, opted_out=opted_out, opt_out_type=form.get_one("OptOutType") or None)
        if found is not None:
            await self.ledger.keep(message, raw, found.value)
            await self._honour(found, message, twilio_replied=bool(form.get_one("OptOutType")))
        elif opted_out:
            # Whatever they write, no message goes to an opted-out number until it sends START.
            await self.ledger.keep(message, raw, "opted-out")
        else:
            await self.ledger.keep(message, raw)
            await self.context.inbox.submit(message)

    async def _honour(self, found: Keyword, message: InboundMessage, twilio_replied: bool) -> None:
        """Record the keyword's effect, then confirm it where Twilio does not do so itself."""
        address = message.key.conversation
        if found is Keyword.STOP:
            await self.ledger.block(address_key(address), OPTED_OUT)
        elif found is Keyword.START:
            await self.ledger.unblock(address_key(address))
        log.info("twilio.keyword", keyword=found.value, message_id=message.message_id)
        whatsapp = address.startswith(WHATSAPP)
        if twilio_replied or not (whatsapp or self.settings.sms_keyword_replies):
            return
        reply = keyword_reply(found, message.text)
        # The confirmation of a STOP is the one message an opted-out number still gets. It goes
        # out after the webhook answered, like every reply.
        self.tasks.start(self.sender.send_one(message.key, reply, f"{message.message_id}#keyword"), "twilio-keyword")
