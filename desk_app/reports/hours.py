"""The sales summed by UTC hour (``sale_item_hours``, ``sale_staff_hours``, ``sale_hours``, ``payment_hours``; migration
0022, kept by triggers with the rows): a span of time split into the whole hours the summaries
answer and the minutes at its ends the rows answer, so the figures are the rows' figures exactly.

A month or a day of a shop whose zone is a whole number of hours from UTC (all of the shop's
offsets in the span) is whole hours; a zone such as India's (+5:30) is read from the rows, as it
was before the summaries.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from desk_app.reports.sqlhelp import offsets_between

HOUR = timedelta(hours=1)


def floor_hour(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


def ceil_hour(t: datetime) -> datetime:
    f = floor_hour(t)
    return f if f == t else f + HOUR


def split(tz: str, lo: datetime, hi: datetime) -> tuple[list[tuple[datetime, datetime]], tuple[datetime, datetime] | None]:
    """([spans the rows answer], the whole-hour span the summaries answer or None) covering [lo, hi)."""
    if hi <= lo or any(off % 3600 for off in offsets_between(tz, lo, hi)):
        return ([(lo, hi)] if hi > lo else []), None
    h1, h2 = ceil_hour(lo), floor_hour(hi)
    if h1 >= h2:
        return [(lo, hi)], None
    return [(a, b) for a, b in ((lo, h1), (h2, hi)) if a < b], (h1, h2)
