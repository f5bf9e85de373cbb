"""Shared machinery of the calendar service: loading, slot search, the guarded write.

The no-double-booking rule is enforced three times, from cheapest to strongest:
the slot search only offers free slots; every write checks for an overlap inside
its own write transaction (on SQLite the unit of work starts with ``BEGIN
IMMEDIATE``, so no other desk can write between the check and the insert); and
the database refuses an overlap anyway (SQLite triggers raising
``appointment_overlap``, PostgreSQL exclusion constraints raising
``ExclusionViolation``). Whichever layer catches it, the desk gets ``SlotTaken``
with the nearest free slots.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from desk_app.calendar import rota
from desk_app.calendar.views import (
    INACTIVE_STATUSES,
    AppointmentView,
    ApptService,
    BookingRequest,
    FreeSlot,
    SlotTaken,
    _Blocked,
)
from desk_app.clients.deposits import deposit_movement
from desk_app.clients.deposits import release_deposit as release_deposit
from desk_app.core.service import NotFound, ValidationError, audit, shop_row, shop_tz
from desk_app.db.engine import Clock, Database
from desk_app.db.models import (
    Appointment,
    AppointmentService,
    Branch,
    Client,
    PrepaidAccount,
    Resource,
    Service,
    Staff,
)
from desk_app.domain import slots as sl
from desk_app.domain.appointment import AppointmentStatus
from desk_app.domain.money import from_minor
from desk_app.domain.permissions import Actor
from desk_app.i18n import _, format_date, format_money, format_time
from desk_app.messages import outbox
from desk_app.settings import S, SettingsStore
from desk_app.trust.branches import branch_ids_of, works_at

BOOKABLE_ROLES = ("stylist", "owner")


class Clash(Exception):
    """Internal: a write ran into an existing appointment (turned into SlotTaken)."""

    def __init__(self, blocked: _Blocked) -> None:
        super().__init__(blocked.what)
        self.blocked = blocked


def is_overlap_error(exc: IntegrityError) -> bool:
    """The database's own double-booking guard fired (SQLite trigger or PG exclusion constraint)."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "23P01" or type(orig).__name__ == "ExclusionViolation":
        return True
    text = str(orig)
    return "appointment_overlap" in text or "ex_appointments_" in text


def _local_days(start: datetime, end: datetime, tz: ZoneInfo) -> tuple[date, date]:
    """The local dates whose hours ``sl.working_between(hours, start, end, tz)`` reads."""
    return start.astimezone(tz).date() - timedelta(days=1), end.astimezone(tz).date()


def resource_word(kind: str) -> str:
    return {"chair": _("chair"), "room": _("room"), "bed": _("bed"), "basin": _("basin")}.get(kind, kind)


