"""complaints: the stylist who serves the client from now on, when the remedy of a complaint is
to replace the staff member it named (issue 15, the source's "replace the staff member"); the
calendar warns when that client is booked with the one replaced

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


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("replacement_staff_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_complaints_replacement_staff_id_staff", "staff", ["replacement_staff_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.drop_constraint("fk_complaints_replacement_staff_id_staff", type_="foreignkey")
        batch.drop_column("replacement_staff_id")
