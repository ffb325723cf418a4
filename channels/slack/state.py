"""What Slack's side remembers, durably, in the channel ledger's positions (channel "slack").

    alert:<lead id>     the lead's alert: where it was posted, who claimed it, who took the
                        conversation over, how far the thread has caught up, what is still to post
    open:<lead id>      "1" while the alert has work to do (to post, to update, a takeover to relay)
    thread:<ts>         the lead whose alert started the thread with this ts

One alert per lead, ever: an alert stored is never posted a second time, even when the lead
turns hot again after a restart. Changes are serialized within a process; what is posted is
claimed in the ledger per post, so two processes never post the same thing twice.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.ports import ChannelLedger

CHANNEL = "slack"
HOT = "hot"
PERSON = "person"


@dataclass(slots=True)
class Note:
    """A message due in the alert's thread; `hand_back` puts the Hand back button under it."""

    id: str
    text: str
    hand_back: bool = False


@dataclass(slots=True)
class Alert:
    """One lead's alert. `ts` is None until Slack took the post; `claimed_by` and `taken_by` are
    Slack user ids; `relayed_seq` is the last transcript line shown in the thread."""

    lead_id: int
    reason: str
    channel: str | None = None
    ts: str | None = None
    claimed_by: str | None = None
    taken_by: str | None = None
    relayed_seq: int = 0
    version: int = 0  # raised by every change the alert message must show
    shown: int = 0  # the version the message in Slack shows
    notes: list[Note] = field(default_factory=list)
    notes_made: int = 0
    person_noted: bool = False

    @property
    def has_work(self) -> bool:
        return self.ts is None or self.shown < self.version or bool(self.notes) or self.taken_by is not None

    def add_note(self, text: str, *, hand_back: bool = False) -> None:
        self.notes_made += 1
        self.notes.append(Note(str(self.notes_made), text, hand_back))

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> Alert:
        data: dict[str, Any] = json.loads(raw)
        notes = [Note(**note) for note in data.pop("notes", [])]
        return cls(**data, notes=notes)


class SlackState:
    """Alerts and threads in the ledger; `change` is the only way an alert is altered."""

    def __init__(self, ledger: ChannelLedger) -> None:
        self.ledger = ledger
        self._lock = asyncio.Lock()

    async def get(self, lead_id: int) -> Alert | None:
        raw = await self.ledger.position(CHANNEL, f"alert:{lead_id}")
        return Alert.from_json(raw) if raw else None

    async def create(self, alert: Alert) -> bool:
        """Store a new alert; False (and nothing changes) when the lead has one already."""
        async with self._lock:
            if await self.get(alert.lead_id) is not None:
                return False
            await self._put(alert)
            return True

    async def change(self, lead_id: int, edit: Callable[[Alert], bool]) -> Alert | None:
        """Apply `edit` to the stored alert and store it when `edit` says it changed something;
        None when the lead has no alert."""
        async with self._lock:
            alert = await self.get(lead_id)
            if alert is not None and edit(alert):
                await self._put(alert)
            return alert

    async def open_alerts(self) -> list[int]:
        """Leads whose alerts have work to do."""
        names = await self.ledger.positions(CHANNEL, "open:")
        return sorted(int(name.removeprefix("open:")) for name in names)

    async def remember_thread(self, ts: str, lead_id: int) -> None:
        await self.ledger.set_position(CHANNEL, f"thread:{ts}", str(lead_id))

    async def lead_of_thread(self, ts: str) -> int | None:
        value = await self.ledger.position(CHANNEL, f"thread:{ts}")
        return int(value) if value else None

    async def _put(self, alert: Alert) -> None:
        await self.ledger.set_position(CHANNEL, f"alert:{alert.lead_id}", alert.to_json())
        await self.ledger.set_position(CHANNEL, f"open:{alert.lead_id}", "1" if alert.has_work else "")
