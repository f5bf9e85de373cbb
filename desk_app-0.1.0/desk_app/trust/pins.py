"""Every PIN typed at a desk is checked here: signing in, unlocking, and the owner's approval of
a refund, a void, a discount above the limit or a complaint's refund (docs/security.md).

One counter per staff member (``Staff.failed_pin_attempts``) counts wrong PINs from every path;
it is reset only by a correct PIN. Every ``max_attempts``-th wrong PIN pauses that staff member's
PIN (``Staff.locked_until``) for the base pause, doubling with each pause in a row (60 s, 120 s,
240 s ... at most an hour), so guessing never gets faster again. Every wrong PIN, every pause and
every PIN refused during a pause is audited with who tried and on which path.

An owner's approval is an audit row (action ``pin_approval``) carrying a random token; a service
that is handed an approval later (a discount on a bill being paid) checks the token against that
row, in its own unit of work, instead of trusting a caller-built ``Actor`` or staff id.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.core.service import ServiceError, audit
from desk_app.db.engine import UnitOfWork
from desk_app.db.models import AuditEntry, Staff
from desk_app.domain.permissions import Actor, Role
from desk_app.i18n import _, ngettext
from desk_app.settings import S, SettingsStore

LOCK_CAP_SECONDS = 3600  # the pause doubles per pause in a row, up to an hour
APPROVAL_VALID_FOR = timedelta(minutes=30)  # an owner's approval of a discount, until the bill is paid
STRONG_PIN_DIGITS = 6  # owners with a shorter PIN are nudged to choose a longer one
MAX_PIN_DIGITS = 8

# argon2id with moderate cost: a counter PC verifies in ~20-50 ms
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


class PinPath(StrEnum):
    """Where a PIN was typed: kept on every audit row about a PIN."""

    SIGN_IN = "sign_in"
    REFUND = "refund"
    VOID = "void"
    DISCOUNT = "discount"
    COMPLAINT = "complaint"


class PinRefused(ServiceError):
    """A PIN was not accepted; ``wait_seconds`` > 0 while the PIN is paused."""

    def __init__(self, message: str, wait_seconds: int = 0) -> None:
        super().__init__(message, "pin")
        self.wait_seconds = wait_seconds

    @property
    def locked_seconds(self) -> int:
        return self.wait_seconds


@dataclass(frozen=True)
class Approval:
    """An owner's PIN accepted for one path; ``token`` names its audit row."""

    staff_id: int
    name: str
    path: str
    token: str
    actor: Actor


def verify_pin(pin_hash: str, pin: str) -> bool:
    try:
        return bool(_hasher.verify(pin_hash, pin))
    except (VerificationError, InvalidHashError):
        return False


def hash_with(pin: str) -> str:
    return _hasher.hash(pin)


def wait_text(seconds: int) -> str:
    """'Too many wrong PINs. Try again in 2 minutes.'"""
    if seconds < 120:
        return ngettext(
            "Too many wrong PINs. Try again in {n} second.",
            "Too many wrong PINs. Try again in {n} seconds.",
            seconds,
        ).format(n=seconds)
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "Too many wrong PINs. Try again in {n} minute.",
        "Too many wrong PINs. Try again in {n} minutes.",
        minutes,
    ).format(n=minutes)


def lock_seconds(lock_no: int, base_seconds: int) -> int:
    """The pause after the ``lock_no``-th pause in a row (1, 2, 3 ...): doubling, capped."""
    return int(min(LOCK_CAP_SECONDS, base_seconds * 2 ** min(max(lock_no, 1) - 1, 16)))


def _actor(s: Staff) -> Actor:
    return Actor(
        staff_id=s.id,
        name=s.name,
        role=Role(s.role),
        branch_id=s.branch_id,
        overrides={k: bool(v) for k, v in (s.permissions or {}).items()},
    )


def _wait(s: Staff, now: datetime) -> int:
    if s.locked_until is None or s.locked_until <= now:
        return 0
    return max(1, math.ceil((s.locked_until - now).total_seconds()))


def _failed_action(path: PinPath) -> str:
    return "sign_in_failed" if path == PinPath.SIGN_IN else "owner_pin_failed"


