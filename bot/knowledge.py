"""What retrieval returns: a passage of the company's documents with its origin."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Passage:
    """A retrieved chunk. `source` is the path relative to the KB folder."""

    text: str
    source: str
    heading: str = ""
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class Evidence:
    """A sentence of a passage that answers a question, and how much of the question it covers (0..1)."""

    sentence: str
    passage: Passage
    coverage: float
    similarity: float = 0.0  # how closely the sentence's own words match (1.0 = the same words)
    own_coverage: float = 0.0  # share of the question covered by the sentence alone, not its heading
