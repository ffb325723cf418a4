"""Splitting documents into chunks that keep their source path and heading."""

from __future__ import annotations

import re
from collections import Counter

from llama_index.core import Document
from llama_index.core.node_parser import MarkdownNodeParser, SentenceSplitter

from knowledge_base.chunks import Chunk, chunk_id

__all__ = ["Chunk", "chunk_id", "chunk_markdown", "unwrap"]

# e5-small reads at most 512 tokens; smaller chunks keep one fact per chunk,
# which is what a sales question asks for.
CHUNK_TOKENS = 220
CHUNK_OVERLAP = 30


# A line that starts a new block: a list item, a heading, a table row or a quote.
_BLOCK_START = re.compile(r"^\s*(?:[-*•+]\s|\d+[.)]\s|#|\||>)")


def unwrap(text: str) -> str:
    """Join hard-wrapped lines of a paragraph or list item into one line.

    Documents wrap long sentences at ~100 characters; a sentence must stay whole
    for the reader to quote it.
    """
    lines: list[str] = []
    for line in text.splitlines():
        if lines and lines[-1].strip() and line.strip() and not _BLOCK_START.match(line):
            lines[-1] = f"{lines[-1].rstrip()} {line.strip()}"
        else:
            lines.append(line)
    return "\n".join(lines)


_TABLE_ROW = re.compile(r"^\s*\|(.+)\|\s*$")
_RULE_ROW = re.compile(r"^\s*\|[\s:|-]+\|\s*$")


def flatten_tables(text: str) -> str:
    """Markdown table rows as sentences that carry their column names: a row "| Dubai | 50 AED |
    1,500 AED |" under "| Area | Rate | Free from |" becomes "Area: Dubai; Rate: 50 AED; Free
    from: 1,500 AED." A row alone says nothing the reader can match a question to."""
    out: list[str] = []
    header: list[str] | None = None
    for line in text.splitlines():
        row = _TABLE_ROW.match(line)
        if row is None:
            header = None
            out.append(line)
        elif _RULE_ROW.match(line):
            continue
        elif header is None:
            header = [c.strip() for c in row.group(1).split("|")]
        else:
            cells = [c.strip() for c in row.group(1).split("|")]
            pairs = [f"{h}: {c}" if h else c for h, c in zip(header, cells, strict=False) if c]
            out.append("- " + "; ".join(pairs).rstrip(".") + ".")
    return "\n".join(out)


def _heading_of(header_path: str, text: str) -> tuple[str, str]:
    """(heading path, body) of a Markdown section node."""
    parents = [h for h in header_path.strip("/").split("/") if h]
    first, _, rest = text.partition("\n")
    if first.lstrip().startswith("#"):
        parents.append(first.lstrip("# ").strip())
        return " / ".join(parents), rest.strip()
    return " / ".join(parents), text.strip()


def chunk_markdown(source: str, text: str) -> list[Chunk]:
    """Sections by Markdown heading, long sections split by sentences."""
    sections = MarkdownNodeParser(header_path_separator="/").get_nodes_from_documents(
        [Document(text=text)]
    )
    splitter = SentenceSplitter(chunk_size=CHUNK_TOKENS, chunk_overlap=CHUNK_OVERLAP)
    chunks: list[Chunk] = []
    seen: Counter[str] = Counter()
    for section in sections:
        heading, body = _heading_of(str(section.metadata.get("header_path", "")), section.get_content())
        body = unwrap(flatten_tables(body))
        if not body:
            continue
        for piece in splitter.split_text(body):
            piece = piece.strip()
            if piece:
                # The id hashes what gets embedded (heading included): a renamed heading
                # must give its chunks new ids, or ingestion would keep the old vectors.
                embedded = Chunk("", source, heading, piece).embed_text()
                chunks.append(Chunk(chunk_id(source, embedded, seen[embedded]), source, heading, piece))
                seen[embedded] += 1
    return chunks
