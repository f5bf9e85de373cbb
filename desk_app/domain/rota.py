"""The rota's rules (docs/payroll.md, "Rota"): a day planned for one person overrides their
standard weekly hours for that date. Pure: no session, no clock.

A person's *standard hours* (Settings > Staff) say when they work each weekday, with one break.
The owner plans a week: for a date, different hours (a late shift, a short day, another break) or
a day off. A planned day is a :class:`DayPlan`; a date with no plan keeps the standard hours.
The calendar books on the hours in force (``with_plans``): a day off offers no slot and refuses a
booking, a late shift offers the evening.

Times are wall-clock "HH:MM" in the shop's time zone, like the standard hours.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from desk_app.domain import slots as sl

NOTE_MAX = 200


def parse_wall_time(text: str) -> time | None:
    """"9" -> 09:00, "930" -> 09:30, "21:05", "9.30", "9：30" -> a time; None when it is not one."""
    t = (text or "").strip().replace("：", ":").replace(".", ":")
    m = re.fullmatch(r"(\d{1,2})(?::?(\d{2}))?", t)
    if not m:
        return None
    hh, mm = int(m.group(1)), int(m.group(2) or 0)
    return time(hh, mm) if hh < 24 and mm < 60 else None


def hm(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def _minutes(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


@dataclass(frozen=True)
class DayPlan:
    """One planned day: ``start``/``end`` "HH:MM" (both None: a day off) and an optional break."""

    start: str | None = None
    end: str | None = None
    break_start: str | None = None
    break_end: str | None = None

    @property
    def off(self) -> bool:
        return self.start is None

    @property
    def minutes(self) -> int:
        """Planned working minutes, the break taken off."""
        if self.start is None or self.end is None:
            return 0
        total = _minutes(self.end) - _minutes(self.start)
        if self.break_start is not None and self.break_end is not None:
            total -= _minutes(self.break_end) - _minutes(self.break_start)
        return max(total, 0)

    def entry(self) -> dict[str, list[list[str]]]:
        """The day as the calendar's hours read it (``slots.shifts_on`` / ``breaks_on``)."""
        shifts = [] if self.start is None or self.end is None else [[self.start, self.end]]
        breaks = [[self.break_start, self.break_end]] if self.break_start and self.break_end else []
        return {"shifts": shifts, "breaks": breaks}


OFF = DayPlan()


def problems(plan: DayPlan) -> list[str]:
    """What is wrong with ``plan`` as codes (empty: it can be kept):
    ``time`` a time is not HH:MM; ``order`` the day ends before it starts; ``break`` the break is
    half given, ends before it starts or lies outside the day; ``break_off`` a break on a day off."""
    times = [plan.start, plan.end, plan.break_start, plan.break_end]
    for t in times:
        if t is not None and (not re.fullmatch(r"\d\d:\d\d", t) or parse_wall_time(t) is None):
            return ["time"]
    out: list[str] = []
    if (plan.start is None) != (plan.end is None):
        out.append("time")
    elif plan.start is not None and plan.end is not None and _minutes(plan.end) <= _minutes(plan.start):
        out.append("order")
    has_break = plan.break_start is not None or plan.break_end is not None
    if has_break and plan.off:
        out.append("break_off")
    elif has_break:
        bs, be = plan.break_start, plan.break_end
        if bs is None or be is None or _minutes(be) <= _minutes(bs):
            out.append("break")
        elif plan.start is not None and plan.end is not None and not (
            _minutes(plan.start) <= _minutes(bs) and _minutes(be) <= _minutes(plan.end)
        ):
            out.append("break")
    return out


def standard_plan(hours: Mapping[str, Any], day: date) -> DayPlan:
    """The standard weekly hours of ``day``'s weekday as a plan (its first range and first break)."""
    key = sl.WEEKDAYS[day.weekday()]
    ranges = [p for p in (hours.get(key) or []) if isinstance(p, (list, tuple)) and len(p) == 2]
    if not ranges:
        return OFF
    breaks_all = hours.get("breaks") or {}
    breaks = breaks_all.get(key) if isinstance(breaks_all, Mapping) else None
    first_break = next((p for p in (breaks or []) if isinstance(p, (list, tuple)) and len(p) == 2), None)
    start, end = str(ranges[0][0]), str(ranges[-1][1])
    if first_break is None and len(ranges) > 1:  # a split day: the gap is its break
        return DayPlan(start, end, str(ranges[0][1]), str(ranges[1][0]))
    if first_break is None:
        return DayPlan(start, end)
    return DayPlan(start, end, str(first_break[0]), str(first_break[1]))


def with_plans(hours: Mapping[str, Any], plans: Mapping[date, DayPlan]) -> dict[str, Any]:
    """The standard ``hours`` with the planned days laid over them (what the calendar books on)."""
    out = dict(hours or {})
    if plans:
        out[sl.PLANNED_DAYS] = {d.isoformat(): p.entry() for d, p in plans.items()}
    return out
