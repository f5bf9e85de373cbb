"""What every service shares: errors fit to show, the audit trail, counters, clocks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from desk_app.db.engine import connection_of, session_now
from desk_app.db.models import AuditEntry, Counter, Shop, Staff, StaffBranch
from desk_app.domain.permissions import Actor, NotAllowed, Perm, Role
from desk_app.errors import DatabaseBusy as DatabaseBusy  # the services' errors all come from here
from desk_app.errors import ServiceError as ServiceError

T = TypeVar("T")


class ValidationError(ServiceError):
    """Bad input: ``errors`` maps each bad field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()), next(iter(errors), None))
        self.errors = errors


class NeedsConfirmation(ServiceError):
    """The action would leave something for the person to deal with (bookings outside new hours,
    a leaver's bookings): nothing was written. ``question`` is asked, ``message`` says what is
    left and what to do; the same call with ``confirmed=True`` goes ahead."""

    def __init__(self, question: str, message: str, yes: str) -> None:
        super().__init__(message)
        self.question, self.yes = question, yes


class ConflictError(ServiceError):
    """Someone else changed the record first (optimistic version check)."""


class NotFound(ServiceError):
    pass


_AUDIT_INSERT = insert(cast(Table, AuditEntry.__table__))


def audit(
    session: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: object = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str = "",
    allowed: bool = True,
    at: datetime | None = None,
) -> None:
    """Append one audit row (never updated or deleted). An actor who came in through a headless
    command (``actor.via``) is marked so in ``after["via"]``."""
    if actor is not None and actor.via:
        after = {**(after or {}), "via": actor.via}
    # a Core INSERT on the table, run at once: every action writes one, and as an ORM object it
    # cost a flush step and an INSERT ... RETURNING of its own; on the table (not the entity) it
    # never flushes the caller's pending objects early
    connection_of(session).execute(  # on the table: no autoflush either way, and no ORM execute path
        _AUDIT_INSERT,
        [
            {
                "at": at or session_now(session),
                "staff_id": actor.staff_id if actor else None,
                "branch_id": actor.branch_id if actor else None,
                "action": action,
                "entity": entity,
                "entity_id": str(entity_id),
                "before": _jsonable(before),
                "after": _jsonable(after),
                "detail": detail,
                "allowed": allowed,
            }
        ],
    )


def _jsonable(d: dict[str, Any] | None) -> dict[str, Any] | None:
    if d is None:
        return None
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, datetime):
            out[k] = v.isoformat()
        elif isinstance(v, (str, int, float, bool, type(None), list, dict)):
            out[k] = v
        else:
            out[k] = str(v)
    return out


def reader(session: Session) -> Session | Connection:
    """Where to run a read of columns: the session's connection when nothing is pending in the
    session (a Core read skips the ORM's execute path, ~80 µs a statement), else the session itself
    (its read flushes the pending changes first, which a read on the connection would not see)."""
    if session.new or session.dirty or session.deleted:
        return session
    return connection_of(session)


_STAFF_FOR_CHECK = select(
    Staff.id, Staff.name, Staff.role, Staff.active, Staff.branch_id, Staff.permissions
).where(Staff.id == bindparam("sid"))


def verified_actor(session: Session | Connection, actor: Actor) -> Actor | None:
    """The actor as the database knows them, or None when the database does not vouch for them.

    Services never trust the ``Actor`` a caller hands in: a hand-built ``Actor(role=OWNER)`` or
    one with ``overrides={"erase": True}`` gets only what the staff row says. The person must
    exist, be active and have the role the actor claims (and, unless an owner, work at the branch it
    claims: staff.branch_id or staff_branches); their per-person rights come from
    ``staff.permissions`` (so the owner taking a right away applies at once, not at the next
    sign-in). ``session`` may be a Core ``Connection``: the client search checks on the connection
    it then reads with (no ORM session on every keystroke)."""
    on = session if isinstance(session, Connection) else reader(session)
    row = on.execute(_STAFF_FOR_CHECK, {"sid": actor.staff_id}).first()  # columns, not an entity
    if row is None or not row.active or row.role != actor.role.value:
        return None
    if (  # someone other than an owner acts only at a branch they work at (their desk's, at sign-in)
        row.role != Role.OWNER.value
        and actor.branch_id != row.branch_id
        and not _works_at(session, row.id, actor.branch_id)
    ):
        return None
    return Actor(
        staff_id=row.id,
        name=row.name,
        role=actor.role,
        branch_id=actor.branch_id,
        overrides={k: bool(v) for k, v in (row.permissions or {}).items()},
        via=actor.via,
    )


def _works_at(session: Session | Connection, staff_id: int, branch_id: int) -> bool:
    if isinstance(session, Session):
        return session.get(StaffBranch, (staff_id, branch_id)) is not None
    sb = StaffBranch.__table__
    found = session.execute(
        select(sb.c.staff_id).where(sb.c.staff_id == staff_id, sb.c.branch_id == branch_id)
    )
    return found.first() is not None


def can(session: Session, actor: Actor | None, perm: Perm) -> bool:
    """Whether the database's own record of ``actor`` allows ``perm`` (see ``verified_actor``)."""
    if actor is None:
        return False
    known = verified_actor(session, actor)
    return known is not None and known.can(perm)


