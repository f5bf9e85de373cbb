"""The rota (docs/payroll.md, "Rota"): the owner plans each week -- a late shift, a short day, a
day off -- and the calendar books on it. A planned day overrides the person's standard weekly
hours (Settings > Staff) on that date; a date with no plan keeps them.

The rules of a planned day are ``desk_app.domain.rota``. A change that would leave booked
appointments outside the new hours is refused with :class:`BookingsOutside` (nothing written)
unless the owner confirms: the bookings stay, to be moved or kept by hand, and the calendar
marks them. Every change is audited; days already past are not planned.

``plans`` and ``hours_in_force`` are the session functions the calendar's free slots and its
booking check read, in the same transaction as the booking.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from desk_app.core.service import (
    NeedsConfirmation,
    NotFound,
    ValidationError,
    audit,
    permitted,
    shop_row,
    shop_tz,
)
from desk_app.db.engine import Clock, Database
from desk_app.db.models import Appointment, Branch, Client, RotaDay, Staff
from desk_app.domain import rota as rt
from desk_app.domain import slots as sl
from desk_app.domain.appointment import UPCOMING
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import _, format_date, format_time, ngettext
from desk_app.trust.branches import works_at


@dataclass(frozen=True)
class RotaCell:
    day: date
    plan: rt.DayPlan  # the hours in force that day
    planned: bool  # True: the rota plans this day; False: the standard hours
    note: str = ""


@dataclass(frozen=True)
class RotaRow:
    staff_id: int
    name: str
    role: str
    cells: tuple[RotaCell, ...]  # seven days from the week's first

    @property
    def minutes(self) -> int:
        return sum(c.plan.minutes for c in self.cells)


@dataclass(frozen=True)
class RotaWeek:
    first: date  # a Monday
    today: date  # the shop's today: days before it are not planned
    branch_id: int
    rows: tuple[RotaRow, ...]

    @property
    def days(self) -> tuple[date, ...]:
        return tuple(self.first + timedelta(days=i) for i in range(7))


@dataclass(frozen=True)
class BookingOutside:
    appointment_id: int
    staff_name: str
    start_at: datetime
    client_name: str

    def text(self) -> str:
        return _("{when} {client} with {staff}").format(
            when=f"{format_date(self.start_at, 'medium')} {format_time(self.start_at)}",
            client=self.client_name or _("walk-in"), staff=self.staff_name)


class BookingsOutside(NeedsConfirmation):
    """The change would leave these bookings outside the hours; nothing was written. Call again
    with ``confirmed=True`` to keep the change and the bookings."""

    def __init__(self, bookings: Sequence[BookingOutside], day_off: bool = False) -> None:
        self.bookings = tuple(bookings)
        n = len(self.bookings)
        said = (
            ngettext("{n} booked appointment falls on the day off:", "{n} booked appointments fall on the day off:", n)
            if day_off else
            ngettext("{n} booked appointment falls outside the new hours:",
                     "{n} booked appointments fall outside the new hours:", n)
        )  # fmt: skip
        super().__init__(
            _("Some bookings fall on this day off. Save anyway?") if day_off
            else _("Some bookings fall outside these hours. Save anyway?"),
            said.format(n=n) + "\n"
            + "\n".join(b.text() for b in self.bookings[:12])
            + ("\n…" if len(self.bookings) > 12 else "")
            + "\n\n" + _("They stay booked: move them in the calendar, or keep them."),
            _("Save anyway"),
        )


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


# ------------------------------------------------------------------ session functions (the calendar's)


def plans(session: Session, staff_ids: Iterable[int], first: date, last: date) -> dict[int, dict[date, rt.DayPlan]]:
    """The planned days of ``staff_ids`` from ``first`` to ``last`` (inclusive)."""
    out: dict[int, dict[date, rt.DayPlan]] = defaultdict(dict)
    for r in _rota_days(session, staff_ids, first, last):
        out[r.staff_id][r.day] = _plan(r)
    return out


def hours_in_force(session: Session, staff: Staff, first: date, last: date) -> dict[str, Any]:
    """``staff``'s standard hours with the rota's days from ``first`` to ``last`` laid over them."""
    return rt.with_plans(staff.working_hours or {}, plans(session, [staff.id], first, last).get(staff.id, {}))


def _rota_days(session: Session, staff_ids: Iterable[int], first: date, last: date) -> list[RotaDay]:
    """The rota's rows of ``staff_ids`` from ``first`` to ``last`` (inclusive): plans and notes."""
    ids = list(staff_ids)
    if not ids:
        return []
    return list(session.scalars(
        select(RotaDay).where(RotaDay.staff_id.in_(ids), RotaDay.day >= first, RotaDay.day <= last)
    ))


def _plan(r: RotaDay) -> rt.DayPlan:
    return rt.DayPlan(r.from_time, r.to_time, r.break_from, r.break_to)


# ------------------------------------------------------------------ the service


