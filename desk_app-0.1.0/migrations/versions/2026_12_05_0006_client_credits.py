"""client credits: a voucher or discount promised on a complaint, owed until a later checkout uses it
(issue 15, "compensation next time is lost")

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import desk_app.db.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "client_credits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("created_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("used_sale_id", sa.Integer(), nullable=True),
        sa.Column("used_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_client_credits_client_id_clients")),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaints.id"], name=op.f("fk_client_credits_complaint_id_complaints")
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["staff.id"], name=op.f("fk_client_credits_created_by_id_staff")),
        sa.ForeignKeyConstraint(["used_sale_id"], ["sales.id"], name=op.f("fk_client_credits_used_sale_id_sales")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_credits")),
    )
    with op.batch_alter_table("client_credits") as batch:
        batch.create_index(batch.f("ix_client_credits_client_id"), ["client_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("client_credits") as batch:
        batch.drop_index(batch.f("ix_client_credits_client_id"))
    op.drop_table("client_credits")
