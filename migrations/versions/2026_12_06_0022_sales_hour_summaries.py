"""sales, sale lines and payments summed by UTC hour, kept by triggers in the same transaction as
the rows: the monthly report reads a month of hours instead of a month of lines (issue 20,
docs/performance.md "Monthly report at a million lines")

Four tables (``sale_item_hours``: lines by sale kind, line kind, service and product;
``sale_staff_hours``: lines by sale kind, line kind and staff member; ``sale_hours``: sales by
kind, with the tickets; ``payment_hours``: payments by sale kind and method) keyed by the UTC hour
of the sale and its branch (a shop's month and days are whole UTC hours in every zone whose offset
is whole hours; the report reads the rows for anything else), backfilled from the rows already there. Triggers on
``sales``, ``sale_lines`` and ``payments`` keep them on insert, delete and on an update of what they
sum, whoever writes (the counter, refunds, imports, the demo shop, a move to a server). A sale's
``sold_at``, ``kind`` and ``branch_id`` and a line's ``sale_id`` are never changed once written;
``desk-app check`` compares the summaries with the rows.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOPUP = "'prepaid_topup'"
ITEM_KEY = "hour, branch_id, sale_kind, line_kind, service_id, product_id"
ITEM_SUMS = ("lines", "quantity", "total_minor", "tax_minor", "discount_minor")
STAFF_KEY = "hour, branch_id, sale_kind, line_kind, staff_id"
STAFF_SUMS = ("lines", "quantity", "total_minor")


def hour(col: str, dialect: str) -> str:
    """The UTC hour of a timestamp column, as the column stores it."""
    if dialect == "postgresql":
        return f"(date_trunc('hour', {col} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"
    return f"(substr({col}, 1, 13) || ':00:00.000000')"


def _upsert(table: str, key: str, sums: tuple[str, ...], dialect: str, body: str) -> str:
    t = "h." if dialect == "postgresql" else ""
    alias = " AS h" if dialect == "postgresql" else ""  # SQLite: no alias inside a trigger
    sets = ", ".join(f"{c} = {t}{c} + excluded.{c}" for c in sums)
    return f"INSERT INTO {table}{alias} ({key}, {', '.join(sums)}) {body} ON CONFLICT ({key}) DO UPDATE SET {sets};"


def _line_upsert(row: str, sign: str, dialect: str, source: Callable[[bool], str]) -> str:
    """Add (sign '') or take away (sign '-') one line's sums, by item and by staff member; ``source``
    is a SELECT or VALUES of the sale's hour, branch (and kind) followed by {keys} and {vals}."""
    item_keys = f"{row}.kind, COALESCE({row}.service_id, 0), COALESCE({row}.product_id, 0)"
    item_vals = (f"{sign}1, {sign}{row}.quantity, {sign}{row}.line_total_minor, {sign}{row}.tax_minor, "
                 f"{sign}({row}.discount_minor + {row}.member_discount_minor)")
    staff_keys = f"{row}.kind, COALESCE({row}.staff_id, 0)"
    staff_vals = f"{sign}1, {sign}{row}.quantity, {sign}{row}.line_total_minor"
    return "\n".join((
        _upsert("sale_item_hours", ITEM_KEY, ITEM_SUMS, dialect,
                source(True).format(keys=item_keys, vals=item_vals)),
        _upsert("sale_staff_hours", STAFF_KEY, STAFF_SUMS, dialect,
                source(True).format(keys=staff_keys, vals=staff_vals)),
    ))


def _sale_upsert(row: str, sign: str, dialect: str) -> str:
    t = "h." if dialect == "postgresql" else ""
    alias = " AS h" if dialect == "postgresql" else ""  # SQLite: no alias inside a trigger
    return (f"INSERT INTO sale_hours{alias} (hour, branch_id, kind, sales, total_minor, tickets) "
            f"VALUES ({hour(row + '.sold_at', dialect)}, {row}.branch_id, {row}.kind, {sign}1, {sign}{row}.total_minor, 0) "
            f"ON CONFLICT (hour, branch_id, kind) DO UPDATE SET sales = {t}sales + excluded.sales, "
            f"total_minor = {t}total_minor + excluded.total_minor;")


