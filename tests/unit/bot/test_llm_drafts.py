"""A streamed draft is shown only while it breaks no rule: what the reply may not say, the draft
never showed either."""

from __future__ import annotations

from bot.responders.llm.drafts import GuardedDraft
from bot.responders.llm.facts import TurnFacts
from bot.responders.llm.guards import Context, Secrets, check


async def test_drafts_stop_at_the_first_unsupported_figure_and_never_show_a_growing_number() -> None:
    shown: list[str] = []

    async def sink(text: str) -> None:
        shown.append(text)

    facts = TurnFacts()
    facts.add_text('{"total": "€2,113.75"}')
    ctx = Context("How much are 25 panels?", frozenset(), ("US",))
    draft = GuardedDraft(sink, lambda text: check(text, facts, Secrets([]), ctx))
    reply = "25 panels come to €2,113.75 in total, and for you only €1,900.00 if you order today."
    for end in range(1, len(reply) + 1):
        await draft(reply[:end])

    assert shown and shown[-1].endswith("in total, and for you only")
    assert not any("1,9" in text or "€1" in text.split("€2,113.75")[-1] for text in shown)
    assert all(not text.endswith("€2,1") for text in shown)  # half-written numbers wait for their end
