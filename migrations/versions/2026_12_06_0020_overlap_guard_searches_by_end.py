"""the SQLite double-booking guard searches a staff member's (or room's) appointments by their end

The triggers of 0002 looked for an overlap with ``staff_id = ? AND start_at < new end`` on
(staff_id, start_at): every appointment the staff member ever had starts before a new booking
ends, so each booking scanned the whole history (a 1M-line benchmark shop did not finish
building in 20 minutes). Now they search (staff_id, block_end_at) for what ends after the new
start: the bookings still ahead, a handful. The start is tested on the row (``+start_at`` keeps
SQLite off the old index). Same rule, same message; PostgreSQL keeps its exclusion constraints.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = "('cancelled', 'no_show')"


def _triggers(start: str) -> list[str]:
    out = []
    for event, when in (("insert", "BEFORE INSERT"), ("update", "BEFORE UPDATE")):
        not_self = "AND a.id <> new.id" if event == "update" else ""
        for col in ("staff_id", "resource_id"):
            name = f"appointments_no_overlap_{col}_{event}"
            out.append(f"DROP TRIGGER IF EXISTS {name}")
            out.append(
                f"""CREATE TRIGGER {name} {when} ON appointments
            WHEN new.status NOT IN {ACTIVE} AND new.{col} IS NOT NULL
            BEGIN
                SELECT RAISE(ABORT, 'appointment_overlap')
                WHERE EXISTS (
                    SELECT 1 FROM appointments a
                    WHERE a.{col} = new.{col} {not_self}
                      AND a.status NOT IN {ACTIVE}
                      AND {start} < new.block_end_at
                      AND new.start_at < a.block_end_at
                );
            END"""
            )
    return out


def upgrade() -> None:
    op.create_index("ix_appointments_staff_end", "appointments", ["staff_id", "block_end_at"])
    op.create_index("ix_appointments_resource_end", "appointments", ["resource_id", "block_end_at"])
    if op.get_bind().dialect.name == "sqlite":
        for sql in _triggers("+a.start_at"):
            op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for sql in _triggers("a.start_at"):
            op.execute(sql)
    op.drop_index("ix_appointments_resource_end", table_name="appointments")
    op.drop_index("ix_appointments_staff_end", table_name="appointments")
