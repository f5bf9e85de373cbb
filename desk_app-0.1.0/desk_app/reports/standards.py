"""How often the service time standards of docs/product.md §5 were met, from the timestamps already recorded.

``standards_summary(db, settings, start, end)`` is a plain function the monthly
report uses; ``today_standards(db, settings, now)`` gives today's live figures.

Each standard is counted as met/total over the *decided* cases: a check that is
still running and under its limit (a client waiting 20 s for a greeting) is not
counted yet; one still running but past its limit counts as not met.

What each standard measures and when a case belongs to the period:

* ``greet`` arrival -> greeting (limit ``standards.greet_seconds``), by the desk
  person who checked the client in;
* ``reception`` arrival -> needs assessed (``standards.reception_minutes``), same person;
* ``service_start`` booked time -> service start; a late client from arrival,
  a walk-in from arrival (``standards.service_start_minutes``), by the stylist;
  these three belong to the shop-local day of the **arrival** (a visit that
  runs past midnight stays on the day it began);
* ``feedback_recorded`` a paid visit has a feedback record within
  ``standards.feedback_record_hours`` of its payment (or service end), by the
  desk person, on the arrival day;
* ``complaint_response`` opened -> first response (``standards.complaint_response_hours``),
  by the complaint's handler, on the day it was opened;
* ``followup_on_time`` the client was **reached** (status ``done``) on one of the
  shop-local days of the follow-up window, by whoever called (0 = nobody), on the
  window's first day. A call attempt nobody answered is not a follow-up done: it counts
  as not met once the window is over (or the follow-up was closed without reaching
  the client); an open window with nobody reached yet is not counted;
* ``feedback_processed`` feedback handled within ``standards.feedback_process_hours``,
  by the person responsible, on the day it was recorded; feedback that needed no
  processing (a 4-5 score with no comment, stored as handled) is not counted.

A step that was skipped with a reason is not measured by the standard of that step.
``start``/``end`` are shop-local dates or aware datetimes; ``end`` is exclusive.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from desk_app import i18n
from desk_app.core.service import shop_tz
from desk_app.db.engine import Database
from desk_app.db.models import Complaint, Feedback, FollowUp, Staff, Visit
from desk_app.domain import standards as sd
from desk_app.i18n import N_, Fmt, _, format_duration_minutes
from desk_app.settings import SettingsStore

KEYS = (
    "greet",
    "reception",
    "service_start",
    "feedback_recorded",
    "complaint_response",
    "followup_on_time",
    "feedback_processed",
)

UNASSIGNED = 0


STANDARD_LABELS = {
    "greet": N_("Greeted in time"),
    "reception": N_("Reception finished in time"),
    "service_start": N_("Service started in time"),
    "feedback_recorded": N_("Feedback recorded in time"),
    "complaint_response": N_("Complaint answered in time"),
    "followup_on_time": N_("Follow-up done on time"),
    "feedback_processed": N_("Feedback processed in time"),
}


def standard_label(key: str, fmt: Fmt | None = None) -> str:
    """The standard's name in ``fmt``'s language (the screen's when None); an unknown key as it is."""
    if key not in STANDARD_LABELS:
        return key.replace("_", " ")
    return (fmt or i18n.current())._(STANDARD_LABELS[key])


def standard_limit(key: str, s: sd.Standards) -> str:
    """The limit in words, e.g. "within 30 s"."""

    def mins(td: timedelta) -> str:
        return format_duration_minutes(int(td.total_seconds() // 60))

    def hours(td: timedelta) -> str:
        return _("{n} h").format(n=int(td.total_seconds() // 3600))

    if key == "greet":
        return _("within {n} s").format(n=int(s.greet_within.total_seconds()))
    if key == "reception":
        return _("within {t} (first), {later} (returning)").format(
            t=mins(s.reception_within), later=mins(s.later_reception_within)
        )
    if key == "service_start":
        return _("within {t} of the booked time").format(t=mins(s.service_start_within))
    if key == "feedback_recorded":
        return _("within {t}").format(t=hours(s.feedback_record_within))
    if key == "complaint_response":
        return _("within {t}").format(t=hours(s.complaint_first_response_within))
    if key == "followup_on_time":
        return _("{a} to {b} days after the visit").format(
            a=s.followup_after_min.days, b=s.followup_after_max.days
        )
    return _("within {t}").format(t=hours(s.feedback_process_within))


class _Tally:
    def __init__(self, key: str, s: sd.Standards) -> None:
        self.key = key
        self.limit = standard_limit(key, s)
        self.met = 0
        self.total = 0
        self.by_staff: dict[int, dict[str, Any]] = {}
        self.by_day: dict[str, dict[str, int]] = {}

    def add(self, met: bool | None, staff_id: int | None, day: date | str, names: dict[int, str]) -> None:
        if met is None:
            return
        sid = staff_id or UNASSIGNED
        self.total += 1
        self.met += int(met)
        st = self.by_staff.setdefault(sid, {"met": 0, "total": 0, "name": names.get(sid) or _("Unassigned")})
        st["total"] += 1
        st["met"] += int(met)
        d = self.by_day.setdefault(day if isinstance(day, str) else day.isoformat(), {"met": 0, "total": 0})
        d["total"] += 1
        d["met"] += int(met)

    def as_dict(self) -> dict[str, Any]:
        return {
            "met": self.met,
            "total": self.total,
            "by_staff": dict(sorted(self.by_staff.items())),
            "by_day": dict(sorted(self.by_day.items())),
            "label": standard_label(self.key),
            "limit": self.limit,
        }


def met_rate(entry: dict[str, Any]) -> float | None:
    """Share met (0-1) for display only, or None when nothing was measured."""
    return entry["met"] / entry["total"] if entry.get("total") else None


def _bound(x: date | datetime, tz: ZoneInfo) -> datetime:
    if isinstance(x, datetime):
        if x.tzinfo is None:
            raise ValueError("pass aware datetimes (or dates) to standards_summary")
        return x
    return datetime.combine(x, time(0), tzinfo=tz)


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return datetime.combine(day, time(0), tzinfo=tz), datetime.combine(
        day + timedelta(days=1), time(0), tzinfo=tz
    )


def standards_summary(
    db: Database,
    settings: SettingsStore,
    start: date | datetime,
    end: date | datetime,
    branch_id: int | None = None,
    now: datetime | None = None,
) -> dict[str, dict[str, Any]]:
    """``{key: {"met", "total", "by_staff": {staff_id: {"met","total","name"}}, "by_day": {"YYYY-MM-DD": ...},
    "label", "limit"}}`` for the standards in ``KEYS`` (see the module doc)."""
    now = now or db.clock()
    std = settings.standards()
    with db.uow(write=False) as uow:
        s = uow.session
        tz = shop_tz(s)
        lo, hi = _bound(start, tz), _bound(end, tz)
        names = {i: n for i, n in s.execute(select(Staff.id, Staff.name)).all()}
        t = {k: _Tally(k, std) for k in KEYS}
        _visits(s, std, t, lo, hi, branch_id, now, tz, names)
        _complaints(s, std, t["complaint_response"], lo, hi, branch_id, now, tz, names)
        _followups(s, t["followup_on_time"], lo, hi, branch_id, now, tz, names)
        _feedback(s, std, t["feedback_processed"], lo, hi, branch_id, now, tz, names)
    return {k: v.as_dict() for k, v in t.items()}


def today_standards(
    db: Database, settings: SettingsStore, now: datetime | None = None, branch_id: int | None = None
) -> dict[str, dict[str, Any]]:
    """Today's figures (the shop-local day of ``now``), live."""
    now = now or db.clock()
    with db.uow(write=False) as uow:
        tz = shop_tz(uow.session)
    lo, hi = local_day_bounds(now.astimezone(tz).date(), tz)
    return standards_summary(db, settings, lo, hi, branch_id, now)


def _visits(
    s: Session,
    std: sd.Standards,
    t: dict[str, _Tally],
    lo: datetime,
    hi: datetime,
    branch_id: int | None,
    now: datetime,
    tz: ZoneInfo,
    names: dict[int, str],
) -> None:
    q = select(
        Visit.id,
        Visit.arrived_at,
        Visit.greeted_at,
        Visit.assessed_at,
        Visit.booked_start_at,
        Visit.service_started_at,
        Visit.service_ended_at,
        Visit.paid_at,
        Visit.step,
        # the raw JSON text: decoding thousands of "{}" costs more than everything else here
        cast(Visit.skipped_steps, Text).label("skipped"),
        Visit.staff_id,
        Visit.created_by_id,
        Visit.client_id,
        Visit.is_new_client,
    ).where(Visit.arrived_at >= lo, Visit.arrived_at < hi)
    if branch_id is not None:
        q = q.where(Visit.branch_id == branch_id)
    rows = s.execute(q).all()
    first_fb: dict[int | None, datetime] = {}
    if rows:
        first_fb = {
            k: v
            for k, v in s.execute(
                select(Feedback.visit_id, func.min(Feedback.at))
                .where(Feedback.visit_id.in_([r.id for r in rows]))
                .group_by(Feedback.visit_id)
            ).all()
        }
    for r in rows:
        day = r.arrived_at.astimezone(tz).date().isoformat()
        raw = r.skipped or ""
        skipped = {k for k in ("greeting", "needs", "service") if f'"{k}"' in raw}
        cancelled = r.step == "cancelled"
        desk = r.created_by_id
        if "greeting" not in skipped and not (cancelled and r.greeted_at is None):
            t["greet"].add(sd.greet_check(std, r.arrived_at, r.greeted_at, now).met, desk, day, names)
        if "needs" not in skipped and not (cancelled and r.assessed_at is None):
            t["reception"].add(
                sd.reception_check(
                    std, r.arrived_at, r.assessed_at, now, sd.returning(r.client_id, bool(r.is_new_client))
                ).met,
                desk,
                day,
                names,
            )
        started = r.service_started_at
        if "service" not in skipped and not (
            started is None and (cancelled or r.service_ended_at is not None)
        ):
            chk = sd.service_start_check(std, r.booked_start_at, r.arrived_at, started, now)
            t["service_start"].add(chk.met, r.staff_id, day, names)
        end = r.paid_at or (r.service_ended_at if r.step in ("rebooking", "done") else None)
        if end is not None:
            fb_at = first_fb.get(r.id)
            met: bool | None
            if fb_at is not None:
                met = fb_at - end <= std.feedback_record_within
            else:
                met = False if now - end > std.feedback_record_within else None
            t["feedback_recorded"].add(met, desk, day, names)


def _complaints(
    s: Session,
    std: sd.Standards,
    t: _Tally,
    lo: datetime,
    hi: datetime,
    branch_id: int | None,
    now: datetime,
    tz: ZoneInfo,
    names: dict[int, str],
) -> None:
    q = select(Complaint.opened_at, Complaint.first_response_at, Complaint.handler_id).where(
        Complaint.opened_at >= lo, Complaint.opened_at < hi
    )
    if branch_id is not None:
        q = q.where(Complaint.branch_id == branch_id)
    for opened, responded, handler in s.execute(q).all():
        chk = sd.complaint_response_check(std, opened, responded, now)
        t.add(chk.met, handler, opened.astimezone(tz).date(), names)


def followup_on_time(
    due_from: datetime,
    due_by: datetime,
    status: str,
    completed_at: datetime | None,
    now: datetime,
    tz: ZoneInfo,
) -> bool | None:
    """Met when the client was reached (``done``) on one of the window's shop-local days; not met once the
    window is over or the follow-up was closed otherwise (gave up, wrong number); None while still open.
    A call attempt alone (no answer, call back) is not a follow-up done."""
    first, last = due_from.astimezone(tz).date(), due_by.astimezone(tz).date()
    if status == "done" and completed_at is not None:
        return first <= completed_at.astimezone(tz).date() <= last
    if completed_at is not None:
        return False  # closed without reaching the client
    return False if now.astimezone(tz).date() > last else None


def _followups(
    s: Session,
    t: _Tally,
    lo: datetime,
    hi: datetime,
    branch_id: int | None,
    now: datetime,
    tz: ZoneInfo,
    names: dict[int, str],
) -> None:
    q = select(
        FollowUp.due_from, FollowUp.due_by, FollowUp.status, FollowUp.completed_at, FollowUp.called_by_id
    )
    # the window's first day is a local day: compare on days, not on the exact time
    q = q.where(FollowUp.due_from >= lo - timedelta(days=1), FollowUp.due_from < hi + timedelta(days=1))
    if branch_id is not None:
        q = q.join(Visit, Visit.id == FollowUp.visit_id).where(Visit.branch_id == branch_id)
    lo_day, hi_day = lo.astimezone(tz).date(), _end_day(hi, tz)
    for due_from, due_by, status, completed_at, caller in s.execute(q).all():
        day = due_from.astimezone(tz).date()
        if not lo_day <= day < hi_day:
            continue
        t.add(followup_on_time(due_from, due_by, str(status), completed_at, now, tz), caller, day, names)


def _end_day(hi: datetime, tz: ZoneInfo) -> date:
    local = hi.astimezone(tz)
    d = local.date()
    return d if local.timetz().replace(tzinfo=None) == time(0) else d + timedelta(days=1)


def _feedback(
    s: Session,
    std: sd.Standards,
    t: _Tally,
    lo: datetime,
    hi: datetime,
    branch_id: int | None,
    now: datetime,
    tz: ZoneInfo,
    names: dict[int, str],
) -> None:
    q = select(Feedback.at, Feedback.handled_at, Feedback.responsible_id, Feedback.improvement_action).where(
        Feedback.at >= lo, Feedback.at < hi
    )
    if branch_id is not None:
        q = q.join(Visit, Visit.id == Feedback.visit_id).where(Visit.branch_id == branch_id)
    for at, handled_at, responsible, action in s.execute(q).all():
        if handled_at is not None and handled_at == at and not action:
            continue  # nothing to process (a good score, no comment)
        met: bool | None
        if handled_at is not None:
            met = handled_at - at <= std.feedback_process_within
        else:
            met = False if now - at > std.feedback_process_within else None
        t.add(met, responsible, at.astimezone(tz).date(), names)


def rows_for_staff(summary: dict[str, dict[str, Any]], keys: Iterable[str] = KEYS) -> list[dict[str, Any]]:
    """One row per staff member: {"staff_id", "name", key: (met, total), ...} (for tables)."""
    people: dict[int, dict[str, Any]] = {}
    for k in keys:
        for sid, v in summary[k]["by_staff"].items():
            row = people.setdefault(sid, {"staff_id": sid, "name": v["name"]})
            row[k] = (v["met"], v["total"])
    return sorted(people.values(), key=lambda r: (r["staff_id"] == UNASSIGNED, r["name"]))
