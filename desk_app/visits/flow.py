"""Move a visit between steps inside the caller's transaction.

Used by every service that finishes a step (visits, checkout, calendar's
rebooking) so the rules, the timestamps, the event log and the follow-up live
in one place. The caller commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from desk_app.core.service import reader
from desk_app.db.engine import connection_of, touched
from desk_app.db.models import Appointment, Client, FollowUp, Visit, VisitEvent
from desk_app.domain import visit as vd
from desk_app.domain.appointment import UPCOMING, AppointmentStatus
from desk_app.domain.permissions import Actor
from desk_app.domain.standards import Standards, followup_window
from desk_app.visits.row import AnyVisit, VisitRow


def _stamp(visit: AnyVisit, step: vd.Step, now: datetime) -> None:
    col = vd.STEP_TIMESTAMP.get(step)
    if col and getattr(visit, col) is None:
        setattr(visit, col, now)


def move(
    session: Session,
    visit: AnyVisit,
    action: str,
    actor: Actor | None,
    now: datetime,
    *,
    reason: str = "",
    required: frozenset[vd.Step] = frozenset(),
    standards: Standards | None = None,
) -> vd.Transition:
    """Apply ``action`` (advance | skip | back | cancel) to the visit's current step.

    Raises ``desk_app.domain.visit.TransitionError`` when the rules forbid it.
    """
    step = vd.Step(visit.step)
    if action == "advance":
        t = vd.advance(step)
    elif action == "skip":
        t = vd.skip(step, reason, required)
    elif action == "back":
        t = vd.back(step)
    elif action == "cancel":
        t = vd.cancel(step, reason)
    else:
        raise ValueError(f"unknown visit action {action!r}")

    if t.action == "advance":
        _stamp(visit, step, now)
    if t.action == "skip":
        skipped = dict(visit.skipped_steps or {})
        skipped[step.value] = reason
        visit.skipped_steps = skipped
    visit.step = t.to_step.value

    # status follows the step
    if t.to_step == vd.Step.CANCELLED:
        visit.status = vd.VisitStatus.CANCELLED.value
        visit.left_at = visit.left_at or now
    elif t.to_step in (vd.Step.CHECKOUT, vd.Step.REBOOKING):
        if visit.service_ended_at is None and t.from_step == vd.Step.SERVICE:
            visit.service_ended_at = now
        visit.status = vd.VisitStatus.DONE.value
    elif t.to_step == vd.Step.DONE:
        visit.status = vd.VisitStatus.DONE.value
        visit.left_at = visit.left_at or now

    # the appointment (if any) follows the visit
    if visit.appointment_id:
        appt = session.get(Appointment, visit.appointment_id)
        if appt is not None:
            if t.to_step == vd.Step.SERVICE and appt.status in UPCOMING:
                appt.status = AppointmentStatus.ARRIVED
            if t.to_step in (vd.Step.CHECKOUT, vd.Step.REBOOKING, vd.Step.DONE) and appt.status not in (
                "cancelled",
                "no_show",
            ):
                appt.status = "done"

    # the client's visit count and last visit follow the visits that were served
    if visit.client_id and t.to_step in (
        vd.Step.CHECKOUT,
        vd.Step.REBOOKING,
        vd.Step.DONE,
        vd.Step.CANCELLED,
    ):
        if isinstance(visit, VisitRow):  # the recount reads the visits' rows: this one's status first
            visit.save(session)
        refresh_client_visits(session, visit.client_id)

    # a paid visit gets its follow-up call (docs/product.md §2 step 6)
    if t.from_step == vd.Step.CHECKOUT and t.to_step == vd.Step.REBOOKING:
        ensure_followup(session, visit, standards or Standards())

    event = {
        "visit_id": visit.id,
        "from_step": t.from_step.value,
        "to_step": t.to_step.value,
        "action": t.action,
        "reason": reason,
        "at": now,
        "staff_id": actor.staff_id if actor else None,
    }
    if visit.id is None:  # a visit not yet written: the event goes with it in the flush
        session.add(VisitEvent(**event))
    else:  # a Core INSERT (as the audit row): no unit-of-work step and RETURNING for a row nobody reads back
        connection_of(session).execute(_INSERT_EVENT, event)
    return t


_INSERT_EVENT = insert(cast(Table, VisitEvent.__table__))
_CLIENTS = cast(Table, Client.__table__)


def refresh_client_visits(session: Session, client_id: int) -> None:
    """Recount the client's served visits and their latest arrival (profile "Visits", "Last visit",
    the client list's "last visit"); recounted rather than incremented so going back a step and
    forward again never counts a visit twice."""
    session.flush()
    client = session.identity_map.get(identity_key(Client, client_id))
    if client is not None:  # already loaded in this unit of work: through the entity, as it will be flushed
        count, last = reader(session).execute(_SERVED, {"cid": client_id}).one()
        client.visit_count = int(count or 0)
        if last is not None:
            client.last_visit_at = last
        return
    # else one Core UPDATE that counts as it writes (no entity load, no read first): the recount is
    # absolute, so it needs no version check; the version moves on so another desk's open edit of
    # the profile sees the change
    done = connection_of(session).execute(_RECOUNT, {"cid": client_id})
    if done.rowcount:
        touched(session, "client", client_id)


_SERVED_WHERE = (Visit.client_id == bindparam("cid"), Visit.status == vd.VisitStatus.DONE.value)
_SERVED = select(func.count(Visit.id), func.max(Visit.arrived_at)).where(*_SERVED_WHERE)
_RECOUNT = (
    update(_CLIENTS)
    .where(_CLIENTS.c.id == bindparam("cid"))
    .values(
        visit_count=select(func.count(Visit.id)).where(*_SERVED_WHERE).scalar_subquery(),
        # no served visit left (all cancelled): the last visit stays as it was
        last_visit_at=func.coalesce(
            select(func.max(Visit.arrived_at)).where(*_SERVED_WHERE).scalar_subquery(), _CLIENTS.c.last_visit_at
        ),
        version=_CLIENTS.c.version + 1,
    )
)


def ensure_followup(session: Session, visit: AnyVisit, standards: Standards) -> FollowUp | None:
    """Create the visit's follow-up call once (idempotent)."""
    if visit.client_id is None:
        return None
    existing = session.execute(select(FollowUp).where(FollowUp.visit_id == visit.id)).scalar_one_or_none()
    if existing is not None:
        return existing
    end = visit.paid_at or visit.service_ended_at or visit.arrived_at
    due_from, due_by = followup_window(standards, end)
    fu = FollowUp(
        visit_id=visit.id,
        client_id=visit.client_id,
        staff_id=visit.staff_id,
        due_from=due_from,
        due_by=due_by,
        status="pending",
    )
    session.add(fu)
    return fu
