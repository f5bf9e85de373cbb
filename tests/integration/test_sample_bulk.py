"""The reports' sample shop is written by the sales writer in bulk (issue 20): what it writes keeps
every invariant ``desk-app check`` verifies, and the report is the same on one connection."""

from __future__ import annotations

from sqlalchemy import text

from desk_app.container import Services
from desk_app.demo.sample import generate
from desk_app.domain.permissions import Actor
from desk_app.reports.monthly import build_monthly
from desk_app.trust.integrity import check_invariants


def test_the_bulk_built_shop_passes_desk_app_check(services: Services, owner: Actor) -> None:
    stats = generate(services.db, start_month="2026-08", months=3, clients=80, stylists=4, visits_per_day=9, seed=5)
    assert stats.lines > 500
    assert check_invariants(services.db) == []
    with services.db.engine.connect() as conn:
        # booked appointments went through the overlap guard (migration 0020) and none overlap
        assert conn.execute(text("SELECT COUNT(*) FROM appointments WHERE status = 'booked'")).scalar()


def test_one_connection_gives_the_same_report(services: Services, owner: Actor) -> None:
    generate(services.db, start_month="2026-08", months=3, clients=80, stylists=4, visits_per_day=9, seed=5)
    now = services.clock()
    one = build_monthly(services.db, "2026-09", settings=services.settings, now=now, parallel=False)
    two = build_monthly(services.db, "2026-09", settings=services.settings, now=now)
    assert one == two
    assert one["client_value"]["served"] > 0
