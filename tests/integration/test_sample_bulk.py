"""The reports' sample shop is written by the sales writer in bulk (issue 20): what it writes keeps
every invariant ``desk-app check`` verifies, and the report is the same on one connection."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from desk_app.bootstrap import open_database
from desk_app.container import Services
from desk_app.demo.sample import build_in_parts, generate
from desk_app.domain.permissions import Actor
from desk_app.reports.monthly import build_monthly
from desk_app.trust.integrity import check_invariants


def test_the_bulk_built_shop_passes_desk_app_check(services: Services, owner: Actor) -> None:
    stats = generate(services.db, start_month="2026-08", months=3, clients=80, stylists=4, visits_per_day=9, seed=5)
    assert stats.lines > 500
    assert check_invariants(services.db) == []  # the summaries made from the rows equal what the triggers keep
    with services.db.engine.connect() as conn:
        # the summaries' triggers were set aside for the build and are back, with their own text
        kept = conn.execute(text("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' "
                                 "AND tbl_name IN ('sales', 'sale_lines', 'payments', 'visits')")).scalar()  # fmt: skip
        assert kept == 16  # migration 0022's nine, 0023's four, 0024's three
        assert conn.execute(text("SELECT COUNT(*) FROM client_first_visits")).scalar() == conn.execute(
            text("SELECT COUNT(DISTINCT client_id) FROM visits WHERE step != 'cancelled'")).scalar() > 0
        assert conn.execute(text("SELECT SUM(lines) FROM sale_item_hours")).scalar() == stats.lines
        # booked appointments went through the overlap guard (migration 0020) and none overlap
        assert conn.execute(text("SELECT COUNT(*) FROM appointments WHERE status = 'booked'")).scalar()


def test_one_connection_gives_the_same_report(services: Services, owner: Actor) -> None:
    generate(services.db, start_month="2026-08", months=3, clients=80, stylists=4, visits_per_day=9, seed=5)
    now = services.clock()
    one = build_monthly(services.db, "2026-09", settings=services.settings, now=now, parallel=False)
    two = build_monthly(services.db, "2026-09", settings=services.settings, now=now)
    assert one == two
    assert one["client_value"]["served"] > 0


def test_a_shop_built_in_two_parts_is_one_shop(services: Services, owner: Actor, db_path: Path) -> None:
    """The benchmark's big shop is built by two processes at once (``build_in_parts``): their rows
    come together into one file whose invariants hold, with each client and stylist once."""
    services.db.dispose()
    stats = build_in_parts(str(db_path), parts=2, start_month="2026-08", months=2, clients=81, stylists=5,
                           visits_per_day=9, seed=5)  # fmt: skip
    db = open_database(str(db_path), run_migrations=False)
    try:
        assert check_invariants(db) == []
        with db.engine.connect() as conn:
            def one(sql: str) -> int:
                return int(conn.execute(text(sql)).scalar_one())

            assert one("SELECT COUNT(*) FROM sale_lines") == stats.lines > 300
            assert one("SELECT COUNT(*) FROM sales") == stats.sales
            assert one("SELECT COUNT(*) FROM visits") == stats.visits
            assert one("SELECT COUNT(*) FROM clients") == 81
            assert one("SELECT COUNT(*) FROM staff WHERE role = 'stylist'") == 5
            assert one("SELECT COUNT(DISTINCT name) FROM staff") == one("SELECT COUNT(*) FROM staff")
            # both parts' rows are there, and the indexes the build dropped are back
            assert one("SELECT COUNT(DISTINCT staff_id) FROM visits") == 5
            assert one("SELECT COUNT(*) FROM sqlite_master WHERE name = 'ix_sale_lines_report'") == 1
            assert one("SELECT COUNT(*) FROM sqlite_master WHERE name = 'ix_visits_client_first'") == 1
            schema = set(conn.execute(text("SELECT type, name, sql FROM sqlite_master WHERE type IN "
                                           "('index', 'trigger')")).all())  # fmt: skip
    finally:
        db.dispose()
    fresh = open_database(str(db_path.parent / "fresh.sqlite3"))
    try:
        with fresh.engine.connect() as conn:
            # every index and trigger the parts left off is back, with its own text, once
            assert schema == set(conn.execute(text("SELECT type, name, sql FROM sqlite_master WHERE type IN "
                                                   "('index', 'trigger')")).all())  # fmt: skip
    finally:
        fresh.dispose()
    assert not list(db_path.parent.glob("*.part*"))  # the parts' own files are gone
