"""A supervisor's spot checks (docs/service-standard.md): each week a few visits, follow-up calls
and complaints of the last seven days are drawn at random; the owner opens each, sees what was
written, and confirms it or flags it with a note. A flagged record is listed for the staff member
who wrote it, who marks it corrected. The draw is reproducible (seeded by the week) and never
draws a record twice."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.aftercare.complaints import staff_name, staff_names
from desk_app.core.service import NotFound, ServiceError, ValidationError, audit, require, shop_tz
from desk_app.db.engine import Clock, Database
from desk_app.db.models import Client, Complaint, FollowUp, SpotCheck, Visit
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import _
from desk_app.settings import S, SettingsStore

KINDS = ("visit", "follow_up", "complaint")


@dataclass(frozen=True)
class SpotCheckView:
    id: int
    kind: str
    record_id: int
    week_of: date
    staff: str  # who wrote the record
    staff_id: int | None
    status: str
    note: str
    client_name: str
    when: datetime | None
    facts: tuple[tuple[str, str], ...]  # what the record says, label and value, for the checker


class SpotCheckService:
    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)
        self.settings = settings
        self.clock = self.db.clock

    def this_week(self, actor: Actor) -> list[SpotCheckView]:
        """The owner's queue: this week's draw (made on first look), then anything still pending or
        flagged from earlier weeks."""
        require(self.db.uow, actor, Perm.REPORTS)
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            monday = _monday(now, s)
            drawn = s.scalars(select(SpotCheck.id).where(SpotCheck.week_of == monday).limit(1)).first()
            if drawn is None:
                self._draw(s, monday, now)
                uow.commit()
            rows = list(
                s.scalars(
                    select(SpotCheck)
                    .where((SpotCheck.week_of == monday) | SpotCheck.status.in_(("pending", "flagged")))
                    .order_by(SpotCheck.week_of.desc(), SpotCheck.kind, SpotCheck.id)
                )
            )
            names = staff_names(s)
            return [self._view(s, r, names) for r in rows]

    def flagged_for(self, actor: Actor) -> list[SpotCheckView]:
        """What the owner flagged in this staff member's records, to correct."""
        with self.db.uow(write=False) as uow:
            s = uow.session
            rows = s.scalars(
                select(SpotCheck)
                .where(SpotCheck.status == "flagged", SpotCheck.staff_id == actor.staff_id)
                .order_by(SpotCheck.id)
            )
            names = staff_names(s)
            return [self._view(s, r, names) for r in rows]

    def mark(self, actor: Actor, check_id: int, confirmed: bool, note: str = "") -> SpotCheckView:
        """The owner confirms the record, or flags it (with what is wrong or missing)."""
        require(self.db.uow, actor, Perm.REPORTS)
        note = (note or "").strip()
        if not confirmed and not note:
            raise ValidationError({"note": _("Write what is missing or wrong, for the person who wrote it.")})
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            c = s.get(SpotCheck, check_id)
            if c is None:
                raise NotFound(_("That spot check no longer exists. Refresh the list."))
            if c.status != "pending":
                raise ServiceError(_("This record was already checked."))
            c.status, c.note, c.checked_by_id, c.checked_at = ("confirmed" if confirmed else "flagged"), note, actor.staff_id, now
            audit(s, actor, "spot_check", c.kind, c.record_id, after={"result": c.status}, at=now)
            uow.commit()
            return self._view(s, c, staff_names(s))

    def corrected(self, actor: Actor, check_id: int) -> SpotCheckView:
        """The staff member who wrote a flagged record has put it right."""
        require(self.db.uow, actor, Perm.VISIT_RUN)
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            c = s.get(SpotCheck, check_id)
            if c is None:
                raise NotFound(_("That spot check no longer exists. Refresh the list."))
            if c.status != "flagged":
                raise ServiceError(_("Only a flagged record is marked corrected."))
            if c.staff_id != actor.staff_id and not actor.can(Perm.REPORTS):
                raise ServiceError(_("The person who wrote the record, or the owner, marks it corrected."))
            c.status, c.corrected_at = "corrected", now
            audit(s, actor, "spot_check_corrected", c.kind, c.record_id, at=now)
            uow.commit()
            return self._view(s, c, staff_names(s))

    # -- the draw ---------------------------------------------------------------------
    def _draw(self, s: Session, monday: date, now: datetime) -> None:
        n = self.settings.get(S.SPOTCHECK_PER_KIND)
        since = now - timedelta(days=7)
        rng = random.Random(monday.toordinal())  # the same week draws the same records
        taken = {(k, int(r)) for k, r in s.execute(select(SpotCheck.kind, SpotCheck.record_id))}
        pools: dict[str, list[tuple[int, int | None]]] = {
            "visit": [
                (int(i), st)
                for i, st in s.execute(
                    select(Visit.id, Visit.staff_id).where(Visit.paid_at.is_not(None), Visit.paid_at >= since).order_by(Visit.id)
                )
            ],
            "follow_up": [
                (int(i), st)
                for i, st in s.execute(
                    select(FollowUp.id, FollowUp.called_by_id)
                    .where(FollowUp.completed_at.is_not(None), FollowUp.completed_at >= since)
                    .order_by(FollowUp.id)
                )
            ],
            "complaint": [
                (int(i), st)
                for i, st in s.execute(
                    select(Complaint.id, Complaint.handler_id)
                    .where(Complaint.resolved_at.is_not(None), Complaint.resolved_at >= since)
                    .order_by(Complaint.id)
                )
            ],
        }
        for kind in KINDS:
            pool = [p for p in pools[kind] if (kind, p[0]) not in taken]
            for rid, staff in rng.sample(pool, min(n, len(pool))):
                s.add(SpotCheck(kind=kind, record_id=rid, week_of=monday, staff_id=staff, status="pending", note=""))
        s.flush()

    def _view(self, s: Session, c: SpotCheck, names: dict[int, str]) -> SpotCheckView:
        client_name, when, facts = _facts(s, c, names)
        return SpotCheckView(
            id=c.id,
            kind=c.kind,
            record_id=c.record_id,
            week_of=c.week_of,
            staff=staff_name(names, c.staff_id),
            staff_id=c.staff_id,
            status=c.status,
            note=c.note or "",
            client_name=client_name,
            when=when,
            facts=facts,
        )


