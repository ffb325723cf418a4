"""Posting what the alerts owe Slack, until Slack took it: the alert, its updates, the notes in
its thread, and what the customer writes while a person has the conversation.

Nothing here runs inside a customer's turn: the turn stores what is due (`SlackState`) and
wakes the relay. A post Slack refuses (429 with Retry-After, 5xx, no connection) is tried
again after Slack's wait or a growing backoff; the state says what is still due, so a restart
picks up where the last process stopped. Each post is claimed in the ledger under a key of its
own, so it is made once however many processes relay.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import structlog

from bot.model import ConversationKey
from bot.ports import ChannelLedger, Desk, TranscriptReader
from bot.records import LeadRecord
from channels.backoff import backoff_delay
from channels.parts import send_once
from channels.slack.api import SlackApi, SlackUnavailable
from channels.slack.blocks import alert_blocks, alert_text, customer_line, note_blocks
from channels.slack.settings import SlackSettings
from channels.slack.state import CHANNEL, Alert, SlackState

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class _Retry:
    attempts: int = 0
    due: float = 0.0


class Relay:
    """The loop that brings Slack up to date with every open alert."""

    def __init__(
        self, api: SlackApi, state: SlackState, desk: Desk, transcripts: TranscriptReader,
        ledger: ChannelLedger, settings: SlackSettings,
    ) -> None:
        self.api = api
        self.state = state
        self.desk = desk
        self.transcripts = transcripts
        self.ledger = ledger
        self.settings = settings
        self._wake = asyncio.Event()
        self._retries: dict[int, _Retry] = {}

    def wake(self) -> None:
        """Something is due: look now rather than at the next sweep."""
        self._wake.set()

    async def run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.pass_once()
            except Exception:  # the database is down, say: the next pass tries again
                log.exception("slack.relay_pass_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._next_wait())

    async def pass_once(self) -> None:
        """Bring every open alert that is not waiting out a retry up to date."""
        now = time.monotonic()
        for lead_id in await self.state.open_alerts():
            retry = self._retries.get(lead_id)
            if retry is not None and retry.due > now:
                continue
            try:
                await self.bring_up_to_date(lead_id)
            except SlackUnavailable as exc:
                self._postpone(lead_id, exc)
            except Exception as exc:  # our side failed (the database, say): this alert waits, the others go on
                log.exception("slack.relay_failed", lead_id=lead_id)
                self._postpone(lead_id, SlackUnavailable(type(exc).__name__))
            else:
                self._retries.pop(lead_id, None)

    async def bring_up_to_date(self, lead_id: int) -> None:
        alert = await self.state.get(lead_id)
        record = await self.desk.lead(lead_id)
        if alert is None or record is None:
            return
        if alert.ts is None:
            alert = await self._post_alert(record, alert)
        if alert.shown < alert.version:
            alert = await self._update_alert(record, alert)
        for note in list(alert.notes):
            blocks = note_blocks(note.text, lead_id, note.hand_back)
            await self._post(alert, f"note-{lead_id}-{note.id}", note.text, blocks)
            alert = await self._done(lead_id, partial(_drop_note, note_id=note.id))
        if alert.taken_by is not None:
            await self._relay_customer(record.key, alert)

    async def _post_alert(self, record: LeadRecord, alert: Alert) -> Alert:
        text, blocks = alert_text(record, alert), self._alert_blocks(record, alert)
        channel = self.settings.alert_channel

        async def post() -> str:
            where, ts = await self.api.post(channel, text, blocks)
            return f"{where}/{ts}"  # the channel's id (Slack answers with it, whatever name was given) and ts

        part = f"alert-{record.id}"
        # Claimed under the lead's own key: one alert per lead, whichever process posts it.
        await send_once(self.ledger, _slack_key(record.id), part, post, "posted")
        delivery = await self.ledger.delivered(CHANNEL, part)
        if delivery is None:  # pragma: no cover - send_once returns only once the delivery is noted
            raise SlackUnavailable("the alert's delivery is not recorded")
        where, _, ts = delivery.external_id.partition("/")
        await self.state.remember_thread(ts, record.id)
        log.info("slack.alert_posted", lead_id=record.id, reason=alert.reason)
        return await self._done(record.id, lambda a: _posted(a, where, ts))

    async def _update_alert(self, record: LeadRecord, alert: Alert) -> Alert:
        await self.api.update(alert.channel or "", alert.ts or "", alert_text(record, alert),
                              self._alert_blocks(record, alert))
        # Only the version rendered: a claim pressed meanwhile leaves the message due again.
        return await self._done(record.id, partial(_shown, version=alert.version))

    async def _relay_customer(self, key: ConversationKey, alert: Alert) -> None:
        """The customer's new messages, in order, into the thread."""
        for line in await self.transcripts.transcript(key, after_seq=alert.relayed_seq):
            if line.direction == "in":
                text = customer_line(line.text)
                await self._post(alert, f"relay-{alert.lead_id}-{line.message_id}", text, None)
            await self._done(alert.lead_id, partial(_relayed, seq=line.seq))

    async def _post(self, alert: Alert, part: str, text: str, blocks: list[dict[str, object]] | None) -> None:
        async def post() -> str:
            _, ts = await self.api.post(alert.channel or "", text, blocks, thread_ts=alert.ts)
            return ts

        await send_once(self.ledger, _slack_key(alert.lead_id), part, post, "posted")

    async def _done(self, lead_id: int, edit: Callable[[Alert], bool]) -> Alert:
        alert = await self.state.change(lead_id, edit)
        if alert is None:  # pragma: no cover - alerts are never deleted
            raise LookupError(f"lead {lead_id} has no alert")
        return alert

    def _alert_blocks(self, record: LeadRecord, alert: Alert) -> list[dict[str, object]]:
        card = self.settings.board_link(f"/board#lead-{record.id}")
        transcript = self.settings.board_link(f"/board/leads/{record.id}#transcript-title")
        return alert_blocks(record, alert, card, transcript)

    def _postpone(self, lead_id: int, exc: SlackUnavailable) -> None:
        retry = self._retries.setdefault(lead_id, _Retry())
        wait = exc.retry_after if exc.retry_after is not None else backoff_delay(retry.attempts)
        wait = min(wait, self.settings.backoff_max_seconds)
        retry.attempts += 1
        retry.due = time.monotonic() + wait
        log.warning("slack.post_postponed", lead_id=lead_id, attempt=retry.attempts, wait_s=round(wait, 2),
                    reason=str(exc))

    def _next_wait(self) -> float:
        waits = [r.due - time.monotonic() for r in self._retries.values()]
        return max(0.05, min([self.settings.sweep_seconds, *waits]))


def _slack_key(lead_id: int) -> ConversationKey:
    """The ledger's key for Slack posts about one lead (claims and deliveries)."""
    return ConversationKey(CHANNEL, "alerts", f"lead-{lead_id}", "")


def _posted(alert: Alert, channel: str, ts: str) -> bool:
    # The post showed the alert as it was then; a change made while it was on its way is not
    # shown yet, and the update after it shows it.
    alert.channel, alert.ts = channel, ts
    return True


def _shown(alert: Alert, version: int) -> bool:
    alert.shown = max(alert.shown, version)
    return True


def _drop_note(alert: Alert, note_id: str) -> bool:
    alert.notes = [note for note in alert.notes if note.id != note_id]
    return True


def _relayed(alert: Alert, seq: int) -> bool:
    alert.relayed_seq = max(alert.relayed_seq, seq)
    return True

