"""The monthly report's clients: new and returning, prepaid and new members, complaints."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select

from desk_app.db.models import (
    Client,
    ClientFirstVisit,
    Complaint,
    Contact,
    ImprovementAction,
    Incident,
    Membership,
    PrepaidMovement,
    Sale,
    SpotCheck,
    Visit,
)
from desk_app.reports.monthly_reader import ReportReader, StaffAcc, as_int
from desk_app.reports.sqlhelp import Period, previous_month, seconds_between


def new_and_distinct_clients(rd: ReportReader, lo: datetime, hi: datetime) -> tuple[int, int]:
    """(new, distinct) clients who came in [lo, hi): *new* is a client whose first visit ever
    (not cancelled, at any branch) falls in the period, however long ago their profile was made;
    the rest are returning (docs/report-json.md). Used for the month and the month before alike.

    The first visits are ``client_first_visits`` (kept by triggers with the visits, migration 0024):
    for the whole shop the new clients are a range of its index; for one branch, the clients who
    came there, each with their first visit."""
    in_period = and_(
        Visit.arrived_at >= rd.ts(lo),
        Visit.arrived_at < rd.ts(hi),
        Visit.step != "cancelled",
        Visit.client_id.is_not(None),
        rd.branch(Visit.branch_id),
    )
    if rd.scope.branch_id is None:
        distinct = select(func.count(func.distinct(Visit.client_id))).where(in_period).scalar_subquery()
        new = (
            select(func.count())
            .select_from(ClientFirstVisit)
            .where(ClientFirstVisit.first_at >= rd.ts(lo), ClientFirstVisit.first_at < rd.ts(hi))
            .scalar_subquery()
        )
        n_distinct, n_new = (as_int(v) for v in rd.conn.execute(select(distinct, new)).one())
        return n_new, n_distinct
    came = select(Visit.client_id.label("cid")).where(in_period).distinct().subquery()
    first = ClientFirstVisit.first_at
    q = (
        select(func.count(), func.sum(case((first >= rd.ts(lo), 1), else_=0)))
        .select_from(came)
        .join(ClientFirstVisit, ClientFirstVisit.client_id == came.c.cid)
    )
    n_distinct, n_new = (as_int(v) for v in rd.conn.execute(q).one())
    return n_new, n_distinct


def new_profiles(rd: ReportReader, lo: datetime, hi: datetime) -> int:
    """Client profiles made in [lo, hi) (at the desk or imported), whether or not they came yet."""
    q = select(func.count()).select_from(Client).where(Client.created_at >= rd.ts(lo), Client.created_at < rd.ts(hi))
    if rd.scope.branch_id is not None:
        q = q.where(Client.branch_id == rd.scope.branch_id)
    return as_int(rd.conn.execute(q).scalar())


def client_figures(rd: ReportReader, p: Period, d: dict[str, Any], _acc: StaffAcc) -> None:
    new, distinct = new_and_distinct_clients(rd, p.start, p.end)
    d["new_clients"] = new
    d["returning_clients"] = distinct - new
    d["new_profiles"] = new_profiles(rd, p.start, p.end)


def prepaid_member_figures(rd: ReportReader, p: Period, d: dict[str, Any], _acc: StaffAcc) -> None:
    """Prepaid and memberships."""
    c = rd.conn
    q = select(PrepaidMovement.kind, func.sum(PrepaidMovement.amount_minor)).where(
        PrepaidMovement.at >= rd.ts(p.start), PrepaidMovement.at < rd.ts(p.end)
    )
    if rd.scope.branch_id is not None:
        q = q.join(Sale, Sale.id == PrepaidMovement.sale_id).where(rd.branch(Sale.branch_id))
    mv = {str(k): as_int(v) for k, v in c.execute(q.group_by(PrepaidMovement.kind))}
    opening = as_int(
        c.execute(
            select(func.sum(PrepaidMovement.amount_minor)).where(PrepaidMovement.at < rd.ts(p.start))
        ).scalar()
    )
    closing = (
        opening + sum(mv.values())
        if rd.scope.branch_id is None
        else as_int(
            c.execute(
                select(func.sum(PrepaidMovement.amount_minor)).where(PrepaidMovement.at < rd.ts(p.end))
            ).scalar()
        )
    )
    d["prepaid"] = {
        "topups": rd.m(mv.get("topup", 0)),
        "bonus": rd.m(mv.get("bonus", 0)),
        "spent": rd.m(-mv.get("spend", 0)),
        "refunds": rd.m(mv.get("refund", 0)),
        "adjustments": rd.m(mv.get("adjust", 0)),
        "deposits_taken": rd.m(-mv.get("forfeit", 0)),  # held for a booking the client did not come to
        "net_change": rd.m(sum(mv.values())),
        "opening_balance": rd.m(opening),
        "closing_balance": rd.m(closing),
    }
    d["members_new"] = members_new(rd, p)


def members_new(rd: ReportReader, p: Period) -> int:
    mq = select(func.count(func.distinct(Membership.client_id))).where(
        Membership.at >= rd.ts(p.start), Membership.at < rd.ts(p.end), Membership.tier == "vip"
    )
    if rd.scope.branch_id is not None:
        mq = mq.join(Client, Client.id == Membership.client_id).where(rd.branch(Client.branch_id))
    return as_int(rd.conn.execute(mq).scalar())


def complaint_figures(rd: ReportReader, p: Period, d: dict[str, Any], staff_acc: StaffAcc) -> None:
    c = rd.conn
    where = (
        Complaint.opened_at >= rd.ts(p.start),
        Complaint.opened_at < rd.ts(p.end),
        rd.branch(Complaint.branch_id),
    )
    first, due = Complaint.first_response_at, Complaint.first_response_due_at
    late = case(
        (and_(first.is_not(None), due.is_not(None), first > due), 1),
        (and_(first.is_(None), due.is_not(None), due < rd.ts(rd.now)), 1),
        else_=0,
    )
    q = (
        select(
            Complaint.category,
            Complaint.staff_involved_id,
            func.count(),
            func.sum(late),
            func.count(first),
        )
        .where(*where)
        .group_by(Complaint.category, Complaint.staff_involved_id)
    )
    by_cat: dict[str, int] = defaultdict(int)
    count = overdue = answered = 0
    for cat, staff, n, n_late, n_answered in c.execute(q):
        count += as_int(n)
        overdue += as_int(n_late)
        answered += as_int(n_answered)
        by_cat[str(cat)] += as_int(n)
        if staff is not None:
            staff_acc[int(staff)]["complaints"] += as_int(n)
    med: Decimal | None = None
    if answered:  # the median response time: only the middle one or two rows leave the database
        mid = (
            select(Complaint.opened_at, first)
            .where(*where, first.is_not(None))
            .order_by(seconds_between(Complaint.opened_at, first, rd.dialect), Complaint.id)
            .offset((answered - 1) // 2)
            .limit(2 - answered % 2)
        )
        hours = [Decimal((f_at - o_at).total_seconds()) / 3600 for o_at, f_at in c.execute(mid) if f_at]
        med = statistics.median(hours)
    res, rdue, now = Complaint.resolved_at, Complaint.resolve_due_at, rd.ts(rd.now)
    sq = (
        select(
            Complaint.severity,
            func.count(),
            func.count(res),
            func.sum(case((and_(res.is_not(None), rdue.is_not(None), res <= rdue), 1), else_=0)),
            func.sum(
                case(
                    (and_(res.is_not(None), rdue.is_not(None), res > rdue), 1),
                    (and_(res.is_(None), Complaint.status.in_(("open", "responded")), rdue < now), 1),
                    else_=0,
                )
            ),
            func.count(Complaint.callback_at),
            func.sum(case((Complaint.callback_result == "satisfied", 1), else_=0)),
            func.sum(
                case(
                    (
                        and_(Complaint.status == "resolved", Complaint.callback_at.is_(None), Complaint.callback_due_at <= now),
                        1,
                    ),
                    else_=0,
                )
            ),
            func.sum(case((Complaint.reopened_count > 0, 1), else_=0)),
            func.count(Complaint.replacement_staff_id),
        )
        .where(*where)
        .group_by(Complaint.severity)
    )
    by_sev: dict[str, int] = {}
    resolved = on_time = resolve_late = called = satisfied = waiting = reopened = replaced = 0
    for sev, n, n_res, n_on_time, n_late, n_called, n_sat, n_wait, n_reopened, n_replaced in c.execute(sq):
        replaced += as_int(n_replaced)
        by_sev[str(sev)] = as_int(n)
        resolved += as_int(n_res)
        on_time += as_int(n_on_time)
        resolve_late += as_int(n_late)
        called += as_int(n_called)
        satisfied += as_int(n_sat)
        waiting += as_int(n_wait)
        reopened += as_int(n_reopened)
    d["complaints"] = {
        "count": count,
        "overdue": overdue,
        "by_severity": {k: by_sev[k] for k in ("high", "medium", "low") if k in by_sev}
        | {k: v for k, v in by_sev.items() if k not in ("high", "medium", "low")},
        "resolved": resolved,
        "resolved_on_time": on_time,
        "resolve_overdue": resolve_late,
        "staff_replaced": replaced,  # resolved by another stylist serving the client from now on
        "callbacks": {"done": called, "satisfied": satisfied, "waiting": waiting, "reopened": reopened},
        "median_first_response_hours": (
            str(Decimal(med).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)) if med is not None else None
        ),
        "by_category": dict(sorted(by_cat.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def contact_figures(rd: ReportReader, p: Period, d: dict[str, Any], _acc: StaffAcc) -> None:
    """Inquiries and service requests answered, and on time; phone calls picked up within the
    standard's rings (docs/service-standard.md). Parts never exceed their wholes."""
    c = rd.conn
    where = (Contact.at >= rd.ts(p.start), Contact.at < rd.ts(p.end), rd.branch(Contact.branch_id))
    rep, due = Contact.replied_at, Contact.reply_due_at
    q = (
        select(
            Contact.kind,
            Contact.source,
            func.count(),
            func.count(rep),
            func.sum(case((and_(rep.is_not(None), rep <= due), 1), else_=0)),
            func.sum(case((and_(rep.is_(None), due < rd.ts(rd.now)), 1), else_=0)),
        )
        .where(*where, due.is_not(None))
        .group_by(Contact.kind, Contact.source)
    )
    kinds = {"inquiry": "inquiries", "service_request": "service_requests"}
    groups = (*kinds.values(), "followup_problems")  # problems raised on follow-up calls apart
    out: dict[str, Any] = {g: {"count": 0, "answered": 0, "answered_on_time": 0, "overdue": 0} for g in groups}
    for kind, source, n, n_ans, n_on_time, n_late in c.execute(q):
        group = "followup_problems" if source == "followup" else kinds.get(str(kind))
        if group is not None:
            acc = out[group]
            for key, v in zip(("count", "answered", "answered_on_time", "overdue"), (n, n_ans, n_on_time, n_late), strict=True):
                acc[key] += as_int(v)
    limit = rd.std.phone_rings
    rq = select(func.count(Contact.rings), func.sum(case((Contact.rings <= limit, 1), else_=0))).where(
        *where, Contact.channel == "phone"
    )
    recorded, within = c.execute(rq).one()
    out["phone"] = {
        "rings_limit": limit,
        "recorded": as_int(recorded),
        "within": as_int(within),
        "rate": (
            str((Decimal(as_int(within)) / as_int(recorded)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))
            if as_int(recorded)
            else None
        ),
    }
    d["contacts"] = out