class RotaService:
    """The week's rota: read by everyone signed in, planned by the owner (``Perm.STAFF_MANAGE``)."""

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)
        self.clock = self.db.clock

    def today(self) -> date:
        with self.db.uow(write=False) as uow:
            return self.clock().astimezone(shop_tz(uow.session)).date()

    def week(self, first: date, branch_id: int | None = None) -> RotaWeek:
        """The seven days from ``first``'s Monday, for everyone active at ``branch_id`` (default:
        the first branch)."""
        first = monday_of(first)
        last = first + timedelta(days=6)
        with self.db.uow(write=False) as uow:
            s = uow.session
            tz = shop_tz(s)
            bid = branch_id if branch_id is not None else _first_branch(s)
            staff = list(s.scalars(
                select(Staff).where(works_at(bid), Staff.active.is_(True)).order_by(Staff.role.desc(), Staff.name)
            ))
            # one read: each planned day's row gives its hours and its note
            planned = {(r.staff_id, r.day): r for r in _rota_days(s, [x.id for x in staff], first, last)}
            rows = []
            for st in staff:
                cells = tuple(
                    RotaCell(d, _plan(r), True, r.note) if (r := planned.get((st.id, d))) is not None
                    else RotaCell(d, rt.standard_plan(st.working_hours or {}, d), False)
                    for d in (first + timedelta(days=i) for i in range(7))
                )
                rows.append(RotaRow(st.id, st.name, st.role, cells))
            return RotaWeek(first, self.clock().astimezone(tz).date(), bid, tuple(rows))

    def day(self, staff_id: int, day: date) -> RotaCell:
        """One person's hours in force on ``day`` (the time sheet shows them beside the punches)."""
        with self.db.uow(write=False) as uow:
            s = uow.session
            st = s.get(Staff, staff_id)
            if st is None:
                raise NotFound(_("That staff member no longer exists."))
            row = s.scalar(select(RotaDay).where(RotaDay.staff_id == staff_id, RotaDay.day == day))
            if row is not None:
                return RotaCell(day, _plan(row), True, row.note)
            return RotaCell(day, rt.standard_plan(st.working_hours or {}, day), False)

    def set_day(self, actor: Actor, staff_id: int, day: date, plan: rt.DayPlan | None, note: str = "",
                *, confirmed: bool = False) -> None:
        """Plan ``day`` for ``staff_id``: ``plan`` (``rota.OFF`` for a day off), or None to go back
        to the standard hours. Refused with BookingsOutside, nothing written, when bookings would
        fall outside the hours and the owner has not ``confirmed``."""
        self._write(actor, [(staff_id, day, plan, note)], confirmed)

    def copy_week(self, actor: Actor, source_first: date, target_first: date, branch_id: int | None = None,
                  *, confirmed: bool = False) -> int:
        """Make the week of ``target_first`` planned like the week of ``source_first``, for the
        staff at ``branch_id``: each day's hours as planned there (not its note, which was about
        that day), or back to the standard hours. Days already past are left as they were. Returns
        how many days changed."""
        source_first, target_first = monday_of(source_first), monday_of(target_first)
        if source_first == target_first:
            raise ValidationError({"week": _("Choose another week to copy from.")})
        src = self.week(source_first, branch_id)
        dst = self.week(target_first, branch_id)
        have = {(r.staff_id, c.day): c for r in dst.rows for c in r.cells}
        changes: list[tuple[int, date, rt.DayPlan | None, str]] = []
        for row in src.rows:
            for c in row.cells:
                day = target_first + (c.day - source_first)
                if day < dst.today:
                    continue
                now = have.get((row.staff_id, day))
                want = c.plan if c.planned else None
                if now is None or (now.planned, now.plan if now.planned else None) != (c.planned, want):
                    # the hours are copied, not the note: "sick" or "swapped with Amy" was about that day
                    changes.append((row.staff_id, day, want, ""))
        if changes:
            self._write(actor, changes, confirmed, action="rota_copy")
        return len(changes)

    # ------------------------------------------------------------------ the write

    def _write(self, actor: Actor, changes: list[tuple[int, date, rt.DayPlan | None, str]], confirmed: bool,
               action: str = "rota_day") -> None:
        errors: dict[str, str] = {}
        for _sid, _day, plan, note in changes:
            if plan is not None:
                for code in rt.problems(plan):
                    errors.setdefault(_FIELD[code], _ERRORS[code]())
            if len((note or "").strip()) > rt.NOTE_MAX:
                errors["note"] = _("Keep the note under {n} characters.").format(n=rt.NOTE_MAX)
        if errors:
            raise ValidationError(errors)
        with permitted(self.db.uow, actor, Perm.STAFF_MANAGE) as (uow, known):
            s = uow.session
            tz = shop_tz(s)
            today = self.clock().astimezone(tz).date()
            if any(day < today for _sid, day, _p, _n in changes):
                raise ValidationError({"day": _("A day that has passed is not planned any more; the time sheets "
                                                "say who worked.")})
            ids = sorted({sid for sid, *_rest in changes})
            # the same lock a booking takes (CalendarCore.lock_diary): a desk booking this person now
            # finishes first, and its booking is counted below
            s.execute(select(Staff.id).where(Staff.id.in_(ids)).order_by(Staff.id).with_for_update())
            staff = {x.id: x for x in s.scalars(select(Staff).where(Staff.id.in_(ids)))}
            if len(staff) != len(ids):
                raise NotFound(_("That staff member no longer exists."))
            # a day saved as its standard hours, with no note, is the standard hours: no ✎ for it
            changes = [(sid, day, None if plan is not None and not (note or "").strip()
                        and plan == rt.standard_plan(staff[sid].working_hours or {}, day) else plan, note)
                       for sid, day, plan, note in changes]  # fmt: skip
            days = sorted({d for _sid, d, _p, _n in changes})
            first, last = days[0], days[-1]
            current = plans(s, ids, first, last)
            after: dict[int, dict[date, rt.DayPlan]] = {sid: dict(current.get(sid, {})) for sid in ids}
            for sid, day, plan, _n in changes:
                if plan is None:
                    after[sid].pop(day, None)
                else:
                    after[sid][day] = plan
            if not confirmed:
                outside = _bookings_outside(s, staff, current, after, first, last, tz)
                if outside:  # one day made a day off: said so, not "outside the new hours"
                    raise BookingsOutside(outside, day_off=len(changes) == 1 and bool(changes[0][2] and changes[0][2].off))
            for sid, day, plan, note in changes:
                row = s.scalar(select(RotaDay).where(RotaDay.staff_id == sid, RotaDay.day == day))
                before = _as_dict(row)
                if plan is None:
                    if row is not None:
                        s.execute(delete(RotaDay).where(RotaDay.id == row.id))
                else:
                    if row is None:
                        row = RotaDay(staff_id=sid, day=day)
                        s.add(row)
                    row.from_time, row.to_time = plan.start, plan.end
                    row.break_from, row.break_to = plan.break_start, plan.break_end
                    row.note = (note or "").strip()
                    row.updated_by_id = known.staff_id
                    row.updated_at = self.clock()
                s.flush()
                audit(s, known, action, "staff", sid, before=before,
                      after=_as_dict(row) if plan is not None else {"day": day.isoformat(), "standard": True},
                      detail=day.isoformat())
            uow.commit()


