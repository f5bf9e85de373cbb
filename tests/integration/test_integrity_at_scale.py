"""``desk-app check``'s checks that were rewritten to run in one pass at a million lines (issue 20:
the running balance as a window, the overlaps from a running MAX over start order, the deposits
still held from one set of ended holds, the visit order in SQL, both ways of each summary in one
statement) still name each planted problem with the same message, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from desk_app.bootstrap import open_database
from desk_app.calendar.views import BookingRequest
from desk_app.container import Services
from desk_app.db.engine import Database
from desk_app.db.models import Appointment, PrepaidAccount, PrepaidMovement, Resource, Visit
from desk_app.settings import S
from desk_app.trust.integrity import check_invariants, summary_problems
from tests.conftest import OWNER_PIN, FakeClock
from tests.integration.test_calendar_service import TOMORROW
from tests.integration.test_calendar_support import at, new_client, new_stylist, service_id


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    url = str(tmp_path / "shop.sqlite3") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    db = open_database(url)
    yield db
    db.dispose()


def _problems(db: Database) -> list[str]:
    """What the check says, less the guards set aside to plant the damage."""
    return [p for p in check_invariants(db) if not p.startswith("database guard ")]


def _set_aside_overlap_guards(db: Database) -> None:
    with db.engine.begin() as c:
        if db.is_sqlite:
            for col in ("staff_id", "resource_id"):
                for ev in ("insert", "update"):
                    c.execute(text(f"DROP TRIGGER appointments_no_overlap_{col}_{ev}"))
        else:
            for name in ("ex_appointments_staff_overlap", "ex_appointments_resource_overlap"):
                c.execute(text(f"ALTER TABLE appointments DROP CONSTRAINT {name}"))


def test_overlaps_are_paired_even_inside_a_long_booking(any_db: Database) -> None:
    """A booking stretched over two later ones overlaps each of them (the one just before the last
    does not: a running MAX of the earlier ends, not the previous booking alone); a cancelled one
    and another stylist's are no overlap."""
    db = any_db
    sv = Services(db, clock=FakeClock())
    owner = sv.shop.create_shop(name="Overlap Salon", currency="CNY", language="en", owner_name="O", owner_pin=OWNER_PIN)
    amy, leo = new_stylist(db, "Amy"), new_stylist(db, "Leo")
    cut, cid = service_id(db, "CUT-W"), new_client(db)

    def book(staff: int, hh: int, mm: int = 0) -> int:
        return sv.calendar.book(owner, BookingRequest(cid, staff, at(TOMORROW, hh, mm), [cut], duration_min=30)).id

    a, b, c, d = book(amy, 10), book(amy, 11), book(amy, 15), book(amy, 16)
    other = book(leo, 12)
    assert _problems(db) == []
    _set_aside_overlap_guards(db)
    with db.uow() as uow:
        room = Resource(branch_id=owner.branch_id, name="Room 1", kind="room")
        uow.session.add(room)
        uow.session.flush()
        rid = room.id
        for aid in (a, c, d, other):
            uow.session.get(Appointment, aid).resource_id = rid  # type: ignore[union-attr]
        uow.session.get(Appointment, a).block_end_at = at(TOMORROW, 17)  # type: ignore[union-attr]
        uow.session.get(Appointment, d).status = "cancelled"  # type: ignore[union-attr]
        uow.commit()
    assert _problems(db) == [
        f"appointments {a} and {b} overlap for stylist {amy}",
        f"appointments {a} and {c} overlap for stylist {amy}",
        f"appointments {a} and {c} overlap for resource {rid}",
        f"appointments {a} and {other} overlap for resource {rid}",
    ]


def _booked_with_deposit(sv: Services, owner: object, staff: int, hh: int, name: str) -> tuple[int, int]:
    sv.settings.set(S.CALENDAR_NO_SHOW_DEPOSIT_MINOR, 5000)
    cid = new_client(sv.db, name, no_shows=3, prepaid_minor=20000)
    appt = sv.calendar.book(
        owner, BookingRequest(cid, staff, at(TOMORROW, hh), [service_id(sv.db, "CUT-W")], deposit_minor=5000)  # type: ignore[arg-type]
    ).id
    return cid, appt