def _monday(now: datetime, s: Session) -> date:
    local = now.astimezone(shop_tz(s)).date()
    return local - timedelta(days=local.weekday())


def _client(s: Session, client_id: int | None) -> str:
    c = s.get(Client, client_id) if client_id else None
    return c.name if c else ""


def _facts(s: Session, c: SpotCheck, names: dict[int, str]) -> tuple[str, datetime | None, tuple[tuple[str, str], ...]]:
    """What the record says, for the checker to hold against what happened."""
    dash = "–"
    if c.kind == "visit":
        v = s.get(Visit, c.record_id)
        if v is None:
            return "", None, ()
        skipped = ", ".join(f"{k}: {r}" for k, r in (v.skipped_steps or {}).items()) or dash
        return _client(s, v.client_id), v.paid_at, (
            (_("Stylist"), staff_name(names, v.staff_id) or dash),
            (_("Steps skipped"), skipped),
            (_("Notes"), v.notes or dash),
            (_("Checkout score"), str(v.satisfaction) if v.satisfaction else dash),
        )
    if c.kind == "follow_up":
        f = s.get(FollowUp, c.record_id)
        if f is None:
            return "", None, ()
        scores = [f.score_timeliness, f.score_professionalism, f.score_effectiveness, f.score_attitude]
        return _client(s, f.client_id), f.completed_at, (
            (_("Called by"), staff_name(names, f.called_by_id) or dash),
            (_("Outcome"), f.status),
            (_("Scores"), " / ".join(str(x) if x else dash for x in scores)),
            (_("Comments"), f.comments or dash),
        )
    cp = s.get(Complaint, c.record_id)
    if cp is None:
        return "", None, ()
    return _client(s, cp.client_id), cp.resolved_at, (
        (_("Handler"), staff_name(names, cp.handler_id) or dash),
        (_("What happened"), cp.description or dash),
        (_("First answer"), cp.first_response or dash),
        (_("Resolution"), cp.resolution or dash),
    )