def incident_figures(rd: ReportReader, p: Period, d: dict[str, Any], _acc: StaffAcc) -> None:
    """The incident log: the month's incidents by class, of those still open, and re-checks past
    their day (open incidents whose re-check date is before the report's day)."""
    where = (Incident.happened_at >= rd.ts(p.start), Incident.happened_at < rd.ts(p.end), rd.branch(Incident.branch_id))
    today = rd.now.astimezone(ZoneInfo(rd.tz)).date()
    q = (
        select(
            Incident.category,
            func.count(),
            func.sum(case((Incident.status == "open", 1), else_=0)),
            func.sum(case((and_(Incident.status == "open", Incident.recheck_on < today), 1), else_=0)),
        )
        .where(*where)
        .group_by(Incident.category)
    )
    by_cat: dict[str, int] = {}
    count = still_open = overdue = 0
    for cat, n, n_open, n_late in rd.conn.execute(q):
        by_cat[str(cat)] = as_int(n)
        count += as_int(n)
        still_open += as_int(n_open)
        overdue += as_int(n_late)
    d["incidents"] = {
        "count": count,
        "open": still_open,
        "recheck_overdue": overdue,
        "by_category": dict(sorted(by_cat.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def spot_check_figures(rd: ReportReader, p: Period, d: dict[str, Any], _acc: StaffAcc) -> None:
    """Spot checks made in the month: how many, flagged (corrected since or not), corrected."""
    q = select(
        func.count(),
        func.sum(case((SpotCheck.status.in_(("flagged", "corrected")), 1), else_=0)),
        func.sum(case((SpotCheck.status == "corrected", 1), else_=0)),
    ).where(SpotCheck.checked_at >= rd.ts(p.start), SpotCheck.checked_at < rd.ts(p.end))
    checked, flagged, corrected = rd.conn.execute(q).one()
    d["spot_checks"] = {"checked": as_int(checked), "flagged": as_int(flagged), "corrected": as_int(corrected)}


def review_figures(rd: ReportReader, p: Period, d: dict[str, Any], _acc: StaffAcc) -> None:
    """The monthly review: the actions decided for this month, and what became of last month's."""
    out: dict[str, Any] = {}
    for key, month in (("actions", p.month), ("previous", previous_month(p.month))):
        q = (
            select(ImprovementAction.outcome, func.count())
            .where(ImprovementAction.month == month)
            .group_by(ImprovementAction.outcome)
        )
        counts = {str(k): as_int(n) for k, n in rd.conn.execute(q)}
        out[key] = {o: counts.get(o, 0) for o in ("open", "done", "not_done", "carried")} | {"count": sum(counts.values())}
    d["review"] = out
