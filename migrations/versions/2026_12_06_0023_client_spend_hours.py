"""what each client paid for services, products and packages, summed by the UTC hour of the sale and
kept by triggers in the same transaction as the lines: the client value segments (the monthly
report's clients served, the follow-up list, the profile) read a client's year of spend from it
instead of a year of sale lines (issue 20, docs/performance.md "Client value segments from a
summary")

``client_spend_hours`` (client, UTC hour: goods lines, their total; refunds and voids subtract,
as their lines are negative), backfilled from the rows already there. Triggers on ``sale_lines``
(insert, delete, an update of the kind or total) and on ``sales`` (an update of the client or the
time: a sale moved to another profile moves its spend) keep it, whoever writes; ``desk-app check``
compares it with the rows. Also an index on the clients' creation time (the report's count of
the profiles made in the month read every client).

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GOODS = "('service', 'product', 'package')"  # desk_app.checkout.bill.GOODS_KINDS


def hour(col: str, dialect: str) -> str:
    """The UTC hour of a timestamp column, as the column stores it (as migration 0022)."""
    if dialect == "postgresql":
        return f"(date_trunc('hour', {col} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"
    return f"(substr({col}, 1, 13) || ':00:00.000000')"


def _upsert(dialect: str, body: str) -> str:
    t, alias = ("h.", " AS h") if dialect == "postgresql" else ("", "")  # SQLite: no alias inside a trigger
    return (f"INSERT INTO client_spend_hours{alias} (client_id, hour, lines, goods_minor) {body} "
            f"ON CONFLICT (client_id, hour) DO UPDATE SET lines = {t}lines + excluded.lines, "
            f"goods_minor = {t}goods_minor + excluded.goods_minor;")


def _line(row: str, sign: str) -> str:
    """Add (sign '') or take away (sign '-') one line of a sale with a client (SQLite)."""
    return _upsert("sqlite", f"SELECT s.client_id, {hour('s.sold_at', 'sqlite')}, {sign}1, {sign}{row}.line_total_minor "
                             f"FROM sales s WHERE s.id = {row}.sale_id AND s.client_id IS NOT NULL "
                             f"AND {row}.kind IN {GOODS}")


def _sale(row: str, sign: str, dialect: str) -> str:
    """Add or take away all the goods lines of one sale (its client or time changed)."""
    return _upsert(dialect, f"SELECT {row}.client_id, {hour(row + '.sold_at', dialect)}, {sign}COUNT(*), "
                            f"{sign}SUM(l.line_total_minor) FROM sale_lines l WHERE l.sale_id = {row}.id "
                            f"AND l.kind IN {GOODS} AND {row}.client_id IS NOT NULL GROUP BY l.sale_id")


def sqlite_triggers() -> dict[str, str]:
    return {
        "client_spend_ai": f"""CREATE TRIGGER client_spend_ai AFTER INSERT ON sale_lines BEGIN
            {_line('new', '')}
            END""",
        "client_spend_ad": f"""CREATE TRIGGER client_spend_ad AFTER DELETE ON sale_lines BEGIN
            {_line('old', '-')}
            END""",
        "client_spend_au": f"""CREATE TRIGGER client_spend_au AFTER UPDATE OF kind, line_total_minor ON sale_lines BEGIN
            {_line('old', '-')}
            {_line('new', '')}
            END""",
        "client_spend_sale_au": f"""CREATE TRIGGER client_spend_sale_au AFTER UPDATE OF client_id, sold_at ON sales BEGIN
            {_sale('old', '-', 'sqlite')}
            {_sale('new', '', 'sqlite')}
            END""",
    }


def postgres_functions() -> dict[str, str]:
    """name -> (function; trigger) SQL."""
    d = "postgresql"
    line_src = "VALUES (s_client, s_hour, {sign}1, {sign}{row}.line_total_minor)"
    lines_fn = f"""CREATE OR REPLACE FUNCTION client_spend_keep() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sid integer; s_client integer; s_hour timestamptz;
BEGIN
    IF TG_OP = 'DELETE' THEN sid := OLD.sale_id; ELSE sid := NEW.sale_id; END IF;
    SELECT client_id, {hour('sold_at', d)} INTO s_client, s_hour FROM sales WHERE id = sid;
    IF NOT FOUND OR s_client IS NULL THEN RETURN NULL; END IF;
    IF TG_OP <> 'INSERT' AND OLD.kind IN {GOODS} THEN
        {_upsert(d, line_src.format(sign='-', row='OLD'))}
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.kind IN {GOODS} THEN
        {_upsert(d, line_src.format(sign='', row='NEW'))}
    END IF;
    RETURN NULL;
END $$"""
    sales_fn = f"""CREATE OR REPLACE FUNCTION client_spend_sale_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_sale('OLD', '-', d)}
    {_sale('NEW', '', d)}
    RETURN NULL;
END $$"""
    return {
        "client_spend_keep": lines_fn + ";\n" + (
            "CREATE TRIGGER client_spend_keep AFTER INSERT OR DELETE OR UPDATE OF kind, line_total_minor "
            "ON sale_lines FOR EACH ROW EXECUTE FUNCTION client_spend_keep()"),
        "client_spend_sale_keep": sales_fn + ";\n" + (
            "CREATE TRIGGER client_spend_sale_keep AFTER UPDATE OF client_id, sold_at ON sales "
            "FOR EACH ROW EXECUTE FUNCTION client_spend_sale_keep()"),
    }


def backfill(dialect: str) -> str:
    return f"""INSERT INTO client_spend_hours (client_id, hour, lines, goods_minor)
        SELECT s.client_id, {hour('s.sold_at', dialect)}, COUNT(*), SUM(l.line_total_minor)
        FROM sales s JOIN sale_lines l ON l.sale_id = s.id
        WHERE s.client_id IS NOT NULL AND l.kind IN {GOODS} GROUP BY 1, 2"""


def upgrade() -> None:
    from desk_app.db.types import UTCDateTime

    dialect = op.get_bind().dialect.name
    op.create_table(
        "client_spend_hours",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("hour", UTCDateTime(), nullable=False),
        sa.Column("lines", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("goods_minor", sa.BigInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("client_id", "hour"),
        sqlite_with_rowid=False,
    )
    op.execute(backfill(dialect))
    op.create_index("ix_clients_created_at", "clients", ["created_at"])  # the report's new profiles
    if dialect == "sqlite":
        for sql in sqlite_triggers().values():
            op.execute(sql)
    else:
        for sql in postgres_functions().values():
            fn, trig = sql.split(";\nCREATE TRIGGER ")
            op.execute(fn)
            op.execute("CREATE TRIGGER " + trig)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in sqlite_triggers():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for name, table in (("client_spend_keep", "sale_lines"), ("client_spend_sale_keep", "sales")):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_index("ix_clients_created_at", table_name="clients")
    op.drop_table("client_spend_hours")
