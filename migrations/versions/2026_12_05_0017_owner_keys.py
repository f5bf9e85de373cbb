"""owner_keys: the owner key an unattended script (a cron export or backup) passes in
DESK_APP_OWNER_KEY to act as the owner (issue 18); only its hash is kept

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import desk_app.db.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "owner_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.Text(), nullable=False),
        sa.Column("hint", sa.String(length=16), nullable=False),
        sa.Column("created_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_owner_keys_staff_id_staff")),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["staff.id"], name=op.f("fk_owner_keys_revoked_by_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_owner_keys")),
    )


def downgrade() -> None:
    op.drop_table("owner_keys")
