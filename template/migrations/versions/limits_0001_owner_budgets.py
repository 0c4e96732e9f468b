"""Daily budgets an administrator set per owner.

Revision ID: limits_0001
Revises:
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "limits_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("limits",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "owner_budgets",
        sa.Column("owner_id", sa.String(64), primary_key=True),
        sa.Column("tokens_per_day", sa.Integer, nullable=True),
        sa.Column("cost_per_day", sa.Float, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("owner_budgets")
