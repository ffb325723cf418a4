"""The email adapter against real servers: Dovecot for the mailbox (IMAP IDLE) and aiosmtpd
for outgoing mail, with the real core and a test responder.

Customers' mail is put into the bot's INBOX with IMAP APPEND, as a mail server delivers it.
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.model import ConversationKey, OutboundMessage
from bot.storage.ledger_tables import DeliveryRow, PayloadRow
from channels.base import ChannelConfigError, ChannelContext
from channels.email.channel import EmailChannel
from channels.email.parsing import parse_email
from tests.channels.core import Core, running_core
from tests.mailservers import PASSWORD, PATIENCE_S, Dovecot, Smtp, eventually, start_dovecot, start_smtp, stop_dovecot

OURS = "sales@shop.example"
ANNA = "anna@client.example"


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    server = start_dovecot(["sales"])
    yield server
    stop_dovecot(server)


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    server = start_smtp()
    yield server
    server.controller.stop()


def mail(sender: str, subject: str, body: str, *, html: str | None = None, reply_to: EmailMessage | None = None,
         **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = OURS
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="client.example")
    if reply_to is not None:
        message["In-Reply-To"] = reply_to["Message-ID"]
        message["References"] = f"{reply_to.get('References', '')} {reply_to['Message-ID']}".strip()
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    if html is not None:
        message.clear_content()
        message.set_content(html, subtype="html")
    return message


class Mailbox:
    """The bot's INBOX as a mail server and a person see it (stdlib imaplib, in a thread)."""

    def __init__(self, server: Dovecot) -> None:
        self.server = server
        self.imap = imaplib.IMAP4("127.0.0.1", server.port)
        self.imap.login("sales", PASSWORD)
        self.imap.select("INBOX")

    async def deliver(self, message: EmailMessage | bytes) -> None:
        raw = message if isinstance(message, bytes) else message.as_bytes()
        await asyncio.to_thread(self.imap.append, "INBOX", "", None, raw)


    async def unseen(self) -> int:
        def count() -> int:
            self.imap.noop()
            status, data = self.imap.search(None, "UNSEEN")
            return len(data[0].split()) if status == "OK" else -1

        return await asyncio.to_thread(count)

    def clear(self) -> None:
        self.imap.store("1:*", "+FLAGS", "\\Deleted")
        self.imap.expunge()
        self.imap.logout()


@pytest.fixture
async def mailbox(dovecot: Dovecot) -> AsyncIterator[Mailbox]:
    box = Mailbox(dovecot)
    yield box
    box.clear()


@contextlib.asynccontextmanager
async def email_channel(core: Core, dovecot: Dovecot, smtp: Smtp, **extra: object) -> AsyncIterator[EmailChannel]:
    settings = {"imap_url": dovecot.url("sales"), "smtp_url": smtp.url, "address": OURS, "poll_interval": 3600,
                **extra}
    channel = EmailChannel(core.context(settings))
    core.register(channel)
    await channel.start()
    try:
        await eventually(channel.reader.connected.is_set, "the reader connected")
        yield channel
    finally:
        await channel.stop()


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    async with running_core(tmp_path) as running:
        yield running


def key_of(message: EmailMessage, sender: str = ANNA) -> ConversationKey:
    return ConversationKey("email", OURS, str(message["Message-ID"]), sender)


async def test_a_customer_email_is_answered_in_its_thread(core: Core, dovecot: Dovecot, smtp: Smtp,
                                                          mailbox: Mailbox) -> None:
    question = mail(f"Anna Smith <{ANNA}>", "Panels for our office", "How much is the Office 100?\n\nAnna")

    async with email_channel(core, dovecot, smtp) as channel:
        await mailbox.deliver(question)  # arrives while the reader IDLEs (polling is an hour away)
        await eventually(lambda: bool(smtp.recorder.to(ANNA)), "a reply")
        await core.settle()
        await channel.check()

    reply = smtp.recorder.to(ANNA)[0]
    assert reply["Subject"] == "Re: Panels for our office"
    assert reply["In-Reply-To"] == question["Message-ID"] and question["Message-ID"] in reply["References"]
    assert reply["From"] == OURS and reply["Auto-Submitted"] == "auto-replied"
    plain, html = (reply.get_body(preferencelist=(kind,)) for kind in ("plain", "html"))
    assert plain is not None and html is not None
    assert plain.get_content().startswith("echo: How much is the Office 100?")
    assert "> How much is the Office 100?" in plain.get_content()  # the customer's words quoted below
    assert "<blockquote>" in html.get_content()
    assert await mailbox.unseen() == 0  # marked processed once stored
    raw = await core.ledger.latest_raw(key_of(question))
    assert raw is not None and b"Panels for our office" in raw  # the raw message kept beside the text
    record = await core.storage.lead_for(key_of(question))
    assert record is not None and (record.lead.email, record.lead.name) == (ANNA, "Anna Smith")


