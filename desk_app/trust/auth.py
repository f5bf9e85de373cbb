"""Staff sign-in with a 4-6 digit PIN (argon2id), rate-limited; staff management."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from desk_app.core.service import NotFound, ServiceError, ValidationError, audit, require
from desk_app.db.engine import Clock, Database
from desk_app.db.models import Staff
from desk_app.domain.permissions import Actor, Perm, Role
from desk_app.i18n import _
from desk_app.settings import S, SettingsStore

PIN_RE = re.compile(r"^\d{4,6}$")

# argon2id with moderate cost: a counter PC verifies in ~20-50 ms
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def hash_pin(pin: str) -> str:
    check_pin_format(pin)
    return _hasher.hash(pin)


def check_pin_format(pin: str) -> None:
    if not PIN_RE.match(pin or ""):
        raise ValidationError({"pin": _("A PIN is 4 to 6 digits.")})


def verify_pin(pin_hash: str, pin: str) -> bool:
    try:
        return bool(_hasher.verify(pin_hash, pin))
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class StaffView:
    id: int
    name: str
    role: str
    active: bool
    branch_id: int
    color: str
    working_hours: dict[str, Any]
    permissions: dict[str, Any]
    language: str | None


def staff_view(s: Staff) -> StaffView:
    return StaffView(
        id=s.id,
        name=s.name,
        role=s.role,
        active=s.active,
        branch_id=s.branch_id,
        color=s.color,
        working_hours=dict(s.working_hours or {}),
        permissions=dict(s.permissions or {}),
        language=s.language,
    )


def actor_for(s: Staff) -> Actor:
    return Actor(
        staff_id=s.id,
        name=s.name,
        role=Role(s.role),
        branch_id=s.branch_id,
        overrides={k: bool(v) for k, v in (s.permissions or {}).items()},
    )


class SignInError(ServiceError):
    def __init__(self, message: str, locked_seconds: int = 0) -> None:
        super().__init__(message, "pin")
        self.locked_seconds = locked_seconds


class AuthService:
    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)  # rows are stamped by the same clock
        self.settings = settings
        self.clock = self.db.clock

    def list_staff(self, active_only: bool = True) -> list[StaffView]:
        with self.db.uow(write=False) as uow:
            q = select(Staff).order_by(Staff.role.desc(), Staff.name)
            if active_only:
                q = q.where(Staff.active.is_(True))
            return [staff_view(s) for s in uow.session.scalars(q)]

    def sign_in(self, staff_id: int, pin: str) -> Actor:
        """Check a PIN. Wrong PINs count; after N of them the staff member waits."""
        now = self.clock()
        max_attempts = self.settings.get(S.SECURITY_PIN_MAX_ATTEMPTS)
        lock_s = self.settings.get(S.SECURITY_PIN_LOCK_SECONDS)
        with self.db.uow() as uow:
            s = uow.session.get(Staff, staff_id)
            if s is None or not s.active:
                raise SignInError(_("This staff member cannot sign in. Ask the owner."))
            if s.locked_until is not None and s.locked_until > now:
                wait = int((s.locked_until - now).total_seconds()) + 1
                raise SignInError(
                    _("Too many wrong PINs. Try again in {n} seconds.").format(n=wait), wait
                )
            if not verify_pin(s.pin_hash, pin or ""):
                s.failed_pin_attempts += 1
                locked = 0
                if s.failed_pin_attempts >= max_attempts:
                    s.locked_until = now + timedelta(seconds=lock_s)
                    s.failed_pin_attempts = 0
                    locked = lock_s
                audit(uow.session, None, "sign_in_failed", "staff", s.id, at=now, allowed=False)
                uow.commit()
                if locked:
                    raise SignInError(
                        _("Too many wrong PINs. Try again in {n} seconds.").format(n=locked), locked
                    )
                raise SignInError(_("Wrong PIN. Please try again."))
            s.failed_pin_attempts = 0
            s.locked_until = None
            actor = actor_for(s)
            audit(uow.session, actor, "sign_in", "staff", s.id, at=now)
            uow.commit()
            return actor

    def check_pin(self, staff_id: int, pin: str) -> bool:
        """Verify without signing in (unlock, owner approval). Counts toward the limit."""
        try:
            self.sign_in(staff_id, pin)
        except SignInError:
            return False
        return True

    def approve_with_owner_pin(self, pin: str) -> Actor | None:
        """An owner's PIN typed at the desk to approve something (discount, refund)."""
        with self.db.uow(write=False) as uow:
            owners = [
                (o.pin_hash, actor_for(o))
                for o in uow.session.scalars(
                    select(Staff).where(Staff.role == Role.OWNER.value, Staff.active.is_(True))
                )
            ]
        for pin_hash, actor in owners:
            if verify_pin(pin_hash, pin):
                return actor
        return None

    # -- staff management (owner) ----------------------------------------------
    def save_staff(
        self,
        actor: Actor,
        *,
        staff_id: int | None,
        name: str,
        role: str,
        pin: str | None = None,
        active: bool = True,
        color: str = "#5B8DEF",
        working_hours: dict[str, Any] | None = None,
        permissions: dict[str, Any] | None = None,
    ) -> StaffView:
        require(self.db.uow, actor, Perm.STAFF_MANAGE)
        errors: dict[str, str] = {}
        name = (name or "").strip()
        if not name:
            errors["name"] = _("Enter the staff member's name.")
        if role not in {r.value for r in Role}:
            errors["role"] = _("Choose a role: receptionist, stylist or owner.")
        if staff_id is None and not pin:
            errors["pin"] = _("A new staff member needs a PIN of 4 to 6 digits.")
        if pin and not PIN_RE.match(pin):
            errors["pin"] = _("A PIN is 4 to 6 digits.")
        if errors:
            raise ValidationError(errors)
        with self.db.uow() as uow:
            if staff_id is None:
                s = Staff(branch_id=actor.branch_id, name=name, role=role, pin_hash=hash_pin(pin or ""))
                uow.session.add(s)
                before = None
            else:
                found = uow.session.get(Staff, staff_id)
                if found is None:
                    raise NotFound(_("That staff member no longer exists."))
                s = found
                before = {"name": s.name, "role": s.role, "active": s.active}
                if s.id == actor.staff_id and (role != Role.OWNER.value or not active):
                    raise ServiceError(_("You cannot remove your own owner role or deactivate yourself."))
                s.name, s.role = name, role
                if pin:
                    s.pin_hash = hash_pin(pin)
            s.active = active
            s.color = color
            if working_hours is not None:
                s.working_hours = working_hours
            if permissions is not None:
                s.permissions = permissions
            uow.session.flush()
            audit(uow.session, actor, "update" if before else "create", "staff", s.id,
                  before=before, after={"name": s.name, "role": s.role, "active": s.active,
                                        "pin_reset": bool(pin)})
            uow.commit()
            return staff_view(s)


def cli_actor(db: Database) -> Actor:
    """Headless commands act as the shop's first active owner."""
    with db.uow(write=False) as uow:
        s = uow.session.execute(
            select(Staff)
            .where(Staff.role == Role.OWNER.value, Staff.active.is_(True))
            .order_by(Staff.id)
            .limit(1)
        ).scalar_one_or_none()
        if s is None:
            raise ServiceError(
                _("This database has no shop owner yet. Open the app once to set the shop up.")
            )
        return actor_for(s)
