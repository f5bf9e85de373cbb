"""Each staff member's base pay a month as it was in a given month (``staff_base_pays``): read by
the pay statements and the monthly report's appraisal, so a raise in December does not change
October's figures. Written by the staff editor (desk_app/trust/auth.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from desk_app.db.models import StaffBasePay


def base_pays_in_force(conn: Any, day: date) -> dict[int, int]:
    """staff id -> base pay a month (minor units) in force on ``day``; nobody without one, nor
    anyone whose newest figure by then is "none". ``conn``: a session or a connection."""
    # the newest row by start, then by id (two changes in one month: the later one)
    latest = (
        select(StaffBasePay.staff_id, func.max(StaffBasePay.effective_from).label("since"))
        .where(StaffBasePay.effective_from <= day)
        .group_by(StaffBasePay.staff_id)
        .subquery()
    )
    rows = conn.execute(
        select(StaffBasePay.staff_id, StaffBasePay.monthly_minor, StaffBasePay.id)
        .join(latest, (latest.c.staff_id == StaffBasePay.staff_id) & (latest.c.since == StaffBasePay.effective_from))
        .order_by(StaffBasePay.id)
    ).all()
    out: dict[int, int | None] = {}
    for sid, minor, _id in rows:  # ascending ids: the last of a month wins
        out[int(sid)] = None if minor is None else int(minor)
    return {k: v for k, v in out.items() if v is not None}
