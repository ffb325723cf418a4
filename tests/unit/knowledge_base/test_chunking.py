"""Chunking: every chunk keeps its heading path; long sections are split; ids are stable per text."""

from __future__ import annotations

import uuid

from knowledge_base.chunking import Chunk, chunk_markdown

GUIDE = """# Installation guide
Read this first.

## Grid ceilings
Drop the panel into the grid.

### Wiring
Brown is live, blue is neutral.

## Concrete ceilings
Use the surface frame.

# Support
Call +31 13 555 0142.
"""


def test_each_chunk_keeps_its_nested_heading_path() -> None:
    chunks = chunk_markdown("guide.md", GUIDE)

    assert [(c.heading, c.text) for c in chunks] == [
        ("Installation guide", "Read this first."),
        ("Installation guide / Grid ceilings", "Drop the panel into the grid."),
        ("Installation guide / Grid ceilings / Wiring", "Brown is live, blue is neutral."),
        ("Installation guide / Concrete ceilings", "Use the surface frame."),
        ("Support", "Call +31 13 555 0142."),
    ]
    assert {c.source for c in chunks} == {"guide.md"}


def test_text_without_headings_is_one_chunk_with_no_heading() -> None:
    chunks = chunk_markdown("faq.txt", "Delivery takes 3 days. Returns are free.")

    assert [(c.heading, c.text) for c in chunks] == [("", "Delivery takes 3 days. Returns are free.")]


def test_headings_without_body_make_no_chunk() -> None:
    chunks = chunk_markdown("x.md", "# Empty\n\n## Also empty\n\n## Full\nSome text.\n")

    assert [(c.heading, c.text) for c in chunks] == [("Empty / Full", "Some text.")]


def test_embed_text_prefixes_the_heading_once() -> None:
    assert Chunk("i", "s", "Warranty", "Five years.").embed_text() == "Warranty\nFive years."
    assert Chunk("i", "s", "Warranty", "Warranty: five years.").embed_text() == "Warranty: five years."
    assert Chunk("i", "s", "", "Five years.").embed_text() == "Five years."


def test_long_section_is_split_and_every_piece_keeps_the_heading() -> None:
    sentences = [f"Sentence {i} says that panel model {i} has a {i % 7 + 2}-year warranty." for i in range(150)]
    chunks = chunk_markdown("long.md", "# Catalog\n## Warranty terms\n" + " ".join(sentences))

    assert len(chunks) > 5
    assert {c.heading for c in chunks} == {"Catalog / Warranty terms"}
    assert max(len(c.text) for c in chunks) < 1500  # ~220 tokens each
    joined = " ".join(c.text for c in chunks)
    assert all(s in joined for s in sentences)  # nothing lost (pieces overlap a little)
    assert len({c.id for c in chunks}) == len(chunks)


def test_russian_sections_are_chunked_the_same_way() -> None:
    chunks = chunk_markdown("ru.md", "# Гарантия\n## Панели\nПять лет на все панели.\n")

    assert [(c.heading, c.text) for c in chunks] == [("Гарантия / Панели", "Пять лет на все панели.")]


def test_ids_are_uuids_stable_for_unchanged_text() -> None:
    first = chunk_markdown("guide.md", GUIDE)
    again = chunk_markdown("guide.md", GUIDE)

    assert [c.id for c in first] == [c.id for c in again]
    assert all(uuid.UUID(c.id).version == 5 for c in first)  # Qdrant wants UUID point ids


def test_changing_one_section_changes_only_its_chunk_id() -> None:
    before = chunk_markdown("guide.md", GUIDE)
    after = chunk_markdown("guide.md", GUIDE.replace("Use the surface frame.", "Use the surface frame 60x60."))

    changed = [(b.text, a.text) for b, a in zip(before, after, strict=True) if b.id != a.id]
    assert changed == [("Use the surface frame.", "Use the surface frame 60x60.")]


def test_an_added_section_does_not_change_the_other_ids() -> None:
    before = {c.id for c in chunk_markdown("guide.md", GUIDE)}
    after = {c.id for c in chunk_markdown("guide.md", GUIDE + "\n## Returns\nFree for 30 days.\n")}

    assert before < after
    assert len(after - before) == 1


def test_same_text_in_another_file_gets_another_id() -> None:
    assert chunk_markdown("a.md", GUIDE)[0].id != chunk_markdown("b.md", GUIDE)[0].id


def test_repeated_identical_text_within_a_file_gets_distinct_stable_ids() -> None:
    faq = "# FAQ\n## Q\nSee the catalog.\n## Q\nSee the catalog.\n## R\nSee the catalog.\n"

    chunks = chunk_markdown("faq.md", faq)

    assert [(c.heading, c.text) for c in chunks] == [
        ("FAQ / Q", "See the catalog."),
        ("FAQ / Q", "See the catalog."),
        ("FAQ / R", "See the catalog."),
    ]
    assert len({c.id for c in chunks}) == 3
    assert [c.id for c in chunks] == [c.id for c in chunk_markdown("faq.md", faq)]


def test_renaming_a_heading_changes_the_ids_of_its_chunks() -> None:
    """Regression: the id hashed only the body, so after a heading was renamed ingestion kept the
    vector embedded with the old heading (what gets embedded is heading + body)."""
    before = chunk_markdown("guide.md", GUIDE)
    after = chunk_markdown("guide.md", GUIDE.replace("## Concrete ceilings", "## Concrete and brick ceilings"))

    changed = [(b.heading, a.heading) for b, a in zip(before, after, strict=True) if b.id != a.id]
    assert changed == [("Installation guide / Concrete ceilings", "Installation guide / Concrete and brick ceilings")]


def test_a_table_row_carries_its_column_names_so_a_question_can_find_it() -> None:
    from knowledge_base.chunking import chunk_markdown

    text = (
        "# Shipping\n\n| Zone | Fee | Free above |\n|---|:--:|---|\n| North | 12 EUR | 300 EUR |\n"
        "| South | 18 EUR | 450 EUR |\n\nRates are per order.\n"
    )
    body = chunk_markdown("shipping.md", text)[0].text
    assert "Zone: South; Fee: 18 EUR; Free above: 450 EUR." in body
    assert "|" not in body and "Rates are per order." in body


def test_a_table_row_carries_its_column_names_in_markdown_and_in_html() -> None:
    from knowledge_base.documents import html_to_markdown

    markdown = "# Shipping\n\n| Zone | Rate | Free from |\n| --- | --- | --- |\n| North | 12 EUR | 300 EUR |\n"
    html = ("<html><body><h1>Shipping</h1><table><tr><th>Zone</th><th>Rate</th><th>Free from</th></tr>"
            "<tr><td>North</td><td>12 EUR</td><td>300 EUR</td></tr></table></body></html>")
    for source, text in (("shipping.md", markdown), ("shipping.html", html_to_markdown(html))):
        [chunk] = chunk_markdown(source, text)
        assert chunk.text == "- Zone: North; Rate: 12 EUR; Free from: 300 EUR.", source
