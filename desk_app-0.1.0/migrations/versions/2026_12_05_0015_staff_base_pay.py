"""staff: the base pay a month (the owner's, optional), so the appraisal shows the performance pay
and the bonus as amounts, not only as shares of base pay (issue 15, the source's staff appraisal)

A plain ADD COLUMN (no batch rebuild): on SQLite a rebuild drops and re-creates ``staff``, which
every other table refers to.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("staff", sa.Column("base_pay_minor", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("staff", "base_pay_minor")
