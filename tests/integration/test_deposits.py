"""Issue 15: a deposit held for a repeat no-show is released when the client arrives and taken when
they do not come, once, in the unit of work of what ended it (it used to stay held for ever)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from desk_app.calendar.service import BookingRequest
from desk_app.container import Services
from desk_app.core.service import ServiceError
from desk_app.db.models import Appointment, PrepaidAccount, PrepaidMovement
from desk_app.domain.permissions import Actor
from desk_app.settings import S
from desk_app.trust.integrity import check_invariants
from tests.conftest import FakeClock
from tests.integration.test_calendar_service import TOMORROW, shop  # noqa: F401  (the fixture)
from tests.integration.test_calendar_support import at, new_client


def _account(services: Services, cid: int) -> tuple[int, int, list[str]]:
    with services.db.uow(write=False) as uow:
        acct = uow.session.scalars(select(PrepaidAccount).where(PrepaidAccount.client_id == cid)).one()
        kinds = list(
            uow.session.scalars(
                select(PrepaidMovement.kind).where(PrepaidMovement.account_id == acct.id).order_by(PrepaidMovement.id)
            )
        )
        return acct.balance_minor, acct.held_minor, kinds


def _booked_with_deposit(services: Services, owner: Actor, shop: dict[str, int], hour: int) -> tuple[int, int]:  # noqa: F811
    services.settings.set(S.CALENDAR_NO_SHOW_DEPOSIT_MINOR, 5000)
    cid = new_client(services.db, f"钱七{hour}", no_shows=3, prepaid_minor=20000)
    v = services.calendar.book(
        owner, BookingRequest(cid, shop["leo"], at(TOMORROW, hour), [shop["cut"]], deposit_minor=5000)
    )
    assert _account(services, cid)[:2] == (20000, 5000)
    return cid, v.id


def test_arrival_releases_the_deposit(services: Services, owner: Actor, shop: dict[str, int], clock: FakeClock) -> None:  # noqa: F811
    cid, appt = _booked_with_deposit(services, owner, shop, 11)
    clock.now = at(TOMORROW, 11) - timedelta(minutes=5)
    services.visits.arrive(owner, appt)
    assert _account(services, cid) == (20000, 0, ["topup", "hold", "release"])
    assert services.calendar.auto_no_shows(at(TOMORROW, 13)) == []  # arrived: never a no-show
    assert check_invariants(services.db) == []


def test_a_no_show_takes_the_deposit_once(services: Services, owner: Actor, shop: dict[str, int], clock: FakeClock) -> None:  # noqa: F811
    cid, appt = _booked_with_deposit(services, owner, shop, 11)
    later = at(TOMORROW, 13)
    clock.now = later
    assert services.calendar.auto_no_shows(later) == [appt]
    assert services.calendar.auto_no_shows(later + timedelta(hours=1)) == []  # a second pass: nothing
    with pytest.raises(ServiceError):
        services.calendar.mark_no_show(owner, appt)  # already one
    assert _account(services, cid) == (15000, 0, ["topup", "hold", "forfeit"])
    with services.db.uow(write=False) as uow:
        a = uow.session.get(Appointment, appt)
        assert a is not None and a.status == "no_show"
    report = services.reports.monthly(owner, "2026-11")
    prepaid = report.data["prepaid"]
    assert str(prepaid["deposits_taken"]) in ("50.00", "50")  # in the month's report, not as revenue
    # and on the printed summary, beside the other prepaid movements
    from io import BytesIO

    from pypdf import PdfReader

    text = "\n".join(pg.extract_text() for pg in PdfReader(BytesIO(services.reports.pdf_bytes(owner, report, "en"))).pages)
    assert "Deposits kept (no-shows)" in text and "50.00" in text.split("Deposits kept (no-shows)")[1][:40]
    assert check_invariants(services.db) == []


def test_a_manual_no_show_takes_it_and_a_cancel_then_releases_nothing(
    services: Services, owner: Actor, shop: dict[str, int], clock: FakeClock  # noqa: F811
) -> None:
    cid, appt = _booked_with_deposit(services, owner, shop, 11)
    clock.now = at(TOMORROW, 11) + timedelta(minutes=20)
    services.calendar.mark_no_show(owner, appt)
    assert _account(services, cid) == (15000, 0, ["topup", "hold", "forfeit"])
    assert check_invariants(services.db) == []


def test_check_reports_a_deposit_left_on_hold(services: Services, owner: Actor, shop: dict[str, int], clock: FakeClock) -> None:  # noqa: F811
    """``desk-app check``: the account's held amount is the deposits of bookings still holding one,
    and a booking that ended (here marked done by hand, as the old code left them) holds none."""
    cid, appt = _booked_with_deposit(services, owner, shop, 11)
    assert check_invariants(services.db) == []
    with services.db.uow() as uow:
        uow.session.get(Appointment, appt).status = "done"  # type: ignore[union-attr]
        uow.commit()
    problems = check_invariants(services.db)
    assert problems == [f"appointment {appt} is done but its deposit is still held (neither released nor taken)"]
    with services.db.uow() as uow:
        uow.session.get(Appointment, appt).status = "booked"  # type: ignore[union-attr]
        uow.session.scalars(select(PrepaidAccount).where(PrepaidAccount.client_id == cid)).one().held_minor = 7000
        uow.commit()
    problems = check_invariants(services.db)
    assert len(problems) == 1 and "7000 held for deposits" in problems[0] and "(5000)" in problems[0]


def test_a_mistaken_check_in_cancelled_keeps_the_booking_and_its_deposit(
    services: Services, owner: Actor, shop: dict[str, int], clock: FakeClock  # noqa: F811
) -> None:
    """Arrival released the deposit; cancelling the check-in as a mistake (the booking kept) holds it
    again, so a later no-show still takes it and the check stays clean."""
    cid, appt = _booked_with_deposit(services, owner, shop, 11)
    clock.now = at(TOMORROW, 9)
    vid = services.visits.arrive(owner, appt)
    assert _account(services, cid)[:2] == (20000, 0)
    services.visits.cancel(owner, vid, "checked in the wrong client", keep_booking=True)
    assert _account(services, cid) == (20000, 5000, ["topup", "hold", "release", "hold"])
    assert check_invariants(services.db) == []
    clock.now = at(TOMORROW, 13)
    assert services.calendar.auto_no_shows(clock.now) == [appt]  # they did not come after all
    assert _account(services, cid) == (15000, 0, ["topup", "hold", "release", "hold", "forfeit"])
    assert check_invariants(services.db) == []


def test_arriving_again_after_a_cancelled_check_in_releases_it_again(
    services: Services, owner: Actor, shop: dict[str, int], clock: FakeClock  # noqa: F811
) -> None:
    cid, appt = _booked_with_deposit(services, owner, shop, 11)
    clock.now = at(TOMORROW, 9)
    services.visits.cancel(owner, services.visits.arrive(owner, appt), "too early", keep_booking=True)
    clock.now = at(TOMORROW, 11) - timedelta(minutes=5)
    services.visits.arrive(owner, appt)
    assert _account(services, cid) == (20000, 0, ["topup", "hold", "release", "hold", "release"])
    assert check_invariants(services.db) == []
