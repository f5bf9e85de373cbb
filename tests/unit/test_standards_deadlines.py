"""Every deadline rule of the after-care area, as pure functions (shop time zone included)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from desk_app.aftercare.outreach import _stage, week_of
from desk_app.aftercare.service import followup_state
from desk_app.domain import standards as sd
from desk_app.reports.standards import followup_on_time, local_day_bounds

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")


def sh(d: int, h: int, m: int = 0) -> datetime:
    return datetime(2026, 11, d, h, m, tzinfo=SH).astimezone(UTC)


def test_followup_window_from_settings() -> None:
    s = sd.Standards(followup_after_min=timedelta(days=2), followup_after_max=timedelta(days=3))
    a, b = sd.followup_window(s, sh(18, 17))
    assert (a, b) == (sh(20, 17), sh(21, 17))


def test_followup_state_uses_shop_local_days() -> None:
    due_from, due_by = sh(20, 17), sh(21, 17)
    assert followup_state("pending", 0, due_from, due_by, None, sh(19, 23, 59), SH) == "later"
    assert followup_state("pending", 0, due_from, due_by, None, sh(20, 0, 1), SH) == "due"
    assert followup_state("pending", 0, due_from, due_by, None, sh(21, 23, 59), SH) == "due"
    assert followup_state("pending", 0, due_from, due_by, None, sh(22, 0, 0), SH) == "overdue"
    # the same instants in New York local days differ: 20 Nov 17:00 Shanghai is 20 Nov 04:00 there
    assert followup_state("pending", 0, due_from, due_by, None, sh(20, 14), NY) == "due"  # 01:00 on the 20th
    assert followup_state("pending", 0, due_from, due_by, None, sh(20, 12), SH) == "due"
    assert (
        followup_state("pending", 0, due_from, due_by, None, sh(20, 12), NY) == "later"
    )  # still the 19th in NY


def test_followup_state_callbacks_and_closed() -> None:
    due_from, due_by = sh(20, 17), sh(21, 17)
    assert followup_state("no_answer", 1, due_from, due_by, sh(25, 9), sh(25, 8), SH) == "later"
    assert followup_state("no_answer", 1, due_from, due_by, sh(25, 9), sh(25, 9), SH) == "due"
    for closed in ("done", "wrong_number", "gave_up"):
        assert followup_state(closed, 1, due_from, due_by, None, sh(30, 9), SH) == "done"


def test_followup_on_time_is_by_window_days() -> None:
    due_from, due_by = sh(20, 17), sh(21, 17)
    assert followup_on_time(due_from, due_by, "done", sh(20, 9), sh(30, 0), SH) is True  # morning of the first day
    assert followup_on_time(due_from, due_by, "done", sh(21, 22), sh(30, 0), SH) is True  # evening of the last day
    assert followup_on_time(due_from, due_by, "done", sh(19, 22), sh(30, 0), SH) is False  # too early
    assert followup_on_time(due_from, due_by, "done", sh(22, 0, 1), sh(30, 0), SH) is False  # too late
    assert followup_on_time(due_from, due_by, "pending", None, sh(21, 23), SH) is None  # still open
    assert followup_on_time(due_from, due_by, "pending", None, sh(22, 0, 1), SH) is False  # window over


def test_an_unanswered_call_in_the_window_is_not_a_followup_done_on_time() -> None:
    """Issue 15: a call attempt nobody answered counted as "done on time" (more on time than done)."""
    due_from, due_by = sh(20, 17), sh(21, 17)
    # tried on the first day, nobody answered: undecided while the window is open, not met after it
    assert followup_on_time(due_from, due_by, "no_answer", None, sh(21, 12), SH) is None
    assert followup_on_time(due_from, due_by, "no_answer", None, sh(22, 9), SH) is False
    assert followup_on_time(due_from, due_by, "call_back", None, sh(23, 9), SH) is False
    # closed without reaching the client, inside the window: decided, not met
    assert followup_on_time(due_from, due_by, "gave_up", sh(21, 10), sh(21, 12), SH) is False
    assert followup_on_time(due_from, due_by, "wrong_number", sh(20, 18), sh(21, 12), SH) is False


def test_greet_reception_service_start_limits() -> None:
    s = sd.Standards()
    arrived = sh(18, 23, 55)
    assert sd.greet_check(s, arrived, arrived + timedelta(seconds=30), arrived).met is True
    assert sd.greet_check(s, arrived, arrived + timedelta(seconds=31), arrived).met is False
    running = sd.greet_check(s, arrived, None, arrived + timedelta(seconds=20))
    assert running.met is None and not running.overdue
    late = sd.greet_check(s, arrived, None, arrived + timedelta(seconds=40))
    assert late.met is False and late.overdue
    assert sd.reception_check(s, arrived, arrived + timedelta(minutes=10), arrived).met is True
    # booked 00:00 (across midnight), arrived 23:55 early: measured from the booked time
    booked = sh(19, 0, 0)
    assert sd.service_start_check(s, booked, arrived, booked + timedelta(minutes=15), booked).met is True
    assert sd.service_start_check(s, booked, arrived, booked + timedelta(minutes=16), booked).met is False
    # arrived 20 minutes late: measured from arrival
    late_arrival = booked + timedelta(minutes=20)
    assert (
        sd.service_start_check(s, booked, late_arrival, late_arrival + timedelta(minutes=14), booked).met
        is True
    )


def test_complaint_response_deadline() -> None:
    s = sd.Standards()
    opened = sh(18, 10)
    assert sd.complaint_response_check(s, opened, opened + timedelta(hours=24), opened).met is True
    assert sd.complaint_response_check(s, opened, None, opened + timedelta(hours=24, seconds=1)).overdue


def test_expiry_reminder_stage() -> None:
    assert _stage(61, [60, 7, 3]) is None
    assert _stage(60, [60, 7, 3]) == 60
    assert _stage(8, [60, 7, 3]) == 60
    assert _stage(7, [60, 7, 3]) == 7
    assert _stage(3, [60, 7, 3]) == 3
    assert _stage(0, [60, 7, 3]) == 3


def test_week_and_local_day_bounds() -> None:
    assert week_of(date(2026, 11, 18))[0] == date(2026, 11, 16)
    assert week_of(date(2026, 11, 22))[-1] == date(2026, 11, 22)
    lo, hi = local_day_bounds(date(2026, 11, 18), SH)
    assert lo.astimezone(UTC) == datetime(2026, 11, 17, 16, tzinfo=UTC)
    assert hi - lo == timedelta(days=1)
    # a DST day in New York is 25 hours long
    lo, hi = local_day_bounds(date(2026, 11, 1), NY)
    assert hi.astimezone(UTC) - lo.astimezone(UTC) == timedelta(hours=25)
