"""Reading KB documents: Markdown, text, HTML and PDF become Markdown-ish text; bad files are refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base.demo import DEMO_KB_DIR
from knowledge_base.demo._make_pdf import build_pdf
from knowledge_base.documents import html_to_markdown, list_kb_files, read_document
from knowledge_base.errors import DocumentError, KnowledgeBaseError


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_markdown_is_read_as_is(tmp_path: Path) -> None:
    text = "# Гарантия\n\nПанели — 5 лет.\n\n## Warranty\nPanels: 5 years.\n"

    assert read_document(write(tmp_path / "warranty.md", text)) == text


def test_text_file_with_a_byte_order_mark_loses_the_mark(tmp_path: Path) -> None:
    path = write(tmp_path / "faq.txt", "\ufeffDelivery takes 3 days.\n".encode())

    assert read_document(path) == "Delivery takes 3 days.\n"


def test_non_utf8_text_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "cp1251.txt", "Доставка за 3 дня".encode("cp1251"))

    with pytest.raises(DocumentError) as caught:
        read_document(path)

    assert caught.value.path == "cp1251.txt"
    assert "cp1251.txt" in str(caught.value)
    assert "UTF-8" in str(caught.value)


HTML = """<!DOCTYPE html>
<html><head><title>About us</title>
<style>p { color: red; } .secret { }</style>
<script>var tracking = "do-not-index";</script></head>
<body>
<noscript>enable javascript please</noscript>
<h1>About Northwind</h1>
<p>Founded in <b>2011</b> in Tilburg.</p>
<h2>What we do</h2>
<ul>
  <li>Panels <p>for offices</p>
    <ul><li>and cafés</li></ul>
  </li>
</ul>
<table><tr><td><p>Cell paragraph</p></td><th>Header cell</th></tr></table>
<h3>Contacts</h3>
<p>Phone +31 13 555 0142.</p>
</body></html>
"""


def test_html_headings_become_markdown_heading_lines() -> None:
    lines = html_to_markdown(HTML).splitlines()

    assert "# About Northwind" in lines
    assert "## What we do" in lines
    assert "### Contacts" in lines
    assert lines.index("# About Northwind") < lines.index("## What we do") < lines.index("### Contacts")


def test_html_drops_script_style_and_noscript() -> None:
    text = html_to_markdown(HTML)

    assert "tracking" not in text
    assert "do-not-index" not in text
    assert "color" not in text
    assert "javascript" not in text


def test_html_nested_blocks_are_not_duplicated() -> None:
    text = html_to_markdown(HTML)

    assert text.count("for offices") == 1
    assert text.count("and cafés") == 1
    assert text.count("Cell paragraph") == 1
    assert "- Panels for offices and cafés" in text.splitlines()
    assert "Founded in 2011 in Tilburg." in text.splitlines()


def test_html_without_headings_gets_its_title_as_heading() -> None:
    text = html_to_markdown("<html><head><title>Price list</title></head><body><p>Panels 89 EUR.</p></body></html>")

    assert text.splitlines()[0] == "# Price list"
    assert "Panels 89 EUR." in text


def test_html_text_outside_paragraphs_is_kept_under_its_heading() -> None:
    """Regression: text directly in a <div> or <blockquote> (common in CMS exports) was dropped."""
    html = (
        "<body><h1>Delivery</h1><div class='text'>We ship within <b>3</b> days.</div>"
        "<h2>Returns</h2><blockquote>Returns are free for 30 days.</blockquote>"
        "<div>Intro words <p>and a paragraph</p> and a tail.</div></body>"
    )

    lines = html_to_markdown(html).splitlines()

    assert "We ship within 3 days." in lines
    assert "Returns are free for 30 days." in lines
    assert lines.index("# Delivery") < lines.index("We ship within 3 days.") < lines.index("## Returns")
    assert lines.index("## Returns") < lines.index("Returns are free for 30 days.")
    assert [line for line in lines if line][-3:] == ["Intro words", "and a paragraph", "and a tail."]


def test_html_file_is_read_through_the_converter(tmp_path: Path) -> None:
    text = read_document(write(tmp_path / "about.HTML", HTML))

    assert "# About Northwind" in text.splitlines()
    assert "<p>" not in text


def test_pdf_text_is_extracted_with_its_heading_lines(tmp_path: Path) -> None:
    source = "# Mounting guide\n\n## Grid ceilings\nIt takes 15 minutes per panel."
    pdf = write(tmp_path / "guide.pdf", build_pdf(source))

    text = read_document(pdf)

    assert "# Mounting guide" in text
    assert "## Grid ceilings" in text
    assert "15 minutes per panel" in text


def test_the_demo_installation_pdf_is_readable() -> None:
    text = read_document(DEMO_KB_DIR / "installation.pdf")

    assert "# Installation guide: LED panels and downlights" in text
    assert "## Downlights" in text
    assert "Plasterboard must be 9 to 25 mm thick." in text


@pytest.mark.parametrize(
    "content",
    [
        b"this is not a PDF at all",
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R",  # truncated
        b"",
    ],
    ids=["not-a-pdf", "truncated", "empty"],
)
def test_corrupt_pdf_is_a_document_error_naming_the_file(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path / "broken.pdf", content)

    with pytest.raises(DocumentError) as caught:
        read_document(path)

    assert caught.value.path == "broken.pdf"
    assert str(caught.value).startswith("broken.pdf: ")


def test_pdf_with_no_text_is_a_document_error(tmp_path: Path) -> None:
    path = write(tmp_path / "scan.pdf", build_pdf(""))

    with pytest.raises(DocumentError) as caught:
        read_document(path)

    assert caught.value.path == "scan.pdf"
    assert "no extractable text" in caught.value.reason


def test_document_error_is_a_knowledge_base_error() -> None:
    assert issubclass(DocumentError, KnowledgeBaseError)


def test_list_kb_files_takes_documents_and_tables_only(tmp_path: Path) -> None:
    for name in [
        "catalog.csv",
        "discounts.csv",
        "faq.md",
        "notes.markdown",
        "about.htm",
        "Guide.PDF",
        "policy.txt",
        "sub/deep/terms.md",
        "other.csv",  # not one of the two tables
        "image.png",
        "README",
        ".hidden.md",
        "_draft.md",
        "_private/secret.md",
        ".git/notes.md",
        "sub/_old/legacy.md",
    ]:
        write(tmp_path / name, "x")

    names = [p.relative_to(tmp_path).as_posix() for p in list_kb_files(tmp_path)]

    assert names == [
        "Guide.PDF",
        "about.htm",
        "catalog.csv",
        "discounts.csv",
        "faq.md",
        "notes.markdown",
        "policy.txt",
        "sub/deep/terms.md",
    ]


def test_list_kb_files_ignores_underscores_in_the_parent_path(tmp_path: Path) -> None:
    """Only parts inside the KB folder count: a KB kept under `_work/` is still read."""
    kb = tmp_path / "_work" / ".kb"
    write(kb / "faq.md", "x")

    assert list_kb_files(kb) == [kb / "faq.md"]
