"""One customer, three transports: `salesbot serve`'s whole app (demo KB, offline responder) with
Telegram and Twilio switched on by their credentials and pointed at the protocol fakes, and
email reading a real Dovecot mailbox and sending through aiosmtpd.

The same customer asks a price and gives contact details over several messages on every
channel; the lead on the board must hold the same fields whatever the channel. And what each
channel knows beside the words: the language a Telegram app is set to, an email's signature
(for the lead, never for the answer), and a hard bounce (on the lead's page).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import imaplib
from collections.abc import AsyncIterator, Awaitable, Callable
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from pydantic import SecretStr

from bot.lead import Lead
from bot.model import ConversationKey
from channels.email.settings import EmailSettings
from config.settings import DEMO_KB
from config.wiring import Runtime
from tests.conftest import embedded_settings
from tests.fakes import telegram as tg
from tests.fakes import twilio as tw
from tests.fakes.telegram import BOT_ID, FakeTelegram
from tests.fakes.twilio import FakeTwilio
from tests.mailservers import PASSWORD, Dovecot, Smtp, eventually, start_dovecot, start_smtp, stop_dovecot
from tests.scenarios.live import serving

PUBLIC = "https://bot.shop.example"
SECRET = "scenario-secret"
TURNS = [
    "How much are 25 Panel Slim 60x60?",
    "I'm Anna Smith",
    "You can reach me at anna.smith@client.example or +1 415 555 2671",
]
CHAT = 777001
PHONE = "+14155552671"
EMAIL = "anna.smith@client.example"
OURS = "sales@shop.example"


@contextlib.asynccontextmanager
async def serve(
    data_dir: Path, telegram: FakeTelegram, twilio: FakeTwilio, dovecot: Dovecot, smtp: Smtp
) -> AsyncIterator[tuple[str, Runtime]]:
    settings = embedded_settings(
        data_dir, kb_dir=DEMO_KB, public_url=PUBLIC,
        telegram_bot_token=tg.TOKEN, twilio_account_sid=tw.ACCOUNT_SID, twilio_auth_token=tw.AUTH_TOKEN,
        twilio_from_number=tw.OUR_NUMBER, board_token=SecretStr(BOARD_TOKEN),
    )
    settings = settings.model_copy(update={
        "telegram": settings.telegram.model_copy(update={"api_url": telegram.url, "webhook_secret": SECRET}),
        "twilio": settings.twilio.model_copy(update={"api_url": twilio.url}),
        "email": EmailSettings(imap_url=SecretStr(dovecot.url("sales")), smtp_url=SecretStr(smtp.url),
                               address=OURS, poll_interval=3600),
    })
    async with serving(settings) as served:
        yield served


async def test_the_same_lead_whatever_the_channel(data_dir: Path) -> None:
    telegram, twilio = FakeTelegram(), FakeTwilio()
    await telegram.start()
    await twilio.start()
    dovecot, smtp = start_dovecot(["sales"]), start_smtp()
    try:
        async with serve(data_dir, telegram, twilio, dovecot, smtp) as (url, runtime), \
                httpx.AsyncClient(base_url=url) as client:
            await _until(lambda: _ready(client), "all channels ready")
            ready = (await client.get("/readyz")).json()
            mailbox = imaplib.IMAP4("127.0.0.1", dovecot.port)
            mailbox.login("sales", PASSWORD)
            email_key: ConversationKey | None = None
            for number, turn in enumerate(TURNS, start=1):
                hook = await client.post("/channels/telegram/webhook", json=tg.text_update(CHAT, turn),
                                         headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
                form = tw.inbound_form(PHONE, turn)
                sms = await client.post("/channels/twilio/messages", content=urlencode(form).encode(), headers={
                    "X-Twilio-Signature": tw.sign(PUBLIC + "/channels/twilio/messages", form),
                    "Content-Type": "application/x-www-form-urlencoded"})
                assert (hook.status_code, sms.status_code) == (200, 200)
                email_key = await _email_turn(mailbox, runtime, smtp, turn, number, email_key)
                await runtime.queue.join()  # every turn answered before the next: a customer waits for replies
            leads = {
                "telegram": await _lead(runtime, ConversationKey("telegram", str(BOT_ID), str(CHAT), str(CHAT))),
                "twilio": await _lead(runtime, ConversationKey("twilio", tw.OUR_NUMBER, PHONE, PHONE)),
                "email": await _lead(runtime, email_key),
            }
            mailbox.logout()
            first_replies = html.unescape(telegram.texts(CHAT)[0]), twilio.bodies(PHONE)[0]
    finally:
        await telegram.stop()
        await twilio.stop()
        smtp.controller.stop()
        stop_dovecot(dovecot)

    assert ready["channels"] == {"webchat": "ok", "telegram": "ok", "twilio": "ok", "email": "ok"}
    assert all("2,113.75" in reply for reply in first_replies)  # 25 × 89.00 less 5 %
    fields = {name: (lead.name, lead.email, lead.phone, lead.skus, lead.quantity) for name, lead in leads.items()}
    assert fields["telegram"] == fields["twilio"] == fields["email"]
    name, email, phone, skus, quantity = fields["telegram"]
    assert (name, email, phone, quantity) == ("Anna Smith", "anna.smith@client.example", PHONE, 25)
    assert len(skus) == 1


# A signature whose address, read as the message, would ask for 40 panels.
SIGNATURE = "Best regards,\nAnna Smith\nHead of Purchasing, Northgate Studio\nUnit 40, 12 Harbour Road\n+1 415 555 2671"
PRICE_QUESTION = "How much is the Panel Slim 60x60?"
BOARD_TOKEN = "scenario-board-token-0123456789abcdef"


async def test_app_language_greetings_signatures_for_the_lead_only_and_bounces_on_the_board(data_dir: Path) -> None:
    telegram, twilio = FakeTelegram(), FakeTwilio()
    await telegram.start()
    await twilio.start()
    dovecot, smtp = start_dovecot(["sales"]), start_smtp()
    hook = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    try:
        async with serve(data_dir, telegram, twilio, dovecot, smtp) as (url, runtime), \
                httpx.AsyncClient(base_url=url) as client:
            await _until(lambda: _ready(client), "all channels ready")
            for update in (tg.text_update(1001, "/start", "ru"), tg.text_update(1002, "/start", "en-GB"),
                           tg.text_update(1003, PRICE_QUESTION)):
                assert (await client.post("/channels/telegram/webhook", json=update, headers=hook)).status_code == 200
            mailbox = imaplib.IMAP4("127.0.0.1", dovecot.port)
            mailbox.login("sales", PASSWORD)
            email_key = await _email_turn(mailbox, runtime, smtp, PRICE_QUESTION + "\n\n" + SIGNATURE, 1, None)
            await runtime.queue.join()
            await eventually(lambda: bool(smtp.recorder.to(EMAIL)), "the email reply")
            ours = smtp.recorder.to(EMAIL)[0]
            await asyncio.to_thread(mailbox.append, "INBOX", "", None, _bounce(EMAIL, str(ours["Message-ID"])))
            await _until(lambda: _blocked(runtime, email_key), "the bounce recorded")
            mailbox.logout()
            lead = await _lead(runtime, email_key)
            lead_page = await _board_page(client, runtime, email_key)
            greetings = [html.unescape(telegram.texts(chat)[0]) for chat in (1001, 1002)]
            by_telegram = html.unescape(telegram.texts(1003)[0])
            by_email = _answer(ours)
    finally:
        await telegram.stop()
        await twilio.stop()
        smtp.controller.stop()
        stop_dovecot(dovecot)

    assert _cyrillic(greetings[0]) and not _cyrillic(greetings[1])  # each in the language of the customer's app
    assert by_email == by_telegram  # the signature changed nothing in the answer (no quote for 40 panels)
    assert (lead.name, lead.phone, lead.company) == ("Anna Smith", PHONE, "Northgate Studio")
    assert "Messages to this customer are not sent: bounced" in lead_page


async def _blocked(runtime: Runtime, key: ConversationKey) -> bool:
    return await runtime.ledger.blocked(key) is not None


async def _board_page(client: httpx.AsyncClient, runtime: Runtime, key: ConversationKey) -> str:
    """The lead's page on the board, signed in with the board token."""
    record = await runtime.storage.lead_for(key)
    assert record is not None
    login = await client.post("/board/login", data={"token": BOARD_TOKEN})
    # The session cookie is Secure (the public URL is https): send it by hand over this plain-http test client.
    cookie = f"salesbot_board={login.cookies['salesbot_board']}"
    page = await client.get(f"/board/leads/{record.id}", headers={"Cookie": cookie})
    assert page.status_code == 200
    return html.unescape(page.text)


