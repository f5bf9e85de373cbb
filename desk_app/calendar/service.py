"""The calendar: day/week views, booking, moving, cancelling, no-shows, reminders (docs/product.md §2 step 5).

Waitlist, rebooking and iCalendar export live in ``calendar_waitlist``,
``calendar_rebook`` and ``calendar_ics`` and are mixed into ``CalendarService``.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from desk_app.calendar import rota
from desk_app.calendar.core import BOOKABLE_ROLES, CalendarCore, Clash, release_deposit
from desk_app.calendar.views import (
    INACTIVE_STATUSES,
    AppointmentView,
    BookingRequest,
    ClientAlreadyBooked,
    DayView,
    FreeSlot,
    NoShowWarning,
    ReminderRow,
    ResourceColumn,
    ServiceOption,
    SlotTaken,
    StaffColumn,
    StaffOption,
    WeekView,
    _Blocked,
)
from desk_app.calendar.waitlist import mark_booked
from desk_app.clients.deposits import forfeit_deposit
from desk_app.core import csvfile
from desk_app.core.service import (
    ConflictError,
    ServiceError,
    ValidationError,
    audit,
    can,
    require,
    run_with_retry,
)
from desk_app.db.engine import Clock, Database
from desk_app.db.models import Appointment, Client, Resource, Service, Staff, Visit
from desk_app.domain import slots as sl
from desk_app.domain.appointment import UPCOMING, AppointmentStatus, ReminderAnswer, status_label
from desk_app.domain.permissions import Actor, Perm, mask_phone
from desk_app.domain.rota import DayPlan, with_plans
from desk_app.i18n import _, format_date, format_time
from desk_app.messages import outbox
from desk_app.settings import S, SettingsStore
from desk_app.trust.branches import works_at

__all__ = ["BookingRequest", "CalendarService", "SlotTaken"]


class CalendarService:
    """Bookings: the day and week views, free slots, book, move, cancel, no-shows, reminders."""

    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.core = CalendarCore(db, settings, clock)
        self.db, self.settings, self.clock = self.core.db, settings, self.core.clock

    # ----------------------------------------------------------------- lookups
    def booking_services(self) -> list[ServiceOption]:
        with self.db.uow(write=False) as uow:
            rows = uow.session.scalars(
                select(Service).where(Service.active.is_(True)).order_by(Service.sort, Service.id)
            )
            return [
                ServiceOption(
                    x.id,
                    x.name_zh,
                    x.name_en,
                    x.duration_min,
                    x.buffer_min,
                    x.resource_kind,
                    x.return_interval_days,
                    x.price_minor,
                )
                for x in rows
            ]

    def bookable_staff(self, branch_id: int | None = None) -> list[StaffOption]:
        with self.db.uow(write=False) as uow:
            s = uow.session
            bid = self.core.branch_id(s, branch_id)
            rows = s.scalars(
                select(Staff)
                .where(works_at(bid), Staff.active.is_(True), Staff.role.in_(BOOKABLE_ROLES))
                .order_by(Staff.role.desc(), Staff.name)
            )
            return [StaffOption(x.id, x.name, x.color, x.role) for x in rows if _has_hours(x)]

    def appointment(self, appt_id: int) -> AppointmentView:
        with self.db.uow(write=False) as uow:
            return self.core.view(uow.session, self.core.get_appt(uow.session, appt_id))

    def client_appointments(self, client_id: int, upcoming_only: bool = True) -> list[AppointmentView]:
        with self.db.uow(write=False) as uow:
            q = select(Appointment).where(Appointment.client_id == client_id).order_by(Appointment.start_at)
            if upcoming_only:
                q = q.where(
                    Appointment.start_at >= self.clock(), Appointment.status.not_in(INACTIVE_STATUSES)
                )
            return self.core.views(uow.session, uow.session.scalars(q).all())

    def no_show_warning(self, client_id: int) -> NoShowWarning:
        from desk_app.db.models import PrepaidAccount

        with self.db.uow(write=False) as uow:
            s = uow.session
            c = s.get(Client, client_id)
            if c is None:
                return NoShowWarning(client_id, 0, 0, False, 0, 0)
            threshold = self.settings.get(S.CALENDAR_NO_SHOW_WARN_THRESHOLD)
            warn = bool(threshold) and c.no_show_count >= threshold
            deposit = self.settings.get(S.CALENDAR_NO_SHOW_DEPOSIT_MINOR) if warn else 0
            acct = s.execute(
                select(PrepaidAccount).where(PrepaidAccount.client_id == c.id)
            ).scalar_one_or_none()
            available = (acct.balance_minor - acct.held_minor) if acct else 0
            return NoShowWarning(c.id, c.no_show_count, c.late_cancel_count, warn, deposit, available)

    def replaced_staff(self, client_id: int) -> dict[int, tuple[int, str]]:
        """The staff members this client is no longer booked with, because a complaint's remedy
        replaced them: {replaced staff id: (complaint id, the name of who serves them now)}."""
        from desk_app.db.models import Complaint, Staff

        with self.db.uow(write=False) as uow:
            rows = uow.session.execute(
                select(Complaint.staff_involved_id, Complaint.id, Staff.name)
                .join(Staff, Staff.id == Complaint.replacement_staff_id)
                .where(Complaint.client_id == client_id, Complaint.staff_involved_id.is_not(None))
                .order_by(Complaint.id)
            ).all()
        return {int(staff or 0): (int(cid), str(name)) for staff, cid, name in rows if staff is not None}

    # ----------------------------------------------------------------- views
    def day(self, day: date, branch_id: int | None = None) -> DayView:
        with self.db.uow(write=False) as uow:
            s = uow.session
            tz = self.core.tz(s)
            bid = self.core.branch_id(s, branch_id)
            bounds = sl.day_bounds(day, tz)
            appts = s.scalars(
                select(Appointment)
                .where(
                    Appointment.branch_id == bid,
                    Appointment.start_at < bounds.end,
                    Appointment.block_end_at > bounds.start,
                )
                .order_by(Appointment.start_at, Appointment.id)
            ).all()
            booked_staff = {a.staff_id for a in appts}
            # someone who left keeps a column while bookings of theirs are on the day: to be moved
            everyone = list(s.scalars(
                select(Staff).where(works_at(bid), or_(Staff.active.is_(True), Staff.id.in_(booked_staff)))
                .order_by(Staff.role.desc(), Staff.name)
            ))
            planned = rota.plans(s, [x.id for x in everyone], day, day)
            staff_rows = [
                x
                for x in everyone
                if (x.role in BOOKABLE_ROLES and (_has_hours(x) or planned.get(x.id))) or x.id in booked_staff
            ]
            cols = tuple(self._column(x, day, tz, planned.get(x.id, {})) for x in staff_rows)
            resources = tuple(
                ResourceColumn(r.id, r.name, r.kind)
                for r in s.scalars(
                    select(Resource)
                    .where(Resource.branch_id == bid, Resource.active.is_(True))
                    .order_by(Resource.kind, Resource.id)
                )
            )
            views = tuple(self.core.views(s, appts))
            lo, hi = _display_range(day, tz, cols, views)
            return DayView(day, str(tz.key), bid, bounds, lo, hi, cols, resources, views, self.core.step())

    def week(self, start: date, staff_id: int) -> WeekView:
        """Seven days of one stylist from ``start``."""
        with self.db.uow(write=False) as uow:
            s = uow.session
            tz = self.core.tz(s)
            st = s.get(Staff, staff_id)
            if st is None:
                raise ValidationError({"staff_id": _("Choose a stylist who works here.")})
            first, last = sl.day_bounds(start, tz), sl.day_bounds(start + timedelta(days=6), tz)
            appts = s.scalars(
                select(Appointment)
                .where(
                    Appointment.staff_id == staff_id,
                    Appointment.start_at < last.end,
                    Appointment.block_end_at > first.start,
                )
                .order_by(Appointment.start_at, Appointment.id)
            ).all()
            views = self.core.views(s, appts)
            planned = rota.plans(s, [st.id], start, start + timedelta(days=6)).get(st.id, {})
            days = []
            for i in range(7):
                d = start + timedelta(days=i)
                b = sl.day_bounds(d, tz)
                col = self._column(st, d, tz, planned)
                mine = tuple(v for v in views if v.start_at < b.end and v.block_end_at > b.start)
                lo, hi = _display_range(d, tz, (col,), mine)
                days.append(DayView(d, str(tz.key), st.branch_id, b, lo, hi, (col,), (), mine, self.core.step()))
            # one shared display range so the columns line up
            lo_t = min(d.display_from.astimezone(tz).time() for d in days)
            hi_t = max((d.display_to - timedelta(seconds=1)).astimezone(tz).time() for d in days)
            aligned = tuple(
                DayView(
                    d.day,
                    d.timezone,
                    d.branch_id,
                    d.bounds,
                    datetime.combine(d.day, lo_t, tzinfo=tz).astimezone(UTC),
                    datetime.combine(d.day, time(hi_t.hour), tzinfo=tz).astimezone(UTC) + timedelta(hours=1),
                    d.staff,
                    d.resources,
                    d.appointments,
                    d.slot_minutes,
                )
                for d in days
            )
            return WeekView(st.id, st.name, start, aligned)

    def _column(self, st: Staff, day: date, tz: ZoneInfo, planned: Mapping[date, DayPlan]) -> StaffColumn:
        hours = with_plans(st.working_hours or {}, planned)
        return StaffColumn(
            st.id,
            st.name,
            st.color,
            st.role,
            tuple(sl.shifts_on(hours, day, tz)),
            tuple(sl.breaks_on(hours, day, tz)),
            day in planned,
        )

    # ----------------------------------------------------------------- free slots
    def free_slots(
        self,
        staff_id: int,
        start: datetime,
        end: datetime,
        duration_min: int,
        buffer_min: int = 0,
        resource_kind: str = "",
        limit: int | None = None,
        exclude_appointment_id: int | None = None,
    ) -> list[FreeSlot]:
        with self.db.uow(write=False) as uow:
            s = uow.session
            st = self.core.staff_row(s, staff_id)
            return self.core.slots(
                s,
                st,
                start,
                end,
                duration_min,
                buffer_min,
                resource_kind,
                exclude_appointment_id,
                not_before=self.clock(),
                limit=limit,
            )

    def next_free(
        self,
        staff_id: int,
        duration_min: int,
        buffer_min: int = 0,
        resource_kind: str = "",
        after: datetime | None = None,
        weeks: int = 8,
        n: int = 1,
    ) -> list[FreeSlot]:
        """The first ``n`` free slots from ``after`` (default now) within ``weeks`` weeks."""
        start = max(after or self.clock(), self.clock())
        return self.free_slots(
            staff_id, start, start + timedelta(weeks=weeks), duration_min, buffer_min, resource_kind, limit=n
        )

    def nearest_free(
        self,
        staff_id: int,
        target: datetime,
        duration_min: int,
        buffer_min: int = 0,
        resource_kind: str = "",
        n: int = 5,
        days: int = 7,
    ) -> list[FreeSlot]:
        cands = self.free_slots(
            staff_id,
            target - timedelta(days=days),
            target + timedelta(days=days),
            duration_min,
            buffer_min,
            resource_kind,
        )
        ranked = sorted(cands, key=lambda c: (abs((c.start_at - target).total_seconds()), c.start_at))[:n]
        return sorted(ranked, key=lambda c: c.start_at)

    # ----------------------------------------------------------------- booking
    def book(self, actor: Actor, req: BookingRequest) -> AppointmentView:
        require(self.db.uow, actor, Perm.BOOK)

        def attempt() -> AppointmentView:
            with self.db.uow() as uow:
                appt = self.core.book_in(uow.session, actor, req, self.clock())
                if not req.allow_client_overlap:
                    _refuse_client_overlap(uow.session, appt)  # before the commit: nothing kept
                mark_booked(uow.session, appt)
                view = self.core.view(uow.session, appt)
                uow.commit()
                return view

        try:
            # PostgreSQL may abort one of two racing desks with a deadlock while it checks the
            # exclusion constraint; the retry then sees the winner and answers SlotTaken.
            return run_with_retry(attempt)
        except Clash as c:
            raise self.core.slot_taken(c.blocked) from None

    def book_in(self, session: Session, actor: Actor, req: BookingRequest) -> int:
        """Book inside the caller's unit of work (another area's action, e.g. a complaint's redo);
        the caller commits. Raises SlotTaken when the time is not free. Returns the appointment id."""
        require(self.db.uow, actor, Perm.BOOK)
        try:
            appt = self.core.book_in(session, actor, req, self.clock())
        except Clash as c:
            raise self.core.slot_taken(c.blocked) from None
        mark_booked(session, appt)
        return appt.id

    def move(
        self,
        actor: Actor,
        appt_id: int,
        new_start: datetime,
        new_staff_id: int | None = None,
        expected_version: int | None = None,
        duration_min: int | None = None,
    ) -> AppointmentView:
        """Move (and/or reassign, resize) an appointment; the same guards as booking."""
        require(self.db.uow, actor, Perm.BOOK)
        now = self.clock()
        try:
            with self.db.uow() as uow:
                s = uow.session
                a = self.core.get_appt(s, appt_id)
                if expected_version is not None and a.version != expected_version:
                    raise ConflictError(
                        _("Someone else changed this appointment a moment ago; check it and try again.")
                    )
                if a.status not in UPCOMING:
                    raise ServiceError(_("Only booked or confirmed appointments can be moved."))
                if new_start < now - timedelta(minutes=15):
                    raise ValidationError({"start_at": _("That time has passed; choose a time from now on.")})
                staff = self.core.staff_row(s, new_staff_id or a.staff_id)
                dur = int(duration_min or (a.end_at - a.start_at).total_seconds() // 60)
                buf = int((a.block_end_at - a.end_at).total_seconds() // 60)
                kind = ""
                if a.resource_id is not None:
                    r = s.get(Resource, a.resource_id)
                    kind = r.kind if r else ""
                before = {"staff_id": a.staff_id, "start_at": a.start_at, "resource_id": a.resource_id}
                rid = self.core.check_and_place(
                    s,
                    staff=staff,
                    start=new_start,
                    duration_min=dur,
                    buffer_min=buf,
                    resource_kind=kind,
                    resource_id=a.resource_id,
                    branch_id=a.branch_id,
                    exclude_id=a.id,
                    tz=self.core.tz(s),
                )
                a.staff_id, a.resource_id = staff.id, rid
                a.start_at = new_start
                a.end_at = new_start + timedelta(minutes=dur)
                a.block_end_at = a.end_at + timedelta(minutes=buf)
                a.reminder_status = ReminderAnswer.NOT_CALLED  # a moved booking is reminded again
                self.core.flush_guarded(s, _Blocked(staff.id, new_start, dur, buf, kind, a.branch_id, a.id))
                outbox.on_moved(s, a, self.settings, now, actor.staff_id)  # the reminder goes at the new time
                audit(
                    s,
                    actor,
                    "move",
                    "appointment",
                    a.id,
                    before=before,
                    at=now,
                    after={"staff_id": a.staff_id, "start_at": a.start_at, "resource_id": a.resource_id},
                )
                view = self.core.view(s, a)
                uow.commit()
                return view
        except Clash as c:
            raise self.core.slot_taken(c.blocked) from None

    def cancel(self, actor: Actor, appt_id: int, reason: str) -> AppointmentView:
        require(self.db.uow, actor, Perm.BOOK)
        if not (reason or "").strip():
            raise ValidationError({"reason": _("Say why the appointment is cancelled (e.g. client called).")})
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            a = self.core.get_appt(s, appt_id)
            if a.status not in UPCOMING:
                raise ServiceError(
                    _("This appointment is already {status}; it cannot be cancelled.").format(
                        status=_status_word(a.status)
                    )
                )
            late_h = self.settings.get(S.CALENDAR_LATE_CANCEL_HOURS)
            a.status = AppointmentStatus.CANCELLED
            a.cancel_reason = reason.strip()
            a.cancelled_at = now
            a.late_cancel = bool(late_h) and a.start_at - now < timedelta(hours=late_h)
            if a.late_cancel and a.client_id:
                c = s.get(Client, a.client_id)
                if c is not None:
                    c.late_cancel_count += 1
            release_deposit(s, a, actor, now, "cancelled")
            outbox.on_cancelled(s, a)  # its queued reminder is not sent
            audit(
                s,
                actor,
                "cancel",
                "appointment",
                a.id,
                at=now,
                after={"reason": a.cancel_reason, "late": a.late_cancel},
            )
            view = self.core.view(s, a)
            uow.commit()
            return view

    def release_deposit(self, actor: Actor, appt_id: int) -> int:
        """Release the appointment's held deposit (the client arrived). Returns the amount."""
        require(self.db.uow, actor, Perm.BOOK)
        with self.db.uow() as uow:
            a = self.core.get_appt(uow.session, appt_id)
            amount = release_deposit(uow.session, a, actor, self.clock(), "arrived")
            uow.commit()
            return amount

    # ----------------------------------------------------------------- no-shows
    def _no_show(self, s: Session, a: Appointment, actor: Actor | None, now: datetime) -> None:
        a.status = AppointmentStatus.NO_SHOW
        if a.client_id:
            c = s.get(Client, a.client_id)
            if c is not None:
                c.no_show_count += 1
        taken = forfeit_deposit(s, a, actor, now)  # the deposit the rule asked for is kept
        outbox.on_no_show(s, a, self.settings, now, actor.staff_id if actor else None)
        audit(
            s,
            actor,
            "no_show",
            "appointment",
            a.id,
            at=now,
            after={"auto": actor is None, "deposit_taken_minor": taken},
        )

    def mark_no_show(self, actor: Actor, appt_id: int) -> AppointmentView:
        require(self.db.uow, actor, Perm.BOOK)
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            a = self.core.get_appt(s, appt_id)
            if a.status not in UPCOMING:
                raise ServiceError(_("Only a booked or confirmed appointment can be marked as a no-show."))
            if a.start_at > now:
                raise ServiceError(_("The appointment has not started yet; mark a no-show after its time."))
            self._no_show(s, a, actor, now)
            view = self.core.view(s, a)
            uow.commit()
            return view

    def auto_no_shows(self, now: datetime | None = None) -> list[int]:
        """Mark appointments whose client never arrived within the grace period; returns their ids."""
        now = now or self.clock()
        grace = timedelta(minutes=self.settings.get(S.CALENDAR_NO_SHOW_GRACE_MINUTES))
        with self.db.uow() as uow:
            s = uow.session
            # a visit cancelled as a mistaken check-in (its booking kept) is no arrival
            arrived = select(Visit.appointment_id).where(Visit.appointment_id.is_not(None), Visit.step != "cancelled")
            rows = s.scalars(
                select(Appointment).where(
                    Appointment.status.in_(UPCOMING),
                    Appointment.start_at <= now - grace,
                    Appointment.id.not_in(arrived),
                )
            ).all()
            for a in rows:
                self._no_show(s, a, None, now)
            uow.commit()
            return [a.id for a in rows]

    # ----------------------------------------------------------------- confirmations and reminders
    def confirm(self, actor: Actor, appt_id: int) -> AppointmentView:
        return self.set_reminder_status(actor, appt_id, ReminderAnswer.CONFIRMED)

    def set_reminder_status(self, actor: Actor, appt_id: int, result: str) -> AppointmentView:
        require(self.db.uow, actor, Perm.BOOK)
        if result not in ReminderAnswer._value2member_map_:
            raise ValidationError({"reminder_status": _("Choose confirmed or no answer.")})
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            a = self.core.get_appt(s, appt_id)
            if a.status in INACTIVE_STATUSES:
                raise ServiceError(_("This appointment is cancelled; there is nothing to confirm."))
            a.reminder_status = result
            if result == "confirmed":
                a.confirmed_at = now
                if a.status == AppointmentStatus.BOOKED:
                    a.status = AppointmentStatus.CONFIRMED
            audit(s, actor, "reminder", "appointment", a.id, at=now, after={"result": result})
            view = self.core.view(s, a)
            uow.commit()
            return view

    def reminders(
        self, day: date | None = None, actor: Actor | None = None, branch_id: int | None = None
    ) -> list[ReminderRow]:
        """Appointments on ``day`` (default: tomorrow) to confirm, with each client's channel and number."""
        with self.db.uow(write=False) as uow:
            s = uow.session
            tz = self.core.tz(s)
            day = day or (self.clock().astimezone(tz).date() + timedelta(days=1))
            b = sl.day_bounds(day, tz)
            q = (
                select(Appointment)
                .where(
                    Appointment.start_at >= b.start,
                    Appointment.start_at < b.end,
                    Appointment.status.in_(UPCOMING),
                    Appointment.client_id.is_not(None),
                )
                .order_by(Appointment.start_at)
            )
            if branch_id is not None:
                q = q.where(Appointment.branch_id == branch_id)
            appts = s.scalars(q).all()
            views = self.core.views(s, appts)
            cids = {a.client_id for a in appts if a.client_id}
            clients = {c.id: c for c in s.scalars(select(Client).where(Client.id.in_(cids)))} if cids else {}
            see_phone = actor is None or can(s, actor, Perm.SEE_PHONE)
            out = []
            for v in views:
                c = clients.get(v.client_id or 0)
                channel = (c.preferred_channel if c else "phone") or "phone"
                contact = ""
                if c is not None:
                    if channel == "wechat" and c.wechat_id:
                        contact = c.wechat_id
                    elif channel == "email" and c.email:
                        contact = c.email
                    else:
                        contact = c.phone if see_phone else mask_phone(c.phone)
                out.append(
                    ReminderRow(
                        v.id,
                        v.start_at,
                        v.client_id,
                        v.client_name,
                        v.client_number,
                        channel,
                        contact,
                        v.staff_name,
                        v.service_names,
                        v.reminder_status,
                        v.status,
                    )
                )
            return out

    def reminders_csv(self, day: date | None = None, actor: Actor | None = None) -> bytes:
        """The reminder list as CSV (UTF-8 with BOM so spreadsheet programs read Chinese)."""
        rows = self.reminders(day, actor)
        buf = io.StringIO()
        w = csvfile.writer(buf)
        w.writerow(
            [
                _("Date"),
                _("Time"),
                _("Client"),
                _("Client number"),
                _("Channel"),
                _("Contact"),
                _("Stylist"),
                _("Services"),
                _("Reminder"),
            ]
        )
        for r in rows:
            w.writerow(
                [
                    format_date(r.start_at, "short"),
                    format_time(r.start_at),
                    r.client_name,
                    r.client_number,
                    r.channel_label,
                    r.contact,
                    r.staff_name,
                    r.services,
                    r.reminder_label,
                ]
            )
        return buf.getvalue().encode("utf-8-sig")


