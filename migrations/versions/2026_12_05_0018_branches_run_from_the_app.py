"""branches run from the app (issue 18): a branch's receipt header line and when it was closed;
staff_branches, the branches each staff member works at, filled from each one's home branch
(staff.branch_id, which stays)

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import desk_app.db.types

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ADD COLUMN (branches is referenced by most tables: no batch copy on SQLite)
    op.add_column("branches", sa.Column("receipt_header", sa.Text(), nullable=False, server_default=""))
    op.add_column("branches", sa.Column("closed_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "staff_branches",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_staff_branches_staff_id_staff")),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name=op.f("fk_staff_branches_branch_id_branches")),
        sa.PrimaryKeyConstraint("staff_id", "branch_id", name=op.f("pk_staff_branches")),
    )
    op.create_index(op.f("ix_staff_branches_branch_id"), "staff_branches", ["branch_id"], unique=False)
    op.execute("INSERT INTO staff_branches (staff_id, branch_id) SELECT id, branch_id FROM staff")


def downgrade() -> None:
    op.drop_index(op.f("ix_staff_branches_branch_id"), table_name="staff_branches")
    op.drop_table("staff_branches")
    op.drop_column("branches", "closed_at")
    op.drop_column("branches", "receipt_header")