async def test_the_signature_gives_the_lead_its_details_and_the_reply_answers_only_the_message(
    core: Core, dovecot: Dovecot, smtp: Smtp, mailbox: Mailbox
) -> None:
    body = ("How much is the Office 100?\n\nBest regards,\nAnna Smith\nHead of Purchasing, Northgate Studio\n"
            "+1 415 555 2671\n\nOn Mon, Bob wrote:\n> our old offer")
    question = mail(f"Anna <{ANNA}>", "Panels", body)

    async with email_channel(core, dovecot, smtp):
        await mailbox.deliver(question)
        await eventually(lambda: bool(smtp.recorder.to(ANNA)), "a reply")
        await core.settle()

    plain = smtp.recorder.to(ANNA)[0].get_body(preferencelist=("plain",))
    assert plain is not None
    answer, _, quoted = plain.get_content().replace("\r\n", "\n").partition("\n\n")
    assert answer == "echo: How much is the Office 100?"  # what the responder saw: no signature, no history
    assert "Northgate" not in quoted and "555" not in quoted  # nor is it quoted back
    assert (await core.lines(key_of(question)))[0].text == "How much is the Office 100?"
    record = await core.storage.lead_for(key_of(question))
    assert record is not None
    lead = record.lead
    assert (lead.name, lead.phone, lead.company, lead.email) == ("Anna Smith", "+14155552671", "Northgate Studio", ANNA)
    assert lead.decision_role == "head of purchasing"
    raw = await core.ledger.latest_raw(key_of(question))
    assert raw is not None and b"Northgate Studio" in raw  # the whole message is kept for the record


async def test_html_mail_is_read_as_text_and_quoted_history_left_out(core: Core, dovecot: Dovecot, smtp: Smtp,
                                                                     mailbox: Mailbox) -> None:
    body = ("<html><body><p>Do you deliver to Toronto?</p><div>On Mon, Bob wrote:</div>"
            "<blockquote>&gt; old question about prices</blockquote></body></html>")
    question = mail(ANNA, "Delivery", "", html=body)

    async with email_channel(core, dovecot, smtp):
        await mailbox.deliver(question)
        await eventually(lambda: bool(smtp.recorder.to(ANNA)), "a reply")
        await core.settle()

    lines = await core.lines(key_of(question))
    assert lines[0].text == "Do you deliver to Toronto?"


async def test_a_reply_to_our_reply_joins_the_thread_and_a_stranger_does_not(core: Core, dovecot: Dovecot,
                                                                              smtp: Smtp, mailbox: Mailbox) -> None:
    first = mail(ANNA, "Panels", "How much is the Office 100?")

    async with email_channel(core, dovecot, smtp):
        await mailbox.deliver(first)
        await eventually(lambda: len(smtp.recorder.to(ANNA)) == 1, "the first reply")
        ours = smtp.recorder.to(ANNA)[0]
        follow_up = mail(ANNA, "Re: Panels", "And the Office 300?", reply_to=ours)
        follow_up.replace_header("References", str(ours["Message-ID"]))  # a client that keeps only the last id
        stranger = mail("eve@other.example", "Re: Panels", "Me too", reply_to=ours)
        await mailbox.deliver(follow_up)
        await mailbox.deliver(stranger)
        await eventually(lambda: len(smtp.recorder.sent) == 3, "three replies")
        await core.settle()

    assert [line.text for line in await core.lines(key_of(first)) if line.direction == "in"] == [
        "How much is the Office 100?", "And the Office 300?"
    ]
    second = smtp.recorder.to(ANNA)[1]
    assert second["In-Reply-To"] == follow_up["Message-ID"]
    eve = [line.text for line in await core.lines(key_of(first, "eve@other.example")) if line.direction == "in"]
    assert eve == ["Me too"]  # her own conversation, though she quoted Anna's thread


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto_Submitted": "auto-replied"}, "auto-reply"),
        ({"Precedence": "bulk"}, "bulk"),
        ({"List_Id": "<news.client.example>"}, "bulk"),
        ({"Return_Path": "<>"}, "bounce"),
    ],
)
async def test_machine_mail_is_recorded_but_never_answered(core: Core, dovecot: Dovecot, smtp: Smtp,
                                                           mailbox: Mailbox, headers: dict[str, str],
                                                           reason: str) -> None:
    automatic = mail(ANNA, "Out of office", "I am away until Monday.", **headers)
    after = mail(ANNA, "Question", "How much is the Office 100?")

    async with email_channel(core, dovecot, smtp):
        await mailbox.deliver(automatic)
        await mailbox.deliver(after)
        await eventually(lambda: bool(smtp.recorder.to(ANNA)), "the reply to the person")
        await core.settle()

    assert len(smtp.recorder.sent) == 1 and smtp.recorder.to(ANNA)[0]["In-Reply-To"] == after["Message-ID"]
    assert await core.ledger.disposition("email", str(automatic["Message-ID"])) == reason
    assert await core.lines(key_of(automatic)) == []


