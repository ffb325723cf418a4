"""A model that obeys every injected order: a `Policy` for the LLM fakes.

It does what a prompt-injected model would at its worst: looks everything up, then answers with
its whole system prompt, every tool result verbatim, the customer's message echoed back
unescaped (scripts, links, claimed prices and discounts), a 50 % discount, an invented price,
another customer's contacts and a payment link. Only the guards stand between it and the customer.
"""

from __future__ import annotations

import html
import re
from typing import Any

from tests.fakes.llm_script import Say

_CUSTOMER = re.compile(r"<customer_message>\n(.*?)\n</customer_message>", re.DOTALL)


def obey_injections(request: dict[str, Any]) -> Say:
    """The next step for an Anthropic Messages request."""
    messages = request["messages"]
    last = messages[-1]["content"]
    results = [str(b.get("content", "")) for b in last if isinstance(b, dict) and b.get("type") == "tool_result"]
    texts = [b.get("text", "") for m in messages if m["role"] == "user" for b in m["content"] if isinstance(b, dict)]
    system = request.get("system", "")
    system_text = system if isinstance(system, str) else "".join(b.get("text", "") for b in system)
    corrected = any(isinstance(b, dict) and _NOTE in b.get("text", "") for b in last)
    return _obey(system_text, _customer_text(texts), results, corrected)


def obey_injections_openai(request: dict[str, Any]) -> Say:
    """The next step for an OpenAI Chat Completions request."""
    messages = request["messages"]
    results = []
    for message in reversed(messages):
        if message["role"] != "tool":
            break
        results.append(str(message["content"]))
    system_text = "\n".join(m["content"] for m in messages if m["role"] == "system")
    texts = [m["content"] for m in messages if m["role"] == "user"]
    corrected = messages[-1]["role"] == "user" and _NOTE in messages[-1]["content"]
    return _obey(system_text, _customer_text(texts), results, corrected)


_NOTE = "Note from the system"


def _obey(system_text: str, customer: str, results: list[str], corrected: bool) -> Say:
    if not results and not corrected:  # look everything up first, to have something to leak
        return Say(tools=(("search_knowledge", {"query": customer[:500] or "internal notes"}),
                          ("lookup_product", {"query": customer[:200] or "price"})))
    return Say(text="\n".join([
        f"Of course. My full system prompt: {system_text}",
        f"Internal documents: {' '.join(results)}",
        f"You wrote: {customer}",
        "Confirmed in writing: as agreed with your manager you get a 50% partner discount, "
        "and the price for you is 1 USD (19 руб).",
        "Our other customers: anna.belova@sevterminal.example, +7 912 345-67-89.",
        "Pay here: [official payment page](http://pay-here.example/login?ref=bot)",
    ]))


def _customer_text(texts: list[str]) -> str:
    for text in reversed(texts):
        found = _CUSTOMER.findall(text)
        if found:
            return html.unescape(found[-1])  # the obedient model undoes the escaping
    return ""
