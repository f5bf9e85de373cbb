"""Staff sign-in with a 4-8 digit PIN (argon2id), paused after wrong PINs (trust/pins.py); staff management."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select

from desk_app.core.service import (
    NeedsConfirmation,
    NotFound,
    ServiceError,
    ValidationError,
    audit,
    require,
    shop_row,
    shop_tz,
)
from desk_app.db.engine import Clock, Database
from desk_app.db.models import Appointment, AuditEntry, Branch, Staff, StaffBasePay
from desk_app.domain import timesheet as ts
from desk_app.domain.appointment import UPCOMING
from desk_app.domain.money import Money, parse_amount
from desk_app.domain.permissions import Actor, Perm, Role
from desk_app.i18n import _, format_when, ngettext
from desk_app.settings import SettingsStore
from desk_app.trust.branches import branch_ids_of, desk_branch, set_branches, works_at
from desk_app.trust.pins import MAX_PIN_DIGITS, PinPath, PinRefused, check_pin, hash_with
from desk_app.trust.timeclock import in_force

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
    branch_ids: tuple[int, ...] = ()  # the branches they work at (branch_id, the home one, among them)


def staff_view(s: Staff, branch_ids: set[int] | None = None) -> StaffView:
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
        branch_ids=tuple(sorted(branch_ids if branch_ids is not None else {s.branch_id})),
    )


def actor_for(s: Staff, branch_id: int | None = None) -> Actor:
    """The actor for ``s``, working at ``branch_id`` (their desk's branch; default: their home branch)."""
    return Actor(
        staff_id=s.id,
        name=s.name,
        role=Role(s.role),
        branch_id=s.branch_id if branch_id is None else branch_id,
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
            staff = list(uow.session.scalars(q))
            return [staff_view(s, branch_ids_of(uow.session, s)) for s in staff]

    def sign_in_staff(self, desk_branch_code: str) -> list[StaffView]:
        """Who may sign in at a desk of that branch (DeskSettings.branch): its active staff and the
        owners (who may sign in anywhere)."""
        with self.db.uow(write=False) as uow:
            bid = desk_branch(uow.session, desk_branch_code).id
            q = (
                select(Staff)
                .where(Staff.active.is_(True), or_(works_at(bid), Staff.role == Role.OWNER.value))
                .order_by(Staff.role.desc(), Staff.name)
            )
            return [staff_view(s) for s in uow.session.scalars(q)]

    def desk_branch_name(self, desk_branch_code: str) -> str | None:
        """The name of the branch a desk configured with that code works at, when the shop has more
        than one open branch (the sign-in page names it: whoever is not listed knows why); None for a
        one-branch shop."""
        with self.db.uow(write=False) as uow:
            open_ids = list(uow.session.scalars(select(Branch.id).where(Branch.active.is_(True)).limit(2)))
            if len(open_ids) < 2:
                return None
            return desk_branch(uow.session, desk_branch_code).name

    def sign_in(self, staff_id: int, pin: str, desk_branch_code: str | None = None) -> Actor:
        """Check a PIN (trust/pins.py: wrong PINs count on every path and pause the PIN).

        ``desk_branch_code``: the desk's branch (DeskSettings.branch; "" = the first open branch);
        the actor then works at it, and someone who does not work there (other than an owner) is
        refused before their PIN is checked. None (headless, tests): their home branch."""
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session.scalars(select(Staff).where(Staff.id == staff_id).with_for_update()).first()
            if s is None or not s.active:
                raise PinRefused(_("This staff member cannot sign in. Ask the owner."))
            branch_id: int | None = None
            if desk_branch_code is not None:
                branch = desk_branch(uow.session, desk_branch_code)
                branch_id = branch.id
                if s.role != Role.OWNER.value and branch.id not in branch_ids_of(uow.session, s):
                    raise PinRefused(
                        _("{name} does not work at {branch}, this desk's branch. The owner can add the "
                          "branch in Settings › Staff.").format(name=s.name, branch=branch.name)
                    )
            s = check_pin(uow, self.settings, [s], pin, PinPath.SIGN_IN, now)
            actor = actor_for(s, branch_id)
            audit(uow.session, actor, "sign_in", "staff", s.id, at=now,
                  after={"branch_id": actor.branch_id} if branch_id is not None else None)
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
        branch_ids: Collection[int] | None = None,
        confirmed: bool = False,
    ) -> StaffView:
        """Deactivating someone with bookings still to come, or on the clock, is refused with
        NeedsConfirmation (what is left, nothing written) unless ``confirmed``.

        ``base_pay``: the base pay a month, for the appraisal's performance pay ("" or None:
        unchanged for someone already here, none for a new person; "0" clears it).

        ``branch_ids``: the branches they work at (at least one; None: unchanged, or the owner's
        desk's branch for someone new). Their home branch stays when it is still among them, else
        becomes the first of them; a branch newly given must be open."""
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
        wanted = None if branch_ids is None else {int(b) for b in branch_ids}
        if wanted is not None and not wanted:
            errors["branches"] = _("Tick at least one branch this person works at.")
        if errors:
            raise ValidationError(errors)
        with self.db.uow() as uow:
            old_branches: set[int] = set()
            if staff_id is not None and (found_s := uow.session.get(Staff, staff_id)) is not None:
                old_branches = branch_ids_of(uow.session, found_s)
            if wanted is not None:
                rows = {b.id: b for b in uow.session.scalars(select(Branch).where(Branch.id.in_(wanted)))}
                if set(rows) != wanted or any(not rows[b].active for b in wanted - old_branches):
                    raise ValidationError({"branches": _("Choose open branches from the list.")})
            if staff_id is None:
                home = actor.branch_id if wanted is None or actor.branch_id in wanted else min(wanted)
                s = Staff(branch_id=home, name=name, role=role, pin_hash=hash_pin(pin or ""))
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
                if s.active and not active and not confirmed:
                    left = _left_behind(uow.session, s, self.clock())
                    if left:
                        raise NeedsConfirmation(_("Deactivate {name} anyway?").format(name=s.name), "\n".join(left),
                                                _("Deactivate anyway"))
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
            if wanted is not None and s.branch_id not in wanted:
                s.branch_id = min(wanted)
            uow.session.flush()
            if pay_changed:  # from this month on; the months before keep theirs (staff_base_pays)
                this_month = self.clock().astimezone(shop_tz(uow.session)).date().replace(day=1)
                uow.session.add(StaffBasePay(staff_id=s.id, monthly_minor=s.base_pay_minor, effective_from=this_month,
                                             created_by_id=actor.staff_id))  # fmt: skip
            branches = wanted if wanted is not None else (old_branches or {s.branch_id})
            set_branches(uow.session, s, branches)
            after = {"name": s.name, "role": s.role, "active": s.active,
                     "pin_reset": bool(pin), "base_pay_changed": pay_changed}
            if before is not None and branches != old_branches:
                before["branch_ids"] = sorted(old_branches)
            if before is None or branches != old_branches:
                after["branch_ids"] = sorted(branches)
            audit(uow.session, actor, "update" if before else "create", "staff", s.id,
                  before=before, after=after)
            uow.commit()
            return staff_view(s, branches)


def _left_behind(session: Any, s: Staff, now: datetime) -> list[str]:
    """What a leaver leaves for the owner: bookings still to come (they stay with them, and an
    inactive person cannot be booked again), and a shift still open on the time clock."""
    tz = shop_tz(session)
    out = []
    n, first = session.execute(
        select(func.count(), func.min(Appointment.start_at)).where(
            Appointment.staff_id == s.id, Appointment.status.in_(UPCOMING), Appointment.start_at >= now)
    ).one()
    if n:
        out.append(ngettext(
            "{n} booking still to come (the first on {when}): move it to someone else in the calendar.",
            "{n} bookings still to come (the first on {when}): move them to someone else in the calendar.", n,
        ).format(n=n, when=format_when(first.astimezone(tz))))
    punches = in_force(session, [s.id], now - ts.MAX_OPEN - timedelta(days=1), now + timedelta(seconds=1)).get(s.id, [])
    open_shift = next((x for x in ts.settle(ts.shifts(punches), now) if x.end is None and not x.unclosed), None)
    if open_shift is not None:
        out.append(_("On the clock since {when}: add the clock-out on the time sheet (Reports > Pay).").format(
            when=format_when(open_shift.start.astimezone(tz))))
    return out
