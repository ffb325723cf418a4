"""Trello's webhook requests: the signature check and the one action salesbot acts on (a card moved).

Trello signs each request with the app's secret: `X-Trello-Webhook` is
base64(HMAC-SHA1(secret, body + callbackURL)), the callback URL exactly as it
was registered (so it is checked against the configured public URL, which holds
behind a TLS-terminating proxy).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass


class MalformedWebhook(ValueError):
    """The body is not a Trello webhook request."""


@dataclass(frozen=True, slots=True)
class CardMove:
    """A card moved from one list to another (action `updateCard` with `listAfter`)."""

    action_id: str
    card_id: str
    list_id: str
    list_name: str


def signature(body: bytes, callback_url: str, secret: str) -> str:
    """The `X-Trello-Webhook` value Trello sends for `body` to `callback_url`."""
    digest = hmac.new(secret.encode(), body + callback_url.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def verified(body: bytes, callback_url: str, secret: str, header: str | None) -> bool:
    """True when `header` is Trello's signature of this request (compared in constant time)."""
    if not header or not secret:
        return False
    return hmac.compare_digest(signature(body, callback_url, secret).encode(), header.strip().encode())


def card_move(body: bytes) -> CardMove | None:
    """The card move the request reports, None for any other action; `MalformedWebhook` for what is
    not a webhook request at all."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise MalformedWebhook("the body is not JSON") from None
    action = payload.get("action") if isinstance(payload, dict) else None
    if not isinstance(action, dict) or not isinstance(action.get("type"), str):
        raise MalformedWebhook("no action in the body")
    data = action.get("data")
    if action["type"] != "updateCard" or not isinstance(data, dict):
        return None
    card, after = data.get("card"), data.get("listAfter")
    if not isinstance(after, dict):
        return None  # an update of something else than the card's list
    if not isinstance(card, dict) or not _ids(card.get("id"), after.get("id")):
        raise MalformedWebhook("a card move without the card's or the list's id")
    name = after.get("name")
    return CardMove(str(action.get("id") or ""), card["id"], after["id"], name if isinstance(name, str) else "")


def _ids(*values: object) -> bool:
    return all(isinstance(v, str) and 0 < len(v) <= 64 for v in values)
