"""The Trello CRM sink: one card per lead, kept in step with the lead through the CRM outbox.

Every call is safe to repeat (the outbox retries until a call succeeds):
- a card's id is stored as soon as Trello gives it; if salesbot died before
  storing it, the next attempt finds the card by its marker line instead of
  making a second card;
- a comment is marked done once posted and never posted again;
- a state older than the one the card shows changes nothing, so a late retry
  never moves a card back;
- the card is moved only when the lead's stage changed, so a list a person
  put it in (one salesbot has no stage for) is left alone;
- a move salesbot makes is noted first as an expected echo, so the webhook
  Trello sends about it tells nobody anything.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import structlog

from bot.crm.trello import card as content
from bot.crm.trello.card import ProductName
from bot.crm.trello.client import TrelloCard, TrelloClient, TrelloError
from bot.events import LeadEvent
from bot.records import LeadRecord
from bot.storage.crm_cards import CardRef, CrmCards

log = structlog.get_logger(__name__)
SINK = "trello"


def _no_names(sku: str) -> str | None:
    return None


class TrelloSink:
    """`CRMSink` writing leads to the lists of one Trello board; `lists` maps each stage to a list name
    (lists that do not exist are created)."""

    def __init__(
        self, client: TrelloClient, board_id: str, cards: CrmCards, lists: Mapping[str, str],
        product_name: ProductName = _no_names,
    ) -> None:
        self.client = client
        self.board_id = board_id
        self.cards = cards
        self.lists = dict(lists)
        self._product_name = product_name
        self._list_ids: dict[str, str] = {}  # stage → list id
        self._label_ids: dict[str, str] = {}  # label name → id
        self._setup = asyncio.Lock()  # two relays must not both create the same list or label

    async def sync(self, record: LeadRecord) -> None:
        ref = await self.cards.card_of(record.id) or await self._lost_card(record)
        if ref is not None and ref.lead_updated_at is not None and record.updated_at < ref.lead_updated_at:
            return  # the card shows a newer state already
        fields = await self._fields(record)
        list_id = await self.list_for(record.stage)
        if ref is None:
            await self._create(record, fields, list_id)
            return
        if ref.stage != record.stage:
            await self.cards.expect_move(ref.card_id, list_id)
            fields["idList"] = list_id
        try:
            card = await self.client.update_card(ref.card_id, fields)
        except TrelloError as exc:
            if exc.status != 404:
                raise
            log.warning("trello.card_gone", lead_id=record.id)  # deleted on the board: make it anew
            await self._create(record, fields, list_id)
            return
        await self.cards.remember(CardRef(record.id, card.id, card.id_list or ref.list_id,
                                          record.stage, record.updated_at, card.url or ref.url))

    async def note(self, record: LeadRecord, event: LeadEvent) -> None:
        key = f"comment|{event.key}"
        if await self.cards.done(key):
            return
        ref = await self.cards.card_of(record.id)
        if ref is None:  # the card's state is queued before its comments; this is only belt and braces
            await self.sync(record)
            ref = await self.cards.card_of(record.id)
        if ref is None:
            raise RuntimeError(f"lead {record.id} has no Trello card to comment on")
        await self.client.comment(ref.card_id, content.comment(event))
        await self.cards.mark(key)

    async def list_for(self, stage: str) -> str:
        """The id of the list for `stage` (the list is created when the board lacks it)."""
        if stage not in self._list_ids:
            await self._load_lists()
        return self._list_ids[stage] if stage in self._list_ids else self._list_ids[next(iter(self.lists))]

    async def stage_of(self, list_id: str, list_name: str = "") -> str | None:
        """The stage a list stands for (by id, else by its configured name), or None."""
        if not self._list_ids:
            await self._load_lists()
        for stage, known in self._list_ids.items():
            if known == list_id:
                return stage
        wanted = list_name.strip().casefold()
        return next((stage for stage, name in self.lists.items() if wanted and name.casefold() == wanted), None)

    async def card_url(self, lead_id: int) -> str | None:
        """The link to the lead's card, once it has one."""
        ref = await self.cards.card_of(lead_id)
        return ref.url if ref else None

    async def _create(self, record: LeadRecord, fields: dict[str, object], list_id: str) -> None:
        # Noted before the request: if we die before storing the id, the next try looks for the card.
        await self.cards.mark(_creating(record.id))
        card = await self.client.create_card({**fields, "idList": list_id, "pos": "top"})
        await self.cards.remember(CardRef(record.id, card.id, card.id_list or list_id, record.stage,
                                          record.updated_at, card.url))
        log.info("trello.card_created", lead_id=record.id)

    async def _lost_card(self, record: LeadRecord) -> CardRef | None:
        """The card an interrupted creation made (found by its marker line), stored; None if none."""
        if not await self.cards.done(_creating(record.id)):
            return None
        found = _with_marker(await self.client.cards(self.board_id), content.marker(record.id))
        if found is None:
            return None
        ref = CardRef(record.id, found.id, found.id_list, None, None, found.url)
        await self.cards.remember(ref)
        return ref

    async def _fields(self, record: LeadRecord) -> dict[str, object]:
        fields: dict[str, object] = {
            "name": content.title(record, self._product_name),
            "desc": content.description(record, self._product_name),
            "idLabels": ",".join([await self._label(name, color) for name, color in content.labels(record).items()]),
        }
        due = content.due(record)
        if due is not None:
            fields["due"] = due
        return fields

    async def _load_lists(self) -> None:
        async with self._setup:
            existing = {item.name.casefold(): item.id for item in await self.client.lists(self.board_id)}
            for stage, name in self.lists.items():
                list_id = existing.get(name.casefold())
                if list_id is None:
                    list_id = existing[name.casefold()] = (await self.client.create_list(self.board_id, name)).id
                    log.info("trello.list_created", stage=stage)
                self._list_ids[stage] = list_id

    async def _label(self, name: str, color: str) -> str:
        if name not in self._label_ids:
            async with self._setup:
                if not self._label_ids:
                    self._label_ids = {item.name: item.id for item in await self.client.labels(self.board_id)
                                       if item.name}
                if name not in self._label_ids:
                    self._label_ids[name] = (await self.client.create_label(self.board_id, name, color)).id
        return self._label_ids[name]


def _creating(lead_id: int) -> str:
    return f"create|{lead_id}"


def _with_marker(cards: list[TrelloCard], marker: str) -> TrelloCard | None:
    return next((card for card in cards if card.desc.rstrip().endswith("\n" + marker)), None)
