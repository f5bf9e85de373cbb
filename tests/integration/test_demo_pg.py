"""The demo generator on a real PostgreSQL server: same invariants, sequences in step afterwards."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from desk_app.db.engine import Database
from desk_app.demo.shop import generate
from desk_app.shop.service import ShopService
from desk_app.trust.integrity import check_invariants

NOW = datetime(2026, 11, 18, 7, 0, tzinfo=UTC)


@pytest.mark.postgres
def test_demo_on_postgres(pg_url: str) -> None:
    summary = generate(pg_url, clients=80, months=1, staff=5, seed=2, today=NOW)
    assert summary.clients == 80 and summary.sales > 20
    db = Database.open(pg_url)
    try:
        assert check_invariants(db) == []
        assert ShopService(db).info().is_demo
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM clients")).scalar() == 80
            assert conn.execute(text("SELECT count(*) FROM appointments")).scalar() == summary.appointments
            # ids given by the generator: the sequences continue after them
            new_id = conn.execute(
                text(
                    "INSERT INTO contacts (channel, kind, caller_name, caller_phone, summary, checklist, at) "
                    "VALUES ('phone', 'inquiry', '', '', 'x', '{}', now()) RETURNING id"
                )
            ).scalar()
            assert new_id == conn.execute(text("SELECT max(id) FROM contacts")).scalar()
            assert new_id is not None and new_id > summary.counts.get("contacts", 0)
            # the exclusion constraint refuses a double booking of a generated appointment
            row = conn.execute(
                text(
                    "SELECT branch_id, staff_id, start_at, end_at, block_end_at FROM appointments "
                    "WHERE status NOT IN ('cancelled', 'no_show') LIMIT 1"
                )
            ).one()
        with pytest.raises(Exception, match="ex_appointments_staff_overlap"), db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO appointments (branch_id, staff_id, start_at, end_at, block_end_at, status, source,"
                    " notes, cancel_reason, late_cancel, reminder_status, deposit_minor, created_at, version)"
                    " VALUES (:b, :s, :st, :en, :be, 'booked', 'desk', '', '', false, '', 0, now(), 1)"
                ),
                {"b": row[0], "s": row[1], "st": row[2], "en": row[3], "be": row[4]},
            )
    finally:
        db.dispose()
