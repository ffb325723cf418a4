"""The sales team's side of the core: a taken-over conversation is answered by a person (and
stays so across a restart), the team hears of requests for a person, and the desk's changes
reach storage, the board's listeners and the customer."""

from __future__ import annotations

from bot.desk import TeamDesk
from bot.model import InboundMessage, OutboundMessage
from bot.records import LeadRecord
from bot.sessions.memory import MemorySessionStore
from bot.testing import MemoryOutbox
from bot.turn import Reply, TurnContext
from tests.unit.bot.test_pipeline import EchoResponder, Parts, key, lines


class RecordingTeam:
    """A `SalesTeam` that remembers what it was told."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.saved: list[LeadRecord] = []
        self.requests: list[int] = []
        self.customer_messages: list[int] = []

    async def enqueue(self, record: LeadRecord) -> None:
        self.saved.append(record)

    async def person_requested(self, record: LeadRecord) -> None:
        if self.fail:
            raise ConnectionError("the team's tool is down")
        self.requests.append(record.id)

    async def customer_wrote(self, record: LeadRecord) -> None:
        if self.fail:
            raise ConnectionError("the team's tool is down")
        self.customer_messages.append(record.id)


class WantsHuman(EchoResponder):
    """Echoes, and says the customer asked for a person (as the `human` intent does)."""

    async def respond(self, turn: TurnContext) -> Reply:
        self.calls += 1
        return Reply((OutboundMessage(f"echo: {turn.message.text}"),), "human", wants_human=True)


async def test_a_taken_over_conversation_is_answered_by_a_person_even_after_a_restart(parts: Parts) -> None:
    team, outbox, responder = RecordingTeam(), MemoryOutbox(), EchoResponder()
    bot = parts.bot(responder, outbox)
    bot.team = team
    await bot.handle(InboundMessage(key(), "m1", "Hello"))
    record = await parts.storage.lead_for(key())
    assert record is not None
    desk = TeamDesk(parts.storage, outbox)
    await desk.take_over(record.id, "rep-anna")

    parts.sessions = MemorySessionStore()  # a restart empties the in-process session store
    restarted = parts.bot(responder, outbox)
    restarted.team = team
    handled = await restarted.handle(InboundMessage(key(), "m2", "Anyone there?"))
    assert handled.replies == [] and responder.calls == 1
    assert team.customer_messages == [record.id]

    await desk.say(record.id, "Hi, Anna from sales here.", "slack-1")
    await desk.say(record.id, "Hi, Anna from sales here.", "slack-1")  # a redelivery sends nothing new
    assert [m.text for m in outbox.sent[key()]] == ["echo: Hello", "Hi, Anna from sales here."]

    await desk.take_over(record.id, None)
    handled = await restarted.handle(InboundMessage(key(), "m3", "Thanks!"))
    assert [m.text for m in handled.replies] == ["echo: Thanks!"]
    assert await lines(parts, key()) == [
        ("in", "Hello"), ("out", "echo: Hello"), ("in", "Anyone there?"),
        ("out", "Hi, Anna from sales here."), ("in", "Thanks!"), ("out", "echo: Thanks!"),
    ]


async def test_a_request_for_a_person_tells_the_team_and_its_failure_costs_no_reply(parts: Parts) -> None:
    team = RecordingTeam()
    bot = parts.bot(WantsHuman())
    bot.team = team
    await bot.handle(InboundMessage(key(1), "m1", "Can I talk to a person?"))
    record = await parts.storage.lead_for(key(1))
    assert record is not None and team.requests == [record.id]

    down = parts.bot(WantsHuman())
    down.team = RecordingTeam(fail=True)
    handled = await down.handle(InboundMessage(key(2), "m2", "Can I talk to a person?"))
    assert [m.text for m in handled.replies] == ["echo: Can I talk to a person?"]


async def test_claiming_gives_the_lead_an_owner_and_tells_the_listeners(parts: Parts) -> None:
    team = RecordingTeam()
    bot = parts.bot()
    await bot.handle(InboundMessage(key(), "m1", "Hello"))
    record = await parts.storage.lead_for(key())
    assert record is not None and record.owner is None
    claimed = await TeamDesk(parts.storage, MemoryOutbox(), [team]).claim(record.id, "anna")
    assert claimed.owner == "anna" and claimed.updated_at > record.updated_at
    assert [r.owner for r in team.saved] == ["anna"]
    stored = await parts.storage.get_lead(record.id)
    assert stored is not None and stored.owner == "anna" and stored.taken_over_by is None
