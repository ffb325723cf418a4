"""A chunk of a document and its stable id: light, so change checks need no ML imports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

_NAMESPACE = uuid.UUID("6f1d3c8e-1f0a-4a57-9a5e-3b1e6c0f5a11")


@dataclass(frozen=True, slots=True)
class Chunk:
    """A piece of a document. `id` is a UUID (Qdrant wants UUID point ids)."""

    id: str
    source: str
    heading: str
    text: str

    def embed_text(self) -> str:
        """What gets embedded: the heading gives a short chunk its topic."""
        if self.heading and self.heading not in self.text:
            return f"{self.heading}\n{self.text}"
        return self.text


def chunk_id(source: str, text: str, repeat: int = 0) -> str:
    """Stable per content, so an unchanged chunk keeps its id when others in its file change.

    `repeat` tells apart identical texts within one file.
    """
    return str(uuid.uuid5(_NAMESPACE, f"{source}\x00{repeat}\x00{text}"))
