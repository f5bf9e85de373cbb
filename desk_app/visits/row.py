"""A visit as columns: read with one SELECT, written back with one version-checked UPDATE.

The visit's steps (greet, consultation, plan, confirm, assign, start, log, end, ...) load the
visit, change a few of its columns and commit. As an ORM entity that cost ~0.35 ms to load
(``session.get``: identity map, loader, instance state) and ~0.45 ms to flush (the unit of work's
dirty check, its versioned UPDATE and bookkeeping) out of a ~1.6 ms step. ``VisitRow`` keeps the
same rule as the entity's ``version_id_col``: the UPDATE names the version read and moves it on,
and a row another desk changed in between (0 rows updated) is refused with the same
``ConflictError`` and message as the ORM's ``StaleDataError`` (``steps.commit_visit``). It tells the change feed
(``touched``) as an ORM flush would.

``flow.move``, the safety check and the estimate take either this or the entity (checkout and the
calendar still move an entity they loaded for other reasons).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.orm import Session

from desk_app.core.service import ConflictError
from desk_app.db.engine import connection_of, touched
from desk_app.db.models import Visit
from desk_app.i18n import _

_VISITS = cast(Table, Visit.__table__)
_COLUMNS: tuple[str, ...] = tuple(c.key for c in _VISITS.c)
_JSON_COLUMNS = ("skipped_steps",)
_READ = select(_VISITS).where(_VISITS.c.id == bindparam("vid"))
# built once; the SET clause is the keys given to execute() (SQLAlchemy compiles and caches one
# form per set of keys), so only the columns a step changed are written (and only their indexes)
_UPDATE = update(_VISITS).where(_VISITS.c.id == bindparam("b_id"), _VISITS.c.version == bindparam("b_version"))


def conflict() -> ConflictError:
    """What a step is refused with when another desk changed the visit since it was read (the
    message of the ORM's version check in ``steps.commit_visit``)."""
    return ConflictError(
        _("Another desk changed this visit a moment ago. It has been reloaded; check it and try again.")
    )


class VisitRow:
    """The visit's columns as plain attributes (the names and types of ``Visit``'s)."""

    id: int
    branch_id: int
    client_id: int | None
    appointment_id: int | None
    staff_id: int | None
    resource_id: int | None
    kind: str
    step: str
    status: str
    booked_start_at: datetime | None
    arrived_at: datetime
    greeted_at: datetime | None
    assessed_at: datetime | None
    service_started_at: datetime | None
    service_ended_at: datetime | None
    paid_at: datetime | None
    rebooked_at: datetime | None
    left_at: datetime | None
    is_new_client: bool
    estimate_minor: int | None
    estimate_confirmed_at: datetime | None
    estimate_confirmed_by_id: int | None
    skipped_steps: dict[str, Any]
    next_appointment_id: int | None
    rebook_declined_reason: str
    satisfaction: int | None
    problem: str
    notes: str
    created_by_id: int | None
    version: int

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)
        self._seen = self._snapshot()

    def _snapshot(self) -> dict[str, Any]:
        seen = {k: self.__dict__[k] for k in _COLUMNS}
        for k in _JSON_COLUMNS:  # a changed copy must not look like the value read
            if isinstance(seen[k], dict):
                seen[k] = dict(seen[k])
        return seen

    @classmethod
    def read(cls, on: Session | Connection, visit_id: int) -> VisitRow | None:
        row = on.execute(_READ, {"vid": visit_id}).first()
        return None if row is None else cls(dict(row._mapping))

    def changes(self) -> dict[str, Any]:
        """The columns changed since the visit was read (or last saved)."""
        d, seen = self.__dict__, self._seen
        return {k: d[k] for k in _COLUMNS if d[k] != seen[k]}

    def save(self, session: Session) -> None:
        """Write the changed columns with one UPDATE that checks and moves on the version read;
        raise ``ConflictError`` when another desk changed the visit meanwhile. Nothing changed: no
        statement (as the unit of work)."""
        changed = self.changes()
        if not changed:
            return
        changed.pop("version", None)
        done = connection_of(session).execute(
            _UPDATE, {**changed, "version": self.version + 1, "b_id": self.id, "b_version": self.version}
        )
        if done.rowcount != 1:
            raise conflict()
        self.version += 1
        self._seen = self._snapshot()
        touched(session, "visit", self.id)


AnyVisit = Visit | VisitRow


def inserted_id(result: CursorResult[Any]) -> int:
    """The id a Core INSERT of one row gave it."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])
