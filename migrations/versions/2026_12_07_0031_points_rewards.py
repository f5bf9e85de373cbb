"""rewards for loyalty points (issue 21, docs/loyalty.md): the owner's catalogue of rewards, and the number
of the sale line a reward made free on its points movement.

Revision ID: 0031
Revises: 0030
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def upgrade() -> None:
    op.create_table(
        "points_rewards",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("service_id", sa.Integer(), sa.ForeignKey("services.id"), nullable=True),
        sa.Column("product_id", sa.Integer(), sa.ForeignKey("products.id"), nullable=True),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.add_column("points_movements", sa.Column("line_no", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("points_movements") as batch:
        batch.drop_column("line_no")
    op.drop_table("points_rewards")
