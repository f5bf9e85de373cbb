"""complaints: a resolve deadline by severity and the call-back after a resolution (issue 15)

``resolve_due_at`` is set when a complaint is opened (the severity's standard). Existing
complaints get the medium standard's default, 72 hours after opening. ``callback_*`` record the
call that asks a client whether they are satisfied with the resolution; ``reopened_count`` how
often "not satisfied" reopened it.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import desk_app.db.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("resolve_due_at", "callback_due_at", "callback_at", "callback_result", "callback_note", "reopened_count")


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("resolve_due_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("callback_due_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("callback_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("callback_result", sa.String(length=20), nullable=False, server_default=""))
        batch.add_column(sa.Column("callback_note", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("reopened_count", sa.Integer(), nullable=False, server_default="0"))
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "UPDATE complaints SET resolve_due_at = strftime('%Y-%m-%d %H:%M:%f000', opened_at, '+72 hours')"
        )
    else:
        op.execute("UPDATE complaints SET resolve_due_at = opened_at + interval '72 hours'")


def downgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        for col in reversed(_COLUMNS):
            batch.drop_column(col)