def _has_hours(st: Staff) -> bool:
    hours = st.working_hours or {}
    return any(hours.get(d) for d in sl.WEEKDAYS)


def _status_word(status: str) -> str:
    return status_label(status).lower()


def _display_range(
    day: date, tz: ZoneInfo, cols: tuple[StaffColumn, ...], appts: tuple[AppointmentView, ...]
) -> tuple[datetime, datetime]:
    """Whole hours from the earliest opening (or booking) to the latest closing; 09-21 by default."""
    starts = [iv.start for c in cols for iv in c.shifts] + [a.start_at for a in appts]
    ends = [iv.end for c in cols for iv in c.shifts] + [a.block_end_at for a in appts]
    b = sl.day_bounds(day, tz)
    lo = min(starts) if starts else datetime.combine(day, time(9), tzinfo=tz).astimezone(UTC)
    hi = max(ends) if ends else datetime.combine(day, time(21), tzinfo=tz).astimezone(UTC)
    lo, hi = max(lo, b.start), min(hi, b.end)
    loc = lo.astimezone(tz)
    lo = datetime.combine(day, time(loc.hour), tzinfo=tz).astimezone(UTC)
    hloc = hi.astimezone(tz)
    if hloc.minute or hloc.second:
        hi = min(b.end, hi + timedelta(minutes=60 - hloc.minute))
    return lo, hi


def _refuse_client_overlap(s: Session, appt: Appointment) -> None:
    """ClientAlreadyBooked when the client has another active booking overlapping ``appt`` (the same
    client was booked 16:15-17:00 with one stylist over 15:45-16:45 with another, without a word)."""
    if appt.client_id is None:
        return
    other = s.execute(
        select(Appointment.start_at, Appointment.end_at, Staff.name)
        .join(Staff, Staff.id == Appointment.staff_id)
        .where(
            Appointment.client_id == appt.client_id,
            Appointment.id != appt.id,
            Appointment.status.not_in(INACTIVE_STATUSES),
            Appointment.start_at < appt.end_at,
            Appointment.end_at > appt.start_at,
        )
        .order_by(Appointment.start_at)
        .limit(1)
    ).first()
    if other is not None:
        raise ClientAlreadyBooked(
            _("The client already has a booking {day} {start}–{end} with {name}.").format(
                day=format_date(other.start_at), start=format_time(other.start_at), end=format_time(other.end_at),
                name=other.name,
            )
        )
