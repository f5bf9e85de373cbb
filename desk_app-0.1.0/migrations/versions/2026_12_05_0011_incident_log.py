"""the incident log (issue 15): what went wrong, when, where, at which step, who; its class; the
corrective action with its owner and re-check date

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import desk_app.db.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("happened_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=120), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("staff_involved_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("action_owner_id", sa.Integer(), nullable=True),
        sa.Column("recheck_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rechecks", sa.Integer(), nullable=False),
        sa.Column("recheck_note", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name=op.f("fk_incidents_branch_id_branches")),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_incidents_client_id_clients")),
        sa.ForeignKeyConstraint(["staff_involved_id"], ["staff.id"], name=op.f("fk_incidents_staff_involved_id_staff")),
        sa.ForeignKeyConstraint(["action_owner_id"], ["staff.id"], name=op.f("fk_incidents_action_owner_id_staff")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["staff.id"], name=op.f("fk_incidents_recorded_by_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    with op.batch_alter_table("incidents") as batch:
        batch.create_index(batch.f("ix_incidents_happened_at"), ["happened_at"], unique=False)
        batch.create_index(batch.f("ix_incidents_client_id"), ["client_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_index(batch.f("ix_incidents_client_id"))
        batch.drop_index(batch.f("ix_incidents_happened_at"))
    op.drop_table("incidents")
