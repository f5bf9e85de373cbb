"""Staff sign-in with a 4-8 digit PIN (argon2id), paused after wrong PINs (trust/pins.py); staff management."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from desk_app.core.service import NotFound, ServiceError, ValidationError, audit, require, shop_row
from desk_app.db.engine import Clock, Database
from desk_app.db.models import AuditEntry, Staff
from desk_app.domain.money import Money, parse_amount
from desk_app.domain.permissions import Actor, Perm, Role
from desk_app.i18n import _
from desk_app.settings import SettingsStore
from desk_app.trust.pins import MAX_PIN_DIGITS, PinPath, PinRefused, check_pin, hash_with

PIN_RE = re.compile(rf"^\d{{4,{MAX_PIN_DIGITS}}}$")


def hash_pin(pin: str) -> str:
    check_pin_format(pin)
    return hash_with(pin)


def check_pin_format(pin: str) -> None:
    if not PIN_RE.match(pin or ""):
        raise ValidationError({"pin": pin_format_error()})


def pin_format_error() -> str:
    return _("A PIN is 4 to 8 digits (6 or more is much harder to guess).")


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


SignInError = PinRefused  # sign-in refusals are PIN refusals like any other (wait_seconds when paused)


@dataclass(frozen=True)
class PinAlert:
    """What happened to a staff member's PIN since their previous sign-in (shown to the owner)."""

    wrong: int  # wrong PINs typed for them, on any path
    pauses: int  # times their PIN was paused
    paths: tuple[str, ...]  # sign_in | refund | void | discount | complaint
    tried_by: tuple[str, ...]  # names of the signed-in staff who typed them (approvals)
    since: datetime | None


class AuthService:
    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)  # rows are stamped by the same clock
        self.settings = settings
        self.clock = self.db.clock

    def _currency(self) -> str:
        with self.db.uow(write=False) as uow:
            return shop_row(uow.session).currency

    def base_pays(self, actor: Actor) -> dict[int, Decimal]:
        """Each staff member's base pay a month, where the owner gave one (owner only)."""
        require(self.db.uow, actor, Perm.STAFF_MANAGE)
        with self.db.uow(write=False) as uow:
            currency = shop_row(uow.session).currency
            return {
                int(i): Money.from_minor(int(m), currency).amount
                for i, m in uow.session.execute(select(Staff.id, Staff.base_pay_minor))
                if m is not None
            }

    def list_staff(self, active_only: bool = True) -> list[StaffView]:
        with self.db.uow(write=False) as uow:
            q = select(Staff).order_by(Staff.role.desc(), Staff.name)
            if active_only:
                q = q.where(Staff.active.is_(True))
            return [staff_view(s) for s in uow.session.scalars(q)]

    def sign_in(self, staff_id: int, pin: str) -> Actor:
        """Check a PIN (trust/pins.py: wrong PINs count on every path and pause the PIN)."""
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session.scalars(select(Staff).where(Staff.id == staff_id).with_for_update()).first()
            if s is None or not s.active:
                raise PinRefused(_("This staff member cannot sign in. Ask the owner."))
            s = check_pin(uow, self.settings, [s], pin, PinPath.SIGN_IN, now)
            actor = actor_for(s)
            audit(uow.session, actor, "sign_in", "staff", s.id, at=now)
            uow.commit()
            return actor

    def check_pin(self, staff_id: int, pin: str) -> bool:
        """Verify without keeping the actor (unlock). Counts toward the limit like signing in."""
        try:
            self.sign_in(staff_id, pin)
        except PinRefused:
            return False
        return True

    def pin_alert(self, actor: Actor) -> PinAlert | None:
        """Wrong PINs and pauses of ``actor``'s own PIN since their previous sign-in, if any."""
        failed = ("sign_in_failed", "owner_pin_failed", "pin_paused", "pin_refused_paused")
        with self.db.uow(write=False) as uow:
            s = uow.session
            signed = list(
                s.scalars(
                    select(AuditEntry.at)
                    .where(AuditEntry.action == "sign_in", AuditEntry.staff_id == actor.staff_id)
                    .order_by(AuditEntry.id.desc())
                    .limit(2)
                )
            )
            since = signed[1] if len(signed) > 1 else None
            q = select(AuditEntry).where(
                AuditEntry.entity == "staff",
                AuditEntry.entity_id == str(actor.staff_id),
                AuditEntry.action.in_(failed),
            )
            if since is not None:
                q = q.where(AuditEntry.at > since)
            rows = [(r.action, r.staff_id, dict(r.after or {})) for r in s.scalars(q.order_by(AuditEntry.id))]
            if not rows:
                return None
            who = {by for _a, by, _d in rows if by is not None and by != actor.staff_id}
            names = sorted(s.scalars(select(Staff.name).where(Staff.id.in_(who)))) if who else []
        return PinAlert(
            wrong=sum(a in ("sign_in_failed", "owner_pin_failed") for a, _b, _d in rows),
            pauses=sum(a == "pin_paused" for a, _b, _d in rows),
            paths=tuple(sorted({str(d.get("path", "")) for _a, _b, d in rows} - {""})),
            tried_by=tuple(names),
            since=since,
        )

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
        base_pay: Decimal | str | None = None,
    ) -> StaffView:
        """``base_pay``: the base pay a month, for the appraisal's performance pay ("" or None:
        unchanged for someone already here, none for a new person; "0" clears it)."""
        require(self.db.uow, actor, Perm.STAFF_MANAGE)
        errors: dict[str, str] = {}
        pay_minor: int | None = None
        pay_given = base_pay is not None and str(base_pay).strip() != ""
        if pay_given:
            try:
                currency = self._currency()
                amount = parse_amount(str(base_pay), currency) if not isinstance(base_pay, Decimal) else None
                value = amount.amount if amount is not None else Decimal(str(base_pay))
                if value < 0:
                    raise ValueError
                pay_minor = Money.of(value, currency).minor
            except (ValueError, ArithmeticError):
                errors["base_pay"] = _("Enter the base pay as an amount, e.g. 6000 (or leave it empty).")
        name = (name or "").strip()
        if not name:
            errors["name"] = _("Enter the staff member's name.")
        if role not in {r.value for r in Role}:
            errors["role"] = _("Choose a role: receptionist, stylist or owner.")
        if staff_id is None and not pin:
            errors["pin"] = _("A new staff member needs a PIN of 4 to 8 digits.")
        if pin and not PIN_RE.match(pin):
            errors["pin"] = pin_format_error()
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
                if pin:  # a new PIN also ends a pause (the owner's way to let a locked-out colleague in)
                    s.pin_hash = hash_pin(pin)
                    s.failed_pin_attempts = 0
                    s.locked_until = None
            s.active = active
            s.color = color
            if working_hours is not None:
                s.working_hours = working_hours
            if permissions is not None:
                s.permissions = permissions
            pay_changed = pay_given and s.base_pay_minor != (pay_minor or None)
            if pay_changed:
                s.base_pay_minor = pay_minor or None
            uow.session.flush()
            audit(uow.session, actor, "update" if before else "create", "staff", s.id,
                  before=before, after={"name": s.name, "role": s.role, "active": s.active,
                                        "pin_reset": bool(pin), "base_pay_changed": pay_changed})
            uow.commit()
            return staff_view(s)

