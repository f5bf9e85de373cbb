"""spot checks (issue 15): a supervisor checks randomly drawn visits, follow-up calls and
complaints for completeness and truth

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import desk_app.db.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "spot_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("week_of", sa.Date(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("checked_by_id", sa.Integer(), nullable=True),
        sa.Column("checked_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("corrected_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_spot_checks_staff_id_staff")),
        sa.ForeignKeyConstraint(["checked_by_id"], ["staff.id"], name=op.f("fk_spot_checks_checked_by_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spot_checks")),
        sa.UniqueConstraint("kind", "record_id", name="uq_spot_checks_kind_record"),
    )
    with op.batch_alter_table("spot_checks") as batch:
        batch.create_index(batch.f("ix_spot_checks_week_of"), ["week_of"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("spot_checks") as batch:
        batch.drop_index(batch.f("ix_spot_checks_week_of"))
    op.drop_table("spot_checks")