def _payment_upsert(row: str, sign: str, dialect: str, source: str) -> str:
    t = "h." if dialect == "postgresql" else ""
    alias = " AS h" if dialect == "postgresql" else ""  # SQLite: no alias inside a trigger
    keys = f"{row}.method"
    vals = f"{sign}1, {sign}{row}.amount_minor"
    return (f"INSERT INTO payment_hours{alias} (hour, branch_id, sale_kind, method, payments, amount_minor) "
            f"{source.format(keys=keys, vals=vals)} "
            f"ON CONFLICT (hour, branch_id, sale_kind, method) DO UPDATE SET payments = {t}payments + excluded.payments, "
            f"amount_minor = {t}amount_minor + excluded.amount_minor;")


LINE_COLS = ("kind, staff_id, service_id, product_id, quantity, line_total_minor, tax_minor, discount_minor, "
             "member_discount_minor")


def sqlite_triggers() -> dict[str, str]:
    d = "sqlite"

    def src(row: str) -> Callable[[bool], str]:
        return lambda with_kind: (f"SELECT {hour('s.sold_at', d)}, s.branch_id{', s.kind' if with_kind else ''}, "
                                  f"{{keys}}, {{vals}} FROM sales s WHERE s.id = {row}.sale_id")

    def psrc(row: str) -> str:
        return (f"SELECT {hour('s.sold_at', d)}, s.branch_id, s.kind, {{keys}}, {{vals}} FROM sales s "
                f"WHERE s.id = {row}.sale_id")

    def tickets(expr: str, row: str, self_id: str) -> str:
        """tickets += expr for the sale when it has no other line than a top-up (the sale's own key)."""
        return (f"UPDATE sale_hours SET tickets = tickets + ({expr}) WHERE NOT EXISTS (SELECT 1 FROM sale_lines l "
                f"WHERE l.sale_id = {row}.sale_id AND l.kind != {TOPUP} AND l.id != {self_id}) "
                f"AND (hour, branch_id, kind) = (SELECT {hour('s.sold_at', d)}, s.branch_id, s.kind FROM sales s "
                f"WHERE s.id = {row}.sale_id AND s.kind = 'sale');")

    return {
        "sale_lines_summary_ai": f"""CREATE TRIGGER sale_lines_summary_ai AFTER INSERT ON sale_lines BEGIN
            {_line_upsert('new', '', d, src('new'))}
            {tickets(f"new.kind != {TOPUP}", 'new', 'new.id')}
            END""",
        "sale_lines_summary_ad": f"""CREATE TRIGGER sale_lines_summary_ad AFTER DELETE ON sale_lines BEGIN
            {_line_upsert('old', '-', d, src('old'))}
            {tickets(f"-(old.kind != {TOPUP})", 'old', 'old.id')}
            END""",
        "sale_lines_summary_au": f"""CREATE TRIGGER sale_lines_summary_au AFTER UPDATE OF {LINE_COLS} ON sale_lines BEGIN
            {_line_upsert('old', '-', d, src('old'))}
            {_line_upsert('new', '', d, src('new'))}
            {tickets(f"(new.kind != {TOPUP}) - (old.kind != {TOPUP})", 'new', 'new.id')}
            END""",
        "sale_hours_ai": f"""CREATE TRIGGER sale_hours_ai AFTER INSERT ON sales BEGIN
            {_sale_upsert('new', '', d)}
            END""",
        "sale_hours_ad": f"""CREATE TRIGGER sale_hours_ad AFTER DELETE ON sales BEGIN
            {_sale_upsert('old', '-', d)}
            END""",
        "sale_hours_au": f"""CREATE TRIGGER sale_hours_au AFTER UPDATE OF total_minor ON sales BEGIN
            {_sale_upsert('old', '-', d)}
            {_sale_upsert('new', '', d)}
            END""",
        "payment_hours_ai": f"""CREATE TRIGGER payment_hours_ai AFTER INSERT ON payments BEGIN
            {_payment_upsert('new', '', d, psrc('new'))}
            END""",
        "payment_hours_ad": f"""CREATE TRIGGER payment_hours_ad AFTER DELETE ON payments BEGIN
            {_payment_upsert('old', '-', d, psrc('old'))}
            END""",
        "payment_hours_au": f"""CREATE TRIGGER payment_hours_au AFTER UPDATE OF method, amount_minor ON payments BEGIN
            {_payment_upsert('old', '-', d, psrc('old'))}
            {_payment_upsert('new', '', d, psrc('new'))}
            END""",
    }