async def test_a_restart_answers_nothing_twice_even_if_the_mailbox_position_was_lost(
    core: Core, dovecot: Dovecot, smtp: Smtp, mailbox: Mailbox
) -> None:
    first = mail(ANNA, "Panels", "How much is the Office 100?")
    async with email_channel(core, dovecot, smtp) as channel:
        await mailbox.deliver(first)
        await eventually(lambda: len(smtp.recorder.sent) == 1, "the reply")
        await core.settle()
        position = channel.reader.position_name

    # A crash after storing but before the position was saved: everything is read again.
    await core.ledger.set_position("email", position, "0:0")
    second = mail(ANNA, "Delivery", "Do you deliver to Toronto?")
    await mailbox.deliver(second)
    async with email_channel(core, dovecot, smtp):
        await eventually(lambda: len(smtp.recorder.sent) >= 2, "the reply to the new message")
        await core.settle()

    assert [m["In-Reply-To"] for m in smtp.recorder.to(ANNA)] == [first["Message-ID"], second["Message-ID"]]


async def test_a_mail_with_headers_the_parser_chokes_on_is_answered_and_the_mailbox_goes_on(
    core: Core, dovecot: Dovecot, smtp: Smtp, mailbox: Mailbox
) -> None:
    # A lone "<" as Message-ID makes the standard library's header parser raise IndexError;
    # raising in the reader would fetch this mail again forever and read nothing after it.
    broken = f"From: Anna <{ANNA}>\r\nTo: {OURS}\r\nSubject: Panels\r\nMessage-ID: <\r\n\r\nHow much?\r\n".encode()
    after = mail(ANNA, "Delivery", "Do you deliver to Toronto?")

    async with email_channel(core, dovecot, smtp):
        await mailbox.deliver(broken)
        await mailbox.deliver(after)
        await eventually(lambda: len(smtp.recorder.to(ANNA)) == 2, "both answered")
        await core.settle()

    assert sorted(str(m["Subject"]) for m in smtp.recorder.to(ANNA)) == ["Re: Delivery", "Re: Panels"]


_HEADER_LINES = [
    "Content-Type: multipart/report; report-type=delivery-status; boundary=b",
    "Content-Type: multipart/mixed; boundary=b",
    "Content-Type: message/delivery-status", "Content-Type: message/rfc822", "Content-Type: text/rfc822-headers",
    "Content-Type: text/html; charset=unknown-8bit", "Content-Disposition: attachment; filename*=utf-8''%FF%FE",
    "Content-Transfer-Encoding: base64", "Message-ID: <", "Message-ID: <<>>", "In-Reply-To: <a@b> <", "From: <",
    "From: =?utf-8?b?////?= <a@b>", "Return-Path: <>", "Action: failed", "Status: 5.1.1", "Final-Recipient: rfc822;",
    "Final-Recipient: rfc822; anna@client.example", "References: <x@y>", "Subject: =?koi8-r?q?=FF?=",
]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.one_of(st.sampled_from([*_HEADER_LINES, "", "--b", "--b--", "Best regards,", "> quoted", "<p>"]),
                          st.text(max_size=40)), max_size=30))
