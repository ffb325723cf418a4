"""Dialect-specific upserts: SQLite and PostgreSQL both speak INSERT ... ON CONFLICT."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url

Insert = postgresql.Insert | sqlite.Insert


def insert_for(dialect: str, entity: Any) -> Insert:
    """An INSERT with `on_conflict_do_*` for the dialect in use."""
    if dialect == "postgresql":
        return postgresql.insert(entity)
    if dialect == "sqlite":
        return sqlite.insert(entity)
    raise ValueError(f"unsupported database dialect {dialect!r}: use SQLite or PostgreSQL")


def async_url(url: str) -> URL:
    """The asyncio-driver form of a database URL.

    Accepts what platforms put in DATABASE_URL (`postgres://`, `postgresql://`,
    libpq's `sslmode=`) and plain `sqlite:///`.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
        if "sslmode" in parsed.query:
            # asyncpg takes `ssl` and rejects libpq's `sslmode` keyword.
            ssl = parsed.query["sslmode"]
            parsed = parsed.difference_update_query(["sslmode"]).update_query_dict({"ssl": ssl})
    elif backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    else:
        raise ValueError(f"unsupported database URL scheme {parsed.drivername!r}: use SQLite or PostgreSQL")
    return parsed
