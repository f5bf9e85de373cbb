"""The service time standards of a month as SQL aggregates.

The same rules as ``desk_app.reports.standards.standards_summary``
(which the Today screen uses, row by row), written as GROUP BY queries so a
month of a busy chain costs a few milliseconds. A test checks that both give
the same figures on generated history. The result has the same shape:
``{key: {"met", "total", "by_staff": {staff_id: {"met", "total"}}, "by_day": {"YYYY-MM-DD": {...}}}}``
(staff id 0 = nobody recorded).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, func, literal, literal_column, not_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from desk_app.db.models import Complaint, Feedback, FollowUp, Visit
from desk_app.db.types import UTCDateTime
from desk_app.domain.standards import Standards
from desk_app.reports.sqlhelp import Period, later_of, local_day, seconds_between

KEYS = (
    "greet",
    "reception",
    "service_start",
    "feedback_recorded",
    "complaint_response",
    "followup_on_time",
    "feedback_processed",
)


def _ts(dt: datetime) -> ColumnElement[Any]:
    return literal(dt, UTCDateTime())


def _not_skipped(step: str) -> ColumnElement[bool]:
    expr: ColumnElement[bool] = Visit.skipped_steps[step].as_string().is_(None)
    return expr


def _tally(
    conn: Connection, day: Any, staff: Any, counted: Any, met: Any, where: list[Any], frm: Any = None
) -> dict[str, Any]:
    """Counted and met rows by day and staff; ``met`` is the whole condition (it implies ``counted``)."""
    sx = func.coalesce(staff, literal_column("0"))
    q = select(
        day,
        sx,
        func.sum(case((counted, 1), else_=0)),
        func.sum(case((met, 1), else_=0)),
    )
    if frm is not None:
        q = q.select_from(frm)
    q = q.where(*where).group_by(day, sx)
    out: dict[str, Any] = {"met": 0, "total": 0, "by_staff": {}, "by_day": {}}
    for dy, sid, tot, m in conn.execute(q):
        tot, m = int(tot or 0), int(m or 0)
        if not tot:
            continue
        out["met"] += m
        out["total"] += tot
        st = out["by_staff"].setdefault(int(sid), {"met": 0, "total": 0})
        st["met"] += m
        st["total"] += tot
        d = out["by_day"].setdefault(str(dy), {"met": 0, "total": 0})
        d["met"] += m
        d["total"] += tot
    return out


def _tally_many(
    conn: Connection,
    day: Any,
    staff: list[Any],
    items: dict[str, tuple[int, Any, Any]],
    where: list[Any],
    frm: Any = None,
    extra: Sequence[Any] = (),
    extra_rows: list[tuple[str, tuple[Any, ...], tuple[Any, ...]]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Several standards over the same rows in ONE scan: items = {key: (staff index, counted, met)}.

    As in ``_tally``, ``met`` is the whole condition of a met row (it implies ``counted``).
    ``extra`` aggregates ride along in the same scan: each group's (day, staff values, extra values)
    goes to ``extra_rows``.
    """
    sx = [func.coalesce(x, literal_column("0")) for x in staff]
    cols: list[Any] = [day, *sx]
    for _i, counted, met in items.values():
        cols.append(func.sum(case((counted, 1), else_=0)))
        cols.append(func.sum(case((met, 1), else_=0)))
    cols.extend(extra)
    q = select(*cols)
    if frm is not None:
        q = q.select_from(frm)
    q = q.where(*where).group_by(day, *sx)
    out: dict[str, dict[str, Any]] = {k: {"met": 0, "total": 0, "by_staff": {}, "by_day": {}} for k in items}
    n = len(staff)
    for row in conn.execute(q):
        dy = str(row[0])
        if extra_rows is not None:
            extra_rows.append((dy, tuple(row[1 : 1 + n]), tuple(row[1 + n + 2 * len(items) :])))
        for j, (key, (si, _c, _m)) in enumerate(items.items()):
            tot, m = int(row[1 + n + 2 * j] or 0), int(row[2 + n + 2 * j] or 0)
            if not tot:
                continue
            o = out[key]
            o["met"] += m
            o["total"] += tot
            st = o["by_staff"].setdefault(int(row[1 + si]), {"met": 0, "total": 0})
            st["met"] += m
            st["total"] += tot
            d = o["by_day"].setdefault(dy, {"met": 0, "total": 0})
            d["met"] += m
            d["total"] += tot
    return out


