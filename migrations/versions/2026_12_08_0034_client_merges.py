"""merging two profiles of one person (issue 22, docs/clients.md "Duplicates"): a client merged
into another (``clients.merged_into_id``), the record of each merge with what it moved and changed
(``client_merges``, undone by a new record), and the pairs the owner said are two people
(``not_duplicates``).

Revision ID: 0034
Revises: 0033
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from desk_app.db.types import UTCDateTime

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # in place, with its REFERENCES (a batch copy would drop triggers)
        op.execute("ALTER TABLE clients ADD COLUMN merged_into_id INTEGER REFERENCES clients (id)")
    else:
        op.add_column("clients", sa.Column("merged_into_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_clients_merged_into_id_clients", "clients", "clients", ["merged_into_id"], ["id"])
    # no index on merged_into_id: SQLite took it for "merged_into_id IS NULL" and sorted every client
    # for each list page; profiles merged into one are found by a scan, for an erasure or data request
    op.create_table(
        "client_merges",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kept_id", sa.Integer(), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("merged_id", sa.Integer(), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("moved", sa.JSON(), nullable=False),
        sa.Column("kept_before", sa.JSON(), nullable=False),
        sa.Column("kept_after", sa.JSON(), nullable=False),
        sa.Column("prepaid_minor", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("undone_at", UTCDateTime(), nullable=True),
        sa.Column("undone_by_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
    )
    op.create_index("ix_client_merges_kept_id", "client_merges", ["kept_id"])
    op.create_index("ix_client_merges_merged_id", "client_merges", ["merged_id"])
    op.create_table(
        "not_duplicates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("low_id", sa.Integer(), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("high_id", sa.Integer(), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.UniqueConstraint("low_id", "high_id", name="uq_not_duplicates_pair"),
    )
    op.create_index("ix_not_duplicates_high_id", "not_duplicates", ["high_id"])


def downgrade() -> None:
    op.drop_table("not_duplicates")
    op.drop_table("client_merges")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_clients_merged_into_id_clients", "clients", type_="foreignkey")
    op.drop_column("clients", "merged_into_id")
