"""the time clock (issue 21, docs/payroll.md "Time clock"): one row per punch; the owner's
corrections are new rows that add a punch or replace one, with a reason.

Revision ID: 0027
Revises: 0026
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from desk_app.db.types import UTCDateTime

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "time_punches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("branch_id", sa.Integer(), sa.ForeignKey("branches.id"), nullable=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("replaces_id", sa.Integer(), sa.ForeignKey("time_punches.id"), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("replaces_id", name="uq_time_punches_replaces_id"),
    )
    op.create_index("ix_time_punches_staff_at", "time_punches", ["staff_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_time_punches_staff_at", table_name="time_punches")
    op.drop_table("time_punches")
