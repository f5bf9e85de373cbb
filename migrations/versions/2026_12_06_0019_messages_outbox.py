"""messages that reach clients (issue 19): the outbox, the owner's message templates, and each
client's consent to text messages and email

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import desk_app.db.types

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ADD COLUMN (clients is referenced by most tables: no batch copy on SQLite); nobody has
    # consented yet: the shop asks each client (docs/messages.md, "Consent")
    op.add_column("clients", sa.Column("sms_consent", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("clients", sa.Column("sms_consent_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=True))
    op.add_column("clients", sa.Column("email_consent", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("clients", sa.Column("email_consent_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("ref_kind", sa.String(length=20), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=160), nullable=False),
        sa.Column("planned_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error_code", sa.String(length=20), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=False),
        sa.Column("provider_id", sa.String(length=120), nullable=False),
        sa.Column("to_address", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("claimed_by", sa.String(length=80), nullable=False),
        sa.Column("claimed_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resend_of_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_outbox_client_id_clients")),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name=op.f("fk_outbox_branch_id_branches")),
        sa.ForeignKeyConstraint(["resend_of_id"], ["outbox.id"], name=op.f("fk_outbox_resend_of_id_outbox")),
        sa.ForeignKeyConstraint(["created_by_id"], ["staff.id"], name=op.f("fk_outbox_created_by_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_dedupe_key")),
    )
    op.create_index(op.f("ix_outbox_client_id"), "outbox", ["client_id"], unique=False)
    op.create_index(op.f("ix_outbox_sent_at"), "outbox", ["sent_at"], unique=False)
    op.create_index("ix_outbox_state_due", "outbox", ["state", "due_at"], unique=False)
    op.create_index("ix_outbox_ref", "outbox", ["ref_kind", "ref_id"], unique=False)
    op.create_table(
        "message_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", desk_app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by_id"], ["staff.id"], name=op.f("fk_message_templates_updated_by_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_templates")),
        sa.UniqueConstraint("kind", "language", name="uq_message_templates_kind_language"),
    )


def downgrade() -> None:
    op.drop_table("message_templates")
    op.drop_index("ix_outbox_ref", table_name="outbox")
    op.drop_index("ix_outbox_state_due", table_name="outbox")
    op.drop_index(op.f("ix_outbox_sent_at"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_client_id"), table_name="outbox")
    op.drop_table("outbox")
    op.drop_column("clients", "email_consent_at")
    op.drop_column("clients", "email_consent")
    op.drop_column("clients", "sms_consent_at")
    op.drop_column("clients", "sms_consent")
