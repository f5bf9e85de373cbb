"""two indexes for the monthly report at a million sale lines: a client's first visit and a
client's sales of the last year are read from an index alone (new/returning clients and the value
segments of the clients served; docs/performance.md, "Monthly report at a million lines")

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_visits_client_first", "visits", ["client_id", "arrived_at", "step"])
    op.create_index("ix_sales_client_sold", "sales", ["client_id", "sold_at"])


def downgrade() -> None:
    op.drop_index("ix_sales_client_sold", table_name="sales")
    op.drop_index("ix_visits_client_first", table_name="visits")
