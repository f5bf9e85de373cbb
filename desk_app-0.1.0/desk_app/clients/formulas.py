"""Colour (and other) formulas: structured components, a 24 h lock, corrections as versions.

Used by ``VisitService``; the functions run inside the caller's unit of work.
Before the lock its author may fix a formula in place; after the lock (or by
someone else) a correction is a NEW row (``root_id`` = first version,
``version_no`` + 1) and the old row gets ``superseded_by_id``: nothing entered
is ever lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.core.service import NotFound, ServiceError, ValidationError
from desk_app.db.models import Formula, Staff
from desk_app.domain.permissions import Actor
from desk_app.i18n import _

LOCK_AFTER = timedelta(hours=24)

COMPONENT_FIELDS = ("product", "shade", "developer", "amount", "minutes", "notes")


@dataclass(frozen=True)
class FormulaComponent:
    product: str
    shade: str = ""
    developer: str = ""  # developer / volume, e.g. "20 vol" or "6 %"
    amount: str = ""  # e.g. "40 g"
    minutes: int | None = None  # processing time
    notes: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "product": self.product,
            "shade": self.shade,
            "developer": self.developer,
            "amount": self.amount,
            "minutes": self.minutes,
            "notes": self.notes,
        }


@dataclass(frozen=True)
class FormulaView:
    id: int
    root_id: int  # the first version's id (itself for a first version)
    version_no: int
    visit_id: int | None
    client_id: int
    service_id: int | None
    author_id: int | None
    author_name: str
    components: tuple[FormulaComponent, ...]
    notes: str
    created_at: datetime
    locks_at: datetime
    superseded_by_id: int | None
    locked: bool  # at the time the view was made

    @property
    def is_current(self) -> bool:
        return self.superseded_by_id is None


def parse_components(raw: Iterable[FormulaComponent | Mapping[str, Any]]) -> list[FormulaComponent]:
    """Validate components; raise ValidationError naming the bad row and field."""
    out: list[FormulaComponent] = []
    errors: dict[str, str] = {}
    for i, item in enumerate(raw, start=1):
        if isinstance(item, FormulaComponent):
            c = item
        else:
            minutes_raw = item.get("minutes")
            minutes: int | None
            if minutes_raw in (None, ""):
                minutes = None
            else:
                try:
                    minutes = int(str(minutes_raw).strip())
                except ValueError:
                    errors[f"components.{i}.minutes"] = _(
                        "Row {n}: processing time is a whole number of minutes."
                    ).format(n=i)
                    continue
            c = FormulaComponent(
                product=str(item.get("product", "")).strip(),
                shade=str(item.get("shade", "")).strip(),
                developer=str(item.get("developer", "")).strip(),
                amount=str(item.get("amount", "")).strip(),
                minutes=minutes,
                notes=str(item.get("notes", "")).strip(),
            )
        if not c.product:
            errors[f"components.{i}.product"] = _(
                "Row {n}: enter the product (e.g. the colour line)."
            ).format(n=i)
        if not c.amount:
            errors[f"components.{i}.amount"] = _("Row {n}: enter the amount (e.g. 40 g).").format(n=i)
        if c.minutes is not None and not 0 <= c.minutes <= 240:
            errors[f"components.{i}.minutes"] = _(
                "Row {n}: processing time must be 0 to 240 minutes."
            ).format(n=i)
        out.append(c)
    if not out and not errors:
        errors["components"] = _("Add at least one component to the formula.")
    if errors:
        raise ValidationError(errors)
    return out


def formula_view(f: Formula, now: datetime, author_name: str = "") -> FormulaView:
    comps = tuple(
        FormulaComponent(
            product=str(c.get("product", "")),
            shade=str(c.get("shade", "")),
            developer=str(c.get("developer", "")),
            amount=str(c.get("amount", "")),
            minutes=c.get("minutes"),
            notes=str(c.get("notes", "")),
        )
        for c in (f.components or [])
    )
    return FormulaView(
        id=f.id,
        root_id=f.root_id or f.id,
        version_no=f.version_no,
        visit_id=f.visit_id,
        client_id=f.client_id,
        service_id=f.service_id,
        author_id=f.author_id,
        author_name=author_name,
        components=comps,
        notes=f.notes,
        created_at=f.created_at,
        locks_at=f.locks_at,
        superseded_by_id=f.superseded_by_id,
        locked=now >= f.locks_at,
    )


def add(
    session: Session,
    actor: Actor,
    *,
    visit_id: int | None,
    client_id: int,
    service_id: int | None,
    components: list[FormulaComponent],
    notes: str,
    now: datetime,
) -> Formula:
    f = Formula(
        visit_id=visit_id,
        client_id=client_id,
        service_id=service_id,
        version_no=1,
        author_id=actor.staff_id,
        components=[c.as_dict() for c in components],
        notes=notes.strip(),
        created_at=now,
        locks_at=now + LOCK_AFTER,
    )
    session.add(f)
    session.flush()
    return f


def correct(
    session: Session,
    actor: Actor,
    formula_id: int,
    *,
    components: list[FormulaComponent],
    notes: str,
    now: datetime,
) -> tuple[Formula, bool]:
    """Correct a formula; returns (the row now current, whether a new version was made)."""
    old = session.get(Formula, formula_id)
    if old is None:
        raise NotFound(_("That formula no longer exists."))
    if old.superseded_by_id is not None:
        raise ServiceError(
            _("This is an older version. Open the latest version of the formula to correct it.")
        )
    if now < old.locks_at and old.author_id == actor.staff_id:
        old.components = [c.as_dict() for c in components]
        old.notes = notes.strip()
        return old, False
    new = Formula(
        visit_id=old.visit_id,
        client_id=old.client_id,
        service_id=old.service_id,
        root_id=old.root_id or old.id,
        version_no=old.version_no + 1,
        author_id=actor.staff_id,
        components=[c.as_dict() for c in components],
        notes=notes.strip(),
        created_at=now,
        locks_at=now + LOCK_AFTER,
    )
    session.add(new)
    session.flush()
    old.superseded_by_id = new.id
    return new, True


def views_for(session: Session, where: Any, now: datetime) -> list[FormulaView]:
    """Formulas matching ``where`` (a SQL condition), oldest first, with their authors' names."""
    rows = session.execute(
        select(Formula, Staff.name)
        .outerjoin(Staff, Staff.id == Formula.author_id)
        .where(where)
        .order_by(Formula.created_at, Formula.id)
    ).all()
    return [formula_view(f, now, name or "") for f, name in rows]
