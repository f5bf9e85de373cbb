"""Free-slot finding: working hours, breaks, buffers, resources, daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from desk_app.domain import slots as sl

SH = ZoneInfo("Asia/Shanghai")
LONDON = ZoneInfo("Europe/London")
NY = ZoneInfo("America/New_York")

HOURS = {
    "wed": [["10:00", "18:00"]],
    "thu": [["10:00", "12:00"], ["14:00", "18:00"]],
    "breaks": {"wed": [["13:00", "13:30"]]},
}
WED = date(2026, 11, 18)


def local(d: date, hh: int, mm: int = 0, tz: ZoneInfo = SH) -> datetime:
    return datetime(d.year, d.month, d.day, hh, mm, tzinfo=tz).astimezone(UTC)


def hm(dt: datetime, tz: ZoneInfo = SH) -> str:
    return dt.astimezone(tz).strftime("%H:%M")


def find(
    hours: dict, day: date, tz: ZoneInfo = SH, busy=(), minutes=60, buffer=0, step=15, **kw
) -> list[sl.Slot]:
    return sl.find_slots(
        working=sl.working_on(hours, day, tz),
        busy=list(busy),
        duration=timedelta(minutes=minutes),
        buffer=timedelta(minutes=buffer),
        step_minutes=step,
        tz=tz,
        **kw,
    )


def test_working_hours_and_break_bound_the_slots() -> None:
    got = [hm(s.start) for s in find(HOURS, WED)]
    assert got[0] == "10:00"
    assert got[-1] == "17:00"  # a 60-min service must end by 18:00
    # nothing may overlap the 13:00-13:30 break: the last morning start is 12:00, the first after is 13:30
    assert "12:00" in got and "12:15" not in got and "13:00" not in got and "13:15" not in got
    assert "13:30" in got


def test_day_off_and_split_shift() -> None:
    assert find(HOURS, WED + timedelta(days=2)) == []  # friday: no hours
    thu = [hm(s.start) for s in find(HOURS, WED + timedelta(days=1), minutes=120)]
    assert thu == ["10:00", "14:00", "14:15", "14:30", "14:45", "15:00", "15:15", "15:30", "15:45", "16:00"]


def test_existing_blocks_and_buffer_after() -> None:
    busy = [sl.Interval(local(WED, 11), local(WED, 12, 10))]  # 11:00-12:00 + 10 min buffer
    got = [hm(s.start) for s in find(HOURS, WED, busy=busy)]
    assert "10:00" in got and "10:15" not in got  # 10:15-11:15 would overlap
    assert "12:00" not in got and "12:15" not in got  # 12:10 is blocked; the grid resumes at 12:15
    # our own buffer: a 60-min service + 30 min buffer at 09:30..: 10:00 start blocks until 11:30 > 11:00
    with_buf = [hm(s.start) for s in find(HOURS, WED, busy=busy, buffer=30)]
    assert "10:00" not in with_buf
    assert with_buf[0] == "13:30"  # nothing fits before the break with 60+30 min
    slot = find(HOURS, WED, busy=busy, buffer=30)[0]
    assert slot.block_end - slot.end == timedelta(minutes=30)


def test_granularity_setting() -> None:
    got = [hm(s.start) for s in find(HOURS, WED, step=30)]
    assert got[:3] == ["10:00", "10:30", "11:00"]
    assert all(x.endswith(("00", "30")) for x in got)


def test_resources_need_one_free_of_the_kind() -> None:
    r1 = [sl.Interval(local(WED, 10), local(WED, 12))]
    r2 = [sl.Interval(local(WED, 10), local(WED, 11))]
    got = find(HOURS, WED, resources={1: r1, 2: r2})
    assert hm(got[0].start) == "11:00" and got[0].resource_id == 2
    first_r1 = next(s for s in got if s.resource_id == 1 or hm(s.start) == "12:00")
    assert hm(first_r1.start) == "12:00" and first_r1.resource_id == 1  # the lower id when both are free
    # no resource of that kind at all: nothing is bookable
    assert find(HOURS, WED, resources={}) == []


def test_nearest_slots_to_a_target() -> None:
    slots = find(HOURS, WED)
    near = sl.nearest_slots(slots, local(WED, 12, 50), 3)
    assert [hm(s.start) for s in near] == ["12:00", "13:30", "13:45"]


def test_not_before_and_limit() -> None:
    got = find(HOURS, WED, not_before=local(WED, 15, 7), limit=2)
    assert [hm(s.start) for s in got] == ["15:15", "15:30"]


def test_is_free() -> None:
    w = sl.working_on(HOURS, WED, SH)
    busy = [sl.Interval(local(WED, 11), local(WED, 12))]
    assert sl.is_free(working=w, busy=busy, start=local(WED, 10), duration=timedelta(minutes=60))
    assert not sl.is_free(
        working=w,
        busy=busy,
        start=local(WED, 10),
        duration=timedelta(minutes=60),
        buffer=timedelta(minutes=5),
    )
    assert not sl.is_free(working=w, busy=[], start=local(WED, 12, 45), duration=timedelta(minutes=30))


EVERY_DAY = {d: [["10:00", "18:00"]] for d in sl.WEEKDAYS}
NIGHT = {d: [["00:00", "04:00"]] for d in sl.WEEKDAYS}


@pytest.mark.parametrize(
    ("tz", "day"),
    [
        (LONDON, date(2026, 3, 29)),
        (LONDON, date(2026, 10, 25)),
        (NY, date(2026, 3, 8)),
        (NY, date(2026, 11, 1)),
    ],
)
def test_opening_hours_stay_at_local_wall_time_across_dst(tz: ZoneInfo, day: date) -> None:
    for d in (day - timedelta(days=1), day, day + timedelta(days=1)):
        got = find(EVERY_DAY, d, tz=tz)
        assert hm(got[0].start, tz) == "10:00"
        assert hm(got[-1].start, tz) == "17:00"
        assert len(got) == 29  # 10:00..17:00 every 15 min
        assert all(s.end - s.start == timedelta(minutes=60) for s in got)


def test_spring_forward_night_shift_is_an_hour_shorter() -> None:
    day = date(2026, 3, 29)  # London: 01:00 GMT -> 02:00 BST
    got = find(NIGHT, day, tz=LONDON)
    times = [hm(s.start, LONDON) for s in got]
    assert not any(t.startswith("01:") for t in times)  # 01:xx does not exist that night
    assert times[0] == "00:00" and times[-1] == "03:00"
    assert sl.working_on(NIGHT, day, LONDON)[0].minutes == 180
    assert sl.day_bounds(day, LONDON).minutes == 23 * 60


def test_fall_back_night_shift_has_the_repeated_hour() -> None:
    day = date(2026, 11, 1)  # New York: 02:00 EDT -> 01:00 EST
    got = find(NIGHT, day, tz=NY)
    assert sl.working_on(NIGHT, day, NY)[0].minutes == 5 * 60
    times = [hm(s.start, NY) for s in got]
    assert times.count("01:15") == 2  # two different instants
    assert len({s.start for s in got}) == len(got)
    assert sl.day_bounds(day, NY).minutes == 25 * 60


def test_grid_is_local_for_half_hour_offsets() -> None:
    india = ZoneInfo("Asia/Kolkata")
    got = find(EVERY_DAY, WED, tz=india, step=60)
    assert [hm(s.start, india) for s in got][:2] == ["10:00", "11:00"]


def test_working_between_clips_and_spans_days() -> None:
    start, end = local(WED, 17), local(WED + timedelta(days=1), 11)
    ivs = sl.working_between(HOURS, start, end, SH)
    assert [(hm(i.start), hm(i.end)) for i in ivs] == [("17:00", "18:00"), ("10:00", "11:00")]


def test_zero_duration_is_refused() -> None:
    with pytest.raises(ValueError):
        find(HOURS, WED, minutes=0)
