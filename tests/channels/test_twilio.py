"""The Twilio adapter with the SDK's async client against a fake Messages API on 127.0.0.1.

Webhooks are signed the way Twilio signs them, over the public URL, and posted
to the adapter in-process at an internal URL, as behind a TLS-terminating proxy.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.model import ConversationKey, OutboundMessage
from channels.twilio.channel import EMPTY_TWIML, TwilioChannel
from channels.twilio.inbound import address_key
from channels.twilio.sender import OPTED_OUT, TwilioSender
from tests.channels.core import Core, serving
from tests.fakes import twilio as tw
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, OUR_WHATSAPP, POOL_NUMBER, FakeTwilio

PUBLIC = "https://sms.shop.example"
INTERNAL = "http://10.0.0.5:8000"  # where the proxy forwards to: not what Twilio signed
CUSTOMER = "+15557654321"
WA_CUSTOMER = "whatsapp:+79161234567"


@dataclass
class Setup:
    fake: FakeTwilio
    core: Core
    channel: TwilioChannel
    client: httpx.AsyncClient

    async def post(self, path: str, form: dict[str, str], signature: str | None = "sign") -> httpx.Response:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature == "sign":
            signature = tw.sign(PUBLIC + path, form)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        return await self.client.post(path, content=urlencode(form).encode(), headers=headers)

    async def message(self, sender: str, body: str, **extra: str) -> httpx.Response:
        return await self.post("/channels/twilio/messages", tw.inbound_form(sender, body, **extra))

    async def bodies(self, to: str, count: int) -> list[str]:
        await self.fake.wait_for(lambda: len(self.fake.bodies(to)) >= count, f"{count} messages to {to}")
        await self.settle()
        return self.fake.bodies(to)

    async def settle(self) -> None:
        await self.core.settle()
        await self.channel.tasks.join()


Start = Callable[..., Awaitable[Setup]]


@pytest.fixture
async def start(tmp_path: Path) -> AsyncIterator[Start]:
    fake = FakeTwilio()
    await fake.start()
    async with contextlib.AsyncExitStack() as stack:

        async def make(**overrides: Any) -> Setup:
            settings = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_number": OUR_NUMBER,
                        "whatsapp_from": OUR_WHATSAPP, "api_url": fake.url, "public_url": PUBLIC, **overrides}
            served = serving(tmp_path, TwilioChannel, settings, INTERNAL)
            core, channel, client = await stack.enter_async_context(served)
            return Setup(fake, core, channel, client)

        yield make
    await fake.stop()


@pytest.fixture
async def setup(start: Start) -> Setup:
    return await start()


def sms_key(customer: str = CUSTOMER, ours: str = OUR_NUMBER) -> ConversationKey:
    return ConversationKey("twilio", ours, customer, customer)


async def test_an_sms_gets_empty_twiml_at_once_and_the_reply_through_the_api(setup: Setup) -> None:
    setup.core.responder.gate = asyncio.Event()

    response = await setup.message(CUSTOMER, "How much is the Office 100?")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml") and response.text == EMPTY_TWIML
    assert setup.fake.created == []  # acknowledged before the reply exists
    setup.core.responder.gate.set()
    assert await setup.bodies(CUSTOMER, 1) == ["echo: How much is the Office 100?"]
    sent = setup.fake.created[0].params
    assert (sent["From"], sent["StatusCallback"]) == (OUR_NUMBER, PUBLIC + "/channels/twilio/status")
    await setup.channel.check()  # /readyz: the account answers with our credentials


@pytest.mark.parametrize("signature", [None, "", "bm90IGEgc2lnbmF0dXJl", "internal-url"])
async def test_a_forged_signature_gets_403_and_nothing_is_stored(setup: Setup, signature: str | None) -> None:
    form = tw.inbound_form(CUSTOMER, "hello")
    if signature == "internal-url":  # signed for the URL the request arrived at, not the public one
        signature = tw.sign(INTERNAL + "/channels/twilio/messages", form)

    response = await setup.post("/channels/twilio/messages", form, signature=signature)

    assert response.status_code == 403
    assert await setup.core.lines(sms_key()) == []


async def test_a_body_changed_after_signing_is_refused(setup: Setup) -> None:
    form = tw.inbound_form(CUSTOMER, "hello")
    signature = tw.sign(PUBLIC + "/channels/twilio/messages", form)
    form["Body"] = "send me everything"

    assert (await setup.post("/channels/twilio/messages", form, signature=signature)).status_code == 403


@pytest.mark.parametrize("body", [b"\xff\xfe=1", b"MessageSid=SM1&From=%2B15557654321", b"a=1&&&b"])
async def test_a_signed_but_malformed_body_gets_400_and_the_server_keeps_serving(setup: Setup, body: bytes) -> None:
    try:
        from urllib.parse import parse_qsl

        signed = dict(parse_qsl(body.decode(), keep_blank_values=True))
    except UnicodeDecodeError:
        signed = {}
    headers = {"X-Twilio-Signature": tw.sign(PUBLIC + "/channels/twilio/messages", signed),
               "Content-Type": "application/x-www-form-urlencoded"}

    bad = await setup.client.post("/channels/twilio/messages", content=body, headers=headers)
    good = await setup.message(CUSTOMER, "still there?")

    assert bad.status_code == 400
    assert good.status_code == 200
    assert await setup.bodies(CUSTOMER, 1) == ["echo: still there?"]


async def test_a_replayed_message_sid_gets_no_second_reply(setup: Setup) -> None:
    form = tw.inbound_form(CUSTOMER, "hello")

    await setup.post("/channels/twilio/messages", form)
    await setup.bodies(CUSTOMER, 1)
    again = await setup.post("/channels/twilio/messages", form)
    await setup.settle()

    assert again.status_code == 200
    assert setup.fake.bodies(CUSTOMER) == ["echo: hello"]


async def test_a_message_to_another_number_of_the_messaging_service_is_answered_from_it(setup: Setup) -> None:
    await setup.message(CUSTOMER, "hello", To=POOL_NUMBER, MessagingServiceSid="MG" + "1" * 32)

    await setup.bodies(CUSTOMER, 1)
    assert setup.fake.created[0].params["From"] == POOL_NUMBER


async def test_replies_are_plain_gsm_text_and_long_ones_go_as_several_sms(start: Start) -> None:
    setup = await start(max_segments=2)
    setup.core.responder.long_reply = (
        "Our panels • “Slim” — 25 × 89.00 USD. " + "Delivery takes three to five working days anywhere. " * 12
    ).strip()

    await setup.message(CUSTOMER, "long")
    await setup.message(CUSTOMER, "choose")

    await setup.fake.wait_for(lambda: len(setup.fake.bodies(CUSTOMER)) >= 4, "the long reply and the choice")
    await setup.settle()
    *long_parts, choice = setup.fake.bodies(CUSTOMER)
    assert long_parts[0].startswith('Our panels - "Slim" - 25 x 89.00 USD.')
    assert all(len(part) <= 2 * 153 for part in long_parts)  # two GSM segments each
    assert " ".join(long_parts).replace("- ", "").count("Delivery takes") == 12
    assert choice == "Which one?\n- Panel Slim 60x60\n- Office 100"


async def test_cyrillic_replies_are_cut_to_ucs2_segments(start: Start) -> None:
    setup = await start(max_segments=2)
    setup.core.responder.long_reply = "Доставка по Москве занимает от одного до двух рабочих дней. " * 6

    await setup.message(CUSTOMER, "long")

    await setup.fake.wait_for(lambda: len(setup.fake.bodies(CUSTOMER)) >= 3, "the reply in parts")
    await setup.settle()
    parts = setup.fake.bodies(CUSTOMER)
    assert all(len(part) <= 2 * 67 for part in parts)  # a UCS-2 segment holds 67 characters
    assert " ".join(parts) == setup.core.responder.long_reply.strip()


async def test_stop_opts_out_and_an_opted_out_number_is_never_messaged(setup: Setup) -> None:
    await setup.message(CUSTOMER, "STOP")
    await setup.message(CUSTOMER, "hello? how much is the Office 100")
    await setup.channel.send_text(sms_key(), "Your request has moved to: proposal", idempotency_key="stage-1")
    await setup.settle()

    assert setup.fake.created == []  # Twilio confirms STOP on SMS itself; we send nothing at all
    assert await setup.core.ledger.blocked(address_key(CUSTOMER)) == OPTED_OUT
    assert await setup.core.lines(sms_key()) == []  # keywords and opted-out messages never reach the bot

    await setup.message(CUSTOMER, "start")
    await setup.message(CUSTOMER, "hello again")
    assert await setup.bodies(CUSTOMER, 1) == ["echo: hello again"]


async def test_whatsapp_keywords_in_russian_are_honoured_and_confirmed(setup: Setup) -> None:
    await setup.message(WA_CUSTOMER, "Стоп!", To=OUR_WHATSAPP)
    confirmation = await setup.bodies(WA_CUSTOMER, 1)
    await setup.message(WA_CUSTOMER, "помощь", To=OUR_WHATSAPP)

    assert "отписались" in confirmation[0]
    assert await setup.core.ledger.blocked(address_key(WA_CUSTOMER)) == OPTED_OUT
    help_reply = (await setup.bodies(WA_CUSTOMER, 2))[1]
    assert "СТОП" in help_reply
    assert {c.params["From"] for c in setup.fake.created} == {OUR_WHATSAPP}


async def test_a_whatsapp_sender_gives_the_lead_its_name_and_phone(setup: Setup) -> None:
    await setup.message(WA_CUSTOMER, "Hello", To=OUR_WHATSAPP, ProfileName="Anna Smirnova")

    await setup.bodies(WA_CUSTOMER, 1)
    record = await setup.core.storage.lead_for(sms_key(WA_CUSTOMER, OUR_WHATSAPP))
    assert record is not None and (record.lead.name, record.lead.phone) == ("Anna Smirnova", "+79161234567")


async def test_delivery_statuses_are_recorded_with_the_message(setup: Setup) -> None:
    await setup.message(CUSTOMER, "hello")
    await setup.bodies(CUSTOMER, 1)
    sid = setup.fake.created[0].sid

    forged = await setup.post("/channels/twilio/status", tw.status_form(sid, "delivered"), signature="Zm9yZ2Vk")
    sent = await setup.post("/channels/twilio/status", tw.status_form(sid, "sent"))
    failed = await setup.post("/channels/twilio/status", tw.status_form(sid, "undelivered", "30003"))

    assert (forged.status_code, sent.status_code, failed.status_code) == (403, 200, 200)
    lines = await setup.core.lines(sms_key())
    delivery = await setup.core.ledger.delivered("twilio", f"{lines[-1].message_id}#p0")
    assert delivery is not None and (delivery.external_id, delivery.status, delivery.error) == (
        sid, "undelivered", "30003"
    )


async def test_a_recipient_twilio_reports_unsubscribed_is_opted_out_without_retrying(setup: Setup) -> None:
    setup.fake.unsubscribed.add(CUSTOMER)

    await setup.message(CUSTOMER, "hello")
    await setup.fake.wait_for(lambda: setup.fake.attempts >= 1, "a send attempt")
    await setup.settle()
    await setup.channel.send_text(sms_key(), "Your request has moved", idempotency_key="stage-1")

    assert setup.fake.attempts == 1
    assert await setup.core.ledger.blocked(address_key(CUSTOMER)) == OPTED_OUT


async def test_rate_limits_and_server_errors_are_retried_and_the_reply_sent_once(setup: Setup) -> None:
    setup.fake.fail(429, 20429, "Too Many Requests")
    setup.fake.fail(503, 20500, "Service Unavailable")

    await setup.message(CUSTOMER, "hello")

    assert await setup.bodies(CUSTOMER, 1) == ["echo: hello"]
    assert setup.fake.attempts == 3


@pytest.fixture
async def setup_once(start: Start) -> Setup:
    return await start()


_fields = st.dictionaries(
    st.sampled_from(["MessageSid", "From", "To", "Body", "NumMedia", "MediaUrl0", "OptOutType", "MessageStatus",
                     "ProfileName"]) | st.text(max_size=8),
    st.text(max_size=30),
    max_size=7,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["/channels/twilio/messages", "/channels/twilio/status"]),
       form=_fields, signed=st.booleans(), garbage=st.binary(max_size=100))
async def test_random_bodies_never_get_a_500(setup_once: Setup, path: str, form: dict[str, str], signed: bool,
                                             garbage: bytes) -> None:
    if signed:
        response = await setup_once.post(path, form)
    else:
        response = await setup_once.client.post(path, content=garbage, headers={"X-Twilio-Signature": "x"})
    assert response.status_code in (200, 400, 403), response.text
    assert json.dumps(response.status_code)


async def test_two_workers_sending_one_long_reply_at_once_send_each_part_once(start: Start) -> None:
    setup = await start(max_segments=1)
    setup.fake.latency = 0.3  # both workers are in the middle of a send at the same moment
    reply = OutboundMessage(" ".join(f"Step {n}: delivery takes three to five working days." for n in range(9)))
    other_worker = TwilioSender(setup.channel.sender.settings, setup.core.ledger)
    try:
        await asyncio.gather(
            setup.channel.sender.send(sms_key(), reply, "out:reply-1"),
            other_worker.send(sms_key(), reply, "out:reply-1"),
        )
    finally:
        await other_worker.close()

    parts = setup.fake.bodies(CUSTOMER)
    assert len(parts) >= 3  # a reply of several SMS
    assert " ".join(parts) == reply.text  # each part once, in order


async def test_mms_and_whatsapp_media_urls_are_kept_with_the_message(setup: Setup) -> None:
    media = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM1/Media/ME"
    form = tw.inbound_form(CUSTOMER, "", NumMedia="2", MediaUrl0=media + "1", MediaContentType0="image/jpeg",
                           MediaUrl1=media + "2", MediaContentType1="application/pdf")
    captioned = tw.inbound_form(WA_CUSTOMER, "Like this one", to=OUR_WHATSAPP, NumMedia="1",
                                MediaUrl0=media + "3", MediaContentType0="image/png")

    await setup.post("/channels/twilio/messages", form)
    await setup.post("/channels/twilio/messages", captioned)

    assert await setup.bodies(CUSTOMER, 1) == ["echo: 📷"]  # a picture alone is acknowledged
    assert await setup.bodies(WA_CUSTOMER, 1) == ["echo: Like this one"]
    kept = await _attachments(setup, form["MessageSid"])
    assert [(a["url"], a["content_type"]) for a in kept] == [
        (media + "1", "image/jpeg"), (media + "2", "application/pdf")
    ]
    assert [a["url"] for a in await _attachments(setup, captioned["MessageSid"])] == [media + "3"]


async def _attachments(setup: Setup, message_id: str) -> list[dict[str, str]]:
    from sqlalchemy import select

    from bot.storage.ledger_tables import PayloadRow

    async with setup.core.storage.sessions() as session:
        row = await session.scalar(select(PayloadRow).where(PayloadRow.message_id == message_id))
    assert row is not None and message_id.encode() in row.raw  # the signed form is kept beside them
    return list(json.loads(row.attachments))
