"""The monthly report's visits: counts, rebooking, no-shows, satisfaction; then the follow-ups and
the service standards, whose summary comes out of the visits' own scan.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import and_, case, func, select

from desk_app.db.models import (
    Appointment,
    FollowUp,
    Visit,
)
from desk_app.domain.appointment import AppointmentStatus
from desk_app.reports.monthly_reader import Catalog, ReportReader, StaffAcc, as_int, ratio
from desk_app.reports.monthly_staff import STANDARD_ROLES, standard_role
from desk_app.reports.sqlhelp import Period
from desk_app.reports.standards_sql import standards_sql


def visit_figures(rd: ReportReader, p: Period, d: dict[str, Any], staff_acc: StaffAcc) -> dict[str, Any]:
    """Visits, rebooking, satisfaction; returns the standards' summary (computed in the same scan)."""
    c = rd.conn
    # the counts ride along in the visit standards' scan (grouped by day, desk person and stylist)
    live = Visit.step != "cancelled"
    done = Visit.step == "done"
    checkout_score = case((live, Visit.satisfaction), else_=None)
    cols: list[Any] = [
        func.sum(case((live, 1), else_=0)),
        func.sum(case((done, 1), else_=0)),
        func.sum(case((and_(done, Visit.next_appointment_id.is_not(None)), 1), else_=0)),
        func.sum(checkout_score),
        func.count(checkout_score),
        *(func.sum(case((and_(live, Visit.satisfaction == k), 1), else_=0)) for k in range(1, 6)),
    ]
    rows: list[tuple[str, tuple[Any, ...], tuple[Any, ...]]] = []
    summary = standards_sql(
        c, rd.dialect, p, rd.std, rd.now, rd.scope.branch_id, visit_columns=cols, visit_rows=rows
    )
    n_visits = n_done = n_rebooked = 0
    visits_day: dict[str, int] = defaultdict(int)
    # the two kinds of score are asked differently (a tap at the counter, four questions on the phone a few
    # days later) and of different visits: each has its own count and average, never one pooled figure
    dist = {src: {str(k): 0 for k in range(1, 6)} for src in ("checkout", "followup")}
    for dy, (_desk, staff), vals in rows:
        n, dn, rb, ssum, scnt = (as_int(v) for v in vals[:5])
        for k in range(1, 6):
            dist["checkout"][str(k)] += as_int(vals[4 + k])
        n_visits += n
        n_done += dn
        n_rebooked += rb
        if n:
            visits_day[dy] += n
        if staff and n:
            acc = staff_acc[int(staff)]
            acc["visits"] += n
            acc["done"] += dn
            acc["rebooked"] += rb
            acc["sat_sum"] += ssum
            acc["sat_count"] += scnt
    d["visits"] = n_visits
    d["visits_done"] = n_done
    d["rebooked"] = n_rebooked
    d["rebooking_rate"] = ratio(n_rebooked, n_done)
    ns_q = (
        select(Appointment.staff_id, func.count())
        .where(
            Appointment.start_at >= rd.ts(p.start),
            Appointment.start_at < rd.ts(p.end),
            Appointment.status == AppointmentStatus.NO_SHOW,
            rd.branch(Appointment.branch_id),
        )
        .group_by(Appointment.staff_id)
    )
    no_shows = 0
    for staff, n in c.execute(ns_q):
        no_shows += as_int(n)
        if staff is not None:
            staff_acc[int(staff)]["no_shows"] += as_int(n)
    d["no_shows"] = no_shows
    # satisfaction: the checkout score of the month's visits (above) and the follow-up calls completed in it
    fq = (
        select(FollowUp.staff_id, FollowUp.satisfaction, func.count())
        .where(
            FollowUp.completed_at >= rd.ts(p.start),
            FollowUp.completed_at < rd.ts(p.end),
            FollowUp.satisfaction.is_not(None),
        )
        .group_by(FollowUp.staff_id, FollowUp.satisfaction)
    )
    if rd.scope.branch_id is not None:
        fq = fq.join(Visit, Visit.id == FollowUp.visit_id).where(rd.branch(Visit.branch_id))
    for staff, score, n in c.execute(fq):
        if str(score) in dist["followup"]:
            dist["followup"][str(score)] += as_int(n)
            if staff is not None:
                staff_acc[int(staff)]["fu_sat_sum"] += as_int(score) * as_int(n)
                staff_acc[int(staff)]["fu_sat_count"] += as_int(n)
    d["satisfaction"] = {}
    for src, counts in dist.items():
        count = sum(counts.values())
        total = sum(int(k) * v for k, v in counts.items())
        d["satisfaction"][src] = {"average": ratio(total, count, "0.01"), "count": count, "distribution": counts}
    d["visits_by_day"] = [{"date": dy, "visits": visits_day.get(dy, 0)} for dy in p.day_list()]
    return summary


