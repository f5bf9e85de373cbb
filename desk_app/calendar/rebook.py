"""Rebooking at the end of the visit (docs/product.md §2 step 5): propose, book in two clicks, or decline."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.calendar.core import BOOKABLE_ROLES, CalendarCore, Clash
from desk_app.calendar.views import (
    AppointmentView,
    BookingRequest,
    FreeSlot,
    RebookingRate,
    RebookProposal,
)
from desk_app.core.service import NotFound, ServiceError, ValidationError, audit, require
from desk_app.db.engine import Clock, Database
from desk_app.db.models import (
    Appointment,
    AppointmentService,
    Client,
    PlanItem,
    Service,
    ServiceLog,
    Staff,
    Visit,
)
from desk_app.domain import visit as vd
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import _, pick
from desk_app.settings import SettingsStore
from desk_app.trust.branches import works_at
from desk_app.visits import flow as visit_flow

DEFAULT_RETURN_DAYS = 42


class RebookService:
    """The next appointment before the client leaves: proposals from the services' return intervals."""

    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.core = CalendarCore(db, settings, clock)
        self.db, self.settings, self.clock = self.core.db, settings, self.core.clock

    def _visit(self, s: Session, visit_id: int) -> Visit:
        v = s.get(Visit, visit_id)
        if v is None:
            raise NotFound(_("That visit no longer exists."))
        return v

    def _visit_services(self, s: Session, v: Visit) -> list[Service]:
        """The services done in the visit (service log), else the confirmed plan, else the booking."""
        ids = list(
            s.scalars(
                select(ServiceLog.service_id).where(ServiceLog.visit_id == v.id).order_by(ServiceLog.id)
            )
        )
        if not ids:
            ids = [
                i
                for i in s.scalars(
                    select(PlanItem.service_id)
                    .where(
                        PlanItem.visit_id == v.id,
                        PlanItem.kind == "service",
                        PlanItem.suggested_only.is_(False),
                    )
                    .order_by(PlanItem.id)
                )
                if i is not None
            ]
        if not ids and v.appointment_id:
            ids = list(
                s.scalars(
                    select(AppointmentService.service_id)
                    .where(AppointmentService.appointment_id == v.appointment_id)
                    .order_by(AppointmentService.id)
                )
            )
        ids = list(dict.fromkeys(ids))
        rows = {x.id: x for x in s.scalars(select(Service).where(Service.id.in_(ids)))} if ids else {}
        return [rows[i] for i in ids if i in rows and rows[i].active]

    def propose(self, visit_id: int, days: int = 3, per_day: int = 3) -> RebookProposal:
        """Target date = today + the shortest return interval of the services done; the same
        stylist's free times on the ``days`` days nearest it (up to ``per_day`` a day: near the
        visit's time of day, an earlier and a later one), and other stylists' nearest slots."""
        with self.db.uow(write=False) as uow:
            s = uow.session
            tz = self.core.tz(s)
            v = self._visit(s, visit_id)
            now = self.clock()
            services = self._visit_services(s, v)
            interval = min(
                (x.return_interval_days for x in services if x.return_interval_days),
                default=DEFAULT_RETURN_DAYS,
            )
            duration = sum(x.duration_min for x in services) or 60
            buffer = max((x.buffer_min for x in services), default=0)
            kind = next((x.resource_kind for x in services if x.resource_kind), "")
            today = now.astimezone(tz).date()
            target = today + timedelta(days=interval)
            ref = v.booked_start_at or v.arrived_at
            tod = ref.astimezone(tz).time() if ref else time(10)
            target_dt = datetime.combine(target, time(tod.hour, tod.minute), tzinfo=tz).astimezone(tz)
            client = s.get(Client, v.client_id) if v.client_id else None
            staff_id = v.staff_id or s.scalar(
                select(ServiceLog.staff_id).where(ServiceLog.visit_id == v.id).limit(1)
            )
            staff = s.get(Staff, staff_id) if staff_id else None
            same: list[FreeSlot] = []
            if staff is not None and staff.active:
                cands = self.core.slots(
                    s,
                    staff,
                    target_dt - timedelta(days=7),
                    target_dt + timedelta(days=14),
                    duration,
                    buffer,
                    kind,
                    not_before=now,
                    tz=tz,
                )
                same = _few_per_day(cands, target_dt, days, per_day, tz)
            others: list[FreeSlot] = []
            for o in s.scalars(
                select(Staff)
                .where(
                    works_at(v.branch_id),
                    Staff.active.is_(True),
                    Staff.role.in_(BOOKABLE_ROLES),
                    Staff.id != (staff.id if staff else 0),
                )
                .order_by(Staff.name)
            ):
                cands = self.core.slots(
                    s,
                    o,
                    target_dt - timedelta(days=2),
                    target_dt + timedelta(days=3),
                    duration,
                    buffer,
                    kind,
                    not_before=now,
                    tz=tz,
                )
                if cands:
                    others.append(
                        min(cands, key=lambda c: (abs((c.start_at - target_dt).total_seconds()), c.start_at))
                    )
                if len(others) >= 4:
                    break
            already = None
            if v.next_appointment_id:
                a = s.get(Appointment, v.next_appointment_id)
                already = self.core.view(s, a) if a else None
            return RebookProposal(
                visit_id=v.id,
                client_id=v.client_id,
                client_name=client.name if client else "",
                staff_id=staff.id if staff else None,
                staff_name=staff.name if staff else "",
                service_ids=tuple(x.id for x in services),
                service_names=", ".join(pick(x.name_zh, x.name_en) for x in services),
                duration_min=duration,
                interval_days=interval,
                target_date=target,
                same_staff=tuple(same),
                other_staff=tuple(sorted(others, key=lambda c: c.start_at)),
                already_booked=already,
            )

    def book(
        self,
        actor: Actor,
        visit_id: int,
        slot: FreeSlot,
        service_ids: tuple[int, ...] | list[int] | None = None,
    ) -> AppointmentView:
        """Book the next visit and finish the rebooking step, all in one transaction."""
        require(self.db.uow, actor, Perm.BOOK)
        now = self.clock()
        try:
            with self.db.uow() as uow:
                s = uow.session
                v = self._visit(s, visit_id)
                if v.step not in (vd.Step.REBOOKING.value, vd.Step.DONE.value):
                    raise ServiceError(_("Take the payment first; the next visit is booked after checkout."))
                if v.next_appointment_id:
                    raise ServiceError(_("The next visit is already booked for this client."))
                ids = tuple(service_ids) if service_ids else tuple(x.id for x in self._visit_services(s, v))
                if not ids:
                    raise ValidationError({"service_ids": _("Choose at least one service.")})
                appt = self.core.book_in(
                    s,
                    actor,
                    BookingRequest(
                        client_id=v.client_id,
                        staff_id=slot.staff_id,
                        start_at=slot.start_at,
                        service_ids=ids,
                        resource_id=slot.resource_id,
                        source="rebook",
                    ),
                    now,
                )
                appt.rebooked_from_visit_id = v.id
                v.next_appointment_id = appt.id
                if v.step == vd.Step.REBOOKING.value:
                    visit_flow.move(s, v, "advance", actor, now, standards=self.settings.standards())
                audit(s, actor, "rebook", "visit", v.id, at=now, after={"appointment_id": appt.id})
                view = self.core.view(s, appt)
                uow.commit()
                return view
        except Clash as c:
            raise self.core.slot_taken(c.blocked) from None

    def decline(self, actor: Actor, visit_id: int, reason: str) -> None:
        """The client does not book now: record why and finish the visit."""
        require(self.db.uow, actor, Perm.VISIT_RUN)
        if not (reason or "").strip():
            raise ValidationError({"reason": _("Say why the client does not book now (e.g. will call).")})
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            v = self._visit(s, visit_id)
            if v.step not in (vd.Step.REBOOKING.value, vd.Step.DONE.value):
                raise ServiceError(_("Take the payment first; the next visit is offered after checkout."))
            v.rebook_declined_reason = reason.strip()
            if v.step == vd.Step.REBOOKING.value:
                visit_flow.move(
                    s, v, "advance", actor, now, reason=reason.strip(), standards=self.settings.standards()
                )
            audit(s, actor, "rebook_declined", "visit", v.id, at=now, after={"reason": reason.strip()})
            uow.commit()

    def rate(
        self,
        start: datetime | date,
        end: datetime | date,
        branch_id: int | None = None,
        staff_id: int | None = None,
    ) -> RebookingRate:
        """Visits paid in [start, end) and how many left with a next appointment."""
        with self.db.uow(write=False) as uow:
            s = uow.session
            if not isinstance(start, datetime) or not isinstance(end, datetime):
                from desk_app.domain.slots import day_bounds

                tz = self.core.tz(s)
                start = day_bounds(start if not isinstance(start, datetime) else start.date(), tz).start
                end = day_bounds(end if not isinstance(end, datetime) else end.date(), tz).start
            q = select(func.count(Visit.id), func.count(Visit.next_appointment_id)).where(
                Visit.paid_at.is_not(None), Visit.paid_at >= start, Visit.paid_at < end
            )
            if branch_id is not None:
                q = q.where(Visit.branch_id == branch_id)
            if staff_id is not None:
                q = q.where(Visit.staff_id == staff_id)
            paid, rebooked = s.execute(q).one()
            return RebookingRate(int(paid or 0), int(rebooked or 0))