def test_running_balances_held_deposits_and_visit_order(any_db: Database) -> None:
    db = any_db
    clock = FakeClock()
    sv = Services(db, clock=clock)
    owner = sv.shop.create_shop(name="Deposit Salon", currency="CNY", language="en", owner_name="O", owner_pin=OWNER_PIN)
    leo = new_stylist(db, "Leo")
    arrived_client, arrived = _booked_with_deposit(sv, owner, leo, 11, "钱七")
    held_client, held = _booked_with_deposit(sv, owner, leo, 15, "赵六")
    clock.now = at(TOMORROW, 11) - timedelta(minutes=5)
    vid = sv.visits.arrive(owner, arrived)  # its hold released: the other one still holds
    assert _problems(db) == []

    with db.uow() as uow:  # the held booking ended by hand, its deposit left on hold
        uow.session.get(Appointment, held).status = "done"  # type: ignore[union-attr]
        uow.commit()
    assert _problems(db) == [f"appointment {held} is done but its deposit is still held (neither released nor taken)"]
    with db.uow() as uow:
        uow.session.get(Appointment, held).status = "booked"  # type: ignore[union-attr]
        acct = uow.session.scalars(select(PrepaidAccount).where(PrepaidAccount.client_id == held_client)).one()
        acct.held_minor = 7000
        aid = acct.id
        uow.commit()
    assert _problems(db) == [
        f"prepaid account {aid}: 7000 held for deposits != the deposits of bookings still holding one (5000)"
    ]
    with db.uow() as uow:
        uow.session.get(PrepaidAccount, aid).held_minor = 5000  # type: ignore[union-attr]
        # the first client's movements (interleaved by id with the other's): one balance after changed
        mv = uow.session.scalars(
            select(PrepaidMovement).join(PrepaidAccount, PrepaidAccount.id == PrepaidMovement.account_id)
            .where(PrepaidAccount.client_id == arrived_client).order_by(PrepaidMovement.id)
        ).all()
        assert len(mv) >= 2
        mid, was = mv[1].id, mv[1].balance_after_minor
        mv[1].balance_after_minor = was + 1
        uow.commit()
    assert _problems(db) == [f"prepaid movement {mid}: balance after {was + 1} != running balance {was}"]
    with db.uow() as uow:
        uow.session.get(PrepaidMovement, mid).balance_after_minor = was  # type: ignore[union-attr]
        v = uow.session.get(Visit, vid)
        assert v is not None and v.arrived_at is not None
        v.greeted_at, v.assessed_at = None, v.arrived_at - timedelta(minutes=1)  # a step skipped, one back-dated
        uow.commit()
    assert _problems(db) == [f"visit {vid}: arrived_at is after assessed_at"]
    with db.uow() as uow:
        v = uow.session.get(Visit, vid)
        assert v is not None
        v.greeted_at, v.assessed_at = v.arrived_at + timedelta(minutes=2), v.arrived_at + timedelta(minutes=1)
        uow.commit()
    assert _problems(db) == [f"visit {vid}: greeted_at is after assessed_at"]


def test_a_summary_names_at_most_limit_groups_each_way(any_db: Database) -> None:
    """Each summary compared both ways in one statement: what the table has and the rows do not is
    'not in', what the rows have and the table does not is 'missing from', ``limit`` of each."""
    from tests.integration.test_sales_summaries import _shop_with_sales

    db = any_db
    _shop_with_sales(db)
    with db.engine.connect() as c:
        assert summary_problems(c, db.is_sqlite) == []
        groups = c.execute(text("SELECT COUNT(*) FROM sale_item_hours")).scalar()
        assert groups is not None and groups >= 2
        c.execute(text("UPDATE sale_item_hours SET quantity = quantity + 1000"))  # every group wrong
        found = summary_problems(c, db.is_sqlite, limit=1)
        c.rollback()
    assert len(found) == 2, found
    assert "sale_item_hours" in found[0] and "is not in the summary" in found[0]
    assert "sale_item_hours" in found[1] and "is missing from the summary" in found[1]
