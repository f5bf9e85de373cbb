"""The guided visit (docs/product.md §2): arrival, greeting, moving between steps, the views.

The needs assessment is ConsultationService (consultation.py), the service step ServiceLogService
(service_log.py); all three share the session-level helpers in steps.py.

Every public method is one user action and one write unit of work: it commits
before returning, so a closed window, a crash or ``kill -9`` never loses a
finished step. Step changes go through ``visit_flow.move`` (timestamps, event
log, appointment status). Reads return frozen dataclasses (``visit_views``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, exists, insert, select, update
from sqlalchemy.orm import Session

from desk_app.clients.deposits import hold_again, release_deposit
from desk_app.clients.formulas import FormulaComponent, FormulaView
from desk_app.core.service import (
    NotFound,
    ServiceError,
    ValidationError,
    audit,
    can,
    permitted,
    reader,
    require,
    shop_tz,
)
from desk_app.db.engine import Clock, Database, connection_of, touched
from desk_app.db.models import (
    Appointment,
    AppointmentService,
    Client,
    PlanItem,
    Service,
    Visit,
)
from desk_app.domain import visit as vd
from desk_app.domain.appointment import INACTIVE, AppointmentStatus
from desk_app.domain.permissions import Actor, Perm
from desk_app.domain.visit import GUIDED_STEPS
from desk_app.i18n import _
from desk_app.messages import outbox
from desk_app.settings import SettingsStore
from desk_app.visits.row import VisitRow, inserted_id
from desk_app.visits.steps import commit_visit, estimate_of, get_visit, move_visit, open_visit
from desk_app.visits.views import (
    AssessmentView,
    Estimate,
    EstimateLine,
    MenuService,
    MyVisit,
    OpenVisitRow,
    PlanItemIn,
    PlanItemView,
    ProductUsedView,
    Question,
    ServiceLogView,
    TodayAppointment,
    TodayView,
    VisitView,
    appt_status_label,
)

__all__ = [
    "AssessmentView",
    "Estimate",
    "EstimateLine",
    "FormulaComponent",
    "FormulaView",
    "MenuService",
    "MyVisit",
    "OpenVisitRow",
    "PlanItemIn",
    "PlanItemView",
    "ProductUsedView",
    "Question",
    "ServiceLogView",
    "TodayAppointment",
    "TodayView",
    "VisitService",
    "VisitView",
]


_CLIENTS = cast(Table, Client.__table__)
_CLIENT_EXISTS = select(_CLIENTS.c.id).where(_CLIENTS.c.id == bindparam("cid"))
_INSERT_VISIT = insert(cast(Table, Visit.__table__))
# the client's columns and whether they had a visit before this one, in one statement
_CLIENT_LINK = select(
    _CLIENTS.c.id,
    _CLIENTS.c.erased_at,
    _CLIENTS.c.merged_into_id,
    _CLIENTS.c.first_visit_at,
    exists()
    .where(
        Visit.client_id == _CLIENTS.c.id,
        Visit.id != bindparam("vid"),
        Visit.step != vd.Step.CANCELLED.value,
    )
    .label("earlier"),
).where(_CLIENTS.c.id == bindparam("cid"))
_FIRST_VISIT = (
    update(_CLIENTS)
    .where(_CLIENTS.c.id == bindparam("cid"), _CLIENTS.c.first_visit_at.is_(None))
    .values(version=_CLIENTS.c.version + 1)  # other desks' edits see a change
)


class VisitService:
    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)  # rows are stamped by the same clock
        self.settings = settings
        self.clock = self.db.clock

    # ------------------------------------------------------------------ arrival
    def start_walk_in(self, actor: Actor, client_id: int | None = None) -> int:
        """A walk-in arrives: open a visit at the greeting step (arrival time = now)."""
        now = self.clock()
        with permitted(self.db.uow, actor, Perm.VISIT_RUN) as (uow, _known):
            s = uow.session
            if (
                client_id is not None
                and reader(s).execute(_CLIENT_EXISTS, {"cid": client_id}).first() is None
            ):
                raise NotFound(_("That client no longer exists. Search again."))
            # a Core INSERT on the table (the columns' defaults as the entity's: version 1, ...):
            # no unit-of-work flush for one row; the change feed is told by hand
            vid = inserted_id(
                connection_of(s).execute(
                    _INSERT_VISIT,
                    {
                        "branch_id": actor.branch_id,
                        "client_id": client_id,
                        "kind": "walk_in",
                        "step": vd.Step.GREETING.value,
                        "status": vd.VisitStatus.WAITING.value,
                        "arrived_at": now,
                        "created_by_id": actor.staff_id,
                        "skipped_steps": {},
                    },
                )
            )
            touched(s, "visit", vid)
            audit(s, actor, "create", "visit", vid, after={"kind": "walk_in", "client_id": client_id}, at=now)
            uow.commit()
        return vid

    def arrive(self, actor: Actor, appointment_id: int) -> int:
        """A booked client arrives: mark the appointment arrived and open the visit at greeting.

        Idempotent: a second desk pressing "Arrived" gets the same open visit.
        """
        now = self.clock()
        with permitted(self.db.uow, actor, Perm.VISIT_RUN) as (uow, _known):
            s = uow.session
            appt = s.get(Appointment, appointment_id)
            if appt is None:
                raise NotFound(_("That appointment no longer exists. Refresh the list."))
            existing = s.execute(
                select(Visit.id).where(Visit.appointment_id == appt.id, Visit.step.in_(GUIDED_STEPS)).limit(1)
            ).scalar_one_or_none()
            if existing is not None:
                return int(existing)
            if appt.status in (*INACTIVE, AppointmentStatus.DONE):
                raise ServiceError(
                    _("This appointment is {status}; start a walk-in visit instead.").format(
                        status=appt_status_label(appt.status)
                    )
                )
            appt.status = AppointmentStatus.ARRIVED
            release_deposit(s, appt, actor, now, "arrived")  # the client came: nothing is held any more
            v = Visit(
                branch_id=appt.branch_id,
                client_id=appt.client_id,
                appointment_id=appt.id,
                staff_id=appt.staff_id,
                resource_id=appt.resource_id,
                kind="booked",
                step=vd.Step.GREETING.value,
                status=vd.VisitStatus.WAITING.value,
                booked_start_at=appt.start_at,
                arrived_at=now,
                created_by_id=actor.staff_id,
                skipped_steps={},
            )
            s.add(v)
            s.flush()
            # the booked services are the starting plan
            for _aps, svc in s.execute(
                select(AppointmentService, Service)
                .join(Service, Service.id == AppointmentService.service_id)
                .where(AppointmentService.appointment_id == appt.id)
                .order_by(AppointmentService.id)
            ).all():
                s.add(
                    PlanItem(
                        visit_id=v.id,
                        kind="service",
                        service_id=svc.id,
                        description=svc.name_en,
                        quantity=1,
                        unit_price_minor=svc.price_minor,
                        staff_id=appt.staff_id,
                    )
                )
            audit(s, actor, "arrive", "appointment", appt.id, after={"visit_id": v.id}, at=now)
            vid = v.id
            commit_visit(s)
        return vid

    # ------------------------------------------------------------------ greeting
    def greet(self, actor: Actor, visit_id: int, client_id: int | None) -> None:
        """Record the greeting (time), link the client, and move on to the needs assessment."""
        now = self.clock()
        with permitted(self.db.uow, actor, Perm.VISIT_RUN) as (uow, _known):
            s = uow.session
            v = open_visit(s, visit_id)
            if v.step != vd.Step.GREETING.value:
                raise ServiceError(_("This client has already been greeted."))
            if client_id is not None:
                self._link_client(s, v, client_id, now)
            move_visit(s, self.settings, v, "advance", actor, now)
            audit(s, actor, "greet", "visit", v.id, after={"client_id": client_id}, at=now)
            commit_visit(s)

    def mark_greeted(self, actor: Actor, visit_id: int) -> datetime:
        """The client has been greeted (the 30-second standard): record the time once, before their
        profile is found or created. The visit stays at the greeting step. Returns the greeting time
        (the earlier one when it was already recorded)."""
        now = self.clock()
        with permitted(self.db.uow, actor, Perm.VISIT_RUN) as (uow, _known):
            s = uow.session
            v = open_visit(s, visit_id)
            if v.greeted_at is not None:
                return v.greeted_at
            if v.step != vd.Step.GREETING.value:
                raise ServiceError(_("This client has already been greeted."))
            v.greeted_at = now
            audit(s, actor, "mark_greeted", "visit", v.id, after={"greeted_at": now.isoformat()}, at=now)
            commit_visit(s)
        return now

    def link_client(self, actor: Actor, visit_id: int, client_id: int) -> None:
        """Attach a client profile to a visit (an anonymous walk-in who later gave their name).
        At the greeting step this also records the greeting time if it was not yet recorded."""
        now = self.clock()
        with permitted(self.db.uow, actor, Perm.VISIT_RUN) as (uow, _known):
            s = uow.session
            v = open_visit(s, visit_id)
            self._link_client(s, v, client_id, now)
            after: dict[str, Any] = {"client_id": client_id}
            if v.step == vd.Step.GREETING.value and v.greeted_at is None:
                v.greeted_at = now
                after["greeted_at"] = now.isoformat()
            audit(s, actor, "update", "visit", v.id, after=after, at=now)
            commit_visit(s)

    def _link_client(self, s: Session, v: VisitRow, client_id: int, now: datetime) -> None:
        on = reader(s)  # columns, not the client as an entity; statements built once
        # the visit is a row (written at commit): this read needs no flush of its link
        client = on.execute(_CLIENT_LINK, {"cid": client_id, "vid": v.id}).first()
        if client is None or client.erased_at is not None or client.merged_into_id is not None:
            raise NotFound(_("That client no longer exists. Search again."))
        v.client_id = client.id
        v.is_new_client = not client.earlier
        if client.first_visit_at is None:  # set once: a desk that set it a moment ago wins, no conflict
            done = connection_of(s).execute(_FIRST_VISIT, {"first_visit_at": now, "cid": client.id})
            if done.rowcount:
                touched(s, "client", client.id)  # a Core write: the change feed is told by hand

    # ------------------------------------------------------------------ skipping, back, cancel
    def skip(self, actor: Actor, visit_id: int, reason: str) -> None:
        require(self.db.uow, actor, Perm.VISIT_RUN)
        now = self.clock()
        if not reason.strip():
            raise ValidationError({"reason": _("Say why the step is skipped.")})
        with self.db.uow() as uow:
            s = uow.session
            v = open_visit(s, visit_id)
            step = v.step
            move_visit(s, self.settings, v, "skip", actor, now, reason=reason.strip())
            audit(s, actor, "skip", "visit", v.id, detail=f"{step}: {reason.strip()}", at=now)
            commit_visit(s)

    def back(self, actor: Actor, visit_id: int) -> None:
        """Go back one step before payment (e.g. to change the plan); the client confirms again."""
        now = self.clock()
        with permitted(self.db.uow, actor, Perm.VISIT_RUN) as (uow, _known):
            s = uow.session
            v = open_visit(s, visit_id)
            move_visit(s, self.settings, v, "back", actor, now)
            if v.step == vd.Step.NEEDS.value:
                v.estimate_confirmed_at = None
                v.estimate_confirmed_by_id = None
            if v.step == vd.Step.SERVICE.value:
                v.service_ended_at = None
                v.status = (
                    vd.VisitStatus.IN_SERVICE.value if v.service_started_at else vd.VisitStatus.WAITING.value
                )
            audit(s, actor, "back", "visit", v.id, after={"step": v.step}, at=now)
            commit_visit(s)

    def cancel(self, actor: Actor, visit_id: int, reason: str, keep_booking: bool = False) -> None:
        """Cancel the visit; its booking is cancelled with it, or with ``keep_booking`` (the client was
        checked in by mistake, before their service started) it goes back to booked or confirmed, as
        it was (cancelling a mistaken check-in cancelled the client's booking)."""
        require(self.db.uow, actor, Perm.VISIT_RUN)
        now = self.clock()
        if not reason.strip():
            raise ValidationError({"reason": _("Say why the visit is cancelled.")})
        with self.db.uow() as uow:
            s = uow.session
            v = open_visit(s, visit_id)
            if keep_booking and v.service_started_at is not None:
                raise ServiceError(_("The service has started: this booking was used, so it cannot be kept for later."))
            move_visit(s, self.settings, v, "cancel", actor, now, reason=reason.strip())
            appt = s.get(Appointment, v.appointment_id) if v.appointment_id else None
            if keep_booking and appt is not None and appt.status == AppointmentStatus.ARRIVED:
                appt.status = AppointmentStatus.CONFIRMED if appt.confirmed_at else AppointmentStatus.BOOKED
                hold_again(s, appt, actor, now)  # the deposit its arrival released, held again
            elif v.appointment_id:
                if appt is not None and appt.status not in (
                    AppointmentStatus.DONE,
                    AppointmentStatus.NO_SHOW,
                ):
                    appt.status = AppointmentStatus.CANCELLED
                    appt.cancel_reason = reason.strip()
                    appt.cancelled_at = now
                    outbox.on_cancelled(s, appt)  # its reminder is not sent
            audit(s, actor, "cancel", "visit", v.id, detail=reason.strip(), at=now,
                  after={"booking_kept": True} if keep_booking and appt is not None else None)
            commit_visit(s)

    # ------------------------------------------------------------------ views
    def get(self, visit_id: int, actor: Actor | None = None) -> VisitView:
        """The whole visit. With ``actor``, the phone is masked for staff who may not see it."""
        from desk_app.visits.queries import visit_view

        now = self.clock()
        with self.db.uow(write=False) as uow:
            v = get_visit(uow.session, visit_id)
            est = estimate_of(uow.session, self.settings, v)
            show_phone = actor is None or can(uow.session, actor, Perm.SEE_PHONE)
            return visit_view(uow.session, v, est, now, self.settings.standards(), show_phone)

    def list_today(self, now: datetime | None = None, branch_id: int | None = None) -> TodayView:
        from desk_app.visits.queries import today_view

        now = now or self.clock()
        with self.db.uow(write=False) as uow:
            tz = shop_tz(uow.session)
            local_day = now.astimezone(tz).date()
            start = datetime.combine(local_day, datetime.min.time(), tz)
            return today_view(
                uow.session, now, start, start + timedelta(days=1), self.settings.standards(), branch_id
            )

    def my_visits(self, actor: Actor) -> list[MyVisit]:
        from desk_app.visits.queries import my_visits

        known = require(self.db.uow, actor, Perm.SERVICE_LOG)
        now = self.clock()
        with self.db.uow(write=False) as uow:
            return my_visits(
                uow.session, actor.staff_id, now, self.settings.standards(), known.can(Perm.SEE_PHONE)
            )

    def open_visit_for_client(self, client_id: int) -> int | None:
        """The client's visit still in progress, if any (avoid opening a second one)."""
        with self.db.uow(write=False) as uow:
            vid = uow.session.execute(
                select(Visit.id)
                .where(Visit.client_id == client_id, Visit.step.in_(GUIDED_STEPS[:3]))
                .order_by(Visit.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            return int(vid) if vid is not None else None