def require(session_factory: Callable[..., Any], actor: Actor, perm: Perm) -> Actor:
    """Raise NotAllowed (and log the attempt) unless the database's record of the actor allows
    the permission.

    ``session_factory`` is the database's ``uow``: the check reads the staff row in its own
    read unit of work, and a refusal is logged in its own write transaction so the log
    survives the caller's rollback. Returns the actor as the database knows them (their
    rights as stored now), for further checks such as seeing phone numbers.

    A write action that needs nothing before its unit of work opens uses ``permitted`` instead:
    the same check inside that unit of work (one transaction, not two).
    """
    with session_factory(write=False) as uow:
        known = verified_actor(uow.session, actor)
    if known is not None and known.can(perm):
        return known
    _log_refusal(session_factory, actor, perm, known)
    raise NotAllowed(perm, actor)


def _log_refusal(session_factory: Callable[..., Any], actor: Actor, perm: Perm, known: Actor | None) -> None:
    with session_factory() as uow:
        exists = uow.session.get(Staff, actor.staff_id) is not None
        audit(
            uow.session,
            actor if exists else None,  # an unknown id would break the staff foreign key
            "denied",
            "permission",
            perm.value,
            detail=(
                f"{actor.role} tried {perm.value}"
                if known is not None
                else f"{actor.role} (staff {actor.staff_id}) tried {perm.value}: "
                "the staff record does not match (role, inactive or unknown)"
            ),
            allowed=False,
        )
        uow.commit()


class _Refused(Exception):
    def __init__(self, known: Actor | None) -> None:
        super().__init__("refused")
        self.known = known


@contextmanager
def permitted(
    session_factory: Callable[..., Any], actor: Actor, perm: Perm, write: bool = True
) -> Iterator[tuple[Any, Actor]]:
    """A write unit of work whose first read is the permission check of ``require``:
    ``with permitted(self.db.uow, actor, Perm.X) as (uow, known): ...; uow.commit()``.

    The same rule as ``require`` (the database's record of the actor decides, a refusal is
    logged and raises NotAllowed), in one transaction instead of a read transaction before the
    write one (a visit step or a payment paid ~0.3 ms for the second BEGIN ... ROLLBACK). A refused
    actor's unit of work is rolled back untouched, then the refusal is logged in its own write
    transaction, as ``require`` does. ``write=False`` gives a read unit of work (a screen's read
    and its check in one transaction)."""
    try:
        with session_factory(write=write) as uow:
            known = verified_actor(uow.session, actor)
            if known is None or not known.can(perm):
                raise _Refused(known)
            yield uow, known
    except _Refused as refused:
        _log_refusal(session_factory, actor, perm, refused.known)
        raise NotAllowed(perm, actor) from None


_COUNTERS = cast(Table, Counter.__table__)
_COUNTER_UP = (  # built once, on the table (no ORM update path): every sale and booking number takes one
    update(_COUNTERS)
    .where(_COUNTERS.c.name == bindparam("cname"))
    .values(value=_COUNTERS.c.value + 1)
    .returning(_COUNTERS.c.value)
)


def next_counter(session: Session, name: str) -> int:
    """Increment and return a named counter inside the caller's (write) transaction."""
    res = connection_of(session).execute(_COUNTER_UP, {"cname": name}).scalar_one_or_none()
    if res is not None:
        return int(res)
    # first use: create the row without racing another desk that does the same
    # (PostgreSQL server mode: a plain INSERT would fail with a duplicate key), then increment
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(
            pg_insert(Counter).values(name=name, value=0).on_conflict_do_nothing(index_elements=["name"])
        )
    else:  # SQLite write units of work hold the write lock (BEGIN IMMEDIATE): no race
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        session.execute(sqlite_insert(Counter).values(name=name, value=0).on_conflict_do_nothing())
    res = session.execute(_COUNTER_UP, {"cname": name}).scalar_one()
    return int(res)


_SHOP_TZ = select(Shop.timezone).order_by(Shop.id).limit(1)


def shop_tz(session: Session) -> ZoneInfo:
    """The shop's time zone: days, opening hours and reports are in it. Read as one column (every
    write asks for it; loading the shop as an entity costs twice as much)."""
    zone = reader(session).execute(_SHOP_TZ).scalar()
    if zone is None and session.execute(select(Shop.id).limit(1)).first() is None:
        raise ServiceError("no shop is set up in this database")
    return ZoneInfo(zone or "Asia/Shanghai")


def shop_row(session: Session) -> Shop:
    shop = session.execute(select(Shop).order_by(Shop.id).limit(1)).scalar_one_or_none()
    if shop is None:
        raise ServiceError("no shop is set up in this database")
    return shop


RETRYABLE_SQLSTATES = {"40P01", "40001"}  # deadlock detected, serialization failure (PostgreSQL)


def is_retryable(exc: BaseException) -> bool:
    """A transaction the server aborted only because another desk raced it: safe to run again."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(exc, DBAPIError):
        return False
    code = getattr(exc.orig, "sqlstate", None)
    return code in RETRYABLE_SQLSTATES


def run_with_retry(fn: Callable[[], T], attempts: int = 8) -> T:
    """Run a whole unit of work again when PostgreSQL aborts it for a deadlock or a
    serialization failure (two desks writing the same rows at once). The retried
    attempt sees the winner's data, so e.g. a lost booking becomes a clear SlotTaken.
    The waits grow and are random ("full jitter"), so desks that collided once spread out
    instead of colliding again; eight attempts wait at most about three seconds in all."""
    import random
    import time

    for i in range(attempts):
        try:
            return fn()
        except Exception as exc:
            if not is_retryable(exc) or i == attempts - 1:
                raise
            time.sleep(random.uniform(0.005, min(0.5, 0.02 * 2**i)))
    raise AssertionError("unreachable")
