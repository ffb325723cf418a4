"""LLM spend: tokens and cost per conversation and model, so the totals survive restarts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-15
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _count(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.BigInteger(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "llm_spend",
        sa.Column("conversation_key", sa.Text(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        _count("input_tokens"),
        _count("output_tokens"),
        _count("cache_read_tokens"),
        _count("cache_write_tokens"),
        _count("cost_picodollars"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("conversation_key", "model", name="pk_llm_spend"),
    )


def downgrade() -> None:
    op.drop_table("llm_spend")
