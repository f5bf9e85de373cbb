"""The time clock (issue 21): clock in, breaks, clock out; the PIN on the sign-in page; a shift
forgotten open; the owner's corrections with a reason (new rows, audited, refused when the
punches would no longer make shifts); the hours of a period."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from desk_app.bootstrap import open_database
from desk_app.container import Services
from desk_app.core.service import NotAllowed, ServiceError, ValidationError
from desk_app.db.models import AuditEntry, TimePunch
from desk_app.domain import timesheet as ts
from desk_app.domain.permissions import Actor
from desk_app.trust.integrity import check_invariants
from desk_app.trust.pins import PinRefused
from tests.conftest import OWNER_PIN, FakeClock
from tests.integration.test_checkout_support import new_staff

SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hh: int, mm: int = 0, month: int = 11) -> datetime:
    """A Shanghai wall-clock time in November 2026, as UTC."""
    return datetime(2026, month, day, hh, mm, tzinfo=SH).astimezone(UTC)


def punches(services: Services, staff_id: int) -> list[tuple[str, str, str]]:
    with services.db.uow(write=False) as uow:
        rows = uow.session.execute(
            select(TimePunch.kind, TimePunch.at, TimePunch.source).where(TimePunch.staff_id == staff_id).order_by(TimePunch.id)
        ).all()
    return [(k, a.astimezone(SH).strftime("%d %H:%M"), s) for k, a, s in rows]


def punch_at(services: Services, clock: FakeClock, who: Actor, *steps: tuple[datetime, str]) -> None:
    """Each punch at its time, as the person makes it at the desk."""
    for when, kind in steps:
        clock.now = when
        services.timeclock.punch(who, kind)


def test_a_day_clock_in_break_back_out_makes_its_hours(services: Services, owner: Actor, clock: FakeClock) -> None:
    leo = new_staff(services.db, owner.branch_id, "Leo")
    tc = services.timeclock
    clock.now = at(18, 9, 2)
    st = tc.punch(leo, ts.IN)
    assert (st.state, st.since, st.worked_today_seconds) == (ts.ON, at(18, 9, 2), 0)
    clock.now = at(18, 12, 30)
    st = tc.punch(leo, ts.BREAK)
    assert (st.state, st.since, st.worked_today_seconds) == (ts.ON_BREAK, at(18, 12, 30), 3 * 3600 + 28 * 60)
    clock.now = at(18, 13, 15)
    assert tc.status(leo).worked_today_seconds == 3 * 3600 + 28 * 60  # the break is not work
    tc.punch(leo, ts.BACK)
    clock.now = at(18, 18, 5)
    st = tc.punch(leo, ts.OUT)
    assert st.state == ts.OFF and st.worked_today_seconds == (9 * 60 + 3) * 60 - 45 * 60  # 8:18
    clock.now = at(19, 10)
    hours = tc.hours(owner, date(2026, 11, 1), date(2026, 11, 30))
    h = hours[leo.staff_id]
    assert (h.worked_seconds, h.break_seconds, h.shifts, h.unclosed, h.on_clock) == (8 * 3600 + 18 * 60, 45 * 60, 1, (), False)
    assert ts.hours_text(h.worked_seconds) == "8:18" and ts.decimal_hours(h.worked_seconds) == "8.30"
    assert punches(services, leo.staff_id) == [
        ("in", "18 09:02", "clock"), ("break", "18 12:30", "clock"), ("back", "18 13:15", "clock"), ("out", "18 18:05", "clock"),
    ]


@pytest.mark.parametrize(
    ("first", "then", "words"),
    [
        (None, ts.OUT, "not clocked in"),
        (None, ts.BREAK, "not clocked in"),
        (ts.IN, ts.IN, "clocked in already"),
        (ts.IN, ts.BACK, "not on a break"),
        (ts.BREAK, ts.BREAK, "on a break"),
        (ts.BREAK, ts.IN, "clocked in already"),
    ],
)
def test_a_punch_that_cannot_follow_is_refused_in_words_and_writes_nothing(
    services: Services, owner: Actor, clock: FakeClock, first: str | None, then: str, words: str
) -> None:
    amy = new_staff(services.db, owner.branch_id, "Amy")
    if first is not None:
        services.timeclock.punch(amy, ts.IN)
        clock.advance(minutes=30)
        if first == ts.BREAK:
            services.timeclock.punch(amy, ts.BREAK)
            clock.advance(minutes=5)
    before = punches(services, amy.staff_id)
    with pytest.raises(ServiceError, match=words):
        services.timeclock.punch(amy, then)
    assert punches(services, amy.staff_id) == before


def test_clocking_out_from_a_break_ends_the_break_there(services: Services, owner: Actor, clock: FakeClock) -> None:
    amy = new_staff(services.db, owner.branch_id, "Amy")
    punch_at(services, clock, amy, (at(18, 10), ts.IN), (at(18, 15), ts.BREAK), (at(18, 15, 20), ts.OUT))
    h = services.timeclock.hours(owner, date(2026, 11, 18), date(2026, 11, 18))[amy.staff_id]
    assert (h.worked_seconds, h.break_seconds) == (5 * 3600, 20 * 60)


def test_the_sign_in_page_clocks_in_and_out_with_the_pin_and_a_wrong_pin_writes_nothing(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    leo = new_staff(services.db, owner.branch_id, "Leo")  # PIN 5678
    tc = services.timeclock
    with pytest.raises(PinRefused):
        tc.clock_with_pin(leo.staff_id, "0000", services.auth)
    assert punches(services, leo.staff_id) == []
    kind, st = tc.clock_with_pin(leo.staff_id, "5678", services.auth)
    assert (kind, st.state) == (ts.IN, ts.ON)
    clock.advance(seconds=30)  # a second tap straight after: nothing changes (it was a 0-minute shift)
    with pytest.raises(ServiceError, match="a moment ago; nothing changed"):
        tc.clock_with_pin(leo.staff_id, "5678", services.auth)
    clock.advance(hours=2)
    tc.punch(leo, ts.BREAK)
    clock.advance(hours=1)
    kind, st = tc.clock_with_pin(leo.staff_id, "5678", services.auth)  # from a break: back
    assert (kind, st.state) == (ts.BACK, ts.ON)
    clock.advance(hours=3)
    kind, st = tc.clock_with_pin(leo.staff_id, "5678", services.auth)
    assert (kind, st.state, st.worked_today_seconds) == (ts.OUT, ts.OFF, 5 * 3600 + 30)
    assert [(k, s) for k, _a, s in punches(services, leo.staff_id)] == [
        ("in", "pin"), ("break", "clock"), ("back", "pin"), ("out", "pin")]
    # the next morning, before clocking in, yesterday's hours are not "today's"
    clock.advance(hours=15)
    assert tc.status(leo).worked_today_seconds == 0


def test_a_correction_that_makes_a_shift_longer_than_a_day_is_refused(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    leo = new_staff(services.db, owner.branch_id, "Leo")
    clock.now = at(17, 9)
    services.timeclock.punch(leo, ts.IN)
    clock.now = at(18, 10)
    with pytest.raises(ValidationError, match="longer than 24 hours"):
        services.timeclock.correct(owner, leo.staff_id, kind=ts.OUT, at=at(18, 9, 30), reason="left this morning")
    services.timeclock.correct(owner, leo.staff_id, kind=ts.OUT, at=at(17, 21, 30), reason="left at closing")
    day = services.timeclock.day_sheet(owner, leo.staff_id, date(2026, 11, 17))
    assert [p.kind for p in day.punches] == ["in", "out"] and day.worked_seconds == 12 * 3600 + 30 * 60


def test_a_shift_past_midnight_shows_whole_on_the_day_it_began(services: Services, owner: Actor, clock: FakeClock) -> None:
    kim = new_staff(services.db, owner.branch_id, "Kim")
    punch_at(services, clock, kim, (at(17, 20), ts.IN), (at(18, 2), ts.OUT))
    assert services.timeclock.status(kim).worked_today_seconds == 6 * 3600  # said at the clock-out, past midnight
    day = services.timeclock.day_sheet(owner, kim.staff_id, date(2026, 11, 17))
    assert [p.kind for p in day.punches] == ["in", "out"] and day.worked_seconds == 6 * 3600


def test_a_shift_never_clocked_out_stays_unclosed_counts_nothing_and_the_owner_closes_it(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    leo = new_staff(services.db, owner.branch_id, "Leo")
    tc = services.timeclock
    clock.now = at(17, 9)
    tc.punch(leo, ts.IN)
    # the next morning he is "off" (yesterday's shift is unclosed), so he can clock in again
    clock.now = at(18, 9, 30)
    st = tc.status(leo)
    assert (st.state, st.unclosed) == (ts.OFF, (date(2026, 11, 17),))
    with pytest.raises(ServiceError, match="not clocked in"):
        tc.punch(leo, ts.OUT)
    tc.punch(leo, ts.IN)
    clock.now = at(18, 17, 30)
    tc.punch(leo, ts.OUT)
    h = tc.hours(owner, date(2026, 11, 1), date(2026, 11, 30))[leo.staff_id]
    assert (h.worked_seconds, h.shifts, h.unclosed) == (8 * 3600, 2, (date(2026, 11, 17),))
    # the owner adds the clock-out the 17th is missing, with a reason
    day = tc.day_sheet(owner, leo.staff_id, date(2026, 11, 17))
    assert [p.kind for p in day.punches] == ["in"] and day.worked_seconds == 0 and day.shifts[0].unclosed
    tc.correct(owner, leo.staff_id, kind=ts.OUT, at=at(17, 18), reason="forgot to clock out; left at six")
    h = tc.hours(owner, date(2026, 11, 1), date(2026, 11, 30))[leo.staff_id]
    assert (h.worked_seconds, h.unclosed) == (17 * 3600, ())
    assert tc.status(leo).unclosed == ()
    with services.db.uow(write=False) as uow:
        row = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "correct")).one()
        assert row.entity == "time_punch" and row.detail == "forgot to clock out; left at six"


def test_a_correction_moves_or_removes_a_punch_as_a_new_row_and_the_old_one_is_kept(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    amy = new_staff(services.db, owner.branch_id, "Amy")
    tc = services.timeclock
    punch_at(services, clock, amy, (at(18, 9), ts.IN),
             (at(18, 12), ts.BREAK),
             (at(18, 12, 30), ts.BACK),
             (at(18, 20), ts.OUT))
    day = tc.day_sheet(owner, amy.staff_id, date(2026, 11, 18))
    first_in = next(p for p in day.punches if p.kind == ts.IN)
    brk = next(p for p in day.punches if p.kind == ts.BREAK)
    back = next(p for p in day.punches if p.kind == ts.BACK)
    tc.correct(owner, amy.staff_id, kind=ts.IN, at=at(18, 8, 30), reason="opened the shop early", replaces_id=first_in.id)
    # removing the break while its end is there leaves a "back" with no break: refused, nothing written
    n = len(punches(services, amy.staff_id))
    with pytest.raises(ValidationError, match="not on a break"):
        tc.correct(owner, amy.staff_id, kind="void", at=None, reason="the break was a mistake", replaces_id=brk.id)
    assert len(punches(services, amy.staff_id)) == n
    tc.correct(owner, amy.staff_id, kind="void", at=None, reason="and its end", replaces_id=back.id)
    tc.correct(owner, amy.staff_id, kind="void", at=None, reason="the break was a mistake", replaces_id=brk.id)
    assert len(punches(services, amy.staff_id)) == n + 2
    day = tc.day_sheet(owner, amy.staff_id, date(2026, 11, 18))
    assert day.worked_seconds == 11 * 3600 + 30 * 60 and day.break_seconds == 0
    replaced = {p.id: p.replaced_reason for p in day.punches if p.replaced}
    assert replaced == {first_in.id: "opened the shop early", brk.id: "the break was a mistake", back.id: "and its end"}
    # a punch is corrected once; the correction itself is what to correct next
    with pytest.raises(ServiceError, match="corrected already"):
        tc.correct(owner, amy.staff_id, kind=ts.IN, at=at(18, 8), reason="again", replaces_id=first_in.id)


@pytest.mark.parametrize(
    ("kind", "when", "reason", "field"),
    [
        (ts.OUT, at(18, 10), "", "reason"),
        (ts.OUT, at(30, 10), "future", "at"),  # after the test clock's now
        (ts.IN, at(18, 11), "two ins in one day", "at"),  # Amy is on the clock from 9:00
        (ts.OUT, at(18, 8), "before the clock-in", "at"),
        ("lunch", at(18, 10), "no such kind", "kind"),
    ],
)
def test_a_correction_that_cannot_be_is_refused_with_its_field_and_writes_nothing(
    services: Services, owner: Actor, clock: FakeClock, kind: str, when: datetime, reason: str, field: str
) -> None:
    amy = new_staff(services.db, owner.branch_id, "Amy")
    clock.now = at(18, 9)
    services.timeclock.punch(amy, ts.IN)
    clock.now = at(18, 16)
    before = punches(services, amy.staff_id)
    with pytest.raises(ValidationError) as exc:
        services.timeclock.correct(owner, amy.staff_id, kind=kind, at=when, reason=reason)
    assert field in exc.value.errors
    assert punches(services, amy.staff_id) == before


def test_only_the_owner_corrects_and_sees_others_sheets(services: Services, owner: Actor, clock: FakeClock) -> None:
    amy = new_staff(services.db, owner.branch_id, "Amy")
    desk = new_staff(services.db, owner.branch_id, "Dana", "receptionist")
    services.timeclock.punch(amy, ts.IN)
    with pytest.raises(NotAllowed):
        services.timeclock.correct(desk, amy.staff_id, kind=ts.OUT, at=clock(), reason="she left")
    with pytest.raises(NotAllowed):
        services.timeclock.day_sheet(amy, desk.staff_id, date(2026, 11, 18))
    assert len(punches(services, amy.staff_id)) == 1


def _race_in(services: Services, other: Services, amy: Actor) -> None:
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def go(sv: Services) -> None:
        start.wait()
        try:
            sv.timeclock.punch(amy, ts.IN)
        except ServiceError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(sv,)) for sv in (services, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [k for k, _a, _s in punches(services, amy.staff_id)] == ["in"]
    assert len(errors) == 1 and "clocked in already" in str(errors[0])


def test_two_desks_clocking_the_same_person_in_at_once_write_one_punch(
    services: Services, owner: Actor, clock: FakeClock, db_path: Path
) -> None:
    amy = new_staff(services.db, owner.branch_id, "Amy")
    other = Services(open_database(str(db_path), run_migrations=False), clock=clock)
    try:
        _race_in(services, other, amy)
    finally:
        other.db.dispose()


@pytest.mark.postgres
def test_on_the_server_two_desks_at_once_write_one_punch_and_the_hours_are_the_same(pg_url: str) -> None:
    clock = FakeClock()
    a, b = Services(open_database(pg_url), clock=clock), Services(open_database(pg_url), clock=clock)
    try:
        owner = a.shop.create_shop(name="Lotus", currency="CNY", language="en", owner_name="Mia", owner_pin=OWNER_PIN)
        amy = new_staff(a.db, owner.branch_id, "Amy")
        clock.now = at(18, 9)
        _race_in(a, b, amy)
        clock.now = at(18, 17, 45)
        b.timeclock.punch(amy, ts.OUT)
        h = a.timeclock.hours(owner, date(2026, 11, 1), date(2026, 11, 30))[amy.staff_id]
        assert (h.worked_seconds, h.shifts) == (8 * 3600 + 45 * 60, 1)
    finally:
        a.db.dispose()
        b.db.dispose()


def test_hours_belong_to_the_day_the_shift_began_and_a_shift_open_today_counts_to_now(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    leo = new_staff(services.db, owner.branch_id, "Leo")
    tc = services.timeclock
    clock.now = at(30, 20)
    tc.punch(leo, ts.IN)
    clock.now = at(1, 2, month=12)  # past midnight, into December
    tc.punch(leo, ts.OUT)
    clock.now = at(1, 10, month=12)
    tc.punch(leo, ts.IN)
    clock.now = at(1, 12, month=12)
    nov = tc.hours(owner, date(2026, 11, 1), date(2026, 11, 30))[leo.staff_id]
    dec = tc.hours(owner, date(2026, 12, 1), date(2026, 12, 31))[leo.staff_id]
    assert (nov.worked_seconds, nov.shifts, nov.on_clock) == (6 * 3600, 1, False)
    assert (dec.worked_seconds, dec.shifts, dec.on_clock) == (2 * 3600, 1, True)
    with services.db.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(TimePunch)) == 3


def test_desk_app_check_finds_punches_written_around_the_service(services: Services, owner: Actor, clock: FakeClock) -> None:
    amy = new_staff(services.db, owner.branch_id, "Amy")
    punch_at(services, clock, amy, (at(18, 9), ts.IN), (at(18, 12), ts.BREAK))
    assert check_invariants(services.db) == []
    with services.db.uow() as uow:  # what no action writes: a second clock-in on a break, a bare removal
        uow.session.add(TimePunch(staff_id=amy.staff_id, kind="in", at=at(18, 13), source="clock"))
        uow.session.add(TimePunch(staff_id=amy.staff_id, kind="void", at=at(18, 13), source="correction", reason=""))
        uow.commit()
    problems = check_invariants(services.db)
    assert any("removes no punch" in p for p in problems)
    assert any(f"staff {amy.staff_id}: time punches do not make shifts (already_in" in p for p in problems)


def test_a_whole_shift_is_added_or_removed_as_one_correction(services: Services, owner: Actor, clock: FakeClock) -> None:
    """A split shift never clocked (07:00-09:00, then a clock-in at 09:45) could not go in one punch
    at a time: the clock-in alone made two in a row, the clock-out alone had no clock-in."""
    sophie = new_staff(services.db, owner.branch_id, "Sophie")
    tc = services.timeclock
    punch_at(services, clock, sophie, (at(18, 9, 45), ts.IN))
    clock.now = at(18, 12)
    with pytest.raises(ValidationError, match="two clock-ins in a row"):
        tc.correct(owner, sophie.staff_id, kind=ts.IN, at=at(18, 7), reason="opened at seven")
    with pytest.raises(ValidationError, match="must end after it starts"):
        tc.add_shift(owner, sophie.staff_id, start=at(18, 9), end=at(18, 7), reason="opened at seven")
    tc.add_shift(owner, sophie.staff_id, start=at(18, 7), end=at(18, 9), reason="opened at seven, forgot the clock")
    day = tc.day_sheet(owner, sophie.staff_id, date(2026, 11, 18))
    assert [p.kind for p in day.punches] == ["in", "out", "in"] and len(day.shifts) == 2
    # a shift clocked by mistake (20:00-23:00, then the next morning's clock-in) goes as a whole
    oliver = new_staff(services.db, owner.branch_id, "Oliver")
    punch_at(services, clock, oliver, (at(19, 20), ts.IN), (at(19, 23), ts.OUT), (at(20, 9), ts.IN))
    clock.now = at(20, 10)
    evening = tc.day_sheet(owner, oliver.staff_id, date(2026, 11, 19)).punches
    with pytest.raises(ValidationError):  # the clock-out alone: the evening would run into the morning
        tc.correct(owner, oliver.staff_id, kind="void", at=None, reason="mistake", replaces_id=evening[1].id)
    tc.remove_shift(owner, oliver.staff_id, evening[1].id, "clocked on the wrong day")
    h = tc.hours(owner, date(2026, 11, 1), date(2026, 11, 30))[oliver.staff_id]
    assert (h.shifts, h.worked_seconds) == (1, 3600)  # the morning's, on the clock for an hour
    with services.db.uow(write=False) as uow:
        assert uow.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.detail == "clocked on the wrong day")) == 2


def test_deactivating_someone_with_bookings_or_on_the_clock_asks_first_and_changes_nothing(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    """A leaver's bookings still to come and an open shift are named before they are deactivated
    (an inactive person can neither be booked again nor clock out); confirmed, it goes ahead."""
    from desk_app.calendar.service import BookingRequest
    from desk_app.core.service import NeedsConfirmation
    from desk_app.db.models import Staff
    from tests.integration.test_calendar_support import HOURS, new_client, service_id
    from tests.integration.test_calendar_support import at as sh_at

    leo = new_staff(services.db, owner.branch_id, "Leo")
    with services.db.uow() as uow:
        uow.session.get(Staff, leo.staff_id).working_hours = HOURS  # type: ignore[union-attr]
        uow.commit()
    clock.now = at(18, 9, 5)
    services.timeclock.punch(leo, ts.IN)
    services.calendar.book(owner, BookingRequest(client_id=new_client(services.db), staff_id=leo.staff_id,
                                                 start_at=sh_at(date(2026, 11, 20), 11),
                                                 service_ids=[service_id(services.db, "CUT-W")]))  # fmt: skip

    def leave(**kw: object) -> None:
        services.auth.save_staff(owner, staff_id=leo.staff_id, name="Leo", role="stylist", active=False, **kw)  # type: ignore[arg-type]

    with pytest.raises(NeedsConfirmation) as exc:
        leave()
    assert exc.value.question == "Deactivate Leo anyway?" and exc.value.yes == "Deactivate anyway"
    assert "1 booking still to come (the first on Nov 20, 2026 11:00)" in exc.value.message
    assert "On the clock since Nov 18, 2026 09:05" in exc.value.message
    assert [s.active for s in services.auth.list_staff(active_only=False) if s.id == leo.staff_id] == [True]
    leave(confirmed=True)
    assert [s.active for s in services.auth.list_staff(active_only=False) if s.id == leo.staff_id] == [False]
    # someone with nothing left is deactivated without a question
    amy = new_staff(services.db, owner.branch_id, "Amy")
    services.auth.save_staff(owner, staff_id=amy.staff_id, name="Amy", role="stylist", active=False)
    assert [s.active for s in services.auth.list_staff(active_only=False) if s.id == amy.staff_id] == [False]


def test_a_leavers_bookings_stay_on_the_calendar_to_be_moved(services: Services, owner: Actor, clock: FakeClock) -> None:
    """Walk: after "Deactivate anyway" the leaver's column, and every booking still on it, left the
    calendar: the bookings the question said to move could not be found there."""
    from desk_app.calendar.service import BookingRequest
    from tests.integration.test_calendar_support import at as sh_at
    from tests.integration.test_calendar_support import new_client, new_stylist, service_id

    leo = new_stylist(services.db, "Leo")
    day = date(2026, 11, 20)
    appt = services.calendar.book(owner, BookingRequest(client_id=new_client(services.db), staff_id=leo,
                                                        start_at=sh_at(day, 11), service_ids=[service_id(services.db, "CUT-W")]))  # fmt: skip
    services.auth.save_staff(owner, staff_id=leo, name="Leo", role="stylist", active=False, confirmed=True)
    view = services.calendar.day(day)
    assert leo in [c.id for c in view.staff] and appt.id in [a.id for a in view.for_staff(leo)]
    assert leo not in [c.id for c in services.calendar.day(date(2026, 11, 21)).staff]  # nothing left that day
