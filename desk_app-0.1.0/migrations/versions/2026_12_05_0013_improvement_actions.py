"""the monthly review (PDCA, issue 15): improvement actions with an owner and a date, and whether
the next month's review found them done

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import desk_app.db.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "improvement_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("outcome_note", sa.Text(), nullable=False),
        sa.Column("carried_from_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["staff.id"], name=op.f("fk_improvement_actions_owner_id_staff")),
        sa.ForeignKeyConstraint(["created_by_id"], ["staff.id"], name=op.f("fk_improvement_actions_created_by_id_staff")),
        sa.ForeignKeyConstraint(
            ["carried_from_id"], ["improvement_actions.id"], name=op.f("fk_improvement_actions_carried_from_id_improvement_actions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_actions")),
    )
    with op.batch_alter_table("improvement_actions") as batch:
        batch.create_index(batch.f("ix_improvement_actions_month"), ["month"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("improvement_actions") as batch:
        batch.drop_index(batch.f("ix_improvement_actions_month"))
    op.drop_table("improvement_actions")
