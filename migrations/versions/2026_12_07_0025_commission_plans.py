"""the owner's commission plans (issue 21, docs/payroll.md): one row per change, each in force
from a day on, so a past pay period keeps the rates it was earned under

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from desk_app.db.types import UTCDateTime

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "commission_plans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_commission_plans_effective_from", "commission_plans", ["effective_from"])


def downgrade() -> None:
    op.drop_index("ix_commission_plans_effective_from", table_name="commission_plans")
    op.drop_table("commission_plans")
