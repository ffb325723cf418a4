"""The sales tools every responder uses: retrieval, the reader and the catalog."""

from __future__ import annotations

from dataclasses import dataclass

from bot.ports import Catalog, Reader, Retriever


@dataclass(frozen=True, slots=True)
class SalesTools:
    """Shared by the offline and the Claude responder, so both quote the same numbers."""

    retriever: Retriever
    reader: Reader
    catalog: Catalog
    company: str = ""
    top_k: int = 6
    # Share of a question's topic words a sentence must cover to count as an answer.
    min_coverage: float = 0.5
    # Documents that say they are internal (playbooks, qualification guides): never quoted.
    internal_sources: frozenset[str] = frozenset()
