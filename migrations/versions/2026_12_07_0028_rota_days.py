"""the rota (issue 21, docs/payroll.md "Rota"): a day planned for one person, overriding their
standard weekly hours on that date (a day off when from_time is null).

Revision ID: 0028
Revises: 0027
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from desk_app.db.types import UTCDateTime

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rota_days",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("from_time", sa.String(5), nullable=True),
        sa.Column("to_time", sa.String(5), nullable=True),
        sa.Column("break_from", sa.String(5), nullable=True),
        sa.Column("break_to", sa.String(5), nullable=True),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("updated_by_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("staff_id", "day", name="uq_rota_days_staff_day"),
    )


def downgrade() -> None:
    op.drop_table("rota_days")
