"""Errors of the knowledge base that the command line reports to the user."""

from __future__ import annotations


class KnowledgeBaseError(Exception):
    """A problem the user can fix: a missing folder, an unreachable store."""


class DocumentError(KnowledgeBaseError):
    """One file could not be read; the rest of the folder is still ingested."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
