"""gift vouchers (issue 21, docs/vouchers.md): the vouchers, the money moved on them, the voucher a
payment spent; and the ticket count's triggers now leave out a sale of stored value only (a top-up
or a gift voucher), as they left out a top-up.

Revision ID: 0029
Revises: 0028
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

from desk_app.db.types import UTCDateTime

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK = "fk_payments_voucher_id_gift_vouchers"
_TOPUP_ONLY = ("!= 'prepaid_topup'", "<> 'prepaid_topup'")
_STORED_VALUE = "NOT IN ('prepaid_topup', 'gift_voucher')"
_LINE_TRIGGERS = ("sale_lines_summary_ai", "sale_lines_summary_ad", "sale_lines_summary_au")


def _summaries() -> ModuleType:
    """Migration 0022, whose trigger SQL is rewritten here (one source of the summaries' SQL)."""
    path = next(Path(__file__).parent.glob("*_0022_sales_hour_summaries.py"))
    spec = importlib.util.spec_from_file_location("_summaries_0022", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _stored_value(sql: str, to: str) -> str:
    for old in _TOPUP_ONLY:
        sql = sql.replace(old, to)
    return sql


def _line_triggers(to: str) -> None:
    mod = _summaries()
    if op.get_bind().dialect.name == "sqlite":
        triggers = mod.sqlite_triggers()
        for name in _LINE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(_stored_value(triggers[name], to))
    else:  # the function is replaced; its trigger stays
        fn, _trigger = mod.postgres_functions()["sale_lines_summary_keep"].split(";\nCREATE TRIGGER ")
        op.execute(_stored_value(fn, to))


def upgrade() -> None:
    op.create_table(
        "gift_vouchers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(16), nullable=False, unique=True),
        sa.Column("branch_id", sa.Integer(), sa.ForeignKey("branches.id"), nullable=False),
        sa.Column("sale_id", sa.Integer(), sa.ForeignKey("sales.id"), nullable=True, index=True),
        sa.Column("from_voucher_id", sa.Integer(), sa.ForeignKey("gift_vouchers.id"), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("balance_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False, index=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("closed", sa.String(12), nullable=False, server_default=""),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    )
    op.create_table(
        "voucher_movements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("voucher_id", sa.Integer(), sa.ForeignKey("gift_vouchers.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("balance_after_minor", sa.BigInteger(), nullable=False),
        sa.Column("sale_id", sa.Integer(), sa.ForeignKey("sales.id"), nullable=True, index=True),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_voucher_movements_report", "voucher_movements", ["at", "kind", "amount_minor"])
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its REFERENCES clause in place (a batch copy would drop the triggers)
        op.execute("ALTER TABLE payments ADD COLUMN voucher_id INTEGER REFERENCES gift_vouchers (id)")
    else:
        op.add_column("payments", sa.Column("voucher_id", sa.Integer(), nullable=True))
        op.create_foreign_key(FK, "payments", "gift_vouchers", ["voucher_id"], ["id"])
    _line_triggers(_STORED_VALUE)  # no gift_voucher line exists yet: the tickets need no recount


def downgrade() -> None:
    _line_triggers("!= 'prepaid_topup'")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(FK, "payments", type_="foreignkey")
    op.drop_column("payments", "voucher_id")
    op.drop_index("ix_voucher_movements_report", table_name="voucher_movements")
    op.drop_table("voucher_movements")
    op.drop_table("gift_vouchers")
