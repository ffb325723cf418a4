"""Prometheus metrics of the LLM responders, exported with the core's at /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

REQUESTS = Counter("salesbot_llm_requests_total", "Requests to the model, by outcome",
                   ["provider", "model", "outcome"])
TOKENS = Counter("salesbot_llm_tokens_total", "Tokens billed, by kind (input, output, cache_read, cache_write)",
                 ["provider", "model", "kind"])
COST = Counter("salesbot_llm_cost_usd_total", "What the model's tokens cost, by the prices in settings",
               ["provider", "model"])
CONVERSATION_COST = Histogram(
    "salesbot_llm_conversation_cost_usd", "Each conversation's model cost so far, observed after each turn",
    ["provider"], buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5),
)
FALLBACKS = Counter("salesbot_llm_fallbacks_total", "Turns answered by the offline responder instead, and why",
                    ["provider", "reason"])
GUARD_REJECTIONS = Counter("salesbot_llm_guard_rejections_total", "Model replies refused by a guard",
                           ["provider", "guard"])
