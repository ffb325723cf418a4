"""Errors the core raises for callers to handle."""

from __future__ import annotations


class LockTimeout(Exception):
    """A conversation lock was not acquired within the bounded wait.

    Raised instead of waiting forever so a stuck holder cannot wedge a
    conversation; the caller retries the message later.
    """

    def __init__(self, conversation: str, waited: float) -> None:
        # Both values go to `args` so the exception pickles across processes.
        super().__init__(conversation, waited)
        self.conversation = conversation
        self.waited = waited

    def __str__(self) -> str:
        return f"lock for conversation {self.conversation!r} not acquired within {self.waited:g}s"


class RetryAfter(Exception):
    """An external service asked not to be called again for `delay` seconds (HTTP 429, Retry-After).

    Raised by CRM sinks; the CRM outbox waits at least that long before its next try.
    """

    def __init__(self, service: str, delay: float) -> None:
        super().__init__(service, delay)
        self.service = service
        self.delay = delay

    def __str__(self) -> str:
        return f"{self.service} asked to retry after {self.delay:g}s"


class LeaseLost(Exception):
    """The conversation's lock expired while its holder worked (it stalled past the TTL).

    The turn stops before writing: the holder that took the conversation over answers it.
    """
