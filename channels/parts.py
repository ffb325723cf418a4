"""Sending one part of a reply exactly once, however many workers try at the same moment.

Telegram and Twilio take no idempotency key, so the ledger is the lock: a sender
claims the part (the delivery row's unique key lets one claim win across every
process on the database), renews the claim while the platform call runs, and
turns it into the delivery record once the platform took the part. Another
sender of the same part waits while the claim is alive, then finds it sent; a
sender that died stops renewing, and its claim is taken over after `LEASE_S`.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable

from bot.model import ConversationKey
from bot.ports import ChannelLedger

LEASE_S = 30.0  # a claim not renewed for this long belongs to a sender that died
_RENEW_S = LEASE_S / 3  # one missed renewal does not cost the claim
_POLL_S = 0.1  # how often a waiting sender looks again


async def send_once(
    ledger: ChannelLedger, key: ConversationKey, part_key: str, send: Callable[[], Awaitable[str]], status: str
) -> bool:
    """Run `send` (returning the platform's id for the part) unless the part went out already;
    True when this call sent it. A failed `send` gives the claim back and raises."""
    holder = uuid.uuid4().hex
    # Polling, not an event: the other sender may be in another process.
    while (state := await ledger.claim(key, part_key, holder, LEASE_S)) == "busy":  # noqa: ASYNC110
        await asyncio.sleep(_POLL_S)
    if state == "sent":
        return False
    renewal = asyncio.create_task(_renew(ledger, key, part_key, holder), name="claim-renewal")
    try:
        external_id = await send()
    except BaseException:
        with contextlib.suppress(Exception):  # the lease frees the claim if this fails too
            await ledger.release(key.channel, part_key, holder)
        raise
    finally:
        renewal.cancel()
    await ledger.record_delivery(key, part_key, external_id, status)
    return True


async def _renew(ledger: ChannelLedger, key: ConversationKey, part_key: str, holder: str) -> None:
    while True:
        await asyncio.sleep(_RENEW_S)
        with contextlib.suppress(Exception):  # a lost round trip is retried at the next renewal
            await ledger.claim(key, part_key, holder, LEASE_S)
