"""The month before, for the comparison: only the figures it compares (``monthly.COMPARED``), each
group in one scan.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import ROUND_HALF_UP
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.sql.elements import ColumnElement

from desk_app.db.models import (
    Appointment,
    Complaint,
    FollowUp,
    PrepaidMovement,
    Sale,
    SaleHour,
    SaleItemHour,
    SaleLine,
    Visit,
)
from desk_app.domain.appointment import AppointmentStatus
from desk_app.domain.money import Money
from desk_app.domain.pricing import STORED_VALUE_KINDS
from desk_app.reports.hours import split
from desk_app.reports.monthly_clients import members_new, new_and_distinct_clients
from desk_app.reports.monthly_reader import ReportReader, as_int, ratio
from desk_app.reports.sqlhelp import Period, period_of

_STORED = tuple(sorted(STORED_VALUE_KINDS))  # stored value sold: not revenue, not a ticket


def compared_figures(rd: ReportReader, month: str, until: datetime | None = None) -> dict[str, Any]:
    """Only the figures the month-over-month comparison needs (COMPARED), each group in one scan; with
    ``until`` only the month's start up to then (the same span as a month still in progress)."""
    c = rd.conn
    full = Period.of(month, rd.tz)
    p = full if until is None or until >= full.end else replace(full, end=max(until, full.start))
    lo, hi = rd.ts(p.start), rd.ts(p.end)
    d: dict[str, Any] = {"month": month, "period": period_of(full, p.end)}
    # sales: revenue by line kind, the tickets and their revenue (stored value sold is not revenue)
    total = services = products = tips = ticket_rev = tickets = 0
    raw, hours = split(rd.tz, p.start, p.end)  # whole hours from the summaries, the rest from the rows
    for lo_, hi_ in raw:
        lk, amount = SaleLine.kind, SaleLine.line_total_minor
        not_topup = lk.not_in(_STORED)
        in_ticket = and_(Sale.kind == "sale", not_topup)

        def part(cond: ColumnElement[bool], amount: Any = amount) -> Any:
            return func.sum(case((cond, amount), else_=0))

        sq = (
            select(
                part(not_topup),
                part(lk == "service"),
                part(lk == "product"),
                part(lk == "tip"),
                part(in_ticket),
                func.count(func.distinct(case((in_ticket, Sale.id), else_=None))),
            )
            .select_from(Sale)
            .join(SaleLine, SaleLine.sale_id == Sale.id)
            .where(Sale.sold_at >= rd.ts(lo_), Sale.sold_at < rd.ts(hi_), rd.branch(Sale.branch_id))
        )
        got = [as_int(v) for v in c.execute(sq).one()]
        total, services, products, tips, ticket_rev, tickets = (
            a + b for a, b in zip((total, services, products, tips, ticket_rev, tickets), got, strict=True)
        )
    if hours is not None:
        h = SaleItemHour
        lk_h, amt_h = h.line_kind, h.total_minor
        in_hours = and_(h.hour >= rd.ts(hours[0]), h.hour < rd.ts(hours[1]), rd.branch(h.branch_id))

        def hpart(cond: ColumnElement[bool]) -> Any:
            return func.sum(case((cond, amt_h), else_=0))

        hq = select(
            hpart(lk_h.not_in(_STORED)),
            hpart(lk_h == "service"),
            hpart(lk_h == "product"),
            hpart(lk_h == "tip"),
            hpart(and_(h.sale_kind == "sale", lk_h.not_in(_STORED))),
        ).where(in_hours)
        got = [as_int(v) for v in c.execute(hq).one()]
        sh = SaleHour
        got.append(as_int(c.execute(select(func.sum(sh.tickets)).where(
            sh.hour >= rd.ts(hours[0]), sh.hour < rd.ts(hours[1]), rd.branch(sh.branch_id), sh.kind == "sale"
        )).scalar()))
        total, services, products, tips, ticket_rev, tickets = (
            a + b for a, b in zip((total, services, products, tips, ticket_rev, tickets), got, strict=True)
        )
    d["revenue"] = {
        "total": rd.m(total),
        "services": rd.m(services),
        "products": rd.m(products),
        "tips": rd.m(tips),
    }
    unit = Money.from_minor(1, rd.currency).amount
    d["average_ticket"] = (
        str((Money.from_minor(ticket_rev, rd.currency).amount / tickets).quantize(unit, ROUND_HALF_UP))
        if tickets
        else None
    )
    # visits, clients, rebooking and the checkout scores
    scored = Visit.satisfaction.between(1, 5)
    done = Visit.step == "done"
    vq = select(
        func.count(),
        func.sum(case((done, 1), else_=0)),
        func.sum(case((and_(done, Visit.next_appointment_id.is_not(None)), 1), else_=0)),
        func.sum(case((scored, Visit.satisfaction), else_=0)),
        func.sum(case((scored, 1), else_=0)),
    ).where(
        Visit.arrived_at >= lo,
        Visit.arrived_at < hi,
        Visit.step != "cancelled",
        rd.branch(Visit.branch_id),
    )
    n, n_done, n_rebooked, sat_sum, sat_n = (as_int(v) for v in c.execute(vq).one())
    new_clients, distinct_clients = new_and_distinct_clients(rd, p.start, p.end)  # the month's own rule
    d["visits"] = n
    d["new_clients"] = new_clients
    d["returning_clients"] = distinct_clients - new_clients
    d["rebooking_rate"] = ratio(n_rebooked, n_done)
    f_scored = FollowUp.satisfaction.between(1, 5)
    fq = select(
        func.sum(case((f_scored, FollowUp.satisfaction), else_=0)), func.sum(case((f_scored, 1), else_=0))
    ).where(FollowUp.completed_at >= lo, FollowUp.completed_at < hi)
    if rd.scope.branch_id is not None:
        fq = fq.join(Visit, Visit.id == FollowUp.visit_id).where(rd.branch(Visit.branch_id))
    f_sum, f_n = (as_int(v) for v in c.execute(fq).one())
    d["satisfaction"] = {
        "checkout": {"average": ratio(sat_sum, sat_n, "0.01")},
        "followup": {"average": ratio(f_sum, f_n, "0.01")},
    }
    d["no_shows"] = as_int(
        c.execute(
            select(func.count()).where(
                Appointment.start_at >= lo,
                Appointment.start_at < hi,
                Appointment.status == AppointmentStatus.NO_SHOW,
                rd.branch(Appointment.branch_id),
            )
        ).scalar()
    )
    d["members_new"] = members_new(rd, p)
    pq = select(func.sum(PrepaidMovement.amount_minor)).where(
        PrepaidMovement.at >= lo, PrepaidMovement.at < hi, PrepaidMovement.kind == "topup"
    )
    if rd.scope.branch_id is not None:
        pq = pq.join(Sale, Sale.id == PrepaidMovement.sale_id).where(rd.branch(Sale.branch_id))
    d["prepaid"] = {"topups": rd.m(as_int(c.execute(pq).scalar()))}
    cq = select(func.count()).where(
        Complaint.opened_at >= lo, Complaint.opened_at < hi, rd.branch(Complaint.branch_id)
    )
    d["complaints"] = {"count": as_int(c.execute(cq).scalar())}
    return d
