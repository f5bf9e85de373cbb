"""The month's messages for the owner's report (docs/messages.md, "In the monthly report").

Three grouped queries, whatever the size of the shop: the messages sent in the period by kind and
channel; those given up (failed, or unsure whether they went); and the appointments of the period
that reached their time, split by whether a reminder for that appointment was sent before it
started, with the no-shows of each group.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, case, exists, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from desk_app.db.models import Appointment, OutboxMessage
from desk_app.db.types import UTCDateTime
from desk_app.domain.appointment import AppointmentStatus
from desk_app.domain.messages import MessageKind, MessageState
from desk_app.messages.views import MessageStats

# an appointment "reached its time": the client came (or is being served) or did not come
REACHED = (
    AppointmentStatus.ARRIVED,
    AppointmentStatus.IN_SERVICE,
    AppointmentStatus.DONE,
    AppointmentStatus.NO_SHOW,
)
WALK_IN = "walk_in"  # appointments.source of a client who came in without a booking
GAVE_UP = (MessageState.FAILED, MessageState.UNKNOWN)


def period_bounds(day_from: date, day_to: date, tz: ZoneInfo | str) -> tuple[datetime, datetime]:
    """[start of day_from, start of the day after day_to) in the shop's zone."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    start = datetime.combine(day_from, time(0), zone)
    end = datetime.combine(day_to + timedelta(days=1), time(0), zone)
    return start, end


def _ts(dt: datetime) -> ColumnElement[Any]:
    return literal(dt, UTCDateTime())


def message_stats(
    session: Session | Connection,
    day_from: date,
    day_to: date,
    tz: ZoneInfo | str,
    branch_id: int | None = None,
) -> MessageStats:
    """Messages sent from ``day_from`` to ``day_to`` (both included, the shop's days), and the
    no-show rate of the period's appointments with and without a reminder sent before them.

    - sent: rows in state ``sent`` whose ``sent_at`` falls in the period, by kind and by channel;
    - failed: rows given up (``failed``, or ``unknown``: unsure whether they went) that were first
      due (``planned_at``) in the period;
    - appointments that reached their time (arrived, in service, done, no-show) starting in the
      period, walk-ins left out, "with a reminder" when a ``reminder`` row for that appointment (``ref_kind`` =
      "appointment") was sent before its start.
    A branch limits the messages by ``outbox.branch_id`` and the appointments by their branch.
    """
    start, end = period_bounds(day_from, day_to, tz)
    lo, hi = _ts(start), _ts(end)
    ob = OutboxMessage
    sent_q = select(ob.kind, ob.channel, func.count()).where(
        ob.state == MessageState.SENT.value, ob.sent_at >= lo, ob.sent_at < hi
    )
    failed_q = select(func.count()).where(
        ob.state.in_([s.value for s in GAVE_UP]), ob.planned_at >= lo, ob.planned_at < hi
    )
    if branch_id is not None:
        sent_q = sent_q.where(ob.branch_id == branch_id)
        failed_q = failed_q.where(ob.branch_id == branch_id)
    by_kind: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    for kind, channel, n in session.execute(sent_q.group_by(ob.kind, ob.channel)):
        by_kind[str(kind)] = by_kind.get(str(kind), 0) + int(n)
        by_channel[str(channel)] = by_channel.get(str(channel), 0) + int(n)
    failed = int(session.execute(failed_q).scalar() or 0)

    a = Appointment
    reminded = exists().where(
        ob.ref_kind == "appointment",
        ob.ref_id == a.id,
        ob.kind == MessageKind.REMINDER.value,
        ob.state == MessageState.SENT.value,
        ob.sent_at < a.start_at,
    )
    # one row per appointment (flag, no-show?) grouped outside, so PostgreSQL groups by a plain column
    per = (
        select(
            case((reminded, 1), else_=0).label("reminded"),
            case((a.status == AppointmentStatus.NO_SHOW.value, 1), else_=0).label("no_show"),
        )
        .where(
            a.start_at >= lo,
            a.start_at < hi,
            a.status.in_([s.value for s in REACHED]),
            a.source != WALK_IN,  # nobody could remind a walk-in, and a walk-in cannot miss their visit
            a.branch_id == branch_id if branch_id is not None else literal(True),
        )
        .subquery()
    )
    appt_q = select(per.c.reminded, func.count(), func.sum(per.c.no_show)).group_by(per.c.reminded)
    groups = {0: (0, 0), 1: (0, 0)}
    for f, n, ns in session.execute(appt_q):
        groups[int(f)] = (int(n), int(ns or 0))
    return MessageStats(
        sent_by_kind=by_kind,
        sent_by_channel=by_channel,
        failed=failed,
        appointments_with_reminder=groups[1][0],
        no_shows_with_reminder=groups[1][1],
        appointments_without_reminder=groups[0][0],
        no_shows_without_reminder=groups[0][1],
        day_from=day_from,
        day_to=day_to,
    )
