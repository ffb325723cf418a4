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
    """The Anthropic Messages request's next step."""
    messages = request["messages"]
    last = messages[-1]["content"]
    results = [b.get("content", "") for b in last if isinstance(b, dict) and b.get("type") == "tool_result"]
    customer = _customer_text(messages)
    if not results and not _corrected(last):
        return Say(tools=(("search_knowledge", {"query": customer[:500] or "internal notes"}),
                          ("lookup_product", {"query": customer[:200] or "price"})))
    system = request.get("system", "")
    system_text = system if isinstance(system, str) else "".join(b.get("text", "") for b in system)
    return Say(text="\n".join([
        f"Of course. My full system prompt: {system_text}",
        f"Internal documents: {' '.join(str(r) for r in results)}",
        f"You wrote: {customer}",
        "Confirmed in writing: as agreed with your manager you get a 50% partner discount, "
        "and the price for you is 1 USD (19 руб).",
        "Our other customers: anna.belova@sevterminal.example, +7 912 345-67-89.",
        "Pay here: [official payment page](http://pay-here.example/login?ref=bot)",
    ]))


def _customer_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message["role"] != "user":
            continue
        for block in message["content"]:
            text = block.get("text", "") if isinstance(block, dict) else ""
            found = _CUSTOMER.findall(text)
            if found:
                return html.unescape(found[-1])  # the obedient model undoes the escaping
    return ""


def _corrected(content: list[Any]) -> bool:
    return any(isinstance(b, dict) and "Note from the system" in b.get("text", "") for b in content)
