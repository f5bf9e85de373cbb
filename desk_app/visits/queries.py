"""Read-side queries of the visit service: one visit in full, the day at a glance, a stylist's list.

Each runs inside the caller's read unit of work and returns ``visit_views`` dataclasses.
The Today list is polled every few seconds, so it uses a handful of set queries
(no per-row lookups).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.clients import formulas as fm
from desk_app.clients.phones import display_phone
from desk_app.core.service import shop_row
from desk_app.db.models import (
    Appointment,
    AppointmentService,
    Assessment,
    Branch,
    Client,
    Formula,
    PlanItem,
    Product,
    ProductUsage,
    Resource,
    Sale,
    Service,
    ServiceCategory,
    ServiceLog,
    Staff,
    Visit,
    VisitEvent,
)
from desk_app.domain import standards as std
from desk_app.domain.appointment import INACTIVE, AppointmentStatus
from desk_app.domain.permissions import mask_phone
from desk_app.domain.visit import GUIDED_STEPS
from desk_app.i18n import _
from desk_app.visits.views import (
    AssessmentView,
    CareAdvice,
    ClientSummary,
    Estimate,
    HistoryEntry,
    MyVisit,
    OpenVisitRow,
    PlanItemView,
    ProductUsedView,
    ServiceLogView,
    TodayAppointment,
    TodayView,
    VisitEventView,
    VisitView,
)

HISTORY_LIMIT = 10


def _staff_names(s: Session, ids: set[int | None]) -> dict[int, str]:
    want = {i for i in ids if i is not None}
    if not want:
        return {}
    return {i: n for i, n in s.execute(select(Staff.id, Staff.name).where(Staff.id.in_(want))).all()}


def checks_for(v: Visit, now: datetime, standards: std.Standards) -> tuple[std.Check, ...]:
    """The time standards of docs/product.md §5 that apply to a visit so far."""
    out = [
        std.greet_check(standards, v.arrived_at, v.greeted_at, now),
        std.reception_check(
            standards, v.arrived_at, v.assessed_at, now, std.returning(v.client_id, bool(v.is_new_client))
        ),
        std.service_start_check(standards, v.booked_start_at, v.arrived_at, v.service_started_at, now),
    ]
    if "greeting" in (v.skipped_steps or {}):
        out[0] = std.Check("greet", None, None, standards.greet_within, False)
    if "needs" in (v.skipped_steps or {}):
        out[1] = std.Check(
            "reception", None, None, std.reception_limit(standards, std.returning(v.client_id, bool(v.is_new_client))), False
        )
    if v.step in ("checkout", "rebooking", "done") and v.service_started_at is None:
        out[2] = std.Check("service_start", None, None, standards.service_start_within, False)
    return tuple(out)


def client_summary(
    s: Session, client_id: int, now: datetime, exclude_visit_id: int | None = None, show_phone: bool = True
) -> ClientSummary | None:
    c = s.get(Client, client_id)
    if c is None:
        return None
    q = (
        select(Visit)
        .where(Visit.client_id == c.id, Visit.step != "cancelled")
        .order_by(Visit.arrived_at.desc())
        .limit(HISTORY_LIMIT + 1)
    )
    visits = [v for v in s.execute(q).scalars() if v.id != exclude_visit_id][:HISTORY_LIMIT]
    ids = [v.id for v in visits]
    services: dict[int, list[tuple[str, str]]] = defaultdict(list)
    spend: dict[int, int] = defaultdict(int)
    if ids:
        for vid, zh, en in s.execute(
            select(ServiceLog.visit_id, Service.name_zh, Service.name_en)
            .join(Service, Service.id == ServiceLog.service_id)
            .where(ServiceLog.visit_id.in_(ids))
            .order_by(ServiceLog.id)
        ).all():
            services[vid].append((zh, en))
        for svid, total in s.execute(
            select(Sale.visit_id, func.sum(Sale.total_minor))
            .where(Sale.visit_id.in_(ids))
            .group_by(Sale.visit_id)
        ).all():
            spend[svid or 0] = int(total or 0)
    names = _staff_names(s, {v.staff_id for v in visits} | {c.favourite_staff_id})
    history = tuple(
        HistoryEntry(
            visit_id=v.id,
            arrived_at=v.arrived_at,
            services=tuple(services.get(v.id, ())),
            staff_name=names.get(v.staff_id or 0, ""),
            spend_minor=spend.get(v.id, 0),
            satisfaction=v.satisfaction,
            notes=v.notes,
        )
        for v in visits
    )
    last = s.execute(
        select(Formula, Staff.name)
        .outerjoin(Staff, Staff.id == Formula.author_id)
        .where(Formula.client_id == c.id, Formula.superseded_by_id.is_(None))
        .order_by(Formula.created_at.desc(), Formula.id.desc())
        .limit(1)
    ).first()
    prefs = tuple(str(p.get("text", p)) if isinstance(p, dict) else str(p) for p in (c.preferences or []))
    return ClientSummary(
        id=c.id,
        client_number=c.client_number,
        name=c.name,
        phone=display_phone(c.phone, shop_row(s).region or "CN") if show_phone else mask_phone(c.phone),
        allergies=c.allergies or "",
        contraindications=c.contraindications or "",
        skin_type=c.skin_type,
        hair_type=c.hair_type,
        preferences=prefs,
        membership_tier=c.membership_tier,
        visit_count=c.visit_count,
        first_visit_at=c.first_visit_at,
        last_visit_at=c.last_visit_at,
        notes=c.notes,
        favourite_staff_name=names.get(c.favourite_staff_id or 0, ""),
        history=history,
        last_formula=fm.formula_view(last[0], now, last[1] or "") if last else None,
    )


def plan_views(s: Session, visit_id: int) -> tuple[PlanItemView, ...]:
    rows = s.execute(
        select(PlanItem, Service.name_zh, Service.name_en, Product.name_zh, Product.name_en)
        .outerjoin(Service, Service.id == PlanItem.service_id)
        .outerjoin(Product, Product.id == PlanItem.product_id)
        .where(PlanItem.visit_id == visit_id)
        .order_by(PlanItem.id)
    ).all()
    return tuple(
        PlanItemView(
            id=it.id,
            kind=it.kind,
            service_id=it.service_id,
            product_id=it.product_id,
            name_zh=szh or pzh or it.description,
            name_en=sen or pen or it.description,
            quantity=it.quantity,
            unit_price_minor=it.unit_price_minor,
            suggested_only=it.suggested_only,
            staff_id=it.staff_id,
        )
        for it, szh, sen, pzh, pen in rows
    )


def _consultation_kind(s: Session, v: Visit) -> str:
    kind = s.execute(
        select(ServiceCategory.consultation_kind)
        .join(Service, Service.category_id == ServiceCategory.id)
        .join(PlanItem, PlanItem.service_id == Service.id)
        .where(PlanItem.visit_id == v.id)
        .order_by(PlanItem.id)
        .limit(1)
    ).scalar_one_or_none()
    return kind or "generic"


def visit_view(
    s: Session, v: Visit, est: Estimate, now: datetime, standards: std.Standards, show_phone: bool = True
) -> VisitView:
    a = s.execute(
        select(Assessment).where(Assessment.visit_id == v.id).order_by(Assessment.id.desc()).limit(1)
    ).scalar_one_or_none()
    logs = s.execute(
        select(ServiceLog, Service)
        .join(Service, Service.id == ServiceLog.service_id)
        .where(ServiceLog.visit_id == v.id)
        .order_by(ServiceLog.id)
    ).all()
    used = s.execute(
        select(ProductUsage, Product)
        .join(Product, Product.id == ProductUsage.product_id)
        .where(ProductUsage.visit_id == v.id)
        .order_by(ProductUsage.id)
    ).all()
    events = (
        s.execute(select(VisitEvent).where(VisitEvent.visit_id == v.id).order_by(VisitEvent.id))
        .scalars()
        .all()
    )
    nxt = s.get(Appointment, v.next_appointment_id) if v.next_appointment_id else None
    names = _staff_names(
        s,
        {
            v.staff_id,
            v.estimate_confirmed_by_id,
            a.created_by_id if a else None,
            nxt.staff_id if nxt else None,
        }
        | {lg.staff_id for lg, _svc in logs}
        | {u.staff_id for u, _p in used}
        | {e.staff_id for e in events},
    )
    plan = plan_views(s, v.id)
    # care advice: services done, or planned while nothing is logged yet
    advice_ids: list[int] = [lg.service_id for lg, _svc in logs] or [
        p.service_id for p in plan if p.service_id
    ]
    advice: list[CareAdvice] = []
    seen: set[int] = set()
    if advice_ids:
        svcs = {x.id: x for x in s.execute(select(Service).where(Service.id.in_(advice_ids))).scalars()}
        for sid in advice_ids:
            if sid in seen or sid not in svcs:
                continue
            seen.add(sid)
            x = svcs[sid]
            advice.append(CareAdvice(x.id, x.name_zh, x.name_en, x.care_advice_zh, x.care_advice_en))
    resource_name = ""
    if v.resource_id:
        r = s.get(Resource, v.resource_id)
        resource_name = r.name if r else ""
    client = (
        client_summary(s, v.client_id, now, exclude_visit_id=v.id, show_phone=show_phone)
        if v.client_id
        else None
    )
    return VisitView(
        id=v.id,
        kind=v.kind,
        step=v.step,
        status=v.status,
        client=client,
        appointment_id=v.appointment_id,
        booked_start_at=v.booked_start_at,
        arrived_at=v.arrived_at,
        greeted_at=v.greeted_at,
        assessed_at=v.assessed_at,
        service_started_at=v.service_started_at,
        service_ended_at=v.service_ended_at,
        paid_at=v.paid_at,
        rebooked_at=v.rebooked_at,
        left_at=v.left_at,
        staff_id=v.staff_id,
        staff_name=names.get(v.staff_id or 0, ""),
        resource_id=v.resource_id,
        resource_name=resource_name,
        is_new_client=v.is_new_client,
        consultation_kind=a.kind if a else _consultation_kind(s, v),
        assessment=AssessmentView(
            kind=a.kind,
            answers=dict(a.answers or {}),
            goals=a.goals,
            expectations=a.expectations,
            priority=a.priority,
            skin_type=a.skin_type,
            hair_type=a.hair_type,
            allergies=a.allergies,
            contraindications=a.contraindications,
            created_at=a.created_at,
            by_name=names.get(a.created_by_id or 0, ""),
        )
        if a
        else None,
        plan=plan,
        estimate=est,
        estimate_confirmed_by_name=names.get(v.estimate_confirmed_by_id or 0, ""),
        service_logs=tuple(
            ServiceLogView(
                lg.id,
                svc.id,
                svc.name_zh,
                svc.name_en,
                names.get(lg.staff_id or 0, ""),
                lg.started_at,
                lg.ended_at,
                lg.price_minor,
                lg.notes,
                lg.problem,
            )
            for lg, svc in logs
        ),
        products_used=tuple(
            ProductUsedView(
                p.id, p.name_zh, p.name_en, u.quantity, p.unit, u.at, names.get(u.staff_id or 0, "")
            )
            for u, p in used
        ),
        formulas=tuple(fm.views_for(s, Formula.visit_id == v.id, now)),
        care_advice=tuple(advice),
        skipped_steps=dict(v.skipped_steps or {}),
        notes=v.notes,
        problem=v.problem,
        checks=checks_for(v, now, standards),
        events=tuple(
            VisitEventView(e.at, e.from_step, e.to_step, e.action, e.reason, names.get(e.staff_id or 0, ""))
            for e in events
        ),
        next_appointment_at=nxt.start_at if nxt is not None else None,
        next_appointment_staff=names.get(nxt.staff_id or 0, "") if nxt is not None else "",
    )


def _rows(s: Session, visits: list[Visit], now: datetime, standards: std.Standards) -> list[OpenVisitRow]:
    client_ids = {v.client_id for v in visits if v.client_id}
    clients: dict[int, tuple[str, str, str]] = {}
    if client_ids:
        clients = {
            cid: (name, alg or "", contra or "")
            for cid, name, alg, contra in s.execute(
                select(Client.id, Client.name, Client.allergies, Client.contraindications).where(
                    Client.id.in_(client_ids)
                )
            ).all()
        }
    names = _staff_names(s, {v.staff_id for v in visits})
    out: list[OpenVisitRow] = []
    for v in visits:
        checks = checks_for(v, now, standards)
        name, alg, contra = clients.get(v.client_id or 0, (_("Walk-in client"), "", ""))
        status = v.status
        if status == "waiting" and checks[2].overdue:
            status = "delayed"
        alert = " · ".join(x for x in (alg.strip(), contra.strip()) if x)
        out.append(
            OpenVisitRow(
                visit_id=v.id,
                kind=v.kind,
                client_id=v.client_id,
                client_name=name,
                step=v.step,
                status=status,
                staff_id=v.staff_id,
                staff_name=names.get(v.staff_id or 0, ""),
                arrived_at=v.arrived_at,
                booked_start_at=v.booked_start_at,
                waited=max(timedelta(0), (v.service_started_at or now) - v.arrived_at),
                checks=checks,
                has_alert=bool(alert),
                alert_text=alert,
            )
        )
    return out


def today_view(
    s: Session, now: datetime, start: datetime, end: datetime, standards: std.Standards, branch_id: int | None
) -> TodayView:
    aq = select(Appointment).where(Appointment.start_at >= start, Appointment.start_at < end)
    vq = select(Visit).where(Visit.step.in_(GUIDED_STEPS))
    if branch_id is not None:
        aq = aq.where(Appointment.branch_id == branch_id)
        vq = vq.where(Visit.branch_id == branch_id)
    appts = list(s.execute(aq.order_by(Appointment.start_at, Appointment.id)).scalars())
    open_visits = list(s.execute(vq.order_by(Visit.arrived_at, Visit.id)).scalars())
    appt_ids = [a.id for a in appts]
    svc_names: dict[int, list[tuple[str, str]]] = defaultdict(list)
    visit_by_appt: dict[int, Visit] = {}
    if appt_ids:
        for aid, zh, en in s.execute(
            select(AppointmentService.appointment_id, Service.name_zh, Service.name_en)
            .join(Service, Service.id == AppointmentService.service_id)
            .where(AppointmentService.appointment_id.in_(appt_ids))
            .order_by(AppointmentService.id)
        ).all():
            svc_names[aid].append((zh, en))
        for av in s.execute(
            select(Visit).where(Visit.appointment_id.in_(appt_ids)).order_by(Visit.id)
        ).scalars():
            if av.appointment_id is not None:
                visit_by_appt[av.appointment_id] = av
    client_ids = {a.client_id for a in appts if a.client_id}
    clients: dict[int, tuple[str, bool]] = {}
    if client_ids:
        clients = {
            cid: (name, bool((alg or "").strip() or (contra or "").strip()))
            for cid, name, alg, contra in s.execute(
                select(Client.id, Client.name, Client.allergies, Client.contraindications).where(
                    Client.id.in_(client_ids)
                )
            ).all()
        }
    names = _staff_names(s, {a.staff_id for a in appts})
    appointments: list[TodayAppointment] = []
    for a in appts:
        v = visit_by_appt.get(a.id)
        status = AppointmentStatus(a.status)  # "confirmed" stays Confirmed, as in the calendar
        if v is not None and status not in INACTIVE:
            if v.step in ("checkout", "rebooking", "done"):
                status = AppointmentStatus.DONE
            elif v.service_started_at is not None:
                status = AppointmentStatus.IN_SERVICE
            elif v.step == "cancelled":
                status = AppointmentStatus.CANCELLED
            else:
                status = AppointmentStatus.ARRIVED
        cname, alert = clients.get(a.client_id or 0, (_("No client"), False))
        appointments.append(
            TodayAppointment(
                id=a.id,
                start_at=a.start_at,
                end_at=a.end_at,
                client_id=a.client_id,
                client_name=cname,
                staff_id=a.staff_id,
                staff_name=names.get(a.staff_id, ""),
                services=tuple(svc_names.get(a.id, ())),
                status=status,
                visit_id=v.id if v else None,
                visit_step=v.step if v else None,
                has_alert=alert,
            )
        )
    rows = _rows(s, open_visits, now, standards)
    if branch_id is None:  # every branch: each row says which one, when the shop has several
        codes: dict[int, str] = {bid: code for bid, code in s.execute(select(Branch.id, Branch.code)).all()}
        if len(codes) > 1:
            appointments = [replace(a, branch_code=codes.get(b, "")) for a, b in
                            zip(appointments, (x.branch_id for x in appts), strict=True)]
            visit_branch = {v.id: v.branch_id for v in open_visits}
            rows = [replace(r, branch_code=codes.get(visit_branch.get(r.visit_id, 0), "")) for r in rows]
    walk_ins = tuple(
        r
        for r in rows
        if r.kind == "walk_in" and r.step in ("greeting", "needs", "service") and r.status != "in_service"
    )
    dq = (
        select(func.count())
        .select_from(Visit)
        .where(Visit.step == "done", Visit.arrived_at >= start, Visit.arrived_at < end)
    )
    if branch_id is not None:
        dq = dq.where(Visit.branch_id == branch_id)
    return TodayView(
        now=now,
        appointments=tuple(appointments),
        walk_ins=walk_ins,
        in_progress=tuple(rows),
        done_today=int(s.scalar(dq) or 0),
    )


def my_visits(
    s: Session, staff_id: int, now: datetime, standards: std.Standards, show_phone: bool = False
) -> list[MyVisit]:
    visits = list(
        s.execute(
            select(Visit)
            .where(Visit.staff_id == staff_id, Visit.step.in_(("greeting", "needs", "service")))
            .order_by(Visit.arrived_at, Visit.id)
        ).scalars()
    )
    rows = _rows(s, visits, now, standards)
    out: list[MyVisit] = []
    for v, row in zip(visits, rows, strict=True):
        goals = s.execute(
            select(Assessment.goals)
            .where(Assessment.visit_id == v.id)
            .order_by(Assessment.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        out.append(
            MyVisit(
                row=row,
                client=(
                    client_summary(s, v.client_id, now, exclude_visit_id=v.id, show_phone=show_phone)
                    if v.client_id
                    else None
                ),
                plan=plan_views(s, v.id),
                assessment_goals=goals or "",
            )
        )
    # in service first, then the longest waiting
    out.sort(key=lambda m: (m.row.status != "in_service", m.row.arrived_at))
    return out
