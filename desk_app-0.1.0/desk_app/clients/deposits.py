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

DEPOSIT_DONE_KINDS = ("release", "forfeit")  # a deposit ends one way, once


def _account_and_open(s: Session, appt: Appointment) -> PrepaidAccount | None:
    """The client's account when the appointment still holds a deposit (not released or taken)."""
    if not appt.deposit_minor or appt.client_id is None:
        return None
    acct = s.execute(
        select(PrepaidAccount).where(PrepaidAccount.client_id == appt.client_id).with_for_update()
    ).scalar_one_or_none()
    if acct is None:
        return None
    done = s.execute(
        select(PrepaidMovement.id).where(
            PrepaidMovement.appointment_id == appt.id, PrepaidMovement.kind.in_(DEPOSIT_DONE_KINDS)
        )
    ).first()
    return None if done is not None else acct


def release_deposit(s: Session, appt: Appointment, actor: Actor | None, now: datetime, why: str = "") -> int:
    """Release a deposit held against the appointment (on arrival or cancellation); idempotent.

    Returns the amount released (0 when nothing was held, or it was released or taken already).
    """
    acct = _account_and_open(s, appt)
    if acct is None:
        return 0
    amount = int(appt.deposit_minor)
    acct.held_minor = max(0, acct.held_minor - amount)
    s.add(
        PrepaidMovement(
            account_id=acct.id,
            kind="release",
            amount_minor=0,
            balance_after_minor=acct.balance_minor,
            appointment_id=appt.id,
            staff_id=actor.staff_id if actor else None,
            note=f"deposit released {amount} {why}".strip(),
            at=now,
        )
    )
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
    s.add(
        PrepaidMovement(
            account_id=acct.id,
            kind="forfeit",
            amount_minor=-amount,
            balance_after_minor=acct.balance_minor,
            appointment_id=appt.id,
            staff_id=actor.staff_id if actor else None,
            note=f"deposit taken {amount}: no-show",
            at=now,
        )
    )
    return amount
