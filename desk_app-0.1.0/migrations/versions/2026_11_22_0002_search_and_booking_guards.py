"""client search index and database-level double-booking guards

SQLite: an FTS5 index over clients.search_text kept in step by triggers, and
triggers that refuse an overlapping appointment for the same stylist or
resource. PostgreSQL: pg_trgm index for search and exclusion constraints
(btree_gist) for appointments.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = "('cancelled', 'no_show')"

SQLITE_UP = [
    """CREATE VIRTUAL TABLE client_fts USING fts5(
        search_text, content='clients', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='1 2 3 4')""",
    """CREATE TRIGGER client_fts_ai AFTER INSERT ON clients BEGIN
        INSERT INTO client_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER client_fts_ad AFTER DELETE ON clients BEGIN
        INSERT INTO client_fts(client_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER client_fts_au AFTER UPDATE OF search_text ON clients BEGIN
        INSERT INTO client_fts(client_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
        INSERT INTO client_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
]

for _event, _when in (("INSERT", "BEFORE INSERT"), ("UPDATE", "BEFORE UPDATE")):
    _self = "AND a.id <> new.id" if _event == "UPDATE" else ""
    for _col in ("staff_id", "resource_id"):
        SQLITE_UP.append(
            f"""CREATE TRIGGER appointments_no_overlap_{_col}_{_event.lower()} {_when} ON appointments
            WHEN new.status NOT IN {ACTIVE} AND new.{_col} IS NOT NULL
            BEGIN
                SELECT RAISE(ABORT, 'appointment_overlap')
                WHERE EXISTS (
                    SELECT 1 FROM appointments a
                    WHERE a.{_col} = new.{_col} {_self}
                      AND a.status NOT IN {ACTIVE}
                      AND a.start_at < new.block_end_at
                      AND new.start_at < a.block_end_at
                );
            END"""
        )

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS client_fts_ai",
    "DROP TRIGGER IF EXISTS client_fts_ad",
    "DROP TRIGGER IF EXISTS client_fts_au",
    "DROP TABLE IF EXISTS client_fts",
] + [
    f"DROP TRIGGER IF EXISTS appointments_no_overlap_{c}_{e}"
    for c in ("staff_id", "resource_id")
    for e in ("insert", "update")
]

PG_UP = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_clients_search_trgm ON clients USING gin (search_text gin_trgm_ops)",
    f"""ALTER TABLE appointments ADD CONSTRAINT ex_appointments_staff_overlap
        EXCLUDE USING gist (staff_id WITH =, tstzrange(start_at, block_end_at, '[)') WITH &&)
        WHERE (status NOT IN {ACTIVE})""",
    f"""ALTER TABLE appointments ADD CONSTRAINT ex_appointments_resource_overlap
        EXCLUDE USING gist (resource_id WITH =, tstzrange(start_at, block_end_at, '[)') WITH &&)
        WHERE (status NOT IN {ACTIVE} AND resource_id IS NOT NULL)""",
]

PG_DOWN = [
    "ALTER TABLE appointments DROP CONSTRAINT IF EXISTS ex_appointments_resource_overlap",
    "ALTER TABLE appointments DROP CONSTRAINT IF EXISTS ex_appointments_staff_overlap",
    "DROP INDEX IF EXISTS ix_clients_search_trgm",
]


def upgrade() -> None:
    name = op.get_bind().dialect.name
    for sql in SQLITE_UP if name == "sqlite" else PG_UP if name == "postgresql" else []:
        op.execute(sql)


def downgrade() -> None:
    name = op.get_bind().dialect.name
    for sql in SQLITE_DOWN if name == "sqlite" else PG_DOWN if name == "postgresql" else []:
        op.execute(sql)