def followup_figures(
    rd: ReportReader,
    catalog: Catalog,
    p: Period,
    d: dict[str, Any],
    staff_acc: StaffAcc,
    summary: dict[str, Any],
) -> None:
    """Follow-ups, feedback and the standards (``summary``: from ``visit_figures``)."""
    c = rd.conn
    reached = FollowUp.status == "done"

    def n_of(cond: Any) -> Any:
        return func.sum(case((cond, 1), else_=0))

    fq = select(
        func.count(),
        n_of(FollowUp.called_at.is_not(None)),
        n_of(reached),
        n_of(and_(FollowUp.completed_at.is_not(None), FollowUp.status != "done")),
    ).where(FollowUp.due_from >= rd.ts(p.start), FollowUp.due_from < rd.ts(p.end))
    if rd.scope.branch_id is not None:
        fq = fq.join(Visit, Visit.id == FollowUp.visit_id).where(rd.branch(Visit.branch_id))
    n, n_called, n_done, n_closed = (as_int(v) for v in c.execute(fq).one())
    # due >= attempted >= done >= done_on_time: a call nobody answered is an attempt, not a follow-up done
    d["followups"] = {
        "due": n,
        "attempted": n_called,
        "done": n_done,
        "done_on_time": 0,
        "not_reached": n_closed,
        "open": 0,
        "on_time_rate": None,
    }
    standards: dict[str, dict[str, Any]] = {}
    by_day: dict[str, list[dict[str, Any]]] = {}
    for key, v in summary.items():
        standards[key] = {"met": int(v["met"]), "total": int(v["total"])}
        days = v.get("by_day", {})
        by_day[key] = [
            {
                "date": dy,
                "met": int(days.get(dy, {}).get("met", 0)),
                "total": int(days.get(dy, {}).get("total", 0)),
            }
            for dy in p.day_list()
        ]
        role = standard_role(key)
        for sid, st in v.get("by_staff", {}).items():
            if int(sid) in catalog.staff:
                acc = staff_acc[int(sid)]
                acc[f"std_{role}_met"] += int(st["met"])
                acc[f"std_{role}_total"] += int(st["total"])
    for v in standards.values():
        v["rate"] = ratio(v["met"], v["total"])
    # by role, each with its own denominator (a desk person's check-ins are not a stylist's services)
    d["standards_by_role"] = {}
    for role in STANDARD_ROLES:
        keys = [k for k in standards if standard_role(k) == role]
        met = sum(standards[k]["met"] for k in keys)
        total = sum(standards[k]["total"] for k in keys)
        d["standards_by_role"][role] = {"keys": keys, "met": met, "total": total, "rate": ratio(met, total)}
    fu = standards["followup_on_time"]  # "follow-ups done on time" is that standard (same windows)
    d["followups"]["done_on_time"] = fu["met"]
    d["followups"]["open"] = n - fu["total"]  # window not over yet and nobody reached: not decided
    d["followups"]["on_time_rate"] = fu["rate"]
    d["standards"] = standards
    d["standards_by_day"] = by_day
