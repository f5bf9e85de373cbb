"""purchasing and stocktake (issue 21, docs/stock.md): suppliers, purchase orders and their lines,
stock counts and their lines; a product's usual supplier and pack size; the order line or count a
stock movement belongs to; and an ``opening`` movement for each product whose stock was set without
movements (a seeded catalogue), so a product's stock is the sum of its movements from here on.

Revision ID: 0032
Revises: 0031
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from desk_app.db.types import UTCDateTime

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ADDED = (  # (table, column, referenced table)
    ("products", "supplier_id", "suppliers"),
    ("stock_movements", "order_line_id", "purchase_order_lines"),
    ("stock_movements", "count_id", "stock_counts"),
)


def upgrade() -> None:
    op.create_table(
        "suppliers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("contact", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(60), nullable=False),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "purchase_orders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(20), nullable=False, unique=True),
        sa.Column("supplier_id", sa.Integer(), sa.ForeignKey("suppliers.id"), nullable=False, index=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "purchase_order_lines",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("purchase_orders.id"), nullable=False, index=True),
        sa.Column("product_id", sa.Integer(), sa.ForeignKey("products.id"), nullable=False),
        sa.Column("qty_ordered", sa.Integer(), nullable=False),
        sa.Column("qty_received", sa.Integer(), nullable=False),
        sa.Column("unit_cost_minor", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "stock_counts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("scope", sa.String(12), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("started_by", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("closed_by", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
    )
    op.create_table(
        "stock_count_lines",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("count_id", sa.Integer(), sa.ForeignKey("stock_counts.id"), nullable=False, index=True),
        sa.Column("product_id", sa.Integer(), sa.ForeignKey("products.id"), nullable=False),
        sa.Column("counted_qty", sa.Integer(), nullable=False),
        sa.Column("expected_qty", sa.Integer(), nullable=False),
        sa.Column("counted_at", UTCDateTime(), nullable=False),
        sa.Column("counted_by", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.UniqueConstraint("count_id", "product_id"),
    )
    op.add_column("products", sa.Column("pack_qty", sa.Integer(), nullable=False, server_default="1"))
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column, ref in _ADDED:
        if sqlite:  # SQLite adds a column with its REFERENCES clause in place (a batch copy would drop triggers)
            op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER REFERENCES {ref} (id)")
        else:
            op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(f"fk_{table}_{column}_{ref}", table, ref, [column], ["id"])
    op.create_index("ix_stock_movements_order_line_id", "stock_movements", ["order_line_id"])
    op.create_index("ix_stock_movements_count_id", "stock_movements", ["count_id"])
    # the stock each product had before its movements: dated with its first movement, or now
    op.get_bind().execute(
        sa.text(
            """INSERT INTO stock_movements (product_id, qty_delta, reason, note, at)
               SELECT p.id, p.stock_qty - COALESCE((SELECT SUM(m.qty_delta) FROM stock_movements m
                                                    WHERE m.product_id = p.id), 0),
                      'opening', '',
                      COALESCE((SELECT MIN(m.at) FROM stock_movements m WHERE m.product_id = p.id), :now)
               FROM products p
               WHERE p.stock_qty != COALESCE((SELECT SUM(m.qty_delta) FROM stock_movements m
                                              WHERE m.product_id = p.id), 0)"""
        ).bindparams(sa.bindparam("now", datetime.now(UTC), type_=UTCDateTime()))
    )


def downgrade() -> None:
    op.execute("DELETE FROM stock_movements WHERE reason = 'opening'")
    op.drop_index("ix_stock_movements_count_id", table_name="stock_movements")
    op.drop_index("ix_stock_movements_order_line_id", table_name="stock_movements")
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column, ref in _ADDED:
        if not sqlite:
            op.drop_constraint(f"fk_{table}_{column}_{ref}", table, type_="foreignkey")
        op.drop_column(table, column)  # in place on SQLite too (a batch copy of products breaks its references)
    op.drop_column("products", "pack_qty")
    for table in ("stock_count_lines", "stock_counts", "purchase_order_lines", "purchase_orders", "suppliers"):
        op.drop_table(table)