def _few_per_day(
    cands: list[FreeSlot], target: datetime, days: int, per_day: int, tz: object, spread_min: int = 90
) -> list[FreeSlot]:
    """The ``days`` days nearest the target that have a free slot, and on each up to ``per_day``
    times: the one nearest the target's time of day, then others at least ``spread_min`` minutes
    apart (an earlier and a later choice), so the client can pick a day and a time."""
    from zoneinfo import ZoneInfo

    assert isinstance(tz, ZoneInfo)
    tod = target.astimezone(tz)
    by_day: dict[date, list[FreeSlot]] = {}
    for c in cands:
        by_day.setdefault(c.start_at.astimezone(tz).date(), []).append(c)
    chosen_days = sorted(by_day, key=lambda d: (abs((d - tod.date()).days), d))[:days]
    out: list[FreeSlot] = []
    for d in chosen_days:
        want = datetime.combine(d, time(tod.hour, tod.minute), tzinfo=tz)
        ranked = sorted(by_day[d], key=lambda c: (abs((c.start_at - want).total_seconds()), c.start_at))
        picked: list[FreeSlot] = []
        for c in ranked:
            if all(abs((c.start_at - p.start_at).total_seconds()) >= spread_min * 60 for p in picked):
                picked.append(c)
            if len(picked) == per_day:
                break
        out.extend(sorted(picked, key=lambda c: c.start_at))
    return sorted(out, key=lambda c: c.start_at)
