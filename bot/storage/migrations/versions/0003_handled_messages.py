"""Customer messages carry `handled_at`: recovery answers every pending one, whatever came after it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PENDING = "direction = 'in' AND handled_at IS NULL"

# A customer message stored before this revision counts as handled when a reply to it is stored:
# replies carry the id "out:<message id>#r<n>".
_BACKFILL = """
UPDATE messages SET handled_at = created_at
WHERE direction = 'in' AND EXISTS (
    SELECT 1 FROM messages AS reply
    WHERE reply.channel = messages.channel AND reply.direction = 'out'
      AND substr(reply.message_id, 1, length(messages.message_id) + 5) = 'out:' || messages.message_id || '#'
)
"""


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(_BACKFILL)
    op.create_index(
        "ix_messages_pending",
        "messages",
        ["conversation_key", "seq"],
        sqlite_where=sa.text(_PENDING),
        postgresql_where=sa.text(_PENDING),
    )


def downgrade() -> None:
    op.drop_index("ix_messages_pending", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("handled_at")
