"""Reading the document files of a knowledge-base folder into Markdown-ish text.

Every format is turned into text with Markdown headings, so one chunker keeps
each chunk's heading whatever the source format was.
"""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup
from bs4.element import NavigableString, Tag
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from knowledge_base.changes import DOCUMENT_SUFFIXES, TABLE_FILES, list_kb_files
from knowledge_base.errors import DocumentError

__all__ = ["DOCUMENT_SUFFIXES", "TABLE_FILES", "list_kb_files", "read_document"]



def read_text_file(path: Path) -> str:
    """UTF-8 text (with or without BOM); other encodings are refused clearly."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(path.name, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


# Elements whose whole text is one line (their nested blocks are not repeated).
_WHOLE_BLOCKS = frozenset(
    ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "th", "dt", "dd", "pre", "caption", "figcaption"]
)
_INLINE = frozenset(
    """a abbr b bdi bdo br cite code data dfn em font i img kbd label mark q s samp small span strong
    sub sup time u var wbr""".split()
)
_SKIPPED = frozenset(["head", "title", "meta", "link"])


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _whole_block(el: Tag) -> str:
    text = _one_line(el.get_text(" ", strip=True))
    if not text:
        return ""
    if el.name in ("h1", "h2", "h3", "h4", "h5", "h6"):
        return f"\n{'#' * int(el.name[1])} {text}\n"
    return ("- " if el.name == "li" else "") + text


def _table_lines(table: Tag) -> list[str]:
    """A table as Markdown rows (its caption first), so that chunking writes each row with its
    column names, as for a Markdown table: cells run together say nothing about what they are."""
    lines = [f"{_one_line(c.get_text(' ', strip=True))}." for c in table.find_all("caption")]
    rows = [[_one_line(cell.get_text(" ", strip=True)).replace("|", "/") for cell in row.find_all(["th", "td"])]
            for row in table.find_all("tr")]
    rows = [r for r in rows if any(r)]
    for index, row in enumerate(rows):
        lines.append("| " + " | ".join(row) + " |")
        if index == 0:
            lines.append("|" + " --- |" * len(row))
    return [*lines, ""]


def _block_lines(parent: Tag, lines: list[str]) -> None:
    """Lines of `parent` in document order.

    Text outside the whole blocks (directly in a <div>, a <blockquote>...) is kept as
    its own line where it stands, so it stays under its heading.
    """
    pending: list[str] = []

    def flush() -> None:
        text = _one_line(" ".join(pending))
        if text:
            lines.append(text)
        pending.clear()

    for child in parent.children:
        if type(child) is NavigableString:  # not a Comment, Doctype or CData
            pending.append(child.strip())
        elif not isinstance(child, Tag) or child.name in _SKIPPED:
            continue
        elif child.name == "table":
            flush()
            lines.extend(_table_lines(child))
        elif child.name in _WHOLE_BLOCKS:
            flush()
            if line := _whole_block(child):
                lines.append(line)
        elif child.name in _INLINE and child.find(_WHOLE_BLOCKS) is None:
            pending.append(child.get_text(" ", strip=True))
        else:
            flush()
            _block_lines(child, lines)
    flush()


def html_to_markdown(html: str) -> str:
    """Headings become `#` lines, paragraphs, list items and other text blocks become lines."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    lines: list[str] = []
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    _block_lines(soup.body or soup, lines)
    if title and not any(line.lstrip().startswith("# ") for line in lines):
        lines.insert(0, f"# {title}\n")
    return "\n".join(lines).strip() + "\n"


def pdf_to_text(path: Path) -> str:
    """Text of every page; a PDF with no extractable text is an error, not an empty document."""
    try:
        reader = PdfReader(path)
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, OSError, ValueError, KeyError, TypeError) as exc:
        raise DocumentError(path.name, f"unreadable PDF ({exc})") from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise DocumentError(path.name, "PDF has no extractable text (scanned image?)")
    return text + "\n"


def read_document(path: Path) -> str:
    """The document as Markdown-ish text, by its suffix."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return pdf_to_text(path)
    text = read_text_file(path)
    if suffix in (".html", ".htm"):
        return html_to_markdown(text)
    return text
