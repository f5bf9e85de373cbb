"""The monthly review (PDCA, docs/service-standard.md): reviewing a month, the owner records
improvement actions (what, who owns it, by when); the next month's review asks of each whether it
was done, not done, or carried over (a carried action is copied into the new month). Owner only;
every write audited; a refused or bad request changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from desk_app.aftercare.complaints import active_staff, staff_name, staff_names
from desk_app.core.service import NotFound, ServiceError, ValidationError, audit, require
from desk_app.db.engine import Clock, Database
from desk_app.db.models import ImprovementAction, Staff
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import _
from desk_app.reports.sqlhelp import previous_month
from desk_app.settings import SettingsStore

OUTCOMES = ("done", "not_done", "carried")


@dataclass(frozen=True)
class ActionView:
    id: int
    month: str
    what: str
    owner_id: int | None
    owner: str
    due_on: date
    outcome: str  # open | done | not_done | carried
    outcome_note: str
    carried_from_id: int | None


@dataclass(frozen=True)
class MonthReview:
    month: str
    previous: list[ActionView]  # last month's actions: asked whether they were done
    current: list[ActionView]  # this month's actions


class ReviewService:
    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)
        self.settings = settings
        self.clock = self.db.clock

    def review(self, actor: Actor, month: str) -> MonthReview:
        require(self.db.uow, actor, Perm.REPORTS)
        with self.db.uow(write=False) as uow:
            s = uow.session
            names = staff_names(s)

            def of(m: str) -> list[ActionView]:
                rows = s.scalars(select(ImprovementAction).where(ImprovementAction.month == m).order_by(ImprovementAction.id))
                return [_view(r, names) for r in rows]

            return MonthReview(month, of(previous_month(month)), of(month))

    def add_action(self, actor: Actor, month: str, what: str, owner_id: int | None, due_on: date) -> ActionView:
        require(self.db.uow, actor, Perm.REPORTS)
        errors: dict[str, str] = {}
        if not what.strip():
            errors["what"] = _("Write the improvement: what will be done differently.")
        if owner_id is None:
            errors["owner_id"] = _("Choose who owns it.")
        if errors:
            raise ValidationError(errors)
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            if s.get(Staff, owner_id) is None:
                raise ValidationError({"owner_id": _("That staff member no longer exists; choose again.")})
            a = ImprovementAction(
                month=month, what=what.strip(), owner_id=owner_id, due_on=due_on, outcome="open", outcome_note="",
                created_by_id=actor.staff_id, created_at=now,
            )
            s.add(a)
            s.flush()
            audit(s, actor, "create", "improvement_action", a.id, after={"month": month, "due_on": due_on.isoformat()}, at=now)
            uow.commit()
            return _view(a, staff_names(s))

    def record_outcome(self, actor: Actor, action_id: int, outcome: str, note: str = "") -> ActionView:
        """Done, not done (say why) or carried over (copied into the next month, still open)."""
        require(self.db.uow, actor, Perm.REPORTS)
        if outcome not in OUTCOMES:
            raise ValidationError({"outcome": _("Choose done, not done or carried over.")})
        if outcome == "not_done" and not note.strip():
            raise ValidationError({"note": _("Write why it was not done.")})
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            a = s.get(ImprovementAction, action_id)
            if a is None:
                raise NotFound(_("That action no longer exists. Refresh the review."))
            if a.outcome != "open":
                raise ServiceError(_("This action was already reviewed."))
            a.outcome, a.outcome_note, a.reviewed_at = outcome, note.strip(), now
            if outcome == "carried":
                nxt = _next_month(a.month)
                s.add(
                    ImprovementAction(
                        month=nxt, what=a.what, owner_id=a.owner_id, due_on=a.due_on, outcome="open", outcome_note="",
                        carried_from_id=a.id, created_by_id=actor.staff_id, created_at=now,
                    )
                )
            audit(s, actor, "review", "improvement_action", a.id, after={"outcome": outcome}, at=now)
            uow.commit()
            return _view(a, staff_names(s))

    def staff_choices(self) -> list[tuple[int, str]]:
        return active_staff(self.db)


def _next_month(month: str) -> str:
    y, m = int(month[:4]), int(month[5:7])
    return f"{y + (m == 12):04d}-{m % 12 + 1:02d}"


def _view(a: ImprovementAction, names: dict[int, str]) -> ActionView:
    return ActionView(
        id=a.id, month=a.month, what=a.what, owner_id=a.owner_id, owner=staff_name(names, a.owner_id), due_on=a.due_on,
        outcome=a.outcome, outcome_note=a.outcome_note or "", carried_from_id=a.carried_from_id,
    )
