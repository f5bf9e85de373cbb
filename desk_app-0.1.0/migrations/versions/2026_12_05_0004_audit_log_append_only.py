"""the audit log is append-only in the database itself (issue 14 item 4, docs/privacy.md)

SQLite: BEFORE UPDATE and BEFORE DELETE triggers on audit_log that RAISE(ABORT): the statement
fails and changes nothing. (DROP TABLE runs no triggers, so migration 0001's downgrade still works.)

PostgreSQL: one trigger function raising an exception, called by a statement-level trigger
BEFORE UPDATE OR DELETE OR TRUNCATE (a statement trigger fires even when no row matches, so the
refusal does not depend on the WHERE clause), and the table owner's and PUBLIC's UPDATE, DELETE
and TRUNCATE privileges are revoked, so the app's own login is refused by the privilege check
before the trigger is reached. INSERT and SELECT are untouched.

No code path of the app updates or deletes an audit row (privacy erasure writes a new row and
leaves the earlier ones as they are), so there is no exception to let through.

A later migration that rebuilds audit_log on SQLite (batch_alter_table copies the table) loses
these triggers and must create them again: use ``SQLITE_UP`` from this module.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the words every refusal starts with; tests and docs/privacy.md quote them
REFUSAL = "audit_log is append-only"

SQLITE_UP = [
    f"""CREATE TRIGGER audit_log_refuse_{event.lower()} BEFORE {event} ON audit_log
    BEGIN
        SELECT RAISE(ABORT, '{REFUSAL}: {event} refused');
    END"""
    for event in ("UPDATE", "DELETE")
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_log_refuse_update",
    "DROP TRIGGER IF EXISTS audit_log_refuse_delete",
]

# The table's owner is the login the app (and these migrations) run as; REVOKE from the owner is
# what makes the table read-and-append for that login. The owner could GRANT it back or drop the
# trigger: that takes a deliberate statement, never a slip in the app (docs/privacy.md).
_OWNER_PRIVILEGES = """DO $$
DECLARE owner_role text;
BEGIN
    SELECT pg_get_userbyid(relowner) INTO owner_role FROM pg_class WHERE oid = 'audit_log'::regclass;
    EXECUTE format('{verb} UPDATE, DELETE, TRUNCATE ON audit_log {direction} %I', owner_role);
END $$"""

PG_UP = [
    f"""CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{REFUSAL}: % refused', TG_OP
            USING HINT = 'Audit entries are never changed or removed (docs/privacy.md).';
    END
    $$""",
    """CREATE TRIGGER audit_log_refuse_change BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()""",
    "REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC",
    _OWNER_PRIVILEGES.format(verb="REVOKE", direction="FROM"),
]

PG_DOWN = [
    _OWNER_PRIVILEGES.format(verb="GRANT", direction="TO"),
    "DROP TRIGGER IF EXISTS audit_log_refuse_change ON audit_log",
    "DROP FUNCTION IF EXISTS audit_log_refuse_change()",
]


def upgrade() -> None:
    name = op.get_bind().dialect.name
    for sql in SQLITE_UP if name == "sqlite" else PG_UP if name == "postgresql" else []:
        op.execute(sql)


def downgrade() -> None:
    name = op.get_bind().dialect.name
    for sql in SQLITE_DOWN if name == "sqlite" else PG_DOWN if name == "postgresql" else []:
        op.execute(sql)
