"""The service step: who serves, what was done, products used on the client, colour formulas."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select

from desk_app.clients import formulas as fm
from desk_app.clients.formulas import FormulaComponent, FormulaView
from desk_app.core.service import (
    NotFound,
    ServiceError,
    ValidationError,
    audit,
    permitted,
    reader,
    require,
)
from desk_app.db.engine import Clock, Database, connection_of, touched
from desk_app.db.models import (
    Appointment,
    Formula,
    PlanItem,
    Product,
    ProductUsage,
    Resource,
    Service,
    ServiceLog,
    Staff,
    StockMovement,
)
from desk_app.domain import visit as vd
from desk_app.domain.appointment import UPCOMING, AppointmentStatus
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import _
from desk_app.settings import SettingsStore
from desk_app.trust.branches import works_at
from desk_app.visits.row import inserted_id
from desk_app.visits.safety import require_safe
from desk_app.visits.steps import commit_visit, get_visit, move_visit, open_visit
from desk_app.visits.views import (
    ResourceChoice,
    StaffChoice,
)

_STAFF_ACTIVE = select(Staff.active).where(Staff.id == bindparam("sid"))
_SERVICE_PRICE = select(Service.id, Service.price_minor).where(Service.id == bindparam("sid"))
_LOGGED = select(func.count()).select_from(ServiceLog).where(ServiceLog.visit_id == bindparam("vid"))
_INSERT_LOG = insert(cast(Table, ServiceLog.__table__))


class ServiceLogService:
    """Step 3 of the visit: the stylist's log (start, services, notes, end, back-bar use, formulas)."""

    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)  # rows are stamped by the same clock
        self.settings = settings
        self.clock = self.db.clock

    # ------------------------------------------------------------------ service
    def assign(
        self, actor: Actor, visit_id: int, staff_id: int | None, resource_id: int | None = None
    ) -> None:
        now = self.clock()
        with permitted(self.db.uow, actor, Perm.VISIT_RUN) as (uow, _known):
            s = uow.session
            v = open_visit(s, visit_id)
            errors: dict[str, str] = {}
            if staff_id is not None:  # one column, not the staff row as an entity
                active = reader(s).execute(_STAFF_ACTIVE, {"sid": staff_id}).scalar()
                if not active:
                    errors["staff_id"] = _("Choose a stylist who is working today.")
            if resource_id is not None:
                r = s.get(Resource, resource_id)
                if r is None or not r.active:
                    errors["resource_id"] = _("Choose a chair or room from the list.")
            if errors:
                raise ValidationError(errors)
            before = {"staff_id": v.staff_id, "resource_id": v.resource_id}
            v.staff_id = staff_id
            v.resource_id = resource_id
            audit(
                s,
                actor,
                "assign",
                "visit",
                v.id,
                before=before,
                after={"staff_id": staff_id, "resource_id": resource_id},
                at=now,
            )
            commit_visit(s)

    def start_service(self, actor: Actor, visit_id: int, override_reason: str | None = None) -> None:
        """The client is in the chair. The safety rules are checked again (what was overridden at
        planning stays overridden); SafetyCheckNeeded writes nothing."""
        now = self.clock()
        with permitted(self.db.uow, actor, Perm.SERVICE_LOG) as (uow, _known):
            s = uow.session
            v = open_visit(s, visit_id)
            if v.step != vd.Step.SERVICE.value:
                raise ServiceError(_("Confirm the plan with the client before starting the service."))
            if v.service_started_at is not None:
                raise ServiceError(_("The service has already started."))
            require_safe(s, v, actor, now, override_reason)
            if v.staff_id is None:
                v.staff_id = actor.staff_id
            v.service_started_at = now
            v.status = vd.VisitStatus.IN_SERVICE.value
            if v.appointment_id:
                appt = s.get(Appointment, v.appointment_id)
                if appt is not None and appt.status in (*UPCOMING, AppointmentStatus.ARRIVED):
                    appt.status = AppointmentStatus.IN_SERVICE
            audit(s, actor, "start_service", "visit", v.id, at=now)
            commit_visit(s)

    def log_service(
        self,
        actor: Actor,
        visit_id: int,
        service_id: int,
        staff_id: int | None = None,
        notes: str = "",
        problem: str = "",
    ) -> int:
        """Record a service actually done (it may differ from the plan), once the service started."""
        now = self.clock()
        with permitted(self.db.uow, actor, Perm.SERVICE_LOG) as (uow, _known):
            s = uow.session
            v = open_visit(s, visit_id)
            if v.step != vd.Step.SERVICE.value:
                raise ServiceError(_("Services are logged during the service step."))
            svc = reader(s).execute(_SERVICE_PRICE, {"sid": service_id}).first()  # columns, not an entity
            if svc is None:
                raise ValidationError({"service_id": _("Choose a service from the menu.")})
            if v.service_started_at is None:
                # starting is where the safety rules are checked again and the stylist is set: a log
                # before it went round both (the log credited to whoever typed it, the visit to no one)
                raise ServiceError(_("Start the service first: press “Start service” when the client is in the chair."))
            log = {
                "visit_id": v.id,
                "service_id": svc.id,
                "staff_id": staff_id or v.staff_id or actor.staff_id,
                "resource_id": v.resource_id,
                "started_at": v.service_started_at,
                "ended_at": now,
                "price_minor": svc.price_minor,
                "notes": notes.strip(),
                "problem": problem.strip(),
                "created_at": now,
            }
            # a Core INSERT on the table (as the audit row): no unit-of-work flush for one row
            lid = inserted_id(connection_of(s).execute(_INSERT_LOG, log))
            touched(s, "service_log", lid)
            touched(s, "visit", v.id)  # its view lists the services done: other desks show the log
            if problem.strip():
                v.problem = (v.problem + "\n" if v.problem else "") + problem.strip()
            audit(s, actor, "log_service", "visit", v.id, after={"service_id": svc.id}, at=now)
            commit_visit(s)
        return lid

    def save_notes(self, actor: Actor, visit_id: int, notes: str, problem: str | None = None) -> None:
        require(self.db.uow, actor, Perm.SERVICE_LOG)
        with self.db.uow() as uow:
            s = uow.session
            v = open_visit(s, visit_id)
            v.notes = notes.strip()
            if problem is not None:
                v.problem = problem.strip()
            commit_visit(s)

    def end_service(self, actor: Actor, visit_id: int) -> None:
        """The service is done: end time recorded, on to checkout. Unlogged plan services count as done."""
        now = self.clock()
        with permitted(self.db.uow, actor, Perm.SERVICE_LOG) as (uow, _known):
            s = uow.session
            v = open_visit(s, visit_id)
            if v.step != vd.Step.SERVICE.value:
                raise ServiceError(_("The service step is not open for this visit."))
            if v.service_started_at is None:
                raise ServiceError(_("Start the service first."))
            logged = reader(s).execute(_LOGGED, {"vid": v.id}).scalar()
            if not logged:
                plan = s.execute(
                    select(PlanItem, Service)
                    .join(Service, Service.id == PlanItem.service_id)
                    .where(PlanItem.visit_id == v.id, PlanItem.kind == "service")
                    .order_by(PlanItem.id)
                ).all()
                if not plan:
                    raise ValidationError({"services": _("Log at least one service done before finishing.")})
                for it, svc in plan:
                    for _n in range(it.quantity):
                        s.add(
                            ServiceLog(
                                visit_id=v.id,
                                service_id=svc.id,
                                staff_id=it.staff_id or v.staff_id,
                                resource_id=v.resource_id,
                                started_at=v.service_started_at,
                                ended_at=now,
                                price_minor=it.unit_price_minor,
                                created_at=now,
                            )
                        )
            v.service_ended_at = now
            move_visit(s, self.settings, v, "advance", actor, now)
            audit(s, actor, "end_service", "visit", v.id, at=now)
            commit_visit(s)

    def use_product(self, actor: Actor, visit_id: int, product_id: int, qty: int = 1) -> None:
        """A product used on the client (back bar): stock goes down with a 'backbar' movement."""
        require(self.db.uow, actor, Perm.SERVICE_LOG)
        if qty < 1 or qty > 99:
            raise ValidationError({"qty": _("Quantity must be 1 to 99.")})
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            v = open_visit(s, visit_id)
            p = s.get(Product, product_id)
            if p is None or not p.active:
                raise ValidationError({"product_id": _("Choose a product from the list.")})
            s.add(ProductUsage(visit_id=v.id, product_id=p.id, quantity=qty, staff_id=actor.staff_id, at=now))
            s.add(
                StockMovement(
                    product_id=p.id,
                    qty_delta=-qty,
                    reason="backbar",
                    visit_id=v.id,
                    staff_id=actor.staff_id,
                    at=now,
                )
            )
            p.stock_qty = p.stock_qty - qty
            audit(s, actor, "use_product", "visit", v.id, after={"product_id": p.id, "qty": qty}, at=now)
            commit_visit(s)

    # ------------------------------------------------------------------ formulas
    def add_formula(
        self,
        actor: Actor,
        visit_id: int,
        components: Iterable[FormulaComponent | Mapping[str, Any]],
        notes: str = "",
        service_id: int | None = None,
    ) -> FormulaView:
        require(self.db.uow, actor, Perm.SERVICE_LOG)
        comps = fm.parse_components(components)
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            v = get_visit(s, visit_id)
            if v.client_id is None:
                raise ServiceError(
                    _("Link the client's profile to the visit first: a formula belongs to a client.")
                )
            f = fm.add(
                s,
                actor,
                visit_id=v.id,
                client_id=v.client_id,
                service_id=service_id,
                components=comps,
                notes=notes,
                now=now,
            )
            audit(s, actor, "create", "formula", f.id, after={"visit_id": v.id}, at=now)
            view = fm.formula_view(f, now, actor.name)
            commit_visit(s)
        return view

    def correct_formula(
        self,
        actor: Actor,
        formula_id: int,
        components: Iterable[FormulaComponent | Mapping[str, Any]],
        notes: str = "",
    ) -> FormulaView:
        """Fix a formula: in place by its author before the 24 h lock, else as a new version."""
        require(self.db.uow, actor, Perm.SERVICE_LOG)
        comps = fm.parse_components(components)
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            f, is_new = fm.correct(s, actor, formula_id, components=comps, notes=notes, now=now)
            audit(
                s,
                actor,
                "correct" if is_new else "update",
                "formula",
                f.id,
                detail=f"version {f.version_no}",
                at=now,
            )
            view = fm.formula_view(f, now, actor.name)
            commit_visit(s)
        return view

    def formula_history(self, formula_id: int) -> list[FormulaView]:
        now = self.clock()
        with self.db.uow(write=False) as uow:
            f = uow.session.get(Formula, formula_id)
            if f is None:
                raise NotFound(_("That formula no longer exists."))
            root = f.root_id or f.id
            return fm.views_for(uow.session, (Formula.id == root) | (Formula.root_id == root), now)

    def staff_choices(self, branch_id: int | None = None) -> list[StaffChoice]:
        with self.db.uow(write=False) as uow:
            q = select(Staff).where(Staff.active.is_(True), Staff.role.in_(("stylist", "owner")))
            if branch_id is not None:
                q = q.where(works_at(branch_id))
            return [
                StaffChoice(st.id, st.name, st.role)
                for st in uow.session.execute(q.order_by(Staff.name)).scalars()
            ]

    def resource_choices(self, branch_id: int | None = None) -> list[ResourceChoice]:
        with self.db.uow(write=False) as uow:
            q = select(Resource).where(Resource.active.is_(True))
            if branch_id is not None:
                q = q.where(Resource.branch_id == branch_id)
            return [
                ResourceChoice(r.id, r.name, r.kind)
                for r in uow.session.execute(q.order_by(Resource.id)).scalars()
            ]
