"""The full client profile as the screens show it: details, consents, prepaid, packages, bookings,
visit history and complaints. Session-level and read-only: the caller's unit of work audits the view.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.clients.phones import display_phone
from desk_app.clients.views import (
    ClientProfile,
    ComplaintRecord,
    ConsentView,
    FormulaView,
    HistoryRecord,
    PackageHolding,
    UpcomingAppointment,
    VisitRecord,
)
from desk_app.core.service import can
from desk_app.db.models import (
    Appointment,
    AppointmentService,
    Client,
    ClientCredit,
    ClientHistory,
    ClientPackage,
    Complaint,
    ConsentRecord,
    Formula,
    Package,
    PrepaidAccount,
    Product,
    ProductUsage,
    Sale,
    SaleLine,
    Service,
    ServiceLog,
    Staff,
    Visit,
)
from desk_app.domain.appointment import UPCOMING
from desk_app.domain.money import Money
from desk_app.domain.permissions import Actor, Perm, mask_phone
from desk_app.i18n import _, pick


def client_profile(  # noqa: C901
    s: Session, c: Client, actor: Actor, region: str, currency: str, now: datetime
) -> ClientProfile:
    """The profile of ``c`` as ``actor`` may see it (phones masked without SEE_PHONE)."""
    see = can(s, actor, Perm.SEE_PHONE)
    staff_names: dict[int, str] = {i: n for i, n in s.execute(select(Staff.id, Staff.name))}

    def sname(sid: int | None) -> str:
        return staff_names.get(sid, "") if sid else ""

    consents = tuple(
        ConsentView(kind=r.kind, granted=r.granted, at=r.at, staff_name=sname(r.staff_id), note=r.note)
        for r in s.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.client_id == c.id)
            .order_by(ConsentRecord.at.desc(), ConsentRecord.id.desc())
        )
    )
    acct = s.scalar(select(PrepaidAccount).where(PrepaidAccount.client_id == c.id))
    packages = tuple(
        PackageHolding(
            id=cp.id,
            name=pick(pk.name_zh, pk.name_en),
            sessions_total=cp.sessions_total,
            sessions_used=cp.sessions_used,
            expires_on=cp.expires_on,
        )
        for cp, pk in s.execute(
            select(ClientPackage, Package)
            .join(Package, Package.id == ClientPackage.package_id)
            .where(ClientPackage.client_id == c.id)
            .order_by(ClientPackage.purchased_at.desc())
        )
    )
    svc_names: dict[int, str] = {
        i: pick(zh, en) for i, zh, en in s.execute(select(Service.id, Service.name_zh, Service.name_en))
    }
    appts = list(
        s.scalars(
            select(Appointment)
            .where(
                Appointment.client_id == c.id,
                Appointment.start_at >= now,
                Appointment.status.in_(UPCOMING),
            )
            .order_by(Appointment.start_at)
            .limit(20)
        )
    )
    appt_svcs: dict[int, list[str]] = {}
    if appts:
        for aid, sid in s.execute(
            select(AppointmentService.appointment_id, AppointmentService.service_id).where(
                AppointmentService.appointment_id.in_([a.id for a in appts])
            )
        ):
            appt_svcs.setdefault(aid, []).append(svc_names.get(sid, ""))
    upcoming = tuple(
        UpcomingAppointment(
            id=a.id,
            start_at=a.start_at,
            end_at=a.end_at,
            staff_name=sname(a.staff_id),
            services=tuple(appt_svcs.get(a.id, [])),
            status=a.status,
        )
        for a in appts
    )
    visits = tuple(_visit_history(s, c.id, currency, svc_names, sname))
    complaints = tuple(
        ComplaintRecord(
            id=k.id,
            opened_at=k.opened_at,
            category=k.category,
            severity=k.severity,
            status=k.status,
            description=k.description,
            resolution=k.resolution,
        )
        for k in s.scalars(
            select(Complaint)
            .where(Complaint.client_id == c.id)
            .order_by(Complaint.opened_at.desc())
            .limit(50)
        )
    )
    phone = c.phone or ""
    return ClientProfile(
        id=c.id,
        version=c.version,
        client_number=c.client_number,
        name=c.name,
        phone=phone if see else mask_phone(phone),
        phone_display=display_phone(phone, region) if see else mask_phone(phone),
        can_see_phone=see,
        email=c.email,
        preferred_channel=c.preferred_channel,
        wechat_id=c.wechat_id,
        birthday=c.birthday,
        gender=c.gender,
        skin_type=c.skin_type,
        hair_type=c.hair_type,
        allergies=c.allergies,
        contraindications=c.contraindications,
        preferences=tuple(str(p) for p in (c.preferences or [])),
        favourite_staff_id=c.favourite_staff_id,
        favourite_staff_name=sname(c.favourite_staff_id),
        language=c.language,
        marketing_consent=c.marketing_consent,
        marketing_consent_at=c.marketing_consent_at,
        privacy_consent=c.privacy_consent,
        privacy_consent_at=c.privacy_consent_at,
        sms_consent=c.sms_consent,
        sms_consent_at=c.sms_consent_at,
        email_consent=c.email_consent,
        email_consent_at=c.email_consent_at,
        consents=consents,
        notes=c.notes,
        first_visit_at=c.first_visit_at,
        last_visit_at=c.last_visit_at,
        registered_by_name=sname(c.registered_by_id),
        registered_at=c.created_at,
        membership_tier=c.membership_tier,
        member_since=c.member_since,
        total_spend=Money.from_minor(c.total_spend_minor, currency).amount,
        visit_count=c.visit_count,
        no_show_count=c.no_show_count,
        currency=currency,
        prepaid_balance=Money.from_minor(acct.balance_minor if acct else 0, currency).amount,
        prepaid_expires_on=acct.expires_on if acct else None,
        packages=packages,
        upcoming=upcoming,
        visits=visits,
        complaints=complaints,
        erased=c.erased_at is not None,
        merged_into_id=c.merged_into_id,
        merged_into_number=(s.scalar(select(Client.client_number).where(Client.id == c.merged_into_id))
                            if c.merged_into_id is not None else "") or "",
        history=tuple(
            HistoryRecord(
                at=h.at,
                description=h.description,
                staff_name=h.staff_name,
                amount=None if h.amount_minor is None else Money.from_minor(h.amount_minor, currency).amount,
                source=h.source,
            )
            for h in s.scalars(
                select(ClientHistory).where(ClientHistory.client_id == c.id).order_by(ClientHistory.at.desc())
            )
        ),
        owed=Money.from_minor(
            s.scalar(
                select(func.coalesce(func.sum(ClientCredit.amount_minor), 0)).where(
                    ClientCredit.client_id == c.id, ClientCredit.used_sale_id.is_(None)
                )
            )
            or 0,
            currency,
        ).amount,
    )


def _visit_history(
    s: Session,
    client_id: int,
    currency: str,
    svc_names: dict[int, str],
    sname: Callable[[int | None], str],
    limit: int = 100,
) -> list[VisitRecord]:
    vs = list(
        s.scalars(
            select(Visit).where(Visit.client_id == client_id).order_by(Visit.arrived_at.desc()).limit(limit)
        )
    )
    if not vs:
        return []
    ids = [v.id for v in vs]
    done: dict[int, list[str]] = {}
    for vid, sid in s.execute(
        select(ServiceLog.visit_id, ServiceLog.service_id)
        .where(ServiceLog.visit_id.in_(ids))
        .order_by(ServiceLog.id)
    ):
        done.setdefault(vid, []).append(svc_names.get(sid, ""))
    products: dict[int, list[str]] = {}
    for vid, zh, en, qty in s.execute(
        select(ProductUsage.visit_id, Product.name_zh, Product.name_en, ProductUsage.quantity)
        .join(Product, Product.id == ProductUsage.product_id)
        .where(ProductUsage.visit_id.in_(ids))
    ):
        products.setdefault(vid, []).append(_("{name} (used) x{n}").format(name=pick(zh, en), n=qty))
    spend: dict[int, int] = {}
    sat: dict[int, int] = {}
    for sale in s.scalars(select(Sale).where(Sale.visit_id.in_(ids))):
        if sale.visit_id is None:
            continue
        spend[sale.visit_id] = spend.get(sale.visit_id, 0) + sale.total_minor
        if sale.satisfaction is not None:
            sat[sale.visit_id] = sale.satisfaction
    logged = set(done)
    for svid, kind, desc, qty, line_sid in s.execute(
        select(Sale.visit_id, SaleLine.kind, SaleLine.description, SaleLine.quantity, SaleLine.service_id)
        .join(Sale, Sale.id == SaleLine.sale_id)
        .where(Sale.visit_id.in_(ids), Sale.kind == "sale", SaleLine.kind.in_(("product", "service")))
    ):
        if svid is None:
            continue
        if kind == "product":
            products.setdefault(svid, []).append(_("{name} (bought) x{n}").format(name=desc, n=qty))
        elif svid not in logged and line_sid is not None:
            done.setdefault(svid, []).append(svc_names.get(line_sid, desc))
    formulas: dict[int, list[FormulaView]] = {}
    for f in s.scalars(select(Formula).where(Formula.visit_id.in_(ids)).order_by(Formula.created_at)):
        if f.visit_id is None:
            continue
        formulas.setdefault(f.visit_id, []).append(
            FormulaView(
                id=f.id,
                version_no=f.version_no,
                components=tuple(dict(x) for x in f.components or []),
                notes=f.notes,
                author_name=sname(f.author_id),
                created_at=f.created_at,
                superseded=f.superseded_by_id is not None,
            )
        )
    return [
        VisitRecord(
            visit_id=v.id,
            arrived_at=v.arrived_at,
            staff_name=sname(v.staff_id),
            step=v.step,
            status=v.status,
            services=tuple(done.get(v.id, [])),
            products=tuple(products.get(v.id, [])),
            formulas=tuple(formulas.get(v.id, [])),
            notes=v.notes,
            problem=v.problem,
            spend=Money.from_minor(spend.get(v.id, 0), currency).amount,
            satisfaction=v.satisfaction if v.satisfaction is not None else sat.get(v.id),
        )
        for v in vs
    ]
