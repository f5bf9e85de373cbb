"""erasures and the one change the audit log allows: redacting an erased client (issue 14 item 3)

``erasures`` records every client erasure (who, when, the client's number; never the name), so a
restore of an older backup can erase the person again, and so every redaction of the audit log
points at the erasure that caused it.

``audit_log.redacted_by``: the erasure that redacted the entry. Migration 0004 refused every UPDATE;
from here the database lets exactly one kind through, a redaction: the entry keeps its id, time,
staff, branch, action, record and "allowed", loses its values (before and after become NULL, the
detail ''), and names an existing erasure; an entry is redacted at most once. Any other UPDATE,
and every DELETE (and TRUNCATE on PostgreSQL), is still refused with the words of 0004.

SQLite: the UPDATE trigger is re-created with that WHEN clause (ADD COLUMN does not rebuild the
table, so 0004's DELETE trigger stays). PostgreSQL: the statement-level trigger keeps refusing DELETE
and TRUNCATE; a row-level trigger checks every UPDATE; the table's owner gets back the right to
UPDATE only the three value columns and ``redacted_by`` (column privileges), so a statement that
sets the action (or any other kept column) is still "permission denied".

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import desk_app.db.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "audit_log is append-only"
KEPT = ("id", "at", "staff_id", "branch_id", "action", "entity", "entity_id", "allowed")


def _redaction_sqlite() -> str:
    same = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in KEPT)
    return (
        f"OLD.redacted_by IS NULL AND NEW.redacted_by IS NOT NULL AND {same}"
        " AND NEW.before IS NULL AND NEW.after IS NULL AND NEW.detail = ''"
        " AND EXISTS (SELECT 1 FROM erasures WHERE erasures.id = NEW.redacted_by)"
    )


SQLITE_UP = [
    "DROP TRIGGER IF EXISTS audit_log_refuse_update",
    f"""CREATE TRIGGER audit_log_refuse_update BEFORE UPDATE ON audit_log
    WHEN NOT ({_redaction_sqlite()})
    BEGIN
        SELECT RAISE(ABORT, '{REFUSAL}: UPDATE refused');
    END""",
]

_OWNER = """DO $$
DECLARE owner_role text;
BEGIN
    SELECT pg_get_userbyid(relowner) INTO owner_role FROM pg_class WHERE oid = 'audit_log'::regclass;
    EXECUTE format('{stmt}', owner_role);
END $$"""
_VALUE_COLUMNS = "before, after, detail, redacted_by"

PG_UP = [
    "DROP TRIGGER IF EXISTS audit_log_refuse_change ON audit_log",
    """CREATE TRIGGER audit_log_refuse_change BEFORE DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()""",
    f"""CREATE FUNCTION audit_log_only_redaction() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.redacted_by IS NULL AND NEW.redacted_by IS NOT NULL
           AND {" AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in KEPT)}
           AND NEW.before IS NULL AND NEW.after IS NULL AND NEW.detail = ''
           AND EXISTS (SELECT 1 FROM erasures WHERE erasures.id = NEW.redacted_by) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION '{REFUSAL}: UPDATE refused'
            USING HINT = 'Audit entries are only ever redacted by a client erasure (docs/privacy.md).';
    END
    $$""",
    """CREATE TRIGGER audit_log_only_redaction BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_only_redaction()""",
    _OWNER.format(stmt=f"GRANT UPDATE ({_VALUE_COLUMNS}) ON audit_log TO %I"),
]

PG_DOWN = [
    _OWNER.format(stmt=f"REVOKE UPDATE ({_VALUE_COLUMNS}) ON audit_log FROM %I"),
    "DROP TRIGGER IF EXISTS audit_log_only_redaction ON audit_log",
    "DROP FUNCTION IF EXISTS audit_log_only_redaction()",
    "DROP TRIGGER IF EXISTS audit_log_refuse_change ON audit_log",
    """CREATE TRIGGER audit_log_refuse_change BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()""",
]


def upgrade() -> None:
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("client_number", sa.String(length=20), nullable=False),
        sa.Column("at", desk_app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("audit_redacted", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_erasures_client_id_clients")),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_erasures_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
    )
    name = op.get_bind().dialect.name
    if name == "sqlite":  # ADD COLUMN, not a rebuild: 0004's triggers stay on the table
        op.execute(
            "ALTER TABLE audit_log ADD COLUMN redacted_by INTEGER"
            " CONSTRAINT fk_audit_log_redacted_by_erasures REFERENCES erasures (id)"
        )
    else:
        op.add_column("audit_log", sa.Column("redacted_by", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_audit_log_redacted_by_erasures"), "audit_log", "erasures", ["redacted_by"], ["id"]
        )
    for sql in SQLITE_UP if name == "sqlite" else PG_UP if name == "postgresql" else []:
        op.execute(sql)


def downgrade() -> None:
    name = op.get_bind().dialect.name
    if name == "sqlite":
        # the column has a REFERENCES clause, so SQLite's DROP COLUMN refuses it: the table is rebuilt
        # (batch), which drops its triggers; 0004's two are created again afterwards
        op.execute("DROP TRIGGER IF EXISTS audit_log_refuse_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_refuse_delete")
        with op.batch_alter_table("audit_log") as batch:
            batch.drop_column("redacted_by")
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"""CREATE TRIGGER audit_log_refuse_{event.lower()} BEFORE {event} ON audit_log
                BEGIN
                    SELECT RAISE(ABORT, '{REFUSAL}: {event} refused');
                END"""
            )
    else:
        for sql in PG_DOWN if name == "postgresql" else []:
            op.execute(sql)
        op.drop_column("audit_log", "redacted_by")
    op.drop_table("erasures")
