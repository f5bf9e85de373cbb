"""each staff member's base pay with its history (issue 21, docs/payroll.md): a change is a new
row in force from a month on, so past months keep the pay they had. The pay each has now is
backfilled as in force since 2000-01-01 (the only figure there was).

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from desk_app.db.types import UTCDateTime

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_base_pays",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("monthly_minor", sa.BigInteger(), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_staff_base_pays_staff_from", "staff_base_pays", ["staff_id", "effective_from"])
    op.execute(
        "INSERT INTO staff_base_pays (staff_id, monthly_minor, effective_from, created_at) "
        "SELECT id, base_pay_minor, '2000-01-01', CURRENT_TIMESTAMP FROM staff WHERE base_pay_minor IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index("ix_staff_base_pays_staff_from", table_name="staff_base_pays")
    op.drop_table("staff_base_pays")
