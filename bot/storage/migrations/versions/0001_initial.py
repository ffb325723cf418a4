"""Initial schema: conversations, messages, leads, CRM outbox, local board cards.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_conversations"),
        sa.UniqueConstraint("key", name="uq_conversations_key"),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_key", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.ForeignKeyConstraint(
            ["conversation_key"],
            ["conversations.key"],
            name="fk_messages_conversation_key_conversations",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("channel", "message_id", name="uq_messages_channel_message_id"),
        sa.UniqueConstraint("conversation_key", "seq", name="uq_messages_conversation_key_seq"),
    )
    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("hot", sa.Boolean(), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_leads"),
        sa.UniqueConstraint("key", name="uq_leads_key"),
    )
    op.create_index("ix_leads_updated_at", "leads", ["updated_at"])
    op.create_table(
        "crm_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("next_attempt_at"),
        _when("delivered_at", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_crm_outbox"),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name="fk_crm_outbox_lead_id_leads", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("idempotency_key", name="uq_crm_outbox_idempotency_key"),
    )
    op.create_index("ix_crm_outbox_lead_id", "crm_outbox", ["lead_id"])
    op.create_index("ix_crm_outbox_delivered_at", "crm_outbox", ["delivered_at", "next_attempt_at"])
    op.create_table(
        "board_cards",
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("hot", sa.Boolean(), nullable=False),
        _when("lead_updated_at"),
        _when("synced_at"),
        sa.PrimaryKeyConstraint("lead_id", name="pk_board_cards"),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name="fk_board_cards_lead_id_leads", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    op.drop_table("board_cards")
    op.drop_index("ix_crm_outbox_delivered_at", table_name="crm_outbox")
    op.drop_index("ix_crm_outbox_lead_id", table_name="crm_outbox")
    op.drop_table("crm_outbox")
    op.drop_index("ix_leads_updated_at", table_name="leads")
    op.drop_table("leads")
    op.drop_table("messages")
    op.drop_table("conversations")