def postgres_functions() -> dict[str, str]:
    """name -> (function, trigger) SQL."""
    d = "postgresql"
    def vsrc(with_kind: bool) -> str:
        return "VALUES (s_hour, s_branch" + (", s_kind" if with_kind else "") + ", {keys}, {vals})"

    psrc = "VALUES (s_hour, s_branch, s_kind, {keys}, {vals})"
    lines_fn = f"""CREATE OR REPLACE FUNCTION sale_lines_summary_keep() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sid integer; self_id integer; s_hour timestamptz; s_branch integer; s_kind varchar; delta integer := 0;
BEGIN
    IF TG_OP = 'DELETE' THEN sid := OLD.sale_id; self_id := 0; ELSE sid := NEW.sale_id; self_id := NEW.id; END IF;
    SELECT {hour('sold_at', d)}, branch_id, kind INTO s_hour, s_branch, s_kind FROM sales WHERE id = sid;
    IF NOT FOUND THEN RETURN NULL; END IF;
    IF TG_OP <> 'INSERT' THEN
        {_line_upsert('OLD', '-', d, vsrc)}
        IF OLD.kind <> {TOPUP} THEN delta := delta - 1; END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        {_line_upsert('NEW', '', d, vsrc)}
        IF NEW.kind <> {TOPUP} THEN delta := delta + 1; END IF;
    END IF;
    IF delta <> 0 AND s_kind = 'sale' AND NOT EXISTS (
        SELECT 1 FROM sale_lines l WHERE l.sale_id = sid AND l.kind <> {TOPUP} AND l.id <> self_id) THEN
        UPDATE sale_hours SET tickets = tickets + delta WHERE hour = s_hour AND branch_id = s_branch AND kind = 'sale';
    END IF;
    RETURN NULL;
END $$"""
    sales_fn = f"""CREATE OR REPLACE FUNCTION sale_hours_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        {_sale_upsert('OLD', '-', d)}
    END IF;
    IF TG_OP <> 'DELETE' THEN
        {_sale_upsert('NEW', '', d)}
    END IF;
    RETURN NULL;
END $$"""
    pay_fn = f"""CREATE OR REPLACE FUNCTION payment_hours_keep() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sid integer; s_hour timestamptz; s_branch integer; s_kind varchar;
BEGIN
    IF TG_OP = 'DELETE' THEN sid := OLD.sale_id; ELSE sid := NEW.sale_id; END IF;
    SELECT {hour('sold_at', d)}, branch_id, kind INTO s_hour, s_branch, s_kind FROM sales WHERE id = sid;
    IF NOT FOUND THEN RETURN NULL; END IF;
    IF TG_OP <> 'INSERT' THEN
        {_payment_upsert('OLD', '-', d, psrc)}
    END IF;
    IF TG_OP <> 'DELETE' THEN
        {_payment_upsert('NEW', '', d, psrc)}
    END IF;
    RETURN NULL;
END $$"""
    return {
        "sale_lines_summary_keep": lines_fn + ";\n" + (
            f"CREATE TRIGGER sale_lines_summary_keep AFTER INSERT OR DELETE OR UPDATE OF {LINE_COLS} ON sale_lines "
            "FOR EACH ROW EXECUTE FUNCTION sale_lines_summary_keep()"),
        "sale_hours_keep": sales_fn + ";\n" + (
            "CREATE TRIGGER sale_hours_keep AFTER INSERT OR DELETE OR UPDATE OF total_minor ON sales "
            "FOR EACH ROW EXECUTE FUNCTION sale_hours_keep()"),
        "payment_hours_keep": pay_fn + ";\n" + (
            "CREATE TRIGGER payment_hours_keep AFTER INSERT OR DELETE OR UPDATE OF method, amount_minor ON payments "
            "FOR EACH ROW EXECUTE FUNCTION payment_hours_keep()"),
    }


