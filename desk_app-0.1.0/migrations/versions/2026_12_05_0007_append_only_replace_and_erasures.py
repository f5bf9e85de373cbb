"""append-only, closed: INSERT OR REPLACE over an audit entry, and any change to an erasure record

SQLite deletes the row an ``INSERT OR REPLACE`` / ``REPLACE`` conflicts with without firing DELETE
triggers, so migration 0004's guard let an entry be rewritten that way. A BEFORE INSERT trigger now
refuses an insert whose id is taken. The ``erasures`` table (0005), which redactions point at and
restores read, gets the same protection: no UPDATE, DELETE or replacing insert (PostgreSQL: a
statement trigger refusing UPDATE, DELETE and TRUNCATE).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = [
    """CREATE TRIGGER audit_log_refuse_replace BEFORE INSERT ON audit_log
    WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
    BEGIN
        SELECT RAISE(ABORT, 'audit_log is append-only: INSERT over an entry refused');
    END""",
    """CREATE TRIGGER erasures_refuse_replace BEFORE INSERT ON erasures
    WHEN EXISTS (SELECT 1 FROM erasures WHERE id = NEW.id)
    BEGIN
        SELECT RAISE(ABORT, 'erasures are append-only: INSERT over a record refused');
    END""",
    *[
        f"""CREATE TRIGGER erasures_refuse_{event.lower()} BEFORE {event} ON erasures
    BEGIN
        SELECT RAISE(ABORT, 'erasures are append-only: {event} refused');
    END"""
        for event in ("UPDATE", "DELETE")
    ],
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_log_refuse_replace",
    "DROP TRIGGER IF EXISTS erasures_refuse_replace",
    "DROP TRIGGER IF EXISTS erasures_refuse_update",
    "DROP TRIGGER IF EXISTS erasures_refuse_delete",
]
PG_UP = [
    """CREATE FUNCTION erasures_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'erasures are append-only: % refused', TG_OP;
    END
    $$""",
    """CREATE TRIGGER erasures_refuse_change BEFORE UPDATE OR DELETE OR TRUNCATE ON erasures
    FOR EACH STATEMENT EXECUTE FUNCTION erasures_refuse_change()""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS erasures_refuse_change ON erasures",
    "DROP FUNCTION IF EXISTS erasures_refuse_change()",
]


def upgrade() -> None:
    name = op.get_bind().dialect.name
    for sql in SQLITE_UP if name == "sqlite" else PG_UP if name == "postgresql" else []:
        op.execute(sql)


def downgrade() -> None:
    name = op.get_bind().dialect.name
    for sql in SQLITE_DOWN if name == "sqlite" else PG_DOWN if name == "postgresql" else []:
        op.execute(sql)
