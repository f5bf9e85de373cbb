"""Deposits held against a booking (docs/money-model.md, "Deposits"): released when the client
arrives or cancels, taken when they do not come. Each in the unit of work of what caused it, and at
most once per appointment. Here, in the clients area below the calendar and the visit, so both
(and a client's erasure) can call it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.db.models import Appointment, PrepaidAccount, PrepaidMovement
from desk_app.domain.permissions import Actor

DEPOSIT_DONE_KINDS = ("release", "forfeit")  # a hold ends one way, once
DEPOSIT_KINDS = ("hold", *DEPOSIT_DONE_KINDS)


def _last_deposit_move(s: Session, appt_id: int) -> str | None:
    """The kind of the appointment's newest deposit movement (hold, release or forfeit), if any: a
    booking kept after a mistaken check-in is held again after its release."""
    return s.execute(
        select(PrepaidMovement.kind)
        .where(PrepaidMovement.appointment_id == appt_id, PrepaidMovement.kind.in_(DEPOSIT_KINDS))
        .order_by(PrepaidMovement.id.desc())
        .limit(1)
    ).scalar()


def _account_and_open(s: Session, appt: Appointment) -> PrepaidAccount | None:
    """The client's account when the appointment still holds a deposit (not released or taken)."""
    if not appt.deposit_minor or appt.client_id is None:
        return None
    acct = s.execute(
        select(PrepaidAccount).where(PrepaidAccount.client_id == appt.client_id).with_for_update()
    ).scalar_one_or_none()
    if acct is None:
        return None
    # open unless its newest deposit movement ended it (a hold written before movements were kept
    # has none: still open)
    return None if _last_deposit_move(s, appt.id) in DEPOSIT_DONE_KINDS else acct


def deposit_movement(
    acct: PrepaidAccount, appt: Appointment, kind: str, amount_minor: int, actor: Actor | None, now: datetime,
    note: str,
) -> PrepaidMovement:
    """One movement of a booking's deposit on the client's account (hold, release, forfeit): the
    balance after it is the account's as it now stands (a hold or a release moves no money)."""
    return PrepaidMovement(
        account_id=acct.id,
        kind=kind,
        amount_minor=amount_minor,
        balance_after_minor=acct.balance_minor,
        appointment_id=appt.id,
        staff_id=actor.staff_id if actor else None,
        note=note,
        at=now,
    )


def release_deposit(s: Session, appt: Appointment, actor: Actor | None, now: datetime, why: str = "") -> int:
    """Release a deposit held against the appointment (on arrival or cancellation); idempotent.

    Returns the amount released (0 when nothing was held, or it was released or taken already).
    """
    acct = _account_and_open(s, appt)
    if acct is None:
        return 0
    amount = int(appt.deposit_minor)
    acct.held_minor = max(0, acct.held_minor - amount)
    s.add(deposit_movement(acct, appt, "release", 0, actor, now, f"deposit released {amount} {why}".strip()))
    return amount


def forfeit_deposit(s: Session, appt: Appointment, actor: Actor | None, now: datetime) -> int:
    """The client did not come: the held deposit is taken from the prepaid balance (a movement of
    its own, kind "forfeit"); idempotent. Returns the amount taken."""
    acct = _account_and_open(s, appt)
    if acct is None:
        return 0
    amount = min(int(appt.deposit_minor), acct.balance_minor)  # never below zero
    acct.held_minor = max(0, acct.held_minor - int(appt.deposit_minor))
    acct.balance_minor -= amount
    s.add(deposit_movement(acct, appt, "forfeit", -amount, actor, now, f"deposit taken {amount}: no-show"))
    return amount


def hold_again(s: Session, appt: Appointment, actor: Actor | None, now: datetime) -> int:
    """The booking is kept after all (a check-in cancelled as a mistake): the deposit its arrival
    released is held again, when the prepaid balance still covers it. Returns the amount held (0:
    none was released, or the balance no longer covers it; the booking then holds nothing)."""
    if not appt.deposit_minor or appt.client_id is None or _last_deposit_move(s, appt.id) != "release":
        return 0
    acct = s.execute(
        select(PrepaidAccount).where(PrepaidAccount.client_id == appt.client_id).with_for_update()
    ).scalar_one_or_none()
    amount = int(appt.deposit_minor)
    if acct is None or acct.balance_minor - acct.held_minor < amount:
        return 0
    acct.held_minor += amount
    s.add(deposit_movement(acct, appt, "hold", 0, actor, now, f"deposit held again {amount}: check-in cancelled, booking kept"))
    return amount
