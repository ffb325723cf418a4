"""Trello as the CRM: its settings, the sink built from them, and the webhook registered at start.

The sink is on when `TRELLO_API_KEY`, `TRELLO_TOKEN` and `SALESBOT_TRELLO__BOARD_ID` are set.
Webhooks (a card moved by a person) need `SALESBOT_PUBLIC_URL` and `TRELLO_API_SECRET`, the
secret Trello signs them with.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog
from pydantic import BaseModel, Field, SecretStr, field_validator

from bot.crm.trello import SINK, TrelloClient, TrelloError, TrelloSink
from bot.crm.trello.client import DEFAULT_URL
from bot.ports import Catalog
from bot.records import STAGES
from bot.storage import CrmCards, SqlStorage

if TYPE_CHECKING:
    from config.settings import Settings

log = structlog.get_logger(__name__)

WEBHOOK_PATH = "/crm/trello/webhook"
DEFAULT_LISTS = {
    "new": "New leads", "qualified": "Qualified", "proposal": "Proposal sent", "won": "Order confirmed",
    "shipped": "Shipped", "lost": "Lost",
}


class TrelloSettings(BaseModel):
    """The board, where each stage's cards go, and which moves the customer hears of."""

    board_id: str | None = None
    api_url: str = DEFAULT_URL
    # Stage → list name; a stage left out keeps its default list. Missing lists are created.
    lists: dict[str, str] = {}
    # A person moving a card to one of these stages' lists tells the customer, on their channel.
    customer_visible: list[str] = ["won", "shipped"]
    request_timeout_seconds: float = Field(default=15.0, gt=0)
    retry_base_seconds: float = Field(default=5.0, gt=0)  # the CRM outbox's backoff while Trello is down
    retry_max_seconds: float = Field(default=600.0, gt=0)
    register_webhook: bool = True  # at start, when SALESBOT_PUBLIC_URL and TRELLO_API_SECRET are set

    @field_validator("lists")
    @classmethod
    def _known_list_stages(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(STAGES))
        if unknown:
            raise ValueError(f"trello.lists: unknown stage {unknown[0]!r}; stages are {', '.join(STAGES)}")
        return value

    @field_validator("customer_visible")
    @classmethod
    def _known_visible_stages(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(STAGES))
        if unknown:
            raise ValueError(f"trello.customer_visible: unknown stage {unknown[0]!r}; stages are {', '.join(STAGES)}")
        return value

    def stage_lists(self) -> dict[str, str]:
        """Every stage's list name, in stage order."""
        return {stage: self.lists.get(stage) or DEFAULT_LISTS[stage] for stage in STAGES}


@dataclass
class TrelloCrm:
    """The running Trello side: the sink the CRM outbox writes through, and what webhooks need."""

    sink: TrelloSink
    client: TrelloClient
    board_id: str
    secret: str  # TRELLO_API_SECRET; empty: every webhook request is refused
    callback_url: str | None  # SALESBOT_PUBLIC_URL + WEBHOOK_PATH; None: no public URL
    customer_visible: frozenset[str]
    register: bool

    async def close(self) -> None:
        await self.client.close()


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


def trello_enabled(settings: Settings) -> bool:
    return bool(_secret(settings.trello_api_key) and _secret(settings.trello_token) and settings.trello.board_id)


def check_trello(settings: Settings) -> None:
    """Half-set Trello credentials are a configuration error naming what is missing."""
    given = {
        "TRELLO_API_KEY": _secret(settings.trello_api_key),
        "TRELLO_TOKEN": _secret(settings.trello_token),
        "SALESBOT_TRELLO__BOARD_ID": settings.trello.board_id or "",
    }
    missing = [name for name, value in given.items() if not value]
    if 0 < len(missing) < len(given):
        from config.settings import ConfigError

        raise ConfigError(f"Trello is half configured: set {', '.join(missing)} (or unset the others)")


def build_trello(settings: Settings, storage: SqlStorage, catalog: Catalog | None) -> TrelloCrm | None:
    """The Trello CRM when its credentials are set, else None."""
    check_trello(settings)
    if not trello_enabled(settings):
        return None
    section = settings.trello
    board_id = section.board_id or ""
    client = TrelloClient(_secret(settings.trello_api_key), _secret(settings.trello_token),
                          base_url=section.api_url, timeout=section.request_timeout_seconds)

    def product_name(sku: str) -> str | None:
        product = catalog.get(sku) if catalog is not None else None
        return product.name if product is not None else None

    sink = TrelloSink(client, board_id, CrmCards(storage, SINK), section.stage_lists(), product_name)
    callback = settings.public_url.rstrip("/") + WEBHOOK_PATH if settings.public_url else None
    secret = _secret(settings.trello_api_secret)
    if callback and not secret:
        log.warning("trello.webhook_off", reason="TRELLO_API_SECRET is not set: card moves cannot be verified")
    return TrelloCrm(sink, client, board_id, secret, callback, frozenset(section.customer_visible),
                     section.register_webhook)


async def ensure_webhook(crm: TrelloCrm) -> bool:
    """Register the board's webhook unless this token has it already; False when there is nothing to
    register (no public URL or no secret)."""
    if not (crm.callback_url and crm.secret):
        return False
    if any(hook.callback_url == crm.callback_url for hook in await crm.client.webhooks()):
        return True
    try:
        await crm.client.create_webhook(crm.callback_url, crm.board_id, "salesbot: card moves")
    except TrelloError as exc:
        if "already exists" not in exc.detail:  # another server registered it meanwhile
            raise
    log.info("trello.webhook_registered")
    return True


async def keep_webhook(crm: TrelloCrm, stop: asyncio.Event, first_delay: float = 1.0,
                       max_delay: float = 300.0) -> None:
    """Register the webhook once the server listens (Trello checks the URL answers first), retrying
    with backoff while Trello is unreachable or refuses."""
    delay = first_delay
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)
        if stop.is_set():
            return
        try:
            await ensure_webhook(crm)
            return
        except Exception as exc:
            log.warning("trello.webhook_registration_failed", error=str(exc)[:300], retry_in=delay * 2)
            delay = min(delay * 2, max_delay)
