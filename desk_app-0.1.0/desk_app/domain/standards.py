"""The service time standards of docs/product.md §5, as settings with their defaults."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo


@dataclass(frozen=True)
class Standards:
    greet_within: timedelta = timedelta(seconds=30)
    reception_within: timedelta = timedelta(minutes=10)  # a new client's first reception
    later_reception_within: timedelta = timedelta(minutes=5)  # a returning client: their needs confirmed
    service_start_within: timedelta = timedelta(minutes=15)  # after booked time (or arrival for walk-ins)
    complaint_first_response_within: timedelta = timedelta(hours=24)
    followup_after_min: timedelta = timedelta(days=2)
    followup_after_max: timedelta = timedelta(days=3)
    feedback_record_within: timedelta = timedelta(hours=24)
    feedback_process_within: timedelta = timedelta(hours=72)
    phone_rings: int = 3  # pick up the phone within this many rings


def parse_dates(text: str) -> tuple[date, ...]:
    """"2027-01-01, 2027-02-17" (commas, spaces, semicolons or new lines between) -> the dates,
    sorted, once each; ValueError naming the first piece that is not a YYYY-MM-DD date."""
    out: set[date] = set()
    for piece in re.split(r"[\s,;，；、]+", text or ""):
        if not piece:
            continue
        try:
            out.add(date.fromisoformat(piece))
        except ValueError:
            raise ValueError(piece) from None
    return tuple(sorted(out))


def add_working_days(start: datetime, days: int, tz: tzinfo, holidays: Collection[date] = ()) -> datetime:
    """``days`` working days (Monday to Friday in the shop's time zone, not the shop's public
    holidays) after ``start``, at the same time of day: a problem raised on a Friday afternoon with
    5 working days is due the next Friday (later by one day for each holiday in between)."""
    local = start.astimezone(tz)
    left = days
    while left > 0:
        local = (local + timedelta(days=1)).replace(tzinfo=tz)
        if local.weekday() < 5 and local.date() not in holidays:
            left -= 1
    return local.astimezone(start.tzinfo)


@dataclass(frozen=True)
class Check:
    key: str
    met: bool | None  # None: not decided yet (still running, under the limit)
    elapsed: timedelta | None
    limit: timedelta
    overdue: bool  # running and already past the limit


def _check(key: str, start: datetime | None, end: datetime | None, limit: timedelta, now: datetime) -> Check:
    if start is None:
        return Check(key, None, None, limit, False)
    if end is not None:
        elapsed = end - start
        return Check(key, elapsed <= limit, elapsed, limit, False)
    elapsed = now - start
    if elapsed > limit:
        return Check(key, False, elapsed, limit, True)
    return Check(key, None, elapsed, limit, False)


def greet_check(s: Standards, arrived: datetime, greeted: datetime | None, now: datetime) -> Check:
    return _check("greet", arrived, greeted, s.greet_within, now)


def returning(client_id: int | None, is_new_client: bool) -> bool:
    """A later reception: a known client who has been before (a walk-in without a profile, or a
    new client, gets the first reception's time)."""
    return client_id is not None and not is_new_client


def reception_limit(s: Standards, is_returning: bool) -> timedelta:
    return s.later_reception_within if is_returning else s.reception_within


def reception_check(
    s: Standards, arrived: datetime, assessed: datetime | None, now: datetime, is_returning: bool = False
) -> Check:
    """Arrival to needs assessed: the first reception's limit, or the later one for a returning client."""
    return _check("reception", arrived, assessed, reception_limit(s, is_returning), now)


def service_start_check(
    s: Standards,
    booked_start: datetime | None,
    arrived: datetime,
    started: datetime | None,
    now: datetime,
) -> Check:
    """Service should start within the limit of the booked time (walk-ins: of arrival).

    A client who arrives late is measured from arrival, not from the booked time.
    """
    ref = arrived if booked_start is None else max(booked_start, arrived)
    return _check("service_start", ref, started, s.service_start_within, now)


def complaint_response_check(
    s: Standards, opened: datetime, responded: datetime | None, now: datetime
) -> Check:
    return _check("complaint_response", opened, responded, s.complaint_first_response_within, now)


def followup_window(s: Standards, visit_end: datetime) -> tuple[datetime, datetime]:
    return visit_end + s.followup_after_min, visit_end + s.followup_after_max
