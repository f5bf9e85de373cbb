"""The time clock (docs/payroll.md, "Time clock"): staff clock in and out, take breaks, from the
side bar once signed in or with their PIN on the sign-in page; the owner corrects a punch with a
reason (a new row, audited); the hours go on the pay statement.

The rules (which punch may follow which, shifts, hours) are ``desk_app.domain.timesheet``. Every
write checks the person's whole sequence around it, so the punches in force always make shifts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from desk_app.core.service import (
    NotFound,
    ServiceError,
    ValidationError,
    audit,
    permitted,
    require,
    shop_tz,
    verified_actor,
)
from desk_app.db.engine import Clock, Database
from desk_app.db.models import Staff, TimePunch
from desk_app.domain import timesheet as ts
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import N_, _, format_time, format_when

VOID = "void"
# how far back a write looks for the shift it falls in (a shift is never this long)
_LOOK_BACK = timedelta(days=3)
REASON_MAX = 500
DOUBLE_TAP = timedelta(minutes=2)  # a PIN clock tap this soon after the last punch is taken as a double tap
KIND_WORDS = {ts.IN: N_("Clock in"), ts.BREAK: N_("Break"), ts.BACK: N_("Back from break"), ts.OUT: N_("Clock out")}
SOURCE_WORDS = {"clock": N_("at the desk"), "pin": N_("on the sign-in page"), "correction": N_("owner's correction")}


def kind_word(kind: str) -> str:
    """A punch in words: "Clock in", "Break", "Back from break", "Clock out"."""
    return _(KIND_WORDS[kind]) if kind in KIND_WORDS else kind


@dataclass(frozen=True)
class PunchView:
    id: int
    kind: str  # in | out | break | back
    at: datetime
    source: str  # clock | pin | correction
    reason: str  # a correction's
    by: str  # who recorded it
    replaced: bool = False  # a later correction replaced or removed it (shown struck through)
    replaced_reason: str = ""
    moved_to: datetime | None = None  # the time the correction gave it (None: removed, or not corrected)


@dataclass(frozen=True)
class ClockStatus:
    staff_id: int
    name: str
    state: str  # off | on | break (domain.timesheet)
    since: datetime | None  # when the state began (the clock-in, the break)
    worked_today_seconds: int  # shifts begun today and the one still open (up to now)
    unclosed: tuple[date, ...]  # days of the last fortnight with a shift never clocked out
    at: datetime  # when this was read (what "today" and "since" are told against)


@dataclass(frozen=True)
class Hours:
    """One person's clocked hours over a period (shifts by the day they began)."""

    worked_seconds: int
    break_seconds: int
    shifts: int
    unclosed: tuple[date, ...]  # shifts never clocked out: no hours until the owner corrects them
    on_clock: bool  # a shift still open today counted up to now
    by_day: tuple[tuple[date, int], ...] = ()  # (day, seconds worked in shifts begun that day)


@dataclass(frozen=True)
class DaySheet:
    staff_id: int
    name: str
    day: date
    punches: tuple[PunchView, ...]  # every row of the day, corrections and what they replaced too
    shifts: tuple[ts.Shift, ...]  # the shifts begun that day
    worked_seconds: int
    break_seconds: int


def in_force(
    session: Session, staff_ids: Iterable[int] | None, since: datetime, until: datetime, branch_id: int | None = None
) -> dict[int, list[ts.Punch]]:
    """staff id -> the punches in force (not replaced, not removals) in [since, until), in time
    order; with ``branch_id`` those punched at that branch."""
    later = aliased(TimePunch)
    q = (
        select(TimePunch.id, TimePunch.staff_id, TimePunch.kind, TimePunch.at)
        .outerjoin(later, later.replaces_id == TimePunch.id)
        .where(later.id.is_(None), TimePunch.kind != VOID, TimePunch.at >= since, TimePunch.at < until)
        .order_by(TimePunch.staff_id, TimePunch.at, TimePunch.id)
    )
    if staff_ids is not None:
        q = q.where(TimePunch.staff_id.in_(list(staff_ids)))
    if branch_id is not None:
        q = q.where(TimePunch.branch_id == branch_id)
    out: dict[int, list[ts.Punch]] = defaultdict(list)
    for pid, sid, kind, at in session.execute(q):
        out[int(sid)].append(ts.Punch(int(pid), str(kind), at))
    return out