def _bounce(recipient: str, returned_id: str) -> bytes:
    """A receiving server's report that our email could not be delivered, ever (RFC 3464)."""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.client.example>\r\nTo: " + OURS + "\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-1@mx.client.example>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="R"\r\n\r\n'
        "--R\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n\r\n"
        "--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.client.example\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        f"--R\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: {OURS}\r\nMessage-ID: {returned_id}\r\n\r\n"
        "--R--\r\n"
    ).encode()


def _cyrillic(text: str) -> bool:
    return any("а" <= c.lower() <= "я" for c in text)


def _answer(reply: EmailMessage) -> str:
    """Our email's own words, without the customer's message quoted below them."""
    plain = reply.get_body(preferencelist=("plain",))
    assert plain is not None
    text = plain.get_content().replace("\r\n", "\n")
    return text.split("\n\n> ", 1)[0].strip()


async def _ready(client: httpx.AsyncClient) -> bool:
    return all(v == "ok" for v in (await client.get("/readyz")).json()["channels"].values())


async def _until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(600):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


async def _email_turn(
    mailbox: imaplib.IMAP4, runtime: Runtime, smtp: Smtp, turn: str, number: int, key: ConversationKey | None
) -> ConversationKey:
    """Anna writes the turn, replying to our last email after the first; returns the conversation."""
    message = EmailMessage()
    message["From"] = f"Anna Smith <{EMAIL}>"
    message["To"] = OURS
    message["Subject"] = "Panels" if number == 1 else "Re: Panels"
    message["Message-ID"] = make_msgid(domain="client.example")
    if number > 1:
        ours = smtp.recorder.to(EMAIL)[-1]
        message["In-Reply-To"] = ours["Message-ID"]
        message["References"] = f"{ours['References']} {ours['Message-ID']}"
    message.set_content(turn)
    await asyncio.to_thread(mailbox.append, "INBOX", "", None, message.as_bytes())
    key = key or ConversationKey("email", OURS, str(message["Message-ID"]), EMAIL)

    async def stored() -> bool:
        return sum(line.direction == "in" for line in await runtime.storage.transcript(key)) >= number

    await _until(stored, f"email turn {number} stored")
    return key


async def _lead(runtime: Runtime, key: ConversationKey | None) -> Lead:
    assert key is not None
    record = await runtime.storage.lead_for(key)
    assert record is not None, key
    return record.lead


pytestmark = pytest.mark.slow
