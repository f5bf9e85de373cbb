"""each client's first visit (not cancelled, at any branch), kept by triggers on the visits in the
same transaction as every visit written: the monthly report counts the month's new clients as a
range of this table's index instead of looking up every client who came for an earlier visit
(issue 20, docs/performance.md "New clients from a first-visit summary")

``client_first_visits`` (client, the arrival of their first visit that was not cancelled),
backfilled from the visits already there. Triggers on ``visits`` keep it: a new visit that is not
cancelled may be a client's first; a visit cancelled or brought back, moved to another client or
to another time, or deleted makes its clients' first visit again from their visits (one index
seek on ``ix_visits_client_first`` each). A visit step that changes none of those three does
nothing. ``desk-app check`` compares it with the visits.

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROWS = ("SELECT v.client_id, MIN(v.arrived_at) FROM visits v "
        "WHERE v.client_id IS NOT NULL AND v.step != 'cancelled' GROUP BY 1")  # fmt: skip


def _again(ids: str) -> str:
    """Make the first visit of the clients ``ids`` (an SQL list) again from their visits."""
    return (f"DELETE FROM client_first_visits WHERE client_id IN ({ids});\n"
            f"INSERT INTO client_first_visits (client_id, first_at) SELECT client_id, MIN(arrived_at) "
            f"FROM visits WHERE client_id IN ({ids}) AND step != 'cancelled' GROUP BY client_id;")  # fmt: skip


def sqlite_triggers() -> dict[str, str]:
    return {
        "client_first_ai": """CREATE TRIGGER client_first_ai AFTER INSERT ON visits
            WHEN new.client_id IS NOT NULL AND new.step != 'cancelled' BEGIN
            INSERT INTO client_first_visits (client_id, first_at) VALUES (new.client_id, new.arrived_at)
            ON CONFLICT (client_id) DO UPDATE SET first_at = excluded.first_at WHERE excluded.first_at < first_at;
            END""",
        "client_first_au": f"""CREATE TRIGGER client_first_au AFTER UPDATE OF client_id, arrived_at, step ON visits
            WHEN old.client_id IS NOT new.client_id OR old.arrived_at IS NOT new.arrived_at
            OR (old.step = 'cancelled') IS NOT (new.step = 'cancelled') BEGIN
            {_again('old.client_id, new.client_id')}
            END""",
        "client_first_ad": f"""CREATE TRIGGER client_first_ad AFTER DELETE ON visits
            WHEN old.client_id IS NOT NULL AND old.step != 'cancelled' BEGIN
            {_again('old.client_id')}
            END""",
    }


def postgres_functions() -> dict[str, str]:
    """name -> (function; trigger) SQL."""
    fn = f"""CREATE OR REPLACE FUNCTION client_first_keep() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was integer; now_ integer;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.client_id IS NOT NULL AND NEW.step <> 'cancelled' THEN
            INSERT INTO client_first_visits AS f (client_id, first_at) VALUES (NEW.client_id, NEW.arrived_at)
            ON CONFLICT (client_id) DO UPDATE SET first_at = excluded.first_at WHERE excluded.first_at < f.first_at;
        END IF;
        RETURN NULL;
    END IF;
    was := OLD.client_id;
    IF TG_OP = 'DELETE' THEN
        IF OLD.step = 'cancelled' THEN RETURN NULL; END IF;
        now_ := NULL;
    ELSE
        IF OLD.client_id IS NOT DISTINCT FROM NEW.client_id AND OLD.arrived_at = NEW.arrived_at
           AND (OLD.step = 'cancelled') = (NEW.step = 'cancelled') THEN
            RETURN NULL;
        END IF;
        now_ := NEW.client_id;
    END IF;
    {_again('was, now_')}
    RETURN NULL;
END $$"""
    return {
        "client_first_keep": fn + ";\n" + (
            "CREATE TRIGGER client_first_keep AFTER INSERT OR DELETE OR UPDATE OF client_id, arrived_at, step "
            "ON visits FOR EACH ROW EXECUTE FUNCTION client_first_keep()"),
    }


def upgrade() -> None:
    from desk_app.db.types import UTCDateTime

    dialect = op.get_bind().dialect.name
    op.create_table(
        "client_first_visits",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("first_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("client_id"),
    )
    op.execute(f"INSERT INTO client_first_visits (client_id, first_at) {ROWS}")
    op.create_index("ix_client_first_visits_first_at", "client_first_visits", ["first_at"])
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
        op.execute("DROP TRIGGER IF EXISTS client_first_keep ON visits")
        op.execute("DROP FUNCTION IF EXISTS client_first_keep()")
    op.drop_index("ix_client_first_visits_first_at", table_name="client_first_visits")
    op.drop_table("client_first_visits")