def standards_sql(
    conn: Connection,
    dialect: str,
    p: Period,
    std: Standards,
    now: datetime,
    branch_id: int | None = None,
    *,
    visit_columns: Sequence[Any] = (),
    visit_rows: list[tuple[str, tuple[Any, ...], tuple[Any, ...]]] | None = None,
) -> dict[str, dict[str, Any]]:
    """The standards of the month; ``visit_columns`` (aggregates over the month's visits, all steps) are
    computed in the same scan as the visit standards and their groups -- (local day, (desk person id,
    stylist id) with 0 for nobody, values) -- appended to ``visit_rows``."""

    def secs(a: Any, b: Any) -> ColumnElement[Any]:
        return seconds_between(a, b, dialect)

    lo, hi = _ts(p.start), _ts(p.end)
    res: dict[str, dict[str, Any]] = {}
    in_month = [Visit.arrived_at >= lo, Visit.arrived_at < hi]
    if branch_id is not None:
        in_month.append(Visit.branch_id == branch_id)
    vday = local_day(Visit.arrived_at, dialect, p)
    cancelled = Visit.step == "cancelled"

    def timed(start: Any, end: Any, limit: timedelta) -> tuple[Any, Any]:
        # "still open past the limit" compares with a constant (no date arithmetic per row)
        counted = or_(end.is_not(None), start < _ts(now - limit))
        met = and_(end.is_not(None), secs(start, end) <= limit.total_seconds())
        return counted, met

    items: dict[str, tuple[int, Any, Any]] = {}
    # a met row has its end time, so it is counted whatever the other conditions of "counted" say
    c, m = timed(Visit.arrived_at, Visit.greeted_at, std.greet_within)
    items["greet"] = (
        0,
        and_(_not_skipped("greeting"), not_(and_(cancelled, Visit.greeted_at.is_(None))), c),
        and_(m, _not_skipped("greeting")),
    )
    # a returning client's later reception has its own (shorter) limit
    back = and_(Visit.client_id.is_not(None), Visit.is_new_client.is_(False))
    first_lim, later_lim = std.reception_within, std.later_reception_within
    c = or_(
        Visit.assessed_at.is_not(None),
        case((back, Visit.arrived_at < _ts(now - later_lim)), else_=Visit.arrived_at < _ts(now - first_lim)),
    )
    m = and_(
        Visit.assessed_at.is_not(None),
        secs(Visit.arrived_at, Visit.assessed_at)
        <= case((back, later_lim.total_seconds()), else_=first_lim.total_seconds()),
    )
    items["reception"] = (
        0,
        and_(_not_skipped("needs"), not_(and_(cancelled, Visit.assessed_at.is_(None))), c),
        and_(m, _not_skipped("needs")),
    )
    ref = later_of(Visit.arrived_at, Visit.booked_start_at)
    c, m = timed(ref, Visit.service_started_at, std.service_start_within)
    never = and_(Visit.service_started_at.is_(None), or_(cancelled, Visit.service_ended_at.is_not(None)))
    items["service_start"] = (
        1,
        and_(_not_skipped("service"), not_(never), c),
        and_(m, _not_skipped("service")),
    )
    # feedback recorded within the limit of payment (or the end of a finished service)
    first_fb = (
        select(Feedback.visit_id.label("visit_id"), func.min(Feedback.at).label("at"))
        .where(
            Feedback.at >= lo,
            # only the month's visits' feedback (their ids lie between these two): not all that came later
            # (``id + 0``: PostgreSQL would answer a bare MIN(id) by walking the primary key from the
            # first id until a visit of the month turns up, a year of visits read for one number)
            Feedback.visit_id.between(
                select(func.min(Visit.id + 0)).where(*in_month).scalar_subquery(),
                select(func.max(Visit.id + 0)).where(*in_month).scalar_subquery(),
            ),
        )
        .group_by(Feedback.visit_id)
        .subquery()
    )
    end = case(
        (Visit.paid_at.is_not(None), Visit.paid_at),
        (Visit.step.in_(("rebooking", "done")), Visit.service_ended_at),
        else_=None,
    )
    lim = std.feedback_record_within.total_seconds()
    counted = and_(
        end.is_not(None), or_(first_fb.c.at.is_not(None), end < _ts(now - std.feedback_record_within))
    )
    met = and_(end.is_not(None), first_fb.c.at.is_not(None), secs(end, first_fb.c.at) <= lim)
    items["feedback_recorded"] = (0, counted, met)
    frm = Visit.__table__.outerjoin(first_fb, first_fb.c.visit_id == Visit.id)
    # the four visit standards in one scan: the desk person (greet, reception, feedback) and the stylist
    res.update(
        _tally_many(
            conn, vday, [Visit.created_by_id, Visit.staff_id], items, in_month, frm, visit_columns, visit_rows
        )
    )
    # complaints: opened -> first response
    cw = [Complaint.opened_at >= lo, Complaint.opened_at < hi]
    if branch_id is not None:
        cw.append(Complaint.branch_id == branch_id)
    c, m = timed(Complaint.opened_at, Complaint.first_response_at, std.complaint_first_response_within)
    res["complaint_response"] = _tally(
        conn, local_day(Complaint.opened_at, dialect, p), Complaint.handler_id, c, m, cw
    )
    # follow-up: the client reached on one of the window's local days; belongs to the window's first day
    # (an attempt nobody answered is not a follow-up done: not met once the window is over or it closed)
    fday = local_day(FollowUp.due_from, dialect, p)
    done_day = local_day(FollowUp.completed_at, dialect, p)
    last_day = local_day(FollowUp.due_by, dialect, p)
    local_today = now.astimezone(p.tz).date()
    today_starts = datetime(local_today.year, local_today.month, local_today.day, tzinfo=p.tz)
    # "its last local day is before today" is "due_by before today's local midnight" (no date() per row)
    counted = or_(FollowUp.completed_at.is_not(None), FollowUp.due_by < _ts(today_starts))
    met = and_(
        FollowUp.status == "done",
        FollowUp.completed_at.is_not(None),
        done_day >= fday,
        done_day <= last_day,
    )
    # the windows whose first local day is in the month: due_from in [start, end) (the month's local days)
    fw: list[Any] = [FollowUp.due_from >= lo, FollowUp.due_from < hi]
    frm_f: Any = None
    if branch_id is not None:
        frm_f = FollowUp.__table__.join(Visit.__table__, Visit.id == FollowUp.visit_id)
        fw.append(Visit.branch_id == branch_id)
    res["followup_on_time"] = _tally(conn, fday, FollowUp.called_by_id, counted, met, fw, frm_f)
    # feedback processed within the limit (a good score with nothing to do is stored as handled: not counted)
    bw: list[Any] = [Feedback.at >= lo, Feedback.at < hi]
    frm_b: Any = None
    if branch_id is not None:
        frm_b = Feedback.__table__.join(Visit.__table__, Visit.id == Feedback.visit_id)
        bw.append(Visit.branch_id == branch_id)
    nothing = and_(Feedback.handled_at.is_not(None), Feedback.handled_at == Feedback.at,
                   func.coalesce(Feedback.improvement_action, "") == "")  # fmt: skip
    c, m = timed(Feedback.at, Feedback.handled_at, std.feedback_process_within)
    res["feedback_processed"] = _tally(
        conn,
        local_day(Feedback.at, dialect, p),
        Feedback.responsible_id,
        and_(not_(nothing), c),
        and_(not_(nothing), m),
        bw,
        frm_b,
    )
    return res