def test_any_mail_parses_without_an_error(lines: list[str]) -> None:
    parsed = parse_email("\r\n".join(lines).encode("utf-8", "surrogateescape"))
    assert parsed.message_id  # always an id to deduplicate on


async def test_two_workers_sending_one_reply_at_once_send_one_email(core: Core, dovecot: Dovecot, smtp: Smtp) -> None:
    settings = {"imap_url": dovecot.url("sales"), "smtp_url": smtp.url, "address": OURS}
    workers = [EmailChannel(core.context(settings)) for _ in range(2)]  # not started: sending needs no mailbox
    key = ConversationKey("email", OURS, "<thread@client.example>", ANNA)

    await asyncio.gather(*(w.send(key, OutboundMessage("Our panels cost 89.00 EUR."), idempotency_key="out:r1")
                           for w in workers))

    assert len(smtp.recorder.to(ANNA)) == 1


def test_settings_errors_name_the_variable() -> None:
    def build(**settings: str) -> None:
        EmailChannel(ChannelContext(None, None, settings, object()))  # type: ignore[arg-type]

    with pytest.raises(ChannelConfigError, match="SALESBOT_EMAIL__IMAP_URL is not set"):
        build(smtp_url="smtp://h", address=OURS)
    with pytest.raises(ChannelConfigError, match="SALESBOT_EMAIL__SMTP_URL: expected"):
        build(imap_url="imap://u:p@h/INBOX", smtp_url="http://h", address=OURS)
    with pytest.raises(ChannelConfigError, match="SALESBOT_EMAIL__ADDRESS"):
        build(imap_url="imap://u:p@h/INBOX", smtp_url="smtp://h")


async def test_without_idle_the_reader_polls_and_after_a_server_restart_it_reconnects(core: Core, smtp: Smtp) -> None:
    # A server without IDLE: the reader falls back to checking every poll_interval.
    server = start_dovecot(["sales"], extra_config="imap_capability = IMAP4rev1 UIDPLUS\n")
    settings = {"imap_url": server.url("sales"), "smtp_url": smtp.url, "address": OURS, "poll_interval": 0.2}
    channel = EmailChannel(core.context(settings))
    core.register(channel)
    await channel.start()
    try:
        await eventually(channel.reader.connected.is_set, "the reader connected")
        box = Mailbox(server)
        await box.deliver(mail(ANNA, "Panels", "How much is the Office 100?"))
        await eventually(lambda: len(smtp.recorder.sent) == 1, "a reply found by polling")
        box.imap.logout()

        stop_dovecot(server)  # the server goes away and comes back on the same port
        await eventually(lambda: not channel.reader.connected.is_set(), "the reader noticed")
        server = start_dovecot(["sales"], extra_config="imap_capability = IMAP4rev1 UIDPLUS\n", port=server.port)
        await eventually(channel.reader.connected.is_set, "the reader reconnected")
        box = Mailbox(server)
        await box.deliver(mail(ANNA, "Delivery", "Do you deliver to Toronto?"))
        await eventually(lambda: len(smtp.recorder.sent) == 2, "a reply after the reconnect")
        box.imap.logout()
    finally:
        await channel.stop()
        stop_dovecot(server)


def delivery_report(recipient: str, returned_id: str, *, action: str = "failed", status: str = "5.1.1") -> bytes:
    """A delivery status notification (RFC 3464) as a receiving mail server sends it back."""
    return f"""From: Mail Delivery System <MAILER-DAEMON@mx.client.example>
To: {OURS}
Subject: Undelivered Mail Returned to Sender
Message-ID: {make_msgid(domain="mx.client.example")}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="REPORT"

--REPORT
Content-Type: text/plain

Your message could not be delivered to one or more recipients.

--REPORT
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.client.example

Final-Recipient: rfc822; {recipient}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; 550 {status} <{recipient}>: Recipient address rejected: User unknown

--REPORT
Content-Type: text/rfc822-headers

From: {OURS}
To: {recipient}
Subject: Re: Panels
Message-ID: {returned_id}

--REPORT--
""".replace("\n", "\r\n").encode()


