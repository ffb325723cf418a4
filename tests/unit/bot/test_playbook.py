"""What of a playbook may reach a customer: marked lines only, never the notes to the rep."""

from __future__ import annotations

import pytest

from bot.responders.playbook import customer_sentences, is_internal

STAFF_PLAYBOOK = """# Handling pushback — sales team

INTERNAL. For sales staff only — please keep this page inside the team.

## "Too pricey"
- You can say: "Every order is checked by a person before it ships, so you pay once."
- Remind them of the volume discounts and show the total.
- Only the sales director may approve 4% extra, and only on orders above 9,000.
"""


@pytest.mark.parametrize(
    "text",
    [
        STAFF_PLAYBOOK,
        "Памятка. Только для сотрудников отдела продаж.\nСкидку сверх прайса согласует директор.",
        "Sales notes (internal use only)\nAlways log the call.",
    ],
)
def test_a_document_that_says_it_is_for_staff_is_internal(text: str) -> None:
    assert is_internal(text)


def test_a_customer_document_is_not_internal() -> None:
    assert not is_internal("Delivery takes two days. Our staff will call you before they arrive.")


def test_an_internal_playbook_gives_only_its_marked_lines_without_marker_or_quotes() -> None:
    section = STAFF_PLAYBOOK.split("## ")[1]
    said = customer_sentences(section, internal=True)
    assert said == ["Every order is checked by a person before it ships, so you pay once."]


def test_an_unmarked_section_keeps_statements_and_drops_instructions_to_the_rep() -> None:
    said = customer_sentences("Remind them of the warranty. Our lamps last ten years. Предложите образцы.")
    assert said == ["Our lamps last ten years."]


def test_an_unmarked_internal_section_says_nothing() -> None:
    assert customer_sentences("Our margin is thin here. Hold the price.", internal=True) == []
