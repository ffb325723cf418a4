"""Russian people and organisations found by Natasha's NER model, loaded once per process.

Natasha ships its model inside its packages, so nothing is downloaded. It reads Russian only:
a text without Cyrillic letters is not given to it.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_lock = threading.Lock()
_model: tuple[Any, Any] | None = None


@dataclass(frozen=True, slots=True)
class Entity:
    """A person (PER), organisation (ORG) or place (LOC) and where it stands in the text."""

    kind: str
    start: int
    end: int
    text: str


def _loaded() -> tuple[Any, Any]:
    """The segmenter and the NER tagger, built on first use (about a second and a half)."""
    global _model
    with _lock:
        if _model is None:
            from natasha import NewsEmbedding, NewsNERTagger, Segmenter

            _model = (Segmenter(), NewsNERTagger(NewsEmbedding()))
        return _model


@lru_cache(maxsize=256)  # the name and the company extractors read the same message
def entities(text: str) -> tuple[Entity, ...]:
    """The named entities of a Russian text; none for a text without Cyrillic letters."""
    if not _CYRILLIC.search(text):
        return ()
    from natasha import Doc

    segmenter, tagger = _loaded()
    doc = Doc(text)
    with _lock:  # the tagger keeps state while it runs; one message at a time
        doc.segment(segmenter)
        doc.tag_ner(tagger)
    return tuple(Entity(span.type, span.start, span.stop, span.text) for span in doc.spans)


def of_kind(text: str, kind: str) -> list[Entity]:
    """The entities of one kind ("PER", "ORG", "LOC") in the text."""
    return [e for e in entities(text) if e.kind == kind]
