"""The incident log (docs/service-standard.md): any staff member records what went wrong — what,
when, where, at which step of the visit, who — with its class, the corrective action, who owns it
and when it is re-checked. The owner re-checks it: an effective action closes the incident; one
that did not work keeps it open with a new action and a new re-check date. Every write audited."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.aftercare.complaints import active_staff, staff_name, staff_names
from desk_app.aftercare.views import IncidentView
from desk_app.core.service import NotFound, ServiceError, ValidationError, audit, require, shop_tz
from desk_app.db.engine import Clock, Database
from desk_app.db.models import Client, Incident, Staff
from desk_app.domain.aftercare import IncidentCategory, Severity
from desk_app.domain.permissions import Actor, Perm
from desk_app.domain.visit import Step
from desk_app.i18n import _
from desk_app.settings import SettingsStore

INCIDENT_FILTERS = ("open", "recheck", "all")  # open ones, those whose re-check day has come, all
_STEPS = ("", Step.GREETING.value, Step.NEEDS.value, Step.SERVICE.value, Step.CHECKOUT.value, Step.REBOOKING.value)


class IncidentService:
    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)
        self.settings = settings
        self.clock = self.db.clock

    def record(
        self,
        actor: Actor,
        *,
        happened_at: datetime,
        category: str,
        description: str,
        action: str,
        recheck_on: date,
        place: str = "",
        step: str = "",
        severity: str = Severity.MEDIUM,
        client_id: int | None = None,
        staff_involved_id: int | None = None,
        action_owner_id: int | None = None,
    ) -> IncidentView:
        """Any staff member records an incident; nothing is written unless every field is right."""
        require(self.db.uow, actor, Perm.VISIT_RUN)
        now = self.clock()
        errors: dict[str, str] = {}
        if category not in tuple(IncidentCategory):
            errors["category"] = _("Choose what kind of incident it was.")
        if severity not in tuple(Severity):
            errors["severity"] = _("Choose a severity: low, medium or high.")
        if step not in _STEPS:
            errors["step"] = _("Choose the step of the visit, or none.")
        if not description.strip():
            errors["description"] = _("Describe what happened.")
        if not action.strip():
            errors["action"] = _("Write the corrective action: what is done so it does not happen again.")
        if happened_at > now:
            errors["happened_at"] = _("An incident cannot happen in the future; check the time.")
        with self.db.uow(write=False) as uow:
            today = now.astimezone(shop_tz(uow.session)).date()
        if recheck_on < today:
            errors["recheck_on"] = _("Choose a re-check date from today on.")
        if errors:
            raise ValidationError(errors)
        with self.db.uow() as uow:
            s = uow.session
            for key, sid in (("staff_involved_id", staff_involved_id), ("action_owner_id", action_owner_id)):
                if sid is not None and s.get(Staff, sid) is None:
                    raise ValidationError({key: _("That staff member no longer exists; choose again.")})
            if client_id is not None and s.get(Client, client_id) is None:
                raise ValidationError({"client_id": _("That client no longer exists; search again.")})
            inc = Incident(
                branch_id=actor.branch_id,
                happened_at=happened_at,
                place=place.strip(),
                step=step,
                category=category,
                severity=severity,
                description=description.strip(),
                client_id=client_id,
                staff_involved_id=staff_involved_id,
                action=action.strip(),
                action_owner_id=action_owner_id or actor.staff_id,
                recheck_on=recheck_on,
                status="open",
                rechecks=0,
                recheck_note="",
                recorded_by_id=actor.staff_id,
                recorded_at=now,
            )
            s.add(inc)
            s.flush()
            audit(s, actor, "create", "incident", inc.id, after={"category": category, "severity": severity}, at=now)
            uow.commit()
            return self._view(s, inc, staff_names(s), today)

    def recheck(
        self,
        actor: Actor,
        incident_id: int,
        effective: bool,
        note: str,
        *,
        new_action: str = "",
        new_recheck_on: date | None = None,
    ) -> IncidentView:
        """The owner's re-check: effective closes the incident; not effective keeps it open with a
        new corrective action and re-check date (both needed)."""
        require(self.db.uow, actor, Perm.REPORTS)
        now = self.clock()
        errors: dict[str, str] = {}
        if not note.strip():
            errors["note"] = _("Write what the re-check found.")
        if not effective:
            if not new_action.strip():
                errors["action"] = _("Write the new corrective action.")
            if new_recheck_on is None:
                errors["recheck_on"] = _("Choose when to re-check again.")
        if errors:
            raise ValidationError(errors)
        with self.db.uow() as uow:
            s = uow.session
            today = now.astimezone(shop_tz(s)).date()
            if not effective and new_recheck_on is not None and new_recheck_on <= today:
                raise ValidationError({"recheck_on": _("Choose a re-check date after today.")})
            inc = s.get(Incident, incident_id)
            if inc is None:
                raise NotFound(_("That incident no longer exists. Refresh the list."))
            if inc.status != "open":
                raise ServiceError(_("This incident is already closed."))
            inc.rechecks = (inc.rechecks or 0) + 1
            inc.recheck_note = note.strip()
            if effective:
                inc.status, inc.closed_at = "closed", now
            else:
                assert new_recheck_on is not None
                inc.action, inc.recheck_on = new_action.strip(), new_recheck_on
            audit(
                s,
                actor,
                "recheck",
                "incident",
                inc.id,
                after={"effective": effective, "status": inc.status, "recheck_on": inc.recheck_on.isoformat()},
                at=now,
            )
            uow.commit()
            return self._view(s, inc, staff_names(s), today)

    def incidents(self, which: str = "open", limit: int = 500) -> list[IncidentView]:
        """``open``, ``recheck`` (open, re-check day come) or ``all``; re-checks due first."""
        now = self.clock()
        with self.db.uow(write=False) as uow:
            s = uow.session
            today = now.astimezone(shop_tz(s)).date()
            q = select(Incident)
            if which in ("open", "recheck"):
                q = q.where(Incident.status == "open")
            if which == "recheck":
                q = q.where(Incident.recheck_on <= today)
            rows = list(s.scalars(q.order_by(Incident.happened_at.desc()).limit(limit)))
            names = staff_names(s)
            views = [self._view(s, r, names, today) for r in rows]
        views.sort(key=lambda v: (v.status != "open", not v.recheck_due, v.recheck_on))
        return views

    def _view(self, s: Session, r: Incident, names: dict[int, str], today: date) -> IncidentView:
        client = s.get(Client, r.client_id) if r.client_id else None
        is_open = r.status == "open"
        return IncidentView(
            id=r.id,
            happened_at=r.happened_at,
            place=r.place,
            step=r.step,
            category=r.category,
            severity=r.severity,
            description=r.description,
            client_id=r.client_id,
            client_name=client.name if client else "",
            staff_involved=staff_name(names, r.staff_involved_id),
            action=r.action,
            action_owner_id=r.action_owner_id,
            action_owner=staff_name(names, r.action_owner_id),
            recheck_on=r.recheck_on,
            status=r.status,
            rechecks=r.rechecks or 0,
            recheck_note=r.recheck_note or "",
            recorded_by=staff_name(names, r.recorded_by_id),
            closed_at=r.closed_at,
            recheck_due=is_open and r.recheck_on <= today,
            recheck_overdue=is_open and r.recheck_on < today,
        )

    def staff_choices(self) -> list[tuple[int, str]]:
        return active_staff(self.db)
