"""Retry delays shared by channels: exponential backoff with full jitter.

Jitter spreads reconnects of many processes (or one process's many sends) so
they do not hit a recovering server in the same instant.
"""

from __future__ import annotations

import random


def backoff_delay(attempt: int, *, base: float = 1.0, cap: float = 60.0) -> float:
    """Seconds to wait before retry number `attempt` (0-based): uniform in [base/2, min(cap, base·2^attempt)]."""
    ceiling = min(cap, base * 2 ** min(attempt, 30))
    return random.uniform(min(base / 2, ceiling), ceiling)  # noqa: S311 - timing jitter, not a secret
