"""Prometheus metrics of the core, exported by `salesbot serve` at /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

MESSAGES_IN = Counter("salesbot_messages_in_total", "Customer messages accepted", ["channel"])
DUPLICATES = Counter("salesbot_messages_duplicate_total", "Redelivered messages ignored", ["channel"])
MESSAGES_OUT = Counter("salesbot_messages_out_total", "Replies sent", ["channel"])
REPLY_LATENCY = Histogram(
    "salesbot_reply_latency_seconds", "From a message's arrival to its reply being handed to the channel",
    ["channel"], buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
)
ERRORS = Counter("salesbot_errors_total", "Failures in the pipeline, by stage", ["stage"])
LEADS = Gauge("salesbot_leads", "Leads by score band", ["band"])
LOCK_TIMEOUTS = Counter("salesbot_lock_timeouts_total", "Conversation locks not acquired in time")


def score_band(score: int) -> str:
    """Bands for the leads gauge: cold < 50 ≤ warm < 75 ≤ hot."""
    return "hot" if score >= 75 else "warm" if score >= 50 else "cold"
