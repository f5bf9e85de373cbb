"""A client's first visit (migration 0024) follows every change to the visits, whoever makes it (the
app, or a statement past it): a new visit, one cancelled or brought back, moved to another client
or another time, deleted. ``desk-app check`` reports the summary changed by hand. The monthly
report's new and returning clients read it, for the whole shop and for one branch."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from desk_app.bootstrap import open_database
from desk_app.container import Services
from desk_app.db.engine import Database
from desk_app.db.models import Visit
from desk_app.domain.permissions import Actor
from desk_app.reports.monthly import build_monthly
from desk_app.trust.integrity import check_invariants, summary_problems
from tests.conftest import OWNER_PIN, FakeClock
from tests.integration.test_checkout_support import new_client


def _at(month: int, day: int, hour: int = 4) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def _visit(db: Database, branch_id: int, client_id: int | None, when: datetime, step: str = "done") -> int:
    with db.uow() as uow:
        v = Visit(branch_id=branch_id, client_id=client_id, kind="walk_in", step=step,
                  status="cancelled" if step == "cancelled" else "done", arrived_at=when, greeted_at=when)  # fmt: skip
        uow.session.add(v)
        uow.session.flush()
        vid = int(v.id)
        uow.commit()
    return vid


def _firsts(c: Connection) -> dict[int, str]:
    """{client: first visit, UTC 'YYYY-MM-DD HH:MM'}: SQLite gives the stored text, PostgreSQL an
    aware datetime in the session's time zone (the machine's, under the faked clocks' TZ)."""
    rows = c.execute(text("SELECT client_id, first_at FROM client_first_visits")).all()
    return {int(cid): at.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if isinstance(at, datetime) else str(at)[:16]
            for cid, at in rows}  # fmt: skip


def _shop(db: Database) -> tuple[Services, Actor]:
    sv = Services(db, clock=FakeClock())
    owner = sv.shop.create_shop(name="First Salon", currency="CNY", language="en", owner_name="O", owner_pin=OWNER_PIN)
    return sv, owner


def _first_visits_follow_the_visits(db: Database) -> None:
    _sv, owner = _shop(db)
    b = int(owner.branch_id or 1)
    ann, bo = new_client(db, "Ann"), new_client(db, "Bo")
    later = _visit(db, b, ann, _at(10, 20))
    earlier = _visit(db, b, ann, _at(10, 10))
    cancelled = _visit(db, b, ann, _at(10, 1), step="cancelled")
    _visit(db, b, None, _at(9, 1))  # a walk-in with no profile has no first visit of anyone's
    with db.engine.begin() as c:
        assert summary_problems(c, db.is_sqlite) == []
        assert _firsts(c) == {ann: "2026-10-10 04:00"}  # the cancelled visit is no visit
        changes: list[tuple[str, dict[str, object], dict[int, str]]] = [
            ("UPDATE visits SET step = 'done' WHERE id = :v", {"v": cancelled}, {ann: "2026-10-01 04:00"}),
            ("UPDATE visits SET step = 'cancelled' WHERE id = :v", {"v": cancelled}, {ann: "2026-10-10 04:00"}),
            ("UPDATE visits SET client_id = :c WHERE id = :v", {"c": bo, "v": earlier},
             {ann: "2026-10-20 04:00", bo: "2026-10-10 04:00"}),
            ("UPDATE visits SET arrived_at = :t WHERE id = :v", {"t": _at(10, 25), "v": later},
             {ann: "2026-10-25 04:00", bo: "2026-10-10 04:00"}),
            # a step that changes none of the three leaves it as it is
            ("UPDATE visits SET greeted_at = :t, satisfaction = 5 WHERE id = :v", {"t": _at(10, 25, 5), "v": later},
             {ann: "2026-10-25 04:00", bo: "2026-10-10 04:00"}),
            ("DELETE FROM visits WHERE id = :v", {"v": earlier}, {ann: "2026-10-25 04:00"}),
            ("UPDATE visits SET client_id = NULL WHERE id = :v", {"v": later}, {}),
        ]
        for sql, params, want in changes:
            c.execute(text(sql), params)
            assert _firsts(c) == want, sql
            assert summary_problems(c, db.is_sqlite) == [], sql
        c.rollback()
    assert check_invariants(db) == []
    with db.engine.begin() as c:
        c.execute(text("UPDATE client_first_visits SET first_at = :t"), {"t": _at(9, 30)})
    problems = check_invariants(db)
    assert any("visits summary client_first_visits" in p and "not in" in p for p in problems), problems
    assert any("client_first_visits" in p and "missing from" in p for p in problems), problems


def test_first_visits_follow_every_change_to_the_visits(tmp_path: Path) -> None:
    db = open_database(str(tmp_path / "shop.sqlite3"))
    try:
        _first_visits_follow_the_visits(db)
    finally:
        db.dispose()


@pytest.mark.postgres
def test_first_visits_on_postgres(pg_url: str) -> None:
    db = open_database(pg_url)
    try:
        _first_visits_follow_the_visits(db)
    finally:
        db.dispose()


def test_new_clients_for_the_shop_and_for_one_branch(services: Services, owner: Actor) -> None:
    """Whole shop: new = first visit ever in the month. One branch: of the clients who came there in
    the month, those whose first visit ever (at any branch) is in the month."""
    db = services.db
    home = int(owner.branch_id or 1)
    east = services.branches.add(owner, {"code": "east", "name": "East", "address": "", "phone": "",
                                         "receipt_header": ""}).id  # fmt: skip
    moved = new_client(db, "Came home first")
    _visit(db, home, moved, _at(10, 3))  # first visit: October, at home
    _visit(db, east, moved, _at(11, 4))  # November at east: returning there
    fresh = new_client(db, "New at east")
    _visit(db, east, fresh, _at(11, 6))
    _visit(db, east, fresh, _at(11, 16))  # twice in the month: one client
    both = new_client(db, "New at home, then east")
    _visit(db, home, both, _at(11, 2))
    _visit(db, east, both, _at(11, 12))
    cancelled_first = new_client(db, "Cancelled first")
    _visit(db, home, cancelled_first, _at(10, 28), step="cancelled")
    _visit(db, home, cancelled_first, _at(11, 9))
    now = _at(12, 1)
    shop = build_monthly(db, "2026-11", settings=services.settings, now=now, parallel=False)
    assert (shop["new_clients"], shop["returning_clients"]) == (3, 1)  # fresh, both, cancelled_first; moved
    at_east = build_monthly(db, "2026-11", branch=east, settings=services.settings, now=now, parallel=False)
    assert (at_east["new_clients"], at_east["returning_clients"]) == (2, 1)  # fresh, both; moved
    at_home = build_monthly(db, "2026-11", branch=home, settings=services.settings, now=now, parallel=False)
    assert (at_home["new_clients"], at_home["returning_clients"]) == (2, 0)  # both, cancelled_first
    october = build_monthly(db, "2026-10", settings=services.settings, now=now, parallel=False)
    assert (october["new_clients"], october["returning_clients"]) == (1, 0)  # moved
