"""Several CRM sinks as one: the local board and Trello get every lead state and moment."""

from __future__ import annotations

from collections.abc import Sequence

from bot.events import LeadEvent
from bot.ports import CRMSink
from bot.records import LeadRecord


class FanOut:
    """`CRMSink` handing each entry to every sink in order; an entry is done when all took it.

    Sinks are idempotent, so the ones that took an entry before another failed take it again
    harmlessly on the retry.
    """

    def __init__(self, sinks: Sequence[CRMSink]) -> None:
        self.sinks = list(sinks)

    async def sync(self, record: LeadRecord) -> None:
        for sink in self.sinks:
            await sink.sync(record)

    async def note(self, record: LeadRecord, event: LeadEvent) -> None:
        for sink in self.sinks:
            await sink.note(record, event)