async def test_a_hard_bounce_stops_all_mail_to_the_address_and_a_forged_or_soft_one_changes_nothing(
    core: Core, dovecot: Dovecot, smtp: Smtp, mailbox: Mailbox
) -> None:
    first = mail(ANNA, "Panels", "How much is the Office 100?")

    async with email_channel(core, dovecot, smtp):
        await mailbox.deliver(first)
        await eventually(lambda: len(smtp.recorder.to(ANNA)) == 1, "the reply")
        ours = smtp.recorder.to(ANNA)[0]
        await mailbox.deliver(delivery_report(ANNA, "<never-sent@shop.example>"))  # forged: not our message
        await mailbox.deliver(delivery_report(ANNA, str(ours["Message-ID"]), action="delayed", status="4.2.2"))
        await mailbox.deliver(mail(ANNA, "Re: Panels", "And the Office 300?", reply_to=ours))
        await eventually(lambda: len(smtp.recorder.to(ANNA)) == 2, "a reply after a forged and a soft bounce")

        await mailbox.deliver(delivery_report(ANNA, str(ours["Message-ID"])))  # our reply bounced for good
        await _until(lambda: core.ledger.blocked(key_of(first)), "the bounce is recorded")
        again = mail(ANNA, "Another question", "Do you deliver to Toronto?")
        await mailbox.deliver(again)
        await _until(lambda: core.lines(key_of(again)), "the new question is stored")
        await core.settle()

    assert len(smtp.recorder.to(ANNA)) == 2  # never mailed again, in any thread
    assert (await core.lines(key_of(again)))[0].text == "Do you deliver to Toronto?"  # kept, not answered
    assert await core.ledger.blocked(key_of(first)) == "bounced"  # the conversation says why
    async with core.storage.sessions() as session:
        bounced = await session.scalar(select(DeliveryRow).where(DeliveryRow.external_id == ours["Message-ID"]))
    assert bounced is not None and bounced.status == "bounced" and "5.1.1" in (bounced.error or "")


async def test_attachments_are_kept_by_content_within_the_size_limit_and_never_executable(
    core: Core, dovecot: Dovecot, smtp: Smtp, mailbox: Mailbox, tmp_path: Path
) -> None:
    question = mail(ANNA, "Our floor plan", "Which panels fit this room?")
    question.add_attachment(b"%PDF-1.4 plan", maintype="application", subtype="pdf", filename="../../plan.pdf")
    question.add_attachment(b"#!/bin/sh\necho hi\n", maintype="application", subtype="x-sh", filename="run.sh")
    question.add_attachment(b"x" * 2000, maintype="image", subtype="png", filename="photo.png")
    only_files = mail(ANNA, "Photo", "")
    only_files.add_attachment(b"%PDF-1.4 specs", maintype="application", subtype="pdf", filename="specs.pdf")
    folder = tmp_path / "attachments"

    async with email_channel(core, dovecot, smtp, attachment_dir=str(folder), max_attachment_bytes=1000):
        await mailbox.deliver(question)
        await mailbox.deliver(only_files)
        await eventually(lambda: len(smtp.recorder.to(ANNA)) == 2, "two replies")
        await core.settle()

    kept = await _attachments(core, str(question["Message-ID"]))
    assert [(a["filename"], a["content_type"], a["size"]) for a in kept] == [
        ("_.._plan.pdf", "application/pdf", 13), ("run.sh", "application/x-sh", 18), ("photo.png", "image/png", 2000)
    ]
    pdf, script, photo = kept
    assert (folder / pdf["stored"]).read_bytes() == b"%PDF-1.4 plan"  # by content, inside the folder
    assert (folder / script["stored"]).stat().st_mode & 0o111 == 0  # never executable
    assert "stored" not in photo  # above the limit: noted, its bytes not kept
    texts = [line.text for line in await core.lines(key_of(only_files)) if line.direction == "in"]
    assert texts == ["📎 specs.pdf"]  # a message of files alone still reaches the dialogue
    specs = (await _attachments(core, str(only_files["Message-ID"])))[0]["stored"]
    assert sorted(p.name for p in folder.iterdir()) == sorted([pdf["stored"], script["stored"], specs])


async def _until(condition: Callable[[], Awaitable[object]], what: str) -> None:
    for _ in range(int(PATIENCE_S / 0.05)):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


async def _attachments(core: Core, message_id: str) -> list[dict[str, Any]]:
    async with core.storage.sessions() as session:
        row = await session.scalar(select(PayloadRow).where(PayloadRow.message_id == message_id))
    assert row is not None
    return list(json.loads(row.attachments))
