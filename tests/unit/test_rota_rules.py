"""The rota's rules (domain/rota.py) and the calendar's hours reading a planned day (slots)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from desk_app.domain import rota as rt
from desk_app.domain import slots as sl

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
STANDARD = {"mon": [["10:00", "19:00"]], "tue": [["10:00", "19:00"]], "breaks": {"mon": [["13:00", "13:30"]]}}
MON, TUE = date(2027, 3, 1), date(2027, 3, 2)


def local(d: date, hh: int, mm: int = 0, tz: ZoneInfo = SH) -> datetime:
    return datetime(d.year, d.month, d.day, hh, mm, tzinfo=tz).astimezone(UTC)


@pytest.mark.parametrize(
    ("text", "want"),
    [("9", "09:00"), ("930", "09:30"), ("21:05", "21:05"), ("9.30", "09:30"), ("9：30", "09:30"), (" 7 ", "07:00")],
)
def test_a_time_is_read_as_staff_type_it(text: str, want: str) -> None:
    t = rt.parse_wall_time(text)
    assert t is not None and rt.hm(t) == want


@pytest.mark.parametrize("text", ["", "24", "9:60", "noon", "25:00", "1:2:3"])
def test_what_is_not_a_time_is_none(text: str) -> None:
    assert rt.parse_wall_time(text) is None


@pytest.mark.parametrize(
    ("plan", "codes"),
    [
        (rt.DayPlan("12:00", "21:00", "16:00", "16:30"), []),
        (rt.OFF, []),
        (rt.DayPlan("12:00", "21:00"), []),
        (rt.DayPlan("21:00", "12:00"), ["order"]),
        (rt.DayPlan("12:00", "12:00"), ["order"]),
        (rt.DayPlan("12:00", None), ["time"]),
        (rt.DayPlan("9:00", "18:00"), ["time"]),  # stored times are HH:MM
        (rt.DayPlan("12:00", "21:00", "11:00", "11:30"), ["break"]),  # before the day
        (rt.DayPlan("12:00", "21:00", "20:45", "21:15"), ["break"]),  # past its end
        (rt.DayPlan("12:00", "21:00", "16:30", "16:00"), ["break"]),
        (rt.DayPlan("12:00", "21:00", "16:00", None), ["break"]),
        (rt.DayPlan(None, None, "13:00", "13:30"), ["break_off"]),
    ],
)
def test_a_planned_day_is_checked(plan: rt.DayPlan, codes: list[str]) -> None:
    assert rt.problems(plan) == codes


def test_planned_minutes_take_the_break_off() -> None:
    assert rt.DayPlan("12:00", "21:00", "16:00", "16:30").minutes == 8 * 60 + 30
    assert rt.DayPlan("09:00", "13:00").minutes == 240
    assert rt.OFF.minutes == 0 and rt.OFF.off


def test_the_standard_hours_of_a_weekday_as_a_plan() -> None:
    assert rt.standard_plan(STANDARD, MON) == rt.DayPlan("10:00", "19:00", "13:00", "13:30")
    assert rt.standard_plan(STANDARD, TUE) == rt.DayPlan("10:00", "19:00")
    assert rt.standard_plan(STANDARD, date(2027, 3, 3)) == rt.OFF  # Wednesday: no hours
    split = {"mon": [["09:00", "12:00"], ["14:00", "18:00"]]}
    assert rt.standard_plan(split, MON) == rt.DayPlan("09:00", "18:00", "12:00", "14:00")


def test_a_planned_day_replaces_the_weekdays_hours_on_that_date_only() -> None:
    hours = rt.with_plans(STANDARD, {MON: rt.DayPlan("14:00", "22:00", "18:00", "18:30")})
    assert sl.shifts_on(hours, MON, SH) == [sl.Interval(local(MON, 14), local(MON, 22))]
    assert sl.breaks_on(hours, MON, SH) == [sl.Interval(local(MON, 18), local(MON, 18, 30))]  # not 13:00
    assert sl.working_on(hours, MON, SH) == [
        sl.Interval(local(MON, 14), local(MON, 18)), sl.Interval(local(MON, 18, 30), local(MON, 22)),
    ]
    nxt = date(2027, 3, 8)  # the next Monday keeps the standard hours
    assert sl.shifts_on(hours, nxt, SH) == [sl.Interval(local(nxt, 10), local(nxt, 19))]
    assert sl.breaks_on(hours, nxt, SH) == [sl.Interval(local(nxt, 13), local(nxt, 13, 30))]
    assert STANDARD.get(sl.PLANNED_DAYS) is None  # the standard hours are not changed


def test_a_day_off_has_no_working_time_and_a_day_without_standard_hours_can_be_planned() -> None:
    hours = rt.with_plans(STANDARD, {TUE: rt.OFF, date(2027, 3, 3): rt.DayPlan("09:00", "12:00")})
    assert sl.working_on(hours, TUE, SH) == []
    assert sl.working_on(hours, date(2027, 3, 3), SH) == [sl.Interval(local(date(2027, 3, 3), 9), local(date(2027, 3, 3), 12))]
    assert sl.working_between(hours, local(TUE, 0), local(date(2027, 3, 4), 0), SH) == [
        sl.Interval(local(date(2027, 3, 3), 9), local(date(2027, 3, 3), 12))
    ]


def test_a_planned_day_on_the_daylight_saving_change_keeps_its_wall_times() -> None:
    change = date(2027, 3, 28)  # Berlin springs forward at 02:00
    hours = rt.with_plans({}, {change: rt.DayPlan("10:00", "18:00")})
    (iv,) = sl.shifts_on(hours, change, BERLIN)
    assert iv.start.astimezone(BERLIN).hour == 10 and iv.end.astimezone(BERLIN).hour == 18
    assert iv.minutes == 8 * 60
