"""client_history: the past visits a shop brings over from its old system (issue 15), kept for
reference on the client's profile (date, what was done, by whom, the amount) -- not sales: the
shop's reports and books start with this app

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import desk_app.db.types

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "client_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("at", desk_app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("staff_name", sa.String(length=120), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("imported_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_client_history_client_id_clients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_history")),
    )
    op.create_index(op.f("ix_client_history_client_id"), "client_history", ["client_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_client_history_client_id"), table_name="client_history")
    op.drop_table("client_history")
