"""complaints: the stylist who serves the client from now on, when the remedy of a complaint is
to replace the staff member it named (issue 15, the source's "replace the staff member"); the
calendar warns when that client is booked with the one replaced

A plain ADD COLUMN with its reference (no batch rebuild: on SQLite a rebuild drops and
re-creates ``complaints``, which client credits refer to).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK = "fk_complaints_replacement_staff_id_staff"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its REFERENCES clause in place
        op.execute("ALTER TABLE complaints ADD COLUMN replacement_staff_id INTEGER REFERENCES staff (id)")
    else:
        op.add_column("complaints", sa.Column("replacement_staff_id", sa.Integer(), nullable=True))
        op.create_foreign_key(FK, "complaints", "staff", ["replacement_staff_id"], ["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(FK, "complaints", type_="foreignkey")
    op.drop_column("complaints", "replacement_staff_id")