_FIELD = {"time": "start", "order": "end", "break": "break", "break_off": "break"}
_ERRORS = {
    "time": lambda: _("Give the times as HH:MM, e.g. 09:30."),
    "order": lambda: _("The day must end after it starts."),
    "break": lambda: _("The break must start before it ends and lie within the working hours."),
    "break_off": lambda: _("A day off has no break."),
}


def _as_dict(row: RotaDay | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"day": row.day.isoformat(), "from": row.from_time, "to": row.to_time, "break_from": row.break_from,
            "break_to": row.break_to, "note": row.note}


def _first_branch(s: Session) -> int:
    shop = shop_row(s)
    return int(s.scalar(select(Branch.id).where(Branch.shop_id == shop.id).order_by(Branch.id)) or 0)


def _bookings_outside(s: Session, staff: dict[int, Staff], before: dict[int, dict[date, rt.DayPlan]],
                      after: dict[int, dict[date, rt.DayPlan]], first: date, last: date,
                      tz: Any) -> list[BookingOutside]:
    """The bookings still to come of ``staff`` from ``first`` to ``last`` inside their working
    time now that the hours ``after`` the change would leave outside it."""
    lo, hi = sl.day_bounds(first, tz).start, sl.day_bounds(last, tz).end
    appts = s.scalars(
        select(Appointment).where(
            Appointment.staff_id.in_(list(staff)), Appointment.start_at < hi, Appointment.end_at > lo,
            Appointment.status.in_(UPCOMING),
        ).order_by(Appointment.start_at)
    ).all()
    if not appts:
        return []
    names = dict(s.execute(select(Client.id, Client.name).where(
        Client.id.in_({a.client_id for a in appts if a.client_id}))).all())
    def inside(a: Appointment, planned: dict[int, dict[date, rt.DayPlan]]) -> bool:
        hours = rt.with_plans(staff[a.staff_id].working_hours or {}, planned.get(a.staff_id, {}))
        working = sl.working_between(hours, a.start_at - timedelta(days=1), a.end_at + timedelta(days=1), tz)
        return any(iv.start <= a.start_at and a.end_at <= iv.end for iv in working)

    out = []
    for a in appts:
        st = staff[a.staff_id]
        if inside(a, before) and not inside(a, after):
            out.append(BookingOutside(a.id, st.name, a.start_at.astimezone(tz), names.get(a.client_id or 0, "")))
    return out
