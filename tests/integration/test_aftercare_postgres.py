"""The after-care flow on PostgreSQL (server mode): lists, a low-score call, complaint deadline, standards."""

from __future__ import annotations

from datetime import UTC, date, datetime

from desk_app.bootstrap import open_database
from desk_app.container import Services
from desk_app.reports.standards import standards_summary
from tests.conftest import FakeClock
from tests.integration.test_aftercare_data import add_client, add_staff, shanghai, visit


def test_aftercare_on_postgresql(pg_url: str) -> None:
    db = open_database(pg_url)
    try:
        clock = FakeClock()
        sv = Services(db, clock=clock)
        owner = sv.shop.create_shop(
            name="PG Spa", currency="CNY", language="en", owner_name="O", owner_pin="1234"
        )
        desk = add_staff(db, owner.branch_id, "Amy", "receptionist")
        leo = add_staff(db, owner.branch_id, "Leo")
        cid = add_client(db, "Wang Fang", birthday=date(1990, 11, 20))
        vid = visit(
            db,
            sv.settings,
            branch_id=owner.branch_id,
            client_id=cid,
            stylist_id=leo.staff_id,
            desk_id=desk.staff_id,
            arrived=shanghai(2026, 11, 18, 9),
            greet_s=45,
            skipped={"needs": "regular"},
            assess_min=None,
        )
        clock.now = shanghai(2026, 11, 20, 10)
        due = sv.aftercare.followups(actor=desk).due
        assert [f.visit_id for f in due] == [vid]
        r = sv.aftercare.record_call(
            desk, due[0].id, "reached", timeliness=2, professionalism=4, effectiveness=4, attitude=4
        )
        assert r.complaint_id is not None
        clock.advance(hours=25)
        assert [c.id for c in sv.complaints.overdue_complaints()] == [r.complaint_id]
        assert [i.client_name for i in sv.aftercare.birthdays_this_week(actor=desk)] == ["Wang Fang"]
        out = standards_summary(
            db, sv.settings, date(2026, 11, 1), date(2026, 12, 1), now=datetime(2026, 12, 1, tzinfo=UTC)
        )
        assert (out["greet"]["met"], out["greet"]["total"]) == (0, 1)
        assert out["reception"]["total"] == 0  # skipped with a reason: not measured
        assert (out["followup_on_time"]["met"], out["followup_on_time"]["total"]) == (1, 1)
        assert (out["complaint_response"]["met"], out["complaint_response"]["total"]) == (0, 1)
        assert out["complaint_response"]["by_day"] == {"2026-11-20": {"met": 0, "total": 1}}
    finally:
        db.dispose()
