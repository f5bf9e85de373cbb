"""Keeping-in-touch rules shared by the call lists (aftercare/outreach.py) and the messages the
planner queues (messages/planner.py): pure, no session, no clock."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date


def reminder_days(days: Iterable[int | str] | None) -> list[int]:
    """The shop's expiry reminder days (days before expiry), each once, negatives dropped, in order."""
    return sorted({int(d) for d in days or [] if int(d) >= 0})


def expiry_stage(days_left: int, reminders: list[int]) -> int | None:
    """The reminder (days before expiry) whose turn it is: the smallest one not yet passed."""
    eligible = [d for d in reminders if d >= days_left]
    return min(eligible) if eligible else None


def birthday_keys(day: date) -> list[str]:
    """The ``Client.birthday_md`` values greeted on ``day``: its own, and 29 February on the 28th
    in a year without one."""
    keys = [day.strftime("%m-%d")]
    if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
        keys.append("02-29")
    return keys
