"""The guided visit, steps 1-3 (docs/product.md §2): greeting, needs assessment, service delivery.

Every public method is one user action and one write unit of work: it commits
before returning, so a closed window, a crash or ``kill -9`` never loses a
finished step. Step changes go through ``visit_flow.move`` (timestamps, event
log, appointment status). Reads return frozen dataclasses (``visit_views``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from desk_app.clients import formulas as fm
from desk_app.clients.formulas import FormulaComponent, FormulaView
from desk_app.core.service import (
    ConflictError,
    NotFound,
    ServiceError,
    ValidationError,
    audit,
    require,
    shop_row,
    shop_tz,
)
from desk_app.db.engine import Clock, Database
from desk_app.db.models import (
    Appointment,
    AppointmentService,
    Assessment,
    Client,
    ConsultationQuestion,
    Formula,
    PlanItem,
    Product,
    ProductUsage,
    Resource,
    Service,
    ServiceCategory,
    ServiceLog,
    Staff,
    StockMovement,
    Visit,
)
from desk_app.domain import visit as vd
from desk_app.domain.appointment import INACTIVE, UPCOMING, AppointmentStatus
from desk_app.domain.permissions import Actor, Perm
from desk_app.domain.pricing import LineIn, PricingError, price_lines
from desk_app.i18n import _
from desk_app.settings import S, SettingsStore
from desk_app.visits import flow as visit_flow
from desk_app.visits.views import (
    PRIORITIES,
    AssessmentView,
    ChoiceOption,
    Estimate,
    EstimateLine,
    MenuService,
    MyVisit,
    OpenVisitRow,
    PlanItemIn,
    PlanItemView,
    ProductChoice,
    ProductUsedView,
    Question,
    ResourceChoice,
    ServiceLogView,
    StaffChoice,
    TodayAppointment,
    TodayView,
    VisitView,
    appt_status_label,
    step_label,
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

OPEN_STEPS = ("greeting", "needs", "service", "checkout", "rebooking")


def _transition_message(exc: vd.TransitionError, step: str) -> str:
    text = str(exc)
    if "needs a reason" in text:
        return _("Say why: a reason is needed.")
    if "requires" in text:
        return _("The shop requires the {step} step; it cannot be skipped. Finish it instead.").format(
            step=step_label(step)
        )
    if "checkout cannot be skipped" in text:
        return _("Checkout cannot be skipped; cancel the visit instead.")
    if "cannot be cancelled" in text:
        return _("A paid visit cannot be cancelled; make a refund instead.")
    if "cannot go back" in text:
        return _("This visit cannot go back from the {step} step.").format(step=step_label(step))
    return _("This visit is closed; open a new visit instead.")


class VisitService:
    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)  # rows are stamped by the same clock
        self.settings = settings
        self.clock = self.db.clock

    # ------------------------------------------------------------------ helpers
    def _now(self) -> datetime:
        return self.clock()

    def _required(self) -> frozenset[vd.Step]:
        out: set[vd.Step] = set()
        for s in self.settings.get(S.VISIT_REQUIRED_STEPS) or []:
            try:
                out.add(vd.Step(s))
            except ValueError:
                continue
        return frozenset(out)

    def _visit(self, s: Session, visit_id: int) -> Visit:
        v = s.get(Visit, visit_id)
        if v is None:
            raise NotFound(_("That visit no longer exists. Refresh the list."))
        return v

    def _open_visit(self, s: Session, visit_id: int) -> Visit:
        v = self._visit(s, visit_id)
        if not vd.is_open(v.step):
            raise ServiceError(_("This visit is already closed."))
        return v

    def _move(self, s: Session, v: Visit, action: str, actor: Actor, now: datetime, reason: str = "") -> None:
        step = v.step
        try:
            visit_flow.move(
                s,
                v,
                action,
                actor,
                now,
                reason=reason,
                required=self._required(),
                standards=self.settings.standards(),
            )
        except vd.TransitionError as exc:
            raise ServiceError(_transition_message(exc, step)) from exc

    def _commit(self, s: Session) -> None:
        try:
            s.commit()
        except StaleDataError as exc:
            raise ConflictError(
                _(
                    "Another desk changed this visit a moment ago. It has been reloaded; check it and try again."
                )
            ) from exc

    # ------------------------------------------------------------------ arrival
    def start_walk_in(self, actor: Actor, client_id: int | None = None) -> int:
        """A walk-in arrives: open a visit at the greeting step (arrival time = now)."""
        require(self.db.uow, actor, Perm.VISIT_RUN)
        now = self._now()
        with self.db.uow() as uow:
            s = uow.session
            if client_id is not None and s.get(Client, client_id) is None:
                raise NotFound(_("That client no longer exists. Search again."))
            v = Visit(
                branch_id=actor.branch_id,
                client_id=client_id,
                kind="walk_in",
                step=vd.Step.GREETING.value,
                status=vd.VisitStatus.WAITING.value,
                arrived_at=now,
                created_by_id=actor.staff_id,
                skipped_steps={},
            )
            s.add(v)
            s.flush()
            audit(
                s, actor, "create", "visit", v.id, after={"kind": "walk_in", "client_id": client_id}, at=now
            )
            vid = v.id
            uow.commit()
        return vid

    def arrive(self, actor: Actor, appointment_id: int) -> int:
        """A booked client arrives: mark the appointment arrived and open the visit at greeting.

        Idempotent: a second desk pressing "Arrived" gets the same open visit.
        """
        require(self.db.uow, actor, Perm.VISIT_RUN)
        now = self._now()
        with self.db.uow() as uow:
            s = uow.session
            appt = s.get(Appointment, appointment_id)
            if appt is None:
                raise NotFound(_("That appointment no longer exists. Refresh the list."))
            existing = s.execute(
                select(Visit.id).where(Visit.appointment_id == appt.id, Visit.step.in_(OPEN_STEPS)).limit(1)
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
            self._commit(s)
        return vid

    # ------------------------------------------------------------------ greeting
    def greet(self, actor: Actor, visit_id: int, client_id: int | None) -> None:
        """Record the greeting (time), link the client, and move on to the needs assessment."""
        require(self.db.uow, actor, Perm.VISIT_RUN)
        now = self._now()
        with self.db.uow() as uow:
            s = uow.session
            v = self._open_visit(s, visit_id)
            if v.step != vd.Step.GREETING.value:
                raise ServiceError(_("This client has already been greeted."))
            if client_id is not None:
                self._link_client(s, v, client_id, now)
            self._move(s, v, "advance", actor, now)
            audit(s, actor, "greet", "visit", v.id, after={"client_id": client_id}, at=now)
            self._commit(s)

    def mark_greeted(self, actor: Actor, visit_id: int) -> datetime:
        """The client has been greeted (the 30-second standard): record the time once, before their
        profile is found or created. The visit stays at the greeting step. Returns the greeting time
        (the earlier one when it was already recorded)."""
        require(self.db.uow, actor, Perm.VISIT_RUN)
        now = self._now()
        with self.db.uow() as uow:
            s = uow.session
            v = self._open_visit(s, visit_id)
            if v.greeted_at is not None:
                return v.greeted_at
            if v.step != vd.Step.GREETING.value:
                raise ServiceError(_("This client has already been greeted."))
            v.greeted_at = now
            audit(s, actor, "mark_greeted", "visit", v.id, after={"greeted_at": now.isoformat()}, at=now)
            self._commit(s)
        return now

    def link_client(self, actor: Actor, visit_id: int, client_id: int) -> None:
        """Attach a client profile to a visit (an anonymous walk-in who later gave their name).
        At the greeting step this also records the greeting time if it was not yet recorded."""
        require(self.db.uow, actor, Perm.VISIT_RUN)
        now = self._now()
        with self.db.uow() as uow:
            s = uow.session
            v = self._open_visit(s, visit_id)
            self._link_client(s, v, client_id, now)
            after: dict[str, Any] = {"client_id": client_id}
            if v.step == vd.Step.GREETING.value and v.greeted_at is None:
                v.greeted_at = now
                after["greeted_at"] = now.isoformat()
            audit(s, actor, "update", "visit", v.id, after=after, at=now)
            self._commit(s)

    def _link_client(self, s: Session, v: Visit, client_id: int, now: datetime) -> None:
        client = s.get(Client, client_id)
        if client is None or client.erased_at is not None:
            raise NotFound(_("That client no longer exists. Search again."))
        v.client_id = client.id
        earlier = s.scalar(
            select(func.count())
            .select_from(Visit)
            .where(Visit.client_id == client.id, Visit.id != v.id, Visit.step != vd.Step.CANCELLED.value)
        )
        v.is_new_client = not earlier
        if client.first_visit_at is None:
            client.first_visit_at = now

    # ------------------------------------------------------------------ needs
    def questions(self, kind: str) -> list[Question]:
        with self.db.uow(write=False) as uow:
            rows = (
                uow.session.execute(
                    select(ConsultationQuestion)
                    .where(ConsultationQuestion.kind == kind, ConsultationQuestion.active.is_(True))
                    .order_by(ConsultationQuestion.sort, ConsultationQuestion.id)
                )
                .scalars()
                .all()
            )
            return [
                Question(
                    key=q.key,
                    label_zh=q.label_zh,
                    label_en=q.label_en,
                    answer_type=q.answer_type,
                    choices=tuple(
                        ChoiceOption(str(c.get("key", "")), str(c.get("zh", "")), str(c.get("en", "")))
                        for c in (q.choices or [])
                    ),
                    required=q.required,
                )
                for q in rows
            ]

    def save_assessment(
        self,
        actor: Actor,
        visit_id: int,
        *,
        kind: str,
        answers: Mapping[str, Any],
        goals: str = "",
        expectations: str = "",
        priority: str = "normal",
        skin_type: str = "",
        hair_type: str = "",
        allergies: str = "",
        contraindications: str = "",
    ) -> None:
        """Save the consultation (one per visit, updated in place); allergies also go on the profile."""
        require(self.db.uow, actor, Perm.VISIT_RUN)
        now = self._now()
        errors: dict[str, str] = {}
        if priority not in PRIORITIES:
            errors["priority"] = _("Choose a priority from the list.")
        qs = {q.key: q for q in self.questions(kind)}
        clean: dict[str, Any] = {}
        for key, value in answers.items():
            if isinstance(value, str):
                value = value.strip()
            clean[key] = value
        # the profile fields and the form's questions of the same name are one answer
        profile = {
            "skin_type": skin_type.strip(),
            "hair_type": hair_type.strip(),
            "allergies": allergies.strip(),
            "contraindications": contraindications.strip(),
        }
        for key, val in profile.items():
            if val and not clean.get(key):
                clean[key] = val
            elif not val and isinstance(clean.get(key), str):
                profile[key] = clean[key]
        skin_type, hair_type = profile["skin_type"], profile["hair_type"]
        allergies, contraindications = profile["allergies"], profile["contraindications"]
        for key, q in qs.items():
            if q.required and not clean.get(key):
                errors[key] = _("Answer “{q}”: it is needed for this service.").format(q=q.label)
        if not goals.strip() and not clean:
            errors["goals"] = _("Write down what the client wants, in their words.")
        if errors:
            raise ValidationError(errors)
        with self.db.uow() as uow:
            s = uow.session
            v = self._open_visit(s, visit_id)
            if v.step == vd.Step.GREETING.value:
                raise ServiceError(_("Greet the client first, then record the consultation."))
            a = s.execute(
                select(Assessment).where(Assessment.visit_id == v.id).order_by(Assessment.id.desc()).limit(1)
            ).scalar_one_or_none()
            if a is None:
                a = Assessment(visit_id=v.id, created_by_id=actor.staff_id, created_at=now)
                s.add(a)
            a.kind = kind
            a.answers = clean
            a.goals = goals.strip()
            a.expectations = expectations.strip()
            a.priority = priority
            a.skin_type = skin_type.strip()
            a.hair_type = hair_type.strip()
            a.allergies = allergies.strip()
            a.contraindications = contraindications.strip()
            if v.client_id is not None:
                client = s.get(Client, v.client_id)
                if client is not None:
                    before = {"allergies": client.allergies, "contraindications": client.contraindications}
                    if allergies.strip():
                        client.allergies = allergies.strip()
                    if contraindications.strip():
                        client.contraindications = contraindications.strip()
                    if skin_type.strip():
                        client.skin_type = skin_type.strip()
                    if hair_type.strip():
                        client.hair_type = hair_type.strip()
                    client.updated_at = now
                    after = {"allergies": client.allergies, "contraindications": client.contraindications}
                    if before != after:
                        audit(s, actor, "update", "client", client.id, before=before, after=after, at=now)
            audit(s, actor, "assess", "visit", v.id, after={"kind": kind, "priority": priority}, at=now)
            self._commit(s)

    def set_plan(self, actor: Actor, visit_id: int, items: Sequence[PlanItemIn]) -> Estimate:
        """Replace the visit's plan. Prices come from the catalog. A changed plan needs a new confirmation."""
        require(self.db.uow, actor, Perm.VISIT_RUN)
        now = self._now()
        errors: dict[str, str] = {}
        for i, it in enumerate(items, start=1):
            if it.kind not in ("service", "product", "fee"):
                errors[f"items.{i}"] = _("Line {n}: unknown kind of line.").format(n=i)
            elif it.quantity < 1 or it.quantity > 99:
                errors[f"items.{i}.quantity"] = _("Line {n}: quantity must be 1 to 99.").format(n=i)
            elif it.kind == "fee" and (
                it.unit_price_minor is None or it.unit_price_minor < 0 or not it.description
            ):
                errors[f"items.{i}"] = _("Line {n}: a fee needs a description and an amount.").format(n=i)
        if errors:
            raise ValidationError(errors)
        with self.db.uow() as uow:
            s = uow.session
            v = self._open_visit(s, visit_id)
            if v.step in (vd.Step.CHECKOUT.value, vd.Step.REBOOKING.value):
                raise ServiceError(_("The service is finished; change the bill at checkout instead."))
            old = s.execute(select(PlanItem).where(PlanItem.visit_id == v.id)).scalars().all()
            for row in old:
                s.delete(row)
            for i, it in enumerate(items, start=1):
                if it.kind == "service":
                    svc = s.get(Service, it.service_id) if it.service_id else None
                    if svc is None or not svc.active:
                        raise ValidationError(
                            {f"items.{i}": _("Line {n}: that service is not on the menu.").format(n=i)}
                        )
                    s.add(
                        PlanItem(
                            visit_id=v.id,
                            kind="service",
                            service_id=svc.id,
                            description=svc.name_en,
                            quantity=it.quantity,
                            unit_price_minor=svc.price_minor,
                            staff_id=it.staff_id or v.staff_id,
                        )
                    )
                elif it.kind == "product":
                    p = s.get(Product, it.product_id) if it.product_id else None
                    if p is None or not p.active or not p.is_retail:
                        raise ValidationError(
                            {f"items.{i}": _("Line {n}: that product is not for sale.").format(n=i)}
                        )
                    s.add(
                        PlanItem(
                            visit_id=v.id,
                            kind="product",
                            product_id=p.id,
                            description=p.name_en,
                            quantity=it.quantity,
                            unit_price_minor=p.price_minor,
                            suggested_only=it.suggested_only,
                            staff_id=it.staff_id,
                        )
                    )
                else:
                    s.add(
                        PlanItem(
                            visit_id=v.id,
                            kind="fee",
                            description=it.description.strip(),
                            quantity=it.quantity,
                            unit_price_minor=int(it.unit_price_minor or 0),
                        )
                    )
            if v.step == vd.Step.NEEDS.value:
                v.estimate_confirmed_at = None
                v.estimate_confirmed_by_id = None
            s.flush()
            est = self._estimate(s, v)
            audit(
                s, actor, "plan", "visit", v.id, after={"lines": len(items), "total": est.total_minor}, at=now
            )
            self._commit(s)
        return est

    def estimate(self, visit_id: int) -> Estimate:
        with self.db.uow(write=False) as uow:
            v = self._visit(uow.session, visit_id)
            return self._estimate(uow.session, v)

    def _estimate(self, s: Session, v: Visit) -> Estimate:
        shop = shop_row(s)
        include = self.settings.get(S.MONEY_PRICES_INCLUDE_TAX)
        svc_rate = self.settings.get(S.MONEY_TAX_RATE_SERVICE_BP)
        prod_rate = self.settings.get(S.MONEY_TAX_RATE_PRODUCT_BP)
        client = s.get(Client, v.client_id) if v.client_id else None
        is_member = client is not None and client.membership_tier == "vip"
        pct = self.settings.vip_rule().discount_percent if is_member else None
        rows = s.execute(
            select(PlanItem, Service, Product)
            .outerjoin(Service, Service.id == PlanItem.service_id)
            .outerjoin(Product, Product.id == PlanItem.product_id)
            .where(PlanItem.visit_id == v.id)
            .order_by(PlanItem.id)
        ).all()
        lines: list[LineIn] = []
        names: list[tuple[str, str]] = []
        suggestions: list[EstimateLine] = []
        duration = 0
        for it, svc, prod in rows:
            if it.kind == "service" and svc is not None:
                rate = svc.tax_rate_bp if svc.tax_rate_bp is not None else svc_rate
                name = (svc.name_zh, svc.name_en)
                duration += svc.duration_min * it.quantity
                ref: int | None = svc.id
            elif it.kind == "product" and prod is not None:
                rate = prod.tax_rate_bp if prod.tax_rate_bp is not None else prod_rate
                name = (prod.name_zh, prod.name_en)
                ref = prod.id
            else:
                rate = svc_rate
                name = (it.description, it.description)
                ref = None
            line = LineIn(
                kind=it.kind if it.kind != "fee" else "service",
                description=name[1],
                quantity=it.quantity,
                unit_price_minor=it.unit_price_minor,
                tax_rate_bp=rate,
                ref_id=ref,
                staff_id=it.staff_id,
                member_price=it.kind != "fee",
            )
            if it.suggested_only:
                one = price_lines([line], prices_include_tax=include, member_percent=pct).lines[0]
                suggestions.append(EstimateLine.of(it.kind, it.id, name, one))
                continue
            lines.append(line)
            names.append(name)
        try:
            bill = price_lines(lines, prices_include_tax=include, member_percent=pct)
        except PricingError as exc:  # catalog prices are never negative; keep the message readable
            raise ServiceError(_("The plan cannot be priced: {why}").format(why=str(exc))) from exc
        plan_ids = [it.id for it, _svc, _p in rows if not it.suggested_only]
        kinds = [it.kind for it, _svc, _p in rows if not it.suggested_only]
        est_lines = tuple(
            EstimateLine.of(kinds[i], plan_ids[i], names[i], p) for i, p in enumerate(bill.lines)
        )
        return Estimate(
            visit_id=v.id,
            currency=shop.currency,
            lines=est_lines,
            suggestions=tuple(suggestions),
            subtotal_minor=bill.subtotal_minor,
            discount_minor=bill.discount_minor,
            member_discount_minor=bill.member_discount_minor,
            tax_minor=bill.tax_minor,
            total_minor=bill.total_minor,
            prices_include_tax=include,
            is_member=is_member,
            member_percent=bill.member_percent,
            duration_min=duration,
            confirmed_minor=v.estimate_minor,
            confirmed_at=v.estimate_confirmed_at,
        )

    def confirm_plan(self, actor: Actor, visit_id: int) -> Estimate:
        """The client confirms the plan and its estimate (time and staff recorded); on to the service."""
        require(self.db.uow, actor, Perm.VISIT_RUN)
        now = self._now()
        with self.db.uow() as uow:
            s = uow.session
            v = self._open_visit(s, visit_id)
            if v.step != vd.Step.NEEDS.value:
                raise ServiceError(_("The plan can be confirmed during the needs assessment only."))
            est = self._estimate(s, v)
            if not any(line.kind == "service" for line in est.lines):
                raise ValidationError(
                    {"plan": _("Add at least one service to the plan before the client confirms.")}
                )
            v.estimate_minor = est.total_minor
            v.estimate_confirmed_at = now
            v.estimate_confirmed_by_id = actor.staff_id
            self._move(s, v, "advance", actor, now)
            audit(
                s, actor, "confirm_estimate", "visit", v.id, after={"estimate_minor": est.total_minor}, at=now
            )
            self._commit(s)
        return self.estimate(visit_id)

    # ------------------------------------------------------------------ service
    def assign(
        self, actor: Actor, visit_id: int, staff_id: int | None, resource_id: int | None = None
    ) -> None:
        require(self.db.uow, actor, Perm.VISIT_RUN)
        now = self._now()
        with self.db.uow() as uow:
            s = uow.session
            v = self._open_visit(s, visit_id)
            errors: dict[str, str] = {}
            if staff_id is not None:
                st = s.get(Staff, staff_id)
                if st is None or not st.active:
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
            self._commit(s)

    def start_service(self, actor: Actor, visit_id: int) -> None:
        require(self.db.uow, actor, Perm.SERVICE_LOG)
        now = self._now()
        with self.db.uow() as uow:
            s = uow.session
            v = self._open_visit(s, visit_id)
            if v.step != vd.Step.SERVICE.value:
                raise ServiceError(_("Confirm the plan with the client before starting the service."))
            if v.service_started_at is not None:
                raise ServiceError(_("The service has already started."))
            if v.staff_id is None:
                v.staff_id = actor.staff_id
            v.service_started_at = now
            v.status = vd.VisitStatus.IN_SERVICE.value
            if v.appointment_id:
                appt = s.get(Appointment, v.appointment_id)
                if appt is not None and appt.status in (*UPCOMING, AppointmentStatus.ARRIVED):
                    appt.status = AppointmentStatus.IN_SERVICE
            audit(s, actor, "start_service", "visit", v.id, at=now)
            self._commit(s)

    def log_service(
        self,
        actor: Actor,
        visit_id: int,
        service_id: int,
        staff_id: int | None = None,
        notes: str = "",
        problem: str = "",
    ) -> int:
        """Record a service actually done (it may differ from the plan)."""
        require(self.db.uow, actor, Perm.SERVICE_LOG)
        now = self._now()
        with self.db.uow() as uow:
            s = uow.session
            v = self._open_visit(s, visit_id)
            if v.step != vd.Step.SERVICE.value:
                raise ServiceError(_("Services are logged during the service step."))
            svc = s.get(Service, service_id)
            if svc is None:
                raise ValidationError({"service_id": _("Choose a service from the menu.")})
            if v.service_started_at is None:
                v.service_started_at = now
                v.status = vd.VisitStatus.IN_SERVICE.value
            log = ServiceLog(
                visit_id=v.id,
                service_id=svc.id,
                staff_id=staff_id or v.staff_id or actor.staff_id,
                resource_id=v.resource_id,
                started_at=v.service_started_at,
                ended_at=now,
                price_minor=svc.price_minor,
                notes=notes.strip(),
                problem=problem.strip(),
                created_at=now,
            )
            s.add(log)
            if problem.strip():
                v.problem = (v.problem + "\n" if v.problem else "") + problem.strip()
            s.flush()
            lid = log.id
            audit(s, actor, "log_service", "visit", v.id, after={"service_id": svc.id}, at=now)
            self._commit(s)
        return lid

    def save_notes(self, actor: Actor, visit_id: int, notes: str, problem: str | None = None) -> None:
        require(self.db.uow, actor, Perm.SERVICE_LOG)
        with self.db.uow() as uow:
            s = uow.session
            v = self._open_visit(s, visit_id)
            v.notes = notes.strip()
            if problem is not None:
                v.problem = problem.strip()
            self._commit(s)

    def end_service(self, actor: Actor, visit_id: int) -> None:
        """The service is done: end time recorded, on to checkout. Unlogged plan services count as done."""
        require(self.db.uow, actor, Perm.SERVICE_LOG)
        now = self._now()
        with self.db.uow() as uow:
            s = uow.session
            v = self._open_visit(s, visit_id)
            if v.step != vd.Step.SERVICE.value:
                raise ServiceError(_("The service step is not open for this visit."))
            if v.service_started_at is None:
                raise ServiceError(_("Start the service first."))
            logged = s.scalar(select(func.count()).select_from(ServiceLog).where(ServiceLog.visit_id == v.id))
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
            self._move(s, v, "advance", actor, now)
            audit(s, actor, "end_service", "visit", v.id, at=now)
            self._commit(s)

    def use_product(self, actor: Actor, visit_id: int, product_id: int, qty: int = 1) -> None:
        """A product used on the client (back bar): stock goes down with a 'backbar' movement."""
        require(self.db.uow, actor, Perm.SERVICE_LOG)
        if qty < 1 or qty > 99:
            raise ValidationError({"qty": _("Quantity must be 1 to 99.")})
        now = self._now()
        with self.db.uow() as uow:
            s = uow.session
            v = self._open_visit(s, visit_id)
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
            self._commit(s)

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
        now = self._now()
        with self.db.uow() as uow:
            s = uow.session
            v = self._visit(s, visit_id)
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
            self._commit(s)
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
        now = self._now()
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
            self._commit(s)
        return view

    def formula_history(self, formula_id: int) -> list[FormulaView]:
        now = self._now()
        with self.db.uow(write=False) as uow:
            f = uow.session.get(Formula, formula_id)
            if f is None:
                raise NotFound(_("That formula no longer exists."))
            root = f.root_id or f.id
            return fm.views_for(uow.session, (Formula.id == root) | (Formula.root_id == root), now)

    # ------------------------------------------------------------------ skipping, back, cancel
    def skip(self, actor: Actor, visit_id: int, reason: str) -> None:
        require(self.db.uow, actor, Perm.VISIT_RUN)
        now = self._now()
        if not reason.strip():
            raise ValidationError({"reason": _("Say why the step is skipped.")})
        with self.db.uow() as uow:
            s = uow.session
            v = self._open_visit(s, visit_id)
            step = v.step
            self._move(s, v, "skip", actor, now, reason=reason.strip())
            audit(s, actor, "skip", "visit", v.id, detail=f"{step}: {reason.strip()}", at=now)
            self._commit(s)

    def back(self, actor: Actor, visit_id: int) -> None:
        """Go back one step before payment (e.g. to change the plan); the client confirms again."""
        require(self.db.uow, actor, Perm.VISIT_RUN)
        now = self._now()
        with self.db.uow() as uow:
            s = uow.session
            v = self._open_visit(s, visit_id)
            self._move(s, v, "back", actor, now)
            if v.step == vd.Step.NEEDS.value:
                v.estimate_confirmed_at = None
                v.estimate_confirmed_by_id = None
            if v.step == vd.Step.SERVICE.value:
                v.service_ended_at = None
                v.status = (
                    vd.VisitStatus.IN_SERVICE.value if v.service_started_at else vd.VisitStatus.WAITING.value
                )
            audit(s, actor, "back", "visit", v.id, after={"step": v.step}, at=now)
            self._commit(s)

    def cancel(self, actor: Actor, visit_id: int, reason: str) -> None:
        require(self.db.uow, actor, Perm.VISIT_RUN)
        now = self._now()
        if not reason.strip():
            raise ValidationError({"reason": _("Say why the visit is cancelled.")})
        with self.db.uow() as uow:
            s = uow.session
            v = self._open_visit(s, visit_id)
            self._move(s, v, "cancel", actor, now, reason=reason.strip())
            if v.appointment_id:
                appt = s.get(Appointment, v.appointment_id)
                if appt is not None and appt.status not in (AppointmentStatus.DONE, AppointmentStatus.NO_SHOW):
                    appt.status = AppointmentStatus.CANCELLED
                    appt.cancel_reason = reason.strip()
                    appt.cancelled_at = now
            audit(s, actor, "cancel", "visit", v.id, detail=reason.strip(), at=now)
            self._commit(s)

    # ------------------------------------------------------------------ catalog reads for the forms
    def menu(self) -> list[MenuService]:
        """The active service menu (for the new client's introduction and the plan builder)."""
        with self.db.uow(write=False) as uow:
            rows = uow.session.execute(
                select(Service, ServiceCategory)
                .join(ServiceCategory, ServiceCategory.id == Service.category_id)
                .where(Service.active.is_(True), ServiceCategory.active.is_(True))
                .order_by(ServiceCategory.sort, Service.sort, Service.id)
            ).all()
            return [
                MenuService(
                    id=svc.id,
                    name_zh=svc.name_zh,
                    name_en=svc.name_en,
                    category_zh=cat.name_zh,
                    category_en=cat.name_en,
                    consultation_kind=cat.consultation_kind,
                    price_minor=svc.price_minor,
                    duration_min=svc.duration_min,
                    care_advice_zh=svc.care_advice_zh,
                    care_advice_en=svc.care_advice_en,
                )
                for svc, cat in rows
            ]

    def products(self, *, retail: bool | None = None, backbar: bool | None = None) -> list[ProductChoice]:
        with self.db.uow(write=False) as uow:
            q = select(Product).where(Product.active.is_(True)).order_by(Product.id)
            if retail is not None:
                q = q.where(Product.is_retail.is_(retail))
            if backbar is not None:
                q = q.where(Product.is_backbar.is_(backbar))
            return [
                ProductChoice(
                    p.id,
                    p.name_zh,
                    p.name_en,
                    p.price_minor,
                    p.stock_qty,
                    p.unit,
                    p.is_retail,
                    p.is_backbar,
                    p.usage_advice_zh,
                    p.usage_advice_en,
                )
                for p in uow.session.execute(q).scalars()
            ]

    def staff_choices(self, branch_id: int | None = None) -> list[StaffChoice]:
        with self.db.uow(write=False) as uow:
            q = select(Staff).where(Staff.active.is_(True), Staff.role.in_(("stylist", "owner")))
            if branch_id is not None:
                q = q.where(Staff.branch_id == branch_id)
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

    # ------------------------------------------------------------------ views
    def get(self, visit_id: int, actor: Actor | None = None) -> VisitView:
        """The whole visit. With ``actor``, the phone is masked for staff who may not see it."""
        from desk_app.visits.queries import visit_view

        now = self._now()
        with self.db.uow(write=False) as uow:
            v = self._visit(uow.session, visit_id)
            est = self._estimate(uow.session, v)
            show_phone = actor is None or actor.can(Perm.SEE_PHONE)
            return visit_view(uow.session, v, est, now, self.settings.standards(), show_phone)

    def list_today(self, now: datetime | None = None, branch_id: int | None = None) -> TodayView:
        from desk_app.visits.queries import today_view

        now = now or self._now()
        with self.db.uow(write=False) as uow:
            tz = shop_tz(uow.session)
            local_day = now.astimezone(tz).date()
            start = datetime.combine(local_day, datetime.min.time(), tz)
            return today_view(
                uow.session, now, start, start + timedelta(days=1), self.settings.standards(), branch_id
            )

    def my_visits(self, actor: Actor) -> list[MyVisit]:
        from desk_app.visits.queries import my_visits

        require(self.db.uow, actor, Perm.SERVICE_LOG)
        now = self._now()
        with self.db.uow(write=False) as uow:
            return my_visits(
                uow.session, actor.staff_id, now, self.settings.standards(), actor.can(Perm.SEE_PHONE)
            )

    def open_visit_for_client(self, client_id: int) -> int | None:
        """The client's visit still in progress, if any (avoid opening a second one)."""
        with self.db.uow(write=False) as uow:
            vid = uow.session.execute(
                select(Visit.id)
                .where(Visit.client_id == client_id, Visit.step.in_(OPEN_STEPS[:3]))
                .order_by(Visit.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            return int(vid) if vid is not None else None
