"""an erasure record, and a redaction, only for a client who is erased

Migration 0005 let an audit entry be redacted when its ``redacted_by`` named any ``erasures`` row, so
someone with raw SQL could insert a made-up erasure and empty entries with it. From here:

- an ``erasures`` row can only be inserted for a client that is already erased (``erased_at`` set,
  same client number): ``clients.erased_at`` is set in the same unit of work before the row;
- a redaction must name an erasure whose client is erased.

``desk-app check`` also lists erasure records whose client is not erased and erased clients that
still hold personal fields (desk_app/trust/integrity.py).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "audit_log is append-only"
KEPT = ("id", "at", "staff_id", "branch_id", "action", "entity", "entity_id", "allowed")
_ERASED = (
    "EXISTS (SELECT 1 FROM erasures JOIN clients ON clients.id = erasures.client_id"
    " WHERE erasures.id = NEW.redacted_by AND clients.erased_at IS NOT NULL)"
)
_OLD_ERASURE = "EXISTS (SELECT 1 FROM erasures WHERE erasures.id = NEW.redacted_by)"


def _redaction_sqlite(erasure: str) -> str:
    same = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in KEPT)
    return (
        f"OLD.redacted_by IS NULL AND NEW.redacted_by IS NOT NULL AND {same}"
        f" AND NEW.before IS NULL AND NEW.after IS NULL AND NEW.detail = '' AND {erasure}"
    )


def _sqlite_update_trigger(erasure: str) -> list[str]:
    return [
        "DROP TRIGGER IF EXISTS audit_log_refuse_update",
        f"""CREATE TRIGGER audit_log_refuse_update BEFORE UPDATE ON audit_log
        WHEN NOT ({_redaction_sqlite(erasure)})
        BEGIN
            SELECT RAISE(ABORT, '{REFUSAL}: UPDATE refused');
        END""",
    ]


SQLITE_UP = [
    *_sqlite_update_trigger(_ERASED),
    """CREATE TRIGGER erasures_only_of_erased_clients BEFORE INSERT ON erasures
    WHEN NOT EXISTS (SELECT 1 FROM clients WHERE clients.id = NEW.client_id
                     AND clients.erased_at IS NOT NULL AND clients.client_number = NEW.client_number)
    BEGIN
        SELECT RAISE(ABORT, 'an erasure record needs its client erased first');
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS erasures_only_of_erased_clients",
    *_sqlite_update_trigger(_OLD_ERASURE),
]


def _pg_function(erasure: str) -> str:
    same = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in KEPT)
    return f"""CREATE OR REPLACE FUNCTION audit_log_only_redaction() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.redacted_by IS NULL AND NEW.redacted_by IS NOT NULL AND {same}
           AND NEW.before IS NULL AND NEW.after IS NULL AND NEW.detail = ''
           AND {erasure} THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION '{REFUSAL}: UPDATE refused'
            USING HINT = 'Audit entries are only ever redacted by a client erasure (docs/privacy.md).';
    END
    $$"""


PG_UP = [
    _pg_function(_ERASED),
    """CREATE FUNCTION erasures_only_of_erased_clients() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM clients WHERE clients.id = NEW.client_id
                   AND clients.erased_at IS NOT NULL AND clients.client_number = NEW.client_number) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'an erasure record needs its client erased first';
    END
    $$""",
    """CREATE TRIGGER erasures_only_of_erased_clients BEFORE INSERT ON erasures
    FOR EACH ROW EXECUTE FUNCTION erasures_only_of_erased_clients()""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS erasures_only_of_erased_clients ON erasures",
    "DROP FUNCTION IF EXISTS erasures_only_of_erased_clients()",
    _pg_function(_OLD_ERASURE),
]


def upgrade() -> None:
    name = op.get_bind().dialect.name
    for sql in SQLITE_UP if name == "sqlite" else PG_UP if name == "postgresql" else []:
        op.execute(sql)


def downgrade() -> None:
    name = op.get_bind().dialect.name
    for sql in SQLITE_DOWN if name == "sqlite" else PG_DOWN if name == "postgresql" else []:
        op.execute(sql)