def backfill(dialect: str) -> list[str]:
    h = hour("s.sold_at", dialect)
    return [
        f"""INSERT INTO sale_hours (hour, branch_id, kind, sales, total_minor, tickets)
            SELECT {h}, s.branch_id, s.kind, COUNT(*), SUM(s.total_minor),
                   SUM(CASE WHEN s.kind = 'sale' AND EXISTS (SELECT 1 FROM sale_lines l WHERE l.sale_id = s.id
                       AND l.kind != {TOPUP}) THEN 1 ELSE 0 END)
            FROM sales s GROUP BY 1, 2, 3""",
        f"""INSERT INTO sale_item_hours ({ITEM_KEY}, {', '.join(ITEM_SUMS)})
            SELECT {h}, s.branch_id, s.kind, l.kind, COALESCE(l.service_id, 0), COALESCE(l.product_id, 0), COUNT(*),
                   SUM(l.quantity), SUM(l.line_total_minor), SUM(l.tax_minor),
                   SUM(l.discount_minor + l.member_discount_minor)
            FROM sales s JOIN sale_lines l ON l.sale_id = s.id GROUP BY 1, 2, 3, 4, 5, 6""",
        f"""INSERT INTO sale_staff_hours ({STAFF_KEY}, {', '.join(STAFF_SUMS)})
            SELECT {h}, s.branch_id, s.kind, l.kind, COALESCE(l.staff_id, 0), COUNT(*), SUM(l.quantity),
                   SUM(l.line_total_minor)
            FROM sales s JOIN sale_lines l ON l.sale_id = s.id GROUP BY 1, 2, 3, 4, 5""",
        f"""INSERT INTO payment_hours (hour, branch_id, sale_kind, method, payments, amount_minor)
            SELECT {h}, s.branch_id, s.kind, p.method, COUNT(*), SUM(p.amount_minor)
            FROM sales s JOIN payments p ON p.sale_id = s.id GROUP BY 1, 2, 3, 4""",
    ]


def _sums(*names: str) -> list[sa.Column[int]]:
    return [sa.Column(n, sa.BigInteger(), nullable=False, server_default="0") for n in names]


def upgrade() -> None:
    from desk_app.db.types import UTCDateTime

    dialect = op.get_bind().dialect.name
    op.create_table(
        "sale_item_hours",
        sa.Column("hour", UTCDateTime(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("sale_kind", sa.String(20), nullable=False),
        sa.Column("line_kind", sa.String(20), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        *_sums(*ITEM_SUMS),
        sa.PrimaryKeyConstraint(*[c.strip() for c in ITEM_KEY.split(",")]),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sale_staff_hours",
        sa.Column("hour", UTCDateTime(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("sale_kind", sa.String(20), nullable=False),
        sa.Column("line_kind", sa.String(20), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        *_sums(*STAFF_SUMS),
        sa.PrimaryKeyConstraint(*[c.strip() for c in STAFF_KEY.split(",")]),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sale_hours",
        sa.Column("hour", UTCDateTime(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        *_sums("sales", "total_minor", "tickets"),
        sa.PrimaryKeyConstraint("hour", "branch_id", "kind"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "payment_hours",
        sa.Column("hour", UTCDateTime(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("sale_kind", sa.String(20), nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        *_sums("payments", "amount_minor"),
        sa.PrimaryKeyConstraint("hour", "branch_id", "sale_kind", "method"),
        sqlite_with_rowid=False,
    )
    for sql in backfill(dialect):
        op.execute(sql)
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
        for name, table in (("sale_lines_summary_keep", "sale_lines"), ("sale_hours_keep", "sales"),
                            ("payment_hours_keep", "payments")):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    for t in ("payment_hours", "sale_hours", "sale_staff_hours", "sale_item_hours"):
        op.drop_table(t)
