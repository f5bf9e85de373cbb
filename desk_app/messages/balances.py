"""Prepaid balances that run low and balances or packages that expire: one selection for the
messages the planner queues (messages/planner.py) and the call lists of aftercare
(aftercare/outreach.py). Session-level: it reads, never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import Row, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from desk_app.db.models import Client, ClientPackage, Package, PrepaidAccount, client_listed


def low_prepaid(threshold_minor: int) -> list[ColumnElement[bool]]:
    """SQL: a living client's prepaid balance with something left, below the shop's threshold."""
    return [
        PrepaidAccount.balance_minor > 0,
        PrepaidAccount.balance_minor < threshold_minor,
        client_listed(),
    ]


def horizon(today: date, reminders: list[int]) -> date:
    """The last expiry day a reminder is due for: today plus the longest reminder."""
    return today + timedelta(days=max(reminders))


def expiring_accounts(
    s: Session, today: date, reminders: list[int], *where: ColumnElement[bool]
) -> Sequence[Row[PrepaidAccount, Client]]:
    """Living clients' prepaid balances, not empty, that expire between today and the horizon."""
    return s.execute(
        select(PrepaidAccount, Client)
        .join(Client, Client.id == PrepaidAccount.client_id)
        .where(
            PrepaidAccount.balance_minor > 0,
            PrepaidAccount.expires_on.is_not(None),
            PrepaidAccount.expires_on >= today,
            PrepaidAccount.expires_on <= horizon(today, reminders),
            client_listed(),
            *where,
        )
    ).all()


def expiring_packages(
    s: Session, today: date, reminders: list[int], *where: ColumnElement[bool]
) -> Sequence[Row[ClientPackage, Package, Client]]:
    """Living clients' packages with sessions left that expire between today and the horizon."""
    return s.execute(
        select(ClientPackage, Package, Client)
        .join(Package, Package.id == ClientPackage.package_id)
        .join(Client, Client.id == ClientPackage.client_id)
        .where(
            ClientPackage.sessions_used < ClientPackage.sessions_total,
            ClientPackage.expires_on.is_not(None),
            ClientPackage.expires_on >= today,
            ClientPackage.expires_on <= horizon(today, reminders),
            client_listed(),
            *where,
        )
    ).all()