def _day_of(tz: ZoneInfo) -> Any:
    return lambda moment: moment.astimezone(tz).date()


def _start_of(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=tz).astimezone(UTC)


def period_hours(
    session: Session, first: date, last: date, now: datetime, staff_ids: Iterable[int] | None = None,
    branch_id: int | None = None,
) -> dict[int, Hours]:
    """Each person's hours for shifts begun from ``first`` to ``last`` (shop days, inclusive). A
    shift begun on the last day may end after it: read a day beyond, and a few before for the
    shift the period opens inside (skipped: it belongs to the period before)."""
    tz = shop_tz(session)
    day_of = _day_of(tz)
    start, end = _start_of(first, tz), _start_of(last + timedelta(days=1), tz)
    punches = in_force(session, staff_ids, start - _LOOK_BACK, min(end + timedelta(days=1), now + timedelta(seconds=1)),
                       branch_id)
    out: dict[int, Hours] = {}
    for sid, ps in punches.items():
        shifts = [s for s in ts.settle(ts.shifts(ps), now) if start <= s.start < end]
        if not shifts:
            continue
        out[sid] = Hours(
            worked_seconds=sum(s.worked_seconds(now) for s in shifts),
            break_seconds=sum(s.break_seconds(now) for s in shifts),
            shifts=len(shifts),
            unclosed=tuple(day_of(s.start) for s in shifts if s.unclosed),
            on_clock=any(s.end is None and not s.unclosed for s in shifts),
            by_day=_by_day(shifts, now, day_of),
        )
    return out


def _by_day(shifts: list[ts.Shift], now: datetime, day_of: Any) -> tuple[tuple[date, int], ...]:
    days: dict[date, int] = defaultdict(int)
    for x in shifts:
        days[day_of(x.start)] += x.worked_seconds(now)
    return tuple(sorted(days.items()))


