"""Channel ledger: raw inbound payloads, outbound deliveries, blocked conversations, read positions.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "channel_payloads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("conversation_key", sa.Text(), nullable=False),
        sa.Column("disposition", sa.String(32), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("attachments", sa.Text(), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_channel_payloads"),
        sa.UniqueConstraint("channel", "message_id", name="uq_channel_payloads_channel_message_id"),
    )
    op.create_index(
        "ix_channel_payloads_conversation_key", "channel_payloads", ["conversation_key", "id"]
    )
    op.create_table(
        "channel_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("conversation_key", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_channel_deliveries"),
        sa.UniqueConstraint("channel", "message_id", name="uq_channel_deliveries_channel_message_id"),
    )
    op.create_index("ix_channel_deliveries_channel", "channel_deliveries", ["channel", "external_id"])
    op.create_table(
        "conversation_blocks",
        sa.Column("conversation_key", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("conversation_key", name="pk_conversation_blocks"),
    )
    op.create_table(
        "channel_positions",
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("channel", "name", name="pk_channel_positions"),
    )


def downgrade() -> None:
    op.drop_table("channel_positions")
    op.drop_table("conversation_blocks")
    op.drop_index("ix_channel_deliveries_channel", table_name="channel_deliveries")
    op.drop_table("channel_deliveries")
    op.drop_index("ix_channel_payloads_conversation_key", table_name="channel_payloads")
    op.drop_table("channel_payloads")
