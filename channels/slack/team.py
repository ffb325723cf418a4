"""The sales team as the core sees it (implements `SalesTeam`): an alert for a lead turning hot
or a customer asking for a person, and a nudge when a customer writes to a person."""

from __future__ import annotations

from bot.records import LeadRecord
from channels.slack.relay import Relay
from channels.slack.state import HOT, PERSON, Alert, SlackState

_ASKS_FOR_PERSON = "The customer asks for a person."


class SlackTeam:
    """Stores what is due for Slack and wakes the relay; never waits for Slack itself."""

    def __init__(self, state: SlackState, relay: Relay) -> None:
        self.state = state
        self.relay = relay

    async def enqueue(self, record: LeadRecord) -> None:
        """Every saved lead state: a lead that is hot gets its alert (once)."""
        if record.lead.hot:
            await self._alert(record, HOT)

    async def person_requested(self, record: LeadRecord) -> None:
        """An alert even when the lead is not hot; a lead alerted before gets a line in its thread."""
        if not await self._alert(record, PERSON):
            await self.state.change(record.id, _note_request)
            self.relay.wake()

    async def customer_wrote(self, record: LeadRecord) -> None:
        self.relay.wake()  # the relay reads what they wrote from the transcript

    async def _alert(self, record: LeadRecord, reason: str) -> bool:
        """Store a new alert and wake the relay; False when the lead was alerted before."""
        created = await self.state.create(Alert(record.id, reason, person_noted=reason == PERSON))
        if created:
            self.relay.wake()
        return created


def _note_request(alert: Alert) -> bool:
    if alert.person_noted:
        return False
    alert.person_noted = True
    alert.add_note(_ASKS_FOR_PERSON)
    return True
