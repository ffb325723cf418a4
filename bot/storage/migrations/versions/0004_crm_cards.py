"""External CRM cards: each lead's card id, salesbot's own moves (webhook echoes), effects done once.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "crm_cards",
        sa.Column("sink", sa.String(32), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.String(64), nullable=False),
        sa.Column("list_id", sa.String(64), nullable=True),
        sa.Column("stage", sa.String(32), nullable=True),
        sa.Column("lead_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("sink", "lead_id", name="pk_crm_cards"),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name="fk_crm_cards_lead_id_leads", ondelete="CASCADE"),
        sa.UniqueConstraint("sink", "card_id", name="uq_crm_cards_sink_card_id"),
    )
    op.create_table(
        "crm_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sink", sa.String(32), nullable=False),
        sa.Column("card_id", sa.String(64), nullable=False),
        sa.Column("list_id", sa.String(64), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_crm_moves"),
    )
    op.create_index("ix_crm_moves_sink", "crm_moves", ["sink", "card_id", "list_id"])
    op.create_table(
        "crm_marks",
        sa.Column("sink", sa.String(32), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("sink", "key", name="pk_crm_marks"),
    )


def downgrade() -> None:
    op.drop_table("crm_marks")
    op.drop_index("ix_crm_moves_sink", table_name="crm_moves")
    op.drop_table("crm_moves")
    op.drop_table("crm_cards")
