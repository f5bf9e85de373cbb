"""Free-slot finding (pure): working hours, breaks, existing blocks, buffers, resources.

All instants are aware datetimes (UTC in, UTC out). Working hours are wall-clock
times in the shop's time zone, so a day's opening is converted through
``zoneinfo`` for that very date: across a daylight-saving change the shop still
opens at 10:00 local time, and a wall time that does not exist (the spring-
forward gap) or exists twice (the autumn fold) is resolved by zoneinfo's rules
(``fold=0``). Slot starts lie on a grid of ``step_minutes`` counted from local
midnight; the grid is walked in absolute time so a DST change inside an
interval never makes a slot shorter or longer.

A slot is bookable when the service time ``[start, start + duration)`` lies inside
one working interval (breaks removed) and the blocked time ``[start, start +
duration + buffer)`` overlaps none of the stylist's blocks; when a resource kind
is needed, one resource of that kind must also be free for the blocked time.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# hours["days"]["2027-03-02"] = {"shifts": [[a, b]], "breaks": [[c, d]]}: a day the rota plans
# differently from the weekday's standard hours (``domain.rota.with_plans``); no shifts: a day off
PLANNED_DAYS = "days"


@dataclass(frozen=True, order=True)
class Interval:
    start: datetime
    end: datetime

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime  # end of the service
    block_end: datetime  # end + buffer
    resource_id: int | None = None


# ------------------------------------------------------------------ working hours


def _parse_hm(text: str) -> time:
    h, m = text.split(":")
    hh, mm = int(h), int(m)
    if hh == 24 and mm == 0:
        return time(0, 0)
    return time(hh, mm)


def _wall(day: date, t: str, tz: ZoneInfo) -> datetime:
    """Local wall time on ``day`` (``24:00`` is the next midnight) as UTC."""
    hh = t.split(":")[0]
    d = day + timedelta(days=1) if int(hh) >= 24 else day
    return datetime.combine(d, _parse_hm(t), tzinfo=tz).astimezone(UTC)


def day_bounds(day: date, tz: ZoneInfo) -> Interval:
    """The local calendar day as a UTC interval (23 or 25 hours on DST days)."""
    start = datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz).astimezone(UTC)
    return Interval(start, end)


def _ranges(value: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for pair in value or []:
        if isinstance(pair, (list, tuple)) and len(pair) == 2:
            out.append((str(pair[0]), str(pair[1])))
    return out


def _subtract(intervals: Iterable[Interval], cuts: Sequence[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for iv in intervals:
        pieces = [iv]
        for cut in cuts:
            nxt: list[Interval] = []
            for p in pieces:
                if not p.overlaps(cut):
                    nxt.append(p)
                    continue
                if p.start < cut.start:
                    nxt.append(Interval(p.start, cut.start))
                if cut.end < p.end:
                    nxt.append(Interval(cut.end, p.end))
            pieces = nxt
        out.extend(pieces)
    return sorted(out)


def _planned(hours: Mapping[str, Any], day: date) -> Mapping[str, Any] | None:
    days = hours.get(PLANNED_DAYS)
    entry = days.get(day.isoformat()) if isinstance(days, Mapping) else None
    return entry if isinstance(entry, Mapping) else None


def shifts_on(hours: Mapping[str, Any], day: date, tz: ZoneInfo) -> list[Interval]:
    """Working intervals on a local date, before breaks are removed (a day the rota plans
    differently: its planned hours)."""
    planned = _planned(hours, day)
    ranges = planned.get("shifts") if planned is not None else hours.get(WEEKDAYS[day.weekday()])
    out = []
    for a, b in _ranges(ranges):
        iv = Interval(_wall(day, a, tz), _wall(day, b, tz))
        if iv.end > iv.start:
            out.append(iv)
    return sorted(out)


def breaks_on(hours: Mapping[str, Any], day: date, tz: ZoneInfo) -> list[Interval]:
    planned = _planned(hours, day)
    if planned is not None:
        ranges = planned.get("breaks")
    else:
        breaks = hours.get("breaks") or {}
        ranges = breaks.get(WEEKDAYS[day.weekday()]) if isinstance(breaks, Mapping) else None
    out = []
    for a, b in _ranges(ranges):
        iv = Interval(_wall(day, a, tz), _wall(day, b, tz))
        if iv.end > iv.start:
            out.append(iv)
    return sorted(out)


def working_on(hours: Mapping[str, Any], day: date, tz: ZoneInfo) -> list[Interval]:
    """Bookable working intervals on a local date (shifts minus breaks), in UTC."""
    return _subtract(shifts_on(hours, day, tz), breaks_on(hours, day, tz))


def working_between(hours: Mapping[str, Any], start: datetime, end: datetime, tz: ZoneInfo) -> list[Interval]:
    """Bookable working intervals overlapping [start, end), clipped to it."""
    first = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date()
    out: list[Interval] = []
    d = first
    while d <= last:
        for iv in working_on(hours, d, tz):
            s, e = max(iv.start, start), min(iv.end, end)
            if s < e:
                out.append(Interval(s, e))
        d += timedelta(days=1)
    return out


# ------------------------------------------------------------------ slot search


def _merge(blocks: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for b in sorted(blocks):
        if out and b.start <= out[-1].end:
            if b.end > out[-1].end:
                out[-1] = Interval(out[-1].start, b.end)
        else:
            out.append(b)
    return out


class _Busy:
    """Merged busy blocks with a fast 'first block ending after t' lookup."""

    def __init__(self, blocks: Iterable[Interval]) -> None:
        self.blocks = _merge(blocks)
        self.ends = [b.end for b in self.blocks]

    def conflict(self, s: datetime, e: datetime) -> Interval | None:
        i = bisect.bisect_right(self.ends, s)
        if i < len(self.blocks) and self.blocks[i].start < e:
            return self.blocks[i]
        return None


def _grid_start(t: datetime, step: int, tz: ZoneInfo) -> datetime:
    """The first grid point at or after ``t`` (grid counted from local midnight)."""
    local = t.astimezone(tz)
    midnight = datetime.combine(local.date(), time(0, 0), tzinfo=tz).astimezone(UTC)
    secs = int((t - midnight).total_seconds())
    n = -(-secs // (step * 60))
    return midnight + timedelta(minutes=n * step)


def find_slots(
    *,
    working: Sequence[Interval],
    busy: Iterable[Interval],
    duration: timedelta,
    buffer: timedelta = timedelta(0),
    step_minutes: int = 15,
    tz: ZoneInfo,
    resources: Mapping[int, Iterable[Interval]] | None = None,
    not_before: datetime | None = None,
    limit: int | None = None,
) -> list[Slot]:
    """Every bookable slot start inside ``working`` (ascending).

    ``resources`` maps each candidate resource id to its busy blocks; ``None``
    means the service needs no resource, an empty mapping means none exists
    (so nothing is bookable).
    """
    if duration <= timedelta(0):
        raise ValueError("duration must be positive")
    step = max(1, int(step_minutes))
    staff_busy = _Busy(busy)
    res_busy = {rid: _Busy(b) for rid, b in resources.items()} if resources is not None else None
    out: list[Slot] = []
    for iv in sorted(working):
        t = _grid_start(max(iv.start, not_before) if not_before else iv.start, step, tz)
        while t + duration <= iv.end:
            block_end = t + duration + buffer
            hit = staff_busy.conflict(t, block_end)
            if hit is not None:
                t = _grid_start(hit.end, step, tz)
                continue
            rid: int | None = None
            if res_busy is not None:
                rid = next(
                    (r for r, rb in sorted(res_busy.items()) if rb.conflict(t, block_end) is None), None
                )
                if rid is None:
                    t += timedelta(minutes=step)
                    continue
            out.append(Slot(t, t + duration, block_end, rid))
            if limit is not None and len(out) >= limit:
                return out
            t += timedelta(minutes=step)
    return out


def nearest_slots(slots: Sequence[Slot], target: datetime, n: int) -> list[Slot]:
    """The ``n`` slots closest in time to ``target`` (ties: the earlier), in time order."""
    ranked = sorted(slots, key=lambda s: (abs((s.start - target).total_seconds()), s.start))
    return sorted(ranked[:n], key=lambda s: s.start)


def is_free(
    *,
    working: Sequence[Interval],
    busy: Iterable[Interval],
    start: datetime,
    duration: timedelta,
    buffer: timedelta = timedelta(0),
) -> bool:
    """Whether [start, start+duration) fits working hours and the block is clear."""
    end = start + duration
    if not any(iv.start <= start and end <= iv.end for iv in working):
        return False
    return _Busy(busy).conflict(start, end + buffer) is None
