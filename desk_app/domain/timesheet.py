"""The time clock's rules (docs/payroll.md, "Time clock"): which punch may follow which, and the
shifts and hours a person's punches make. Pure: no session, no clock.

A person is *off*, *on* the clock, or *on a break*. Clocking in starts a shift; a break ends with
"back"; clocking out ends the shift (from a break too: the break ends there). A shift left open
on an earlier day (someone forgot to clock out) does not stop the next clock-in: it stays
*unclosed*, counts no hours and is flagged until the owner adds its clock-out. A shift is taken
as forgotten once it has been open ``MAX_OPEN`` (16 hours): a late shift past midnight is still
clocked out by its person.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

IN, OUT, BREAK, BACK = "in", "out", "break", "back"
KINDS = (IN, OUT, BREAK, BACK)
OFF, ON, ON_BREAK = "off", "on", "break"
MAX_OPEN = timedelta(hours=16)
# the longest shift the owner's correction may record (a long wedding day runs past MAX_OPEN)
MAX_SHIFT = timedelta(hours=24)

# (state, punch) -> the state after it
_NEXT = {(OFF, IN): ON, (ON, BREAK): ON_BREAK, (ON_BREAK, BACK): ON, (ON, OUT): OFF, (ON_BREAK, OUT): OFF}


class SequenceError(ValueError):
    """Punches that cannot follow each other; ``code`` says which rule, ``at`` where."""

    def __init__(self, code: str, kind: str, at: datetime, since: datetime | None = None) -> None:
        super().__init__(f"{code}: {kind} at {at.isoformat()}")
        self.code, self.kind, self.at = code, kind, at
        self.since = since  # "already_in": the clock-in of the shift still open


@dataclass(frozen=True)
class Punch:
    id: int
    kind: str
    at: datetime


@dataclass(frozen=True)
class Shift:
    start: datetime
    end: datetime | None  # None: still on the clock, or unclosed (see ``unclosed``)
    breaks: tuple[tuple[datetime, datetime | None], ...]  # a break's end None: on it now
    unclosed: bool = False  # left open on an earlier day: counts nothing until corrected

    def break_seconds(self, now: datetime) -> int:
        if self.unclosed:
            return 0
        until = self.end or now
        return sum(int(((b_end or until) - b_start).total_seconds()) for b_start, b_end in self.breaks)

    def worked_seconds(self, now: datetime) -> int:
        """Clocked time less its breaks; a shift still open counts up to ``now``, an unclosed one nothing."""
        if self.unclosed:
            return 0
        until = self.end or now
        return max(0, int((until - self.start).total_seconds()) - self.break_seconds(now))


def next_state(state: str, kind: str) -> str | None:
    """The state after ``kind`` in ``state``, or None when it cannot follow."""
    return _NEXT.get((state, kind))


def shifts(punches: Iterable[Punch], *, strict: bool = False) -> list[Shift]:
    """The shifts of one person's punches in time order. Raises SequenceError where a punch cannot
    follow the one before it (a clock-in less than ``MAX_OPEN`` after a shift still open is one).

    Leading punches before the first
    clock-in are skipped (a window that starts inside a shift), unless ``strict`` (the window
    starts where the person was off: a correction's check)."""
    out: list[Shift] = []
    state = OFF
    start: datetime | None = None
    breaks: list[tuple[datetime, datetime | None]] = []
    for p in sorted(punches, key=lambda p: (p.at, p.id)):
        if start is None and p.kind != IN and not strict and not out:
            continue  # before the window's first shift
        if p.kind == IN and state != OFF:
            assert start is not None
            if p.at - start < MAX_OPEN:
                raise SequenceError("already_in", p.kind, p.at, start)
            out.append(Shift(start, None, tuple(breaks), unclosed=True))
            state = OFF
        after = next_state(state, p.kind)
        if after is None:
            raise SequenceError("not_on" if state == OFF else "on_break" if state == ON_BREAK else "not_on_break",
                                p.kind, p.at)
        if p.kind == IN:
            start, breaks = p.at, []
        elif p.kind == BREAK:
            breaks.append((p.at, None))
        elif p.kind == BACK:
            breaks[-1] = (breaks[-1][0], p.at)
        else:  # OUT (from a break too: it ends there)
            if breaks and breaks[-1][1] is None:
                breaks[-1] = (breaks[-1][0], p.at)
            assert start is not None
            out.append(Shift(start, p.at, tuple(breaks)))
            start = None
        state = after
    if start is not None:
        out.append(Shift(start, None, tuple(breaks)))
    return out


def settle(shift_list: Sequence[Shift], now: datetime) -> list[Shift]:
    """The last shift still open is "on the clock" until it has been open ``MAX_OPEN``; then it
    is unclosed (forgotten), like the ones a later clock-in left behind."""
    if not shift_list:
        return []
    last = shift_list[-1]
    if last.end is None and not last.unclosed and now - last.start >= MAX_OPEN:
        return [*shift_list[:-1], Shift(last.start, None, last.breaks, unclosed=True)]
    return list(shift_list)


def hours_text(seconds: int) -> str:
    """7:45 for 7 h 45 min (minutes rounded down): how a time sheet writes hours."""
    minutes = max(0, seconds) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


def decimal_hours(seconds: int) -> str:
    """7.75 for 7 h 45 min, to two places (what a spreadsheet adds up)."""
    return f"{max(0, seconds) / 3600:.2f}"

