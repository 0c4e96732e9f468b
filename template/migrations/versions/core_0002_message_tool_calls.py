"""Messages carry tool calls and tool results, and answers an item id (Responses API).

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "core_0002"
down_revision: str | Sequence[str] | None = "core_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("tool_calls", sa.JSON(none_as_null=True), nullable=True))
        batch.add_column(sa.Column("tool_call_id", sa.String(128), nullable=True))
        batch.add_column(sa.Column("item_id", sa.String(64), nullable=True))
        batch.create_index("ix_messages_item_id", ["item_id"])


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_index("ix_messages_item_id")
        batch.drop_column("item_id")
        batch.drop_column("tool_call_id")
        batch.drop_column("tool_calls")
