"""The time standards (docs/product.md §5) as the Today screen applies them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from desk_app.domain import standards as std

T0 = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
S = std.Standards()


def test_greet_running_then_overdue_then_met_late() -> None:
    assert std.greet_check(S, T0, None, T0 + timedelta(seconds=20)).met is None
    c = std.greet_check(S, T0, None, T0 + timedelta(seconds=31))
    assert c.met is False and c.overdue
    done = std.greet_check(S, T0, T0 + timedelta(seconds=40), T0 + timedelta(hours=1))
    assert done.met is False and not done.overdue and done.elapsed == timedelta(seconds=40)
    assert std.greet_check(S, T0, T0 + timedelta(seconds=30), T0 + timedelta(hours=1)).met is True


def test_service_start_measured_from_booked_time_or_late_arrival() -> None:
    booked = T0
    early = T0 - timedelta(minutes=10)
    # arrived early: measured from the booked time
    assert std.service_start_check(S, booked, early, None, T0 + timedelta(minutes=14)).met is None
    assert std.service_start_check(S, booked, early, None, T0 + timedelta(minutes=16)).overdue
    # arrived 20 min late: measured from arrival
    late = T0 + timedelta(minutes=20)
    assert std.service_start_check(S, booked, late, None, late + timedelta(minutes=10)).met is None
    # walk-in: from arrival
    assert std.service_start_check(S, None, T0, T0 + timedelta(minutes=15), T0).met is True


def test_reception_limit_is_a_setting() -> None:
    tight = std.Standards(reception_within=timedelta(minutes=5))
    assert std.reception_check(tight, T0, T0 + timedelta(minutes=6), T0).met is False
    assert std.reception_check(S, T0, T0 + timedelta(minutes=6), T0).met is True
