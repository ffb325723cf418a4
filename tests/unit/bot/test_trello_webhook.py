"""Trello webhook requests: the signature (checked against Trello's documented example form) and
which actions are a card move."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from bot.crm.trello import CardMove, MalformedWebhook, card_move, verified

SECRET = "app-secret"
CALLBACK = "https://bot.shop.example/crm/trello/webhook"


def trello_signature(body: bytes, callback: str = CALLBACK) -> str:
    # Trello's documentation: base64 of HMAC-SHA1 keyed by the app secret over body + callbackURL.
    return base64.b64encode(hmac.new(SECRET.encode(), body + callback.encode(), hashlib.sha1).digest()).decode()


def move_body(**data: object) -> bytes:
    return json.dumps({"action": {"id": "a1", "type": "updateCard", "data": data}}).encode()


def test_a_request_signed_for_our_callback_url_passes_and_nothing_else_does() -> None:
    body = move_body(card={"id": "c1"}, listAfter={"id": "l2", "name": "Shipped"})
    assert verified(body, CALLBACK, SECRET, trello_signature(body))
    assert not verified(body + b" ", CALLBACK, SECRET, trello_signature(body))
    assert not verified(body, CALLBACK, SECRET, trello_signature(body, "http://10.0.0.5:8000/crm/trello/webhook"))
    assert not verified(body, CALLBACK, "", trello_signature(body))  # no secret configured: nothing passes
    assert not verified(body, CALLBACK, SECRET, None)
    assert not verified(body, CALLBACK, SECRET, "ünïcode")


def test_non_ascii_bodies_are_signed_as_their_bytes() -> None:
    body = move_body(card={"id": "c1", "name": "Заявка"}, listAfter={"id": "l2", "name": "Отгружено"})
    assert verified(body, CALLBACK, SECRET, trello_signature(body))


def test_a_card_move_is_read_and_other_actions_are_not_moves() -> None:
    assert card_move(move_body(card={"id": "c1"}, listAfter={"id": "l2", "name": "Shipped"})) == \
        CardMove("a1", "c1", "l2", "Shipped")
    assert card_move(move_body(card={"id": "c1"}, old={"name": "x"})) is None  # a rename
    assert card_move(json.dumps({"action": {"type": "commentCard", "data": {}}}).encode()) is None


@pytest.mark.parametrize("body", [
    b"", b"\xff\xfe", b"[1, 2]", b'{"model": {}}', b'{"action": {"type": 3}}',
    move_body(card={}, listAfter={"id": "l2"}), move_body(card={"id": "c" * 65}, listAfter={"id": "l2"}),
])
def test_what_is_not_a_webhook_request_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedWebhook):
        card_move(body)
