"""contacts: the answer deadline of an inquiry or service request, the rings before a phone call
was picked up, and where the contact came from (``source``: the desk, or a problem the client
raised on a follow-up call, answered within working days) (issue 15)

Existing inquiries and requests count as answered when they were logged (that is how the desk
worked until now: a contact was logged once dealt with).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import desk_app.db.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("reply_due_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("replied_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reply", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("rings", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("source", sa.String(length=20), nullable=False, server_default="desk"))
    op.execute("UPDATE contacts SET reply_due_at = at, replied_at = at WHERE kind IN ('inquiry', 'service_request')")


def downgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        for col in ("source", "rings", "reply", "replied_at", "reply_due_at"):
            batch.drop_column(col)
