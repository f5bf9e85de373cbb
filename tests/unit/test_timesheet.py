"""The time clock's pure rules: which punch follows which, shifts, breaks, a forgotten shift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desk_app.domain import timesheet as ts

T0 = datetime(2026, 11, 18, 1, 0, tzinfo=UTC)


def seq(*items: tuple[str, float]) -> list[ts.Punch]:
    """(kind, hours after T0) -> punches."""
    return [ts.Punch(i + 1, k, T0 + timedelta(hours=h)) for i, (k, h) in enumerate(items)]


def test_breaks_are_taken_off_and_clocking_out_on_a_break_ends_it() -> None:
    (a,) = ts.shifts(seq(("in", 0), ("break", 3), ("back", 3.5), ("out", 8)))
    assert (a.worked_seconds(T0), a.break_seconds(T0)) == (7.5 * 3600, 1800)
    (b,) = ts.shifts(seq(("in", 0), ("break", 4), ("out", 4.25)))
    assert b.breaks == ((T0 + timedelta(hours=4), T0 + timedelta(hours=4.25)),) and b.worked_seconds(T0) == 4 * 3600


def test_a_shift_open_now_counts_to_now_and_one_open_sixteen_hours_is_forgotten() -> None:
    shifts = ts.shifts(seq(("in", 0), ("break", 2)))
    now = T0 + timedelta(hours=3)
    (open_,) = ts.settle(shifts, now)
    assert not open_.unclosed and open_.worked_seconds(now) == 2 * 3600 and open_.break_seconds(now) == 3600
    assert ts.settle(shifts, T0 + ts.MAX_OPEN - timedelta(seconds=1))[0].unclosed is False
    (gone,) = ts.settle(shifts, T0 + ts.MAX_OPEN)
    assert gone.unclosed and gone.worked_seconds(now) == 0


def test_a_clock_in_after_a_forgotten_shift_starts_a_new_one_but_not_sooner() -> None:
    a, b = ts.shifts(seq(("in", 0), ("in", 24), ("out", 32)))
    assert a.unclosed and not b.unclosed and b.worked_seconds(T0) == 8 * 3600
    with pytest.raises(ts.SequenceError) as exc:
        ts.shifts(seq(("in", 0), ("in", 15.9)))
    assert exc.value.code == "already_in"


@pytest.mark.parametrize(
    ("punches", "code"),
    [
        ([("in", 0), ("back", 1)], "not_on_break"),
        ([("in", 0), ("break", 1), ("break", 2)], "on_break"),
        ([("in", 0), ("out", 1), ("break", 2)], "not_on"),
    ],
)
def test_a_punch_that_cannot_follow_is_named(punches: list[tuple[str, float]], code: str) -> None:
    with pytest.raises(ts.SequenceError) as exc:
        ts.shifts(seq(*punches))
    assert exc.value.code == code


def test_a_window_opening_inside_a_shift_skips_its_tail_unless_strict() -> None:
    assert [s.start for s in ts.shifts(seq(("out", 0), ("in", 10), ("out", 18)))] == [T0 + timedelta(hours=10)]
    with pytest.raises(ts.SequenceError):
        ts.shifts(seq(("out", 0), ("in", 10)), strict=True)


def test_hours_are_written_as_a_time_sheet_and_as_decimals() -> None:
    assert ts.hours_text(8 * 3600 + 18 * 60 + 59) == "8:18"
    assert ts.decimal_hours(8 * 3600 + 15 * 60) == "8.25"