def check_pin(
    uow: UnitOfWork,
    settings: SettingsStore,
    candidates: Sequence[Staff],
    pin: str,
    path: PinPath,
    now: datetime,
    by: Actor | None = None,
) -> Staff:
    """The one place a typed PIN is checked, first thing in a write unit of work.

    ``candidates`` are the staff rows whose PIN it may be (one for sign-in, the active owners for
    an approval), loaded by the caller with ``for_update`` so two desks count in turn. Returns the
    matching row with its counter reset (committed with the caller's work). Otherwise counts the
    wrong PIN on every candidate that is not paused, pauses those that reached the limit, audits
    it all, **commits** (nothing else may be in the unit of work yet) and raises PinRefused."""
    session = uow.session
    max_attempts = max(1, settings.get(S.SECURITY_PIN_MAX_ATTEMPTS))
    base = max(1, settings.get(S.SECURITY_PIN_LOCK_SECONDS))
    detail = {"path": path.value}
    open_ = [s for s in candidates if not _wait(s, now)]
    if candidates and not open_:
        wait = min(_wait(s, now) for s in candidates)
        for s in candidates:
            audit(session, by, "pin_refused_paused", "staff", s.id, after=detail, allowed=False, at=now)
        uow.commit()
        raise PinRefused(wait_text(wait), wait)
    for s in open_:
        if verify_pin(s.pin_hash, pin or ""):
            s.failed_pin_attempts = 0
            s.locked_until = None
            return s
    locked: list[int] = []
    for s in open_:
        s.failed_pin_attempts = (s.failed_pin_attempts or 0) + 1
        n = s.failed_pin_attempts
        audit(session, by, _failed_action(path), "staff", s.id, after={**detail, "wrong_in_a_row": n},
              allowed=False, at=now)
        if n % max_attempts == 0:
            secs = lock_seconds(n // max_attempts, base)
            s.locked_until = now + timedelta(seconds=secs)
            locked.append(secs)
            audit(session, by, "pin_paused", "staff", s.id,
                  after={**detail, "seconds": secs, "pause_in_a_row": n // max_attempts},
                  allowed=False, at=now)
    uow.commit()
    if locked and len(locked) == len(open_):
        raise PinRefused(wait_text(min(locked)), min(locked))
    if path == PinPath.SIGN_IN:
        raise PinRefused(_("Wrong PIN. Please try again."))
    raise PinRefused(_("That PIN is not the owner's. Ask the owner to type it."))


def owner_rows(session: Session) -> list[Staff]:
    """The active owners, locked for this unit of work (PostgreSQL: desks count wrong PINs in turn)."""
    return list(
        session.scalars(
            select(Staff)
            .where(Staff.role == Role.OWNER.value, Staff.active.is_(True))
            .order_by(Staff.id)
            .with_for_update()
        )
    )


def approve_with_owner_pin(
    uow: UnitOfWork, settings: SettingsStore, pin: str, path: PinPath, by: Actor, now: datetime
) -> Approval:
    """An owner's PIN typed at ``by``'s desk: the owner it belongs to, with an approval row audited.
    Call first in a write unit of work; a wrong PIN is counted, committed and raised."""
    owners = owner_rows(uow.session)
    if not owners:
        raise PinRefused(_("This shop has no active owner to approve this."))
    s = check_pin(uow, settings, owners, pin, path, now, by=by)
    token = secrets.token_hex(16)
    owner = _actor(s)
    audit(uow.session, owner, "pin_approval", "approval", token,
          after={"path": path.value, "asked_by": by.staff_id}, at=now)
    return Approval(staff_id=s.id, name=s.name, path=path.value, token=token, actor=owner)


def approval_holds(session: Session, token: str, staff_id: int | None, path: PinPath, now: datetime) -> bool:
    """True when ``token`` is an owner's approval for ``path`` by ``staff_id``, given at most
    APPROVAL_VALID_FOR ago, and not used yet (see ``use_approval``)."""
    if not token or staff_id is None:
        return False
    rows = list(
        session.scalars(select(AuditEntry).where(AuditEntry.entity == "approval", AuditEntry.entity_id == token))
    )
    given = [
        r for r in rows
        if r.action == "pin_approval" and r.staff_id == staff_id and (r.after or {}).get("path") == path.value
    ]
    if not given or any(r.action == "approval_used" for r in rows):
        return False
    at = given[0].at
    if at.tzinfo is None and now.tzinfo is not None:
        at = at.replace(tzinfo=now.tzinfo)
    if not now - APPROVAL_VALID_FOR <= at <= now + timedelta(minutes=1):
        return False
    owner = session.get(Staff, staff_id)
    return owner is not None and owner.active and owner.role == Role.OWNER.value


def use_approval(session: Session, token: str, by: Actor, now: datetime, entity_id: object) -> None:
    """Mark an approval used (one sale per approval)."""
    audit(session, by, "approval_used", "approval", token, after={"for": str(entity_id)}, at=now)


def refuse(uow_factory: Callable[[], UnitOfWork], by: Actor | None, path: PinPath, what: str,
           entity_id: object = "", detail: str = "") -> None:
    """Audit a refused refund, void or discount in its own unit of work (the action rolled back)."""
    with uow_factory() as uow:
        audit(uow.session, by, "refused", what, entity_id, after={"path": path.value}, detail=detail,
              allowed=False)
        uow.commit()