class CalendarCore:
    """The calendar's shared machinery (views, free slots, the overlap guard, booking inside a
    session), held by each of the calendar's services: CalendarService, WaitlistService,
    RebookService, IcsService. Never a base class."""

    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)
        self.settings = settings
        self.clock = self.db.clock

    # ----------------------------------------------------------------- basics
    def tz(self, s: Session) -> ZoneInfo:
        return shop_tz(s)

    def currency(self, s: Session) -> str:
        return shop_row(s).currency

    def branch_id(self, s: Session, branch_id: int | None) -> int:
        if branch_id is not None:
            return branch_id
        shop = shop_row(s)
        return int(
            s.execute(select(Branch.id).where(Branch.shop_id == shop.id).order_by(Branch.id))
            .scalars()
            .first()
            or 0
        )

    def step(self) -> int:
        return self.settings.get(S.CALENDAR_SLOT_MINUTES)

    def local_today(self) -> date:
        with self.db.uow(write=False) as uow:
            return self.clock().astimezone(self.tz(uow.session)).date()

    def get_appt(self, s: Session, appt_id: int) -> Appointment:
        a = s.get(Appointment, appt_id)
        if a is None:
            raise NotFound(_("That appointment no longer exists; refresh the calendar."))
        return a

    # ----------------------------------------------------------------- views
    def views(self, s: Session, appts: Sequence[Appointment]) -> list[AppointmentView]:
        if not appts:
            return []
        ids = [a.id for a in appts]
        cids = {a.client_id for a in appts if a.client_id}
        clients: dict[int, tuple[str, str, int]] = {}
        if cids:
            for cid, name, num, ns in s.execute(
                select(Client.id, Client.name, Client.client_number, Client.no_show_count).where(
                    Client.id.in_(cids)
                )
            ):
                clients[cid] = (name, num, ns)
        staff: dict[int, str] = {k: v for k, v in s.execute(select(Staff.id, Staff.name))}
        res: dict[int, str] = {k: v for k, v in s.execute(select(Resource.id, Resource.name))}
        lines: dict[int, list[ApptService]] = {}
        for aid, sid, zh, en, mins in s.execute(
            select(
                AppointmentService.appointment_id,
                Service.id,
                Service.name_zh,
                Service.name_en,
                AppointmentService.duration_min,
            )
            .join(Service, Service.id == AppointmentService.service_id)
            .where(AppointmentService.appointment_id.in_(ids))
            .order_by(AppointmentService.id)
        ):
            lines.setdefault(aid, []).append(ApptService(sid, zh, en, mins))
        out = []
        for a in appts:
            cname, cnum, ns = clients.get(a.client_id or 0, ("", "", 0))
            out.append(
                AppointmentView(
                    id=a.id,
                    branch_id=a.branch_id,
                    client_id=a.client_id,
                    client_name=cname,
                    client_number=cnum,
                    staff_id=a.staff_id,
                    staff_name=staff.get(a.staff_id, ""),
                    resource_id=a.resource_id,
                    resource_name=res.get(a.resource_id or 0, ""),
                    start_at=a.start_at,
                    end_at=a.end_at,
                    block_end_at=a.block_end_at,
                    status=a.status,
                    source=a.source,
                    notes=a.notes,
                    services=tuple(lines.get(a.id, [])),
                    reminder_status=a.reminder_status,
                    deposit_minor=a.deposit_minor,
                    late_cancel=a.late_cancel,
                    cancel_reason=a.cancel_reason,
                    version=a.version,
                    client_no_shows=ns,
                )
            )
        return out

    def view(self, s: Session, a: Appointment) -> AppointmentView:
        return self.views(s, [a])[0]

    # ----------------------------------------------------------------- busy time
    def busy(
        self,
        s: Session,
        col: Any,
        ids: Iterable[int],
        start: datetime,
        end: datetime,
        exclude_id: int | None = None,
    ) -> dict[int, list[sl.Interval]]:
        ids = list(ids)
        out: dict[int, list[sl.Interval]] = {i: [] for i in ids}
        if not ids:
            return out
        q = select(col, Appointment.start_at, Appointment.block_end_at).where(
            col.in_(ids),
            Appointment.status.not_in(INACTIVE_STATUSES),
            Appointment.start_at < end,
            Appointment.block_end_at > start,
        )
        if exclude_id is not None:
            q = q.where(Appointment.id != exclude_id)
        for key, a, b in s.execute(q):
            out[key].append(sl.Interval(a, b))
        return out

    def staff_row(self, s: Session, staff_id: int) -> Staff:
        st = s.get(Staff, staff_id)
        if st is None or not st.active:
            raise ValidationError({"staff_id": _("Choose a stylist who works here.")})
        return st

    def resources_of(self, s: Session, branch_id: int, kind: str) -> list[int]:
        return list(
            s.scalars(
                select(Resource.id)
                .where(Resource.branch_id == branch_id, Resource.kind == kind, Resource.active.is_(True))
                .order_by(Resource.id)
            )
        )

    def slots(
        self,
        s: Session,
        staff: Staff,
        start: datetime,
        end: datetime,
        duration_min: int,
        buffer_min: int,
        resource_kind: str = "",
        exclude_id: int | None = None,
        not_before: datetime | None = None,
        limit: int | None = None,
        tz: ZoneInfo | None = None,
        branch_id: int | None = None,
    ) -> list[FreeSlot]:
        """Free slots starting in [start, end), never before the services' clock: a time that has
        passed is not free, whatever the caller asked (``not_before`` can only move later).
        Chairs and rooms are those of ``branch_id`` (default: the staff member's home branch)."""
        tz = tz or self.tz(s)
        now = self.clock()
        not_before = max(not_before, now) if not_before is not None else now
        dur, buf = timedelta(minutes=duration_min), timedelta(minutes=buffer_min)
        span_end = end + dur + buf
        # slots START in [start, end); the working time may run on past ``end`` for the service itself
        hours = rota.hours_in_force(s, staff, *_local_days(start, end + dur, tz))
        working = sl.working_between(hours, start, end + dur, tz)
        if not working:
            return []
        busy = self.busy(s, Appointment.staff_id, [staff.id], start, span_end, exclude_id)[staff.id]
        resources = None
        if resource_kind:
            rids = self.resources_of(s, staff.branch_id if branch_id is None else branch_id, resource_kind)
            resources = self.busy(s, Appointment.resource_id, rids, start, span_end, exclude_id)
        found = sl.find_slots(
            working=working,
            busy=busy,
            duration=dur,
            buffer=buf,
            step_minutes=self.step(),
            tz=tz,
            resources=resources,
            not_before=not_before,
            limit=limit,
        )
        return [FreeSlot(staff.id, staff.name, x.start, x.end, x.resource_id) for x in found if x.start < end]

    def alternatives(self, b: _Blocked, n: int = 5) -> tuple[FreeSlot, ...]:
        """The nearest free slots to a refused booking: same stylist first, then others at that time."""
        with self.db.uow(write=False) as uow:
            s = uow.session
            tz = self.tz(s)
            now = self.clock()
            staff = s.get(Staff, b.staff_id)
            out: list[FreeSlot] = []
            if staff is not None:
                lo = max(now, b.start - timedelta(days=3))
                cands = self.slots(
                    s,
                    staff,
                    lo,
                    b.start + timedelta(days=10),
                    b.duration_min,
                    b.buffer_min,
                    b.resource_kind,
                    b.exclude_id,
                    not_before=now,
                    tz=tz,
                    branch_id=b.branch_id,
                )
                by_id = {(c.start_at): c for c in cands}
                picked = sl.nearest_slots(
                    [sl.Slot(c.start_at, c.end_at, c.end_at, c.resource_id) for c in cands], b.start, n
                )
                out.extend(by_id[p.start] for p in picked)
            others = s.scalars(
                select(Staff)
                .where(
                    works_at(b.branch_id),
                    Staff.active.is_(True),
                    Staff.id != b.staff_id,
                    Staff.role.in_(BOOKABLE_ROLES),
                )
                .order_by(Staff.name)
            ).all()
            for o in others:
                hit = self.slots(
                    s,
                    o,
                    b.start,
                    b.start + timedelta(minutes=1),
                    b.duration_min,
                    b.buffer_min,
                    b.resource_kind,
                    b.exclude_id,
                    tz=tz,
                    limit=1,
                    branch_id=b.branch_id,
                )
                if hit and hit[0].start_at == b.start:
                    out.append(hit[0])
                if len(out) >= n + 3:
                    break
            return tuple(out)

    def slot_taken(self, b: _Blocked) -> SlotTaken:
        alts = self.alternatives(b)
        with self.db.uow(write=False) as uow:
            st = uow.session.get(Staff, b.staff_id)
            name = st.name if st else ""
        when = f"{format_date(b.start, 'medium')} {format_time(b.start)}"  # 24-hour, as on the calendar
        if b.what == "resource":
            msg = _("No free {kind} at {when}. Choose one of the nearest free times below.").format(
                kind=resource_word(b.resource_kind), when=when
            )
        elif b.what == "hours":
            msg = _("{name} is not working on {day} at {time}. Choose one of the nearest free times below.").format(
                name=name, day=format_date(b.start, "medium"), time=format_time(b.start)
            )
        else:
            msg = _("{name} is already booked at {when}. Choose one of the nearest free times below.").format(
                name=name, when=when
            )
        return SlotTaken(msg, alts)

    # ----------------------------------------------------------------- the guarded write
    def catalog(self, s: Session, service_ids: Sequence[int]) -> list[Service]:
        ids = list(dict.fromkeys(int(i) for i in service_ids))
        if not ids:
            raise ValidationError({"service_ids": _("Choose at least one service.")})
        rows = {x.id: x for x in s.scalars(select(Service).where(Service.id.in_(ids)))}
        missing = [i for i in ids if i not in rows or not rows[i].active]
        if missing:
            raise ValidationError({"service_ids": _("A chosen service is no longer offered; choose again.")})
        return [rows[i] for i in ids]

    def check_and_place(
        self,
        s: Session,
        *,
        staff: Staff,
        start: datetime,
        duration_min: int,
        buffer_min: int,
        resource_kind: str,
        resource_id: int | None,
        branch_id: int,
        exclude_id: int | None,
        tz: ZoneInfo,
    ) -> int | None:
        """Check working hours and overlaps inside the write transaction; return the resource to use."""
        self.lock_diary(s, staff.id, branch_id, resource_kind, resource_id)
        blocked = _Blocked(staff.id, start, duration_min, buffer_min, resource_kind, branch_id, exclude_id)
        dur, buf = timedelta(minutes=duration_min), timedelta(minutes=buffer_min)
        lo, hi = start - timedelta(days=1), start + timedelta(days=1)
        working = sl.working_between(rota.hours_in_force(s, staff, *_local_days(lo, hi, tz)), lo, hi, tz)
        if not any(iv.start <= start and start + dur <= iv.end for iv in working):
            raise Clash(_replace(blocked, what="hours"))
        busy = self.busy(s, Appointment.staff_id, [staff.id], start, start + dur + buf, exclude_id)[staff.id]
        if busy:
            raise Clash(blocked)
        if resource_id is not None:
            rbusy = self.busy(
                s, Appointment.resource_id, [resource_id], start, start + dur + buf, exclude_id
            )
            if rbusy[resource_id]:
                if not resource_kind:
                    raise Clash(_replace(blocked, what="resource"))
                resource_id = None
        if resource_id is None and resource_kind:
            rids = self.resources_of(s, branch_id, resource_kind)
            rbusy = self.busy(s, Appointment.resource_id, rids, start, start + dur + buf, exclude_id)
            free = [r for r in rids if not rbusy[r]]
            if not free:
                raise Clash(_replace(blocked, what="resource"))
            resource_id = free[0]
        return resource_id

    def lock_diary(
        self, s: Session, staff_id: int, branch_id: int, resource_kind: str, resource_id: int | None
    ) -> None:
        """PostgreSQL: desks booking the same stylist or the same kind of chair take their turn.

        The stylist's row, then the chairs (by id), are locked for the rest of the transaction, so the
        overlap check below sees the booking of a desk that got there first (READ COMMITTED reads
        afresh after the wait). Without this, racing desks each pass the check and meet only in the
        exclusion constraint, where two inserts waiting on each other are a deadlock that PostgreSQL
        breaks after a second, and a pile of them can outlast the retries. SQLite needs nothing:
        a write transaction there already has the whole file (BEGIN IMMEDIATE)."""
        if self.db.is_sqlite:
            return
        s.execute(select(Staff.id).where(Staff.id == staff_id).with_for_update())
        rids = set(self.resources_of(s, branch_id, resource_kind)) if resource_kind else set()
        if resource_id is not None:
            rids.add(resource_id)
        if rids:
            s.execute(
                select(Resource.id).where(Resource.id.in_(sorted(rids))).order_by(Resource.id).with_for_update()
            )

    def flush_guarded(self, s: Session, blocked: _Blocked) -> None:
        try:
            s.flush()
        except IntegrityError as exc:
            if is_overlap_error(exc):
                raise Clash(blocked) from exc
            raise

    def book_in(self, s: Session, actor: Actor | None, req: BookingRequest, now: datetime) -> Appointment:
        if req.start_at.tzinfo is None:
            raise ValidationError({"start_at": _("Choose a date and time.")})
        tz = self.tz(s)
        services = self.catalog(s, req.service_ids)
        duration = int(req.duration_min) if req.duration_min else sum(x.duration_min for x in services)
        if not 5 <= duration <= 12 * 60:
            raise ValidationError({"duration_min": _("A booking lasts from 5 minutes to 12 hours.")})
        buffer = int(req.buffer_min) if req.buffer_min is not None else max(x.buffer_min for x in services)
        if not 0 <= buffer <= 240:
            raise ValidationError({"buffer_min": _("The time after a booking is 0 to 240 minutes.")})
        if req.start_at < now - timedelta(minutes=15):
            raise ValidationError({"start_at": _("That time has passed; choose a time from now on.")})
        staff = self.staff_row(s, req.staff_id)
        client: Client | None = None
        if req.client_id is not None:
            client = s.get(Client, req.client_id)
            if client is None or client.gone:
                raise ValidationError(
                    {"client_id": _("Choose the client again; that profile no longer exists.")}
                )
        kind = next((x.resource_kind for x in services if x.resource_kind), "")
        # the booking is at the branch asked for (the calendar shown), else the desk's, else the
        # stylist's home branch; and the stylist must work there
        branch_id = req.branch_id or (actor.branch_id if actor is not None else staff.branch_id)
        if branch_id not in branch_ids_of(s, staff):
            raise ValidationError(
                {"staff_id": _("{name} does not work at this branch; choose someone who does.").format(name=staff.name)}
            )
        start = req.start_at
        rid = self.check_and_place(
            s,
            staff=staff,
            start=start,
            duration_min=duration,
            buffer_min=buffer,
            resource_kind=kind,
            resource_id=req.resource_id,
            branch_id=branch_id,
            exclude_id=None,
            tz=tz,
        )
        deposit = self.deposit_for(s, client, req.deposit_minor)
        end = start + timedelta(minutes=duration)
        appt = Appointment(
            branch_id=branch_id,
            client_id=req.client_id,
            staff_id=staff.id,
            resource_id=rid,
            start_at=start,
            end_at=end,
            block_end_at=end + timedelta(minutes=buffer),
            status=AppointmentStatus.BOOKED,
            source=req.source or "desk",
            notes=req.notes or "",
            deposit_minor=deposit,
            created_by_id=actor.staff_id if actor else None,
            created_at=now,
        )
        s.add(appt)
        self.flush_guarded(s, _Blocked(staff.id, start, duration, buffer, kind, branch_id))
        for x in services:
            s.add(AppointmentService(appointment_id=appt.id, service_id=x.id, duration_min=x.duration_min))
        if deposit and client is not None:
            self.hold(s, client, appt, deposit, actor, now)
        audit(
            s,
            actor,
            "book",
            "appointment",
            appt.id,
            at=now,
            after={
                "staff_id": staff.id,
                "client_id": req.client_id,
                "start_at": start,
                "minutes": duration,
                "resource_id": rid,
                "source": appt.source,
                "deposit_minor": deposit,
            },
        )
        s.flush()
        outbox.on_booked(s, appt, self.settings, now, actor.staff_id if actor else None)  # confirmation, reminder
        return appt

    # ----------------------------------------------------------------- deposits
    def deposit_for(self, s: Session, client: Client | None, offered: int) -> int:
        offered = int(offered or 0)
        if offered < 0:
            raise ValidationError({"deposit_minor": _("A deposit cannot be negative.")})
        if client is None:
            return 0
        threshold = self.settings.get(S.CALENDAR_NO_SHOW_WARN_THRESHOLD)
        required = self.settings.get(S.CALENDAR_NO_SHOW_DEPOSIT_MINOR)
        cur = self.currency(s)
        if threshold and client.no_show_count >= threshold and required and offered < required:
            raise ValidationError(
                {
                    "deposit_minor": _(
                        "This client missed {n} appointments. Hold a deposit of {amount} from the prepaid "
                        "balance to book."
                    ).format(n=client.no_show_count, amount=format_money(from_minor(required, cur), cur))
                }
            )
        if offered:
            acct = s.execute(
                select(PrepaidAccount).where(PrepaidAccount.client_id == client.id)
            ).scalar_one_or_none()
            available = (acct.balance_minor - acct.held_minor) if acct else 0
            if available < offered:
                raise ValidationError(
                    {
                        "deposit_minor": _(
                            "The prepaid balance ({available}) does not cover the deposit; top it up first or "
                            "lower the deposit."
                        ).format(available=format_money(from_minor(max(available, 0), cur), cur))
                    }
                )
        return offered

    def hold(
        self, s: Session, client: Client, appt: Appointment, amount: int, actor: Actor | None, now: datetime
    ) -> None:
        acct = s.execute(select(PrepaidAccount).where(PrepaidAccount.client_id == client.id)).scalar_one()
        acct.held_minor += amount
        # the balance does not change (it equals the sum of movements): a hold moves nothing yet
        s.add(deposit_movement(acct, appt, "hold", 0, actor, now, f"deposit held {amount}"))


def _replace(b: _Blocked, **kw: Any) -> _Blocked:
    from dataclasses import replace

    return replace(b, **kw)