class TimeClockService:
    def __init__(self, db: Database, settings: Any, clock: Clock) -> None:
        self.db, self.settings, self.clock = db, settings, clock

    # ------------------------------------------------------------------ staff's own clock
    def status(self, actor: Actor) -> ClockStatus:
        with self.db.uow(write=False) as uow:
            known = self._self(uow.session, actor)
            return self._status(uow.session, known.staff_id, known.name, self.clock())

    def punch(self, actor: Actor, kind: str, *, source: str = "clock") -> ClockStatus:
        """Clock in, take a break, come back, clock out: one unit of work. Refused (nothing
        written) when the punch cannot follow the last one, said in words."""
        if kind not in ts.KINDS:
            raise ValidationError({"kind": _("Choose clock in, break, back or clock out.")})
        return self._punch(actor, lambda _status: kind, source)[1]

    def _punch(self, actor: Actor, choose: Callable[[ClockStatus], str], source: str) -> tuple[str, ClockStatus]:
        """One punch, its kind chosen by ``choose(status)`` from where the person stands, read
        under the lock of the write that records it."""
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            known = self._self(s, actor)
            # one punch at a time per person (two desks at once would both see "off")
            s.execute(select(Staff.id).where(Staff.id == known.staff_id).with_for_update())
            status = self._status(s, known.staff_id, known.name, now)
            kind = choose(status)
            # a shift of an earlier day never clocked out counts as off (it stays unclosed)
            if ts.next_state(status.state, kind) is None:
                raise ServiceError(_refusal(status.state, kind), "kind")
            s.add(TimePunch(staff_id=known.staff_id, branch_id=actor.branch_id, kind=kind, at=now, source=source,
                            created_by_id=known.staff_id))
            s.flush()
            after = self._status(s, known.staff_id, known.name, now)
            uow.commit()
        return kind, after

    def clock_with_pin(self, staff_id: int, pin: str, auth: Any, desk_branch_code: str | None = None) -> tuple[str, ClockStatus]:
        """From the sign-in page, without signing in: the PIN is checked as at sign-in (wrong ones
        count), then the person is clocked in when off, back from a break when on one, out when on
        the clock. A second tap within ``DOUBLE_TAP`` of the last punch changes nothing (a clock-in
        tapped twice was a 0-minute shift). Returns the punch made and the status after it."""
        actor = auth.sign_in(staff_id, pin, desk_branch_code)
        with self.db.uow(write=False) as uow:
            last = uow.session.execute(
                select(TimePunch.kind, TimePunch.at)
                .where(TimePunch.staff_id == staff_id, TimePunch.kind != VOID)
                .order_by(TimePunch.at.desc(), TimePunch.id.desc())
                .limit(1)
            ).first()
            tz = shop_tz(uow.session)
        now = self.clock()
        if last is not None and timedelta(0) <= now - last[1] < DOUBLE_TAP:
            raise ServiceError(
                _("{name}: {punch} at {time} a moment ago; nothing changed.").format(
                    name=actor.name, punch=kind_word(str(last[0])), time=format_time(last[1].astimezone(tz)))
            )

        def toggle(status: ClockStatus) -> str:
            return ts.IN if status.state == ts.OFF else ts.BACK if status.state == ts.ON_BREAK else ts.OUT

        return self._punch(actor, toggle, "pin")

    # ------------------------------------------------------------------ the owner's view
    def day_sheet(self, actor: Actor, staff_id: int, day: date) -> DaySheet:
        """One person's punches of one day (every row: corrections and what they replaced)."""
        require(self.db.uow, actor, Perm.REPORTS)  # then a read: no write lock for a look
        with self.db.uow(write=False) as uow:
            s = uow.session
            name = s.scalar(select(Staff.name).where(Staff.id == staff_id))
            if name is None:
                raise NotFound(_("That staff member no longer exists."))
            tz = shop_tz(s)
            start, end = _start_of(day, tz), _start_of(day + timedelta(days=1), tz)
            now = self.clock()
            ps = in_force(s, [staff_id], start - _LOOK_BACK, end + timedelta(days=1)).get(staff_id, [])
            shifts = tuple(x for x in ts.settle(ts.shifts(ps), now) if start <= x.start < end)
            # a shift begun this day and ended after midnight shows whole
            through = max([end] + [x.end + timedelta(seconds=1) for x in shifts if x.end is not None])
            rows = self._rows(s, staff_id, start, through)
            return DaySheet(staff_id, str(name), day, rows, shifts,
                            sum(x.worked_seconds(now) for x in shifts), sum(x.break_seconds(now) for x in shifts))

    def hours(self, actor: Actor, first: date, last: date) -> dict[int, Hours]:
        require(self.db.uow, actor, Perm.REPORTS)
        with self.db.uow(write=False) as uow:
            return period_hours(uow.session, first, last, self.clock())

    def correct(self, actor: Actor, staff_id: int, *, kind: str, at: datetime | None, reason: str,
                replaces_id: int | None = None) -> None:
        """The owner's correction, a new row with a reason: add a punch (``replaces_id`` None),
        move one (``replaces_id`` and its new ``at``), or remove one (``kind`` "void"). Refused
        when the person's punches would no longer make shifts, or it is in the future."""
        errors: dict[str, str] = {}
        if kind not in (*ts.KINDS, VOID):
            errors["kind"] = _("Choose clock in, break, back or clock out.")
        if kind == VOID and replaces_id is None:
            errors["kind"] = _("Choose the punch to remove.")
        if kind != VOID and at is None:
            errors["at"] = _("Give the punch's date and time.")
        self._apply(actor, staff_id, [(kind, at, replaces_id)], reason, errors)

    def add_shift(self, actor: Actor, staff_id: int, *, start: datetime, end: datetime, reason: str) -> None:
        """A whole shift never clocked (a clock-in and its clock-out, one correction): one punch at a
        time could not go in before a later clock-in less than 16 hours after it."""
        errors = {} if end > start else {"at": _("The shift must end after it starts.")}
        self._apply(actor, staff_id, [(ts.IN, start, None), (ts.OUT, end, None)], reason, errors)

    def remove_shift(self, actor: Actor, staff_id: int, punch_id: int, reason: str) -> None:
        """Every punch of the shift ``punch_id`` belongs to (a shift clocked by mistake), one correction."""
        with self.db.uow(write=False) as uow:
            p = uow.session.get(TimePunch, punch_id)
            if p is None or p.staff_id != staff_id:
                raise NotFound(_("That punch is not on this time sheet."))
            ps = in_force(uow.session, [staff_id], p.at - _LOOK_BACK, p.at + ts.MAX_SHIFT + timedelta(days=1))
            ids = _shift_punch_ids(ps.get(staff_id, []), punch_id)
        if not ids:
            raise NotFound(_("That punch is not on this time sheet."))
        self._apply(actor, staff_id, [(VOID, None, pid) for pid in ids], reason)

    def _apply(self, actor: Actor, staff_id: int, changes: list[tuple[str, datetime | None, int | None]],
               reason: str, errors: dict[str, str] | None = None) -> None:
        """Write ``changes`` (kind, time, the punch replaced) as one correction: checked together,
        each a new row, each audited; all or nothing."""
        reason = (reason or "").strip()
        errors = dict(errors or {})
        if not reason:
            errors["reason"] = _("Say why the time sheet is corrected (it is kept with the correction).")
        elif len(reason) > REASON_MAX:
            errors["reason"] = _("Keep the reason under {n} characters.").format(n=REASON_MAX)
        now = self.clock()
        if any(at is not None and at > now for _k, at, _r in changes):
            errors["at"] = _("A punch cannot be in the future.")
        if errors:
            raise ValidationError(errors)
        with permitted(self.db.uow, actor, Perm.STAFF_MANAGE) as (uow, known):
            s = uow.session
            s.execute(select(Staff.id).where(Staff.id == staff_id).with_for_update())
            if s.get(Staff, staff_id) is None:
                raise NotFound(_("That staff member no longer exists."))
            rows: list[tuple[str, datetime, int | None, TimePunch | None]] = []
            for kind, at, replaces_id in changes:
                old: TimePunch | None = None
                if replaces_id is not None:
                    old = s.get(TimePunch, replaces_id)
                    replaced = s.scalar(select(TimePunch.id).where(TimePunch.replaces_id == replaces_id))
                    if old is None or old.staff_id != staff_id or old.kind == VOID:
                        raise NotFound(_("That punch is not on this time sheet."))
                    if replaced is not None:
                        raise ServiceError(_("That punch was corrected already; open the time sheet again."))
                    if kind not in (VOID, old.kind):
                        raise ValidationError({"kind": _("A corrected punch keeps its kind; remove it and add another.")})
                new_at = at if kind != VOID else old.at if old is not None else now
                assert new_at is not None
                rows.append((kind, new_at, replaces_id, old))
            tz = shop_tz(s)
            moments = [r[1] for r in rows] + [r[3].at for r in rows if r[3] is not None]
            gone = {r[3].id for r in rows if r[3] is not None}
            # check from the clock-in before the change (the person was off just before it) to now
            since = _last_in_before(s, staff_id, min(moments), gone)
            current = in_force(s, [staff_id], since, now + timedelta(seconds=1)).get(staff_id, [])
            after = [p for p in current if p.id not in gone]
            after += [ts.Punch(-n, kind, new_at) for n, (kind, new_at, _r, _o) in enumerate(rows, 1) if kind != VOID]
            try:
                made = ts.shifts(after, strict=True)
            except ts.SequenceError as exc:
                raise ValidationError({"at": _sequence_text(exc, tz)}) from None
            too_long = next((x for x in made if x.end is not None and x.end - x.start > ts.MAX_SHIFT), None)
            if too_long is not None and too_long.end is not None:
                raise ValidationError({"at": _(
                    "That makes a shift from {start} to {end}, longer than {hours} hours: check the day and the time."
                ).format(start=format_when(too_long.start.astimezone(tz)), end=format_when(too_long.end.astimezone(tz)),
                         hours=int(ts.MAX_SHIFT.total_seconds() // 3600))})  # fmt: skip
            for kind, new_at, replaces_id, old in rows:
                row = TimePunch(staff_id=staff_id, branch_id=old.branch_id if old is not None else actor.branch_id,
                                kind=kind, at=new_at, source="correction", replaces_id=replaces_id, reason=reason,
                                created_by_id=known.staff_id)
                s.add(row)
                s.flush()
                audit(s, known, "correct", "time_punch", row.id,
                      before={"id": old.id, "kind": old.kind, "at": old.at.isoformat()} if old is not None else None,
                      after={"staff_id": staff_id, "kind": kind, "at": new_at.isoformat()},
                      detail=reason)
            uow.commit()

    # ------------------------------------------------------------------ helpers
    def _self(self, session: Session, actor: Actor) -> Actor:
        known = verified_actor(session, actor)
        if known is None:
            raise ServiceError(_("Sign in again: this staff member is not active here."))
        return known

    def _status(self, s: Session, staff_id: int, name: str, now: datetime) -> ClockStatus:
        tz = shop_tz(s)
        day_of = _day_of(tz)
        today = day_of(now)
        ps = in_force(s, [staff_id], _start_of(today - timedelta(days=14), tz), now + timedelta(seconds=1)).get(staff_id, [])
        shifts = ts.settle(ts.shifts(ps), now)
        last = shifts[-1] if shifts else None
        state, since = ts.OFF, None
        if last is not None and last.end is None and not last.unclosed:
            state, since = ts.ON, last.start
            if last.breaks and last.breaks[-1][1] is None:
                state, since = ts.ON_BREAK, last.breaks[-1][0]
        # shifts begun today, and the last one when still on the clock or ended today (a late shift
        # clocked out past midnight); not yesterday's, ended yesterday
        worked = sum(x.worked_seconds(now) for x in shifts
                     if day_of(x.start) == today
                     or (x is last and not x.unclosed and (x.end is None or day_of(x.end) == today)))
        return ClockStatus(staff_id, name, state, since, worked, tuple(day_of(x.start) for x in shifts if x.unclosed), now)

    def _rows(self, s: Session, staff_id: int, start: datetime, end: datetime) -> tuple[PunchView, ...]:
        later = aliased(TimePunch)
        by = aliased(Staff)
        q = (
            select(TimePunch, later.reason, later.kind, later.at, by.name)
            .outerjoin(later, later.replaces_id == TimePunch.id)
            .outerjoin(by, by.id == TimePunch.created_by_id)
            .where(TimePunch.staff_id == staff_id, TimePunch.kind != VOID,
                   and_(TimePunch.at >= start, TimePunch.at < end))
            .order_by(TimePunch.at, TimePunch.id)
        )
        return tuple(
            PunchView(p.id, p.kind, p.at, p.source, p.reason, str(who or ""), replaced=later_kind is not None,
                      replaced_reason=str(later_reason or ""),
                      moved_to=later_at if later_kind is not None and later_kind != VOID else None)
            for p, later_reason, later_kind, later_at, who in s.execute(q)
        )


def _last_in_before(s: Session, staff_id: int, moment: datetime, leaving_out: set[int]) -> datetime:
    """When the person last clocked in before ``moment`` (a punch in force, not the one being
    corrected); the beginning of time when never."""
    later = aliased(TimePunch)
    q = (
        select(TimePunch.at)
        .outerjoin(later, later.replaces_id == TimePunch.id)
        .where(later.id.is_(None), TimePunch.staff_id == staff_id, TimePunch.kind == ts.IN, TimePunch.at < moment)
        .order_by(TimePunch.at.desc())
        .limit(1)
    )
    if leaving_out:
        q = q.where(TimePunch.id.not_in(leaving_out))
    found = s.scalar(q)
    return found if found is not None else datetime(2000, 1, 1, tzinfo=UTC)


def _shift_punch_ids(punches: list[ts.Punch], punch_id: int) -> list[int]:
    """The ids of the punches of the shift ``punch_id`` is in (from its clock-in to its clock-out)."""
    group: list[int] = []
    found = False
    for p in sorted(punches, key=lambda p: (p.at, p.id)):
        if p.kind == ts.IN:
            if found:
                break
            group = []
        group.append(p.id)
        found = found or p.id == punch_id
        if p.kind == ts.OUT and found:
            break
    return group if found else []


def _refusal(state: str, kind: str) -> str:
    if state == ts.OFF:
        return _("You are not clocked in: clock in first.")
    if kind == ts.IN:
        return _("You are clocked in already.")
    if state == ts.ON_BREAK:
        return _("You are on a break: come back from it first.")
    return _("You are not on a break.")


def _sequence_text(exc: ts.SequenceError, tz: ZoneInfo) -> str:
    when = format_when(exc.at.astimezone(tz))
    if exc.code == "already_in":
        first = format_when(exc.since.astimezone(tz)) if exc.since is not None else "?"
        return _("That makes two clock-ins in a row ({first} and {second}): change the first one's time, or add a "
                 "clock-out between them.").format(first=first, second=when)  # fmt: skip
    if exc.code == "not_on":
        return _("At {when} this person was not clocked in: a {punch} needs a clock-in before it.").format(
            when=when, punch=kind_word(exc.kind).lower() if exc.kind != ts.BREAK else _("break"))
    if exc.code == "on_break":
        return _("At {when} this person was on a break: the break must end before it.").format(when=when)
    return _("At {when} this person was not on a break: a break must begin before its end.").format(when=when)
