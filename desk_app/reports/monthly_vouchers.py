"""The monthly report's gift vouchers (docs/vouchers.md): sold, spent and voided in the period, and what
the shop still owes on them at its end (the liability), apart from what has expired unspent.

A voucher belongs to the branch that issued it. A transfer needs no special case: the new voucher's
amount is the old one's transfer movement, so the two add up to nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, case, func, select

from desk_app.db.models import GiftVoucher, VoucherMovement
from desk_app.reports.monthly_reader import ReportReader, StaffAcc, as_int
from desk_app.reports.sqlhelp import Period


def gift_voucher_figures(rd: ReportReader, p: Period, d: dict[str, Any], _acc: StaffAcc | None = None) -> None:
    """``d["gift_vouchers"]``: sold (count, amount), redeemed, voided, outstanding and expired_unspent."""
    c = rd.conn
    lo, hi = rd.ts(p.start), rd.ts(p.end)
    gv, mv = GiftVoucher, VoucherMovement
    sold_n, sold = (
        as_int(v)
        for v in c.execute(
            select(func.count(), func.sum(gv.amount_minor)).where(
                gv.sale_id.is_not(None), gv.issued_at >= lo, gv.issued_at < hi, rd.branch(gv.branch_id)
            )
        ).one()
    )
    spent = mv.kind.in_(("redeem", "refund"))
    redeemed, voided = (
        as_int(v)
        for v in c.execute(
            select(
                func.sum(case((spent, mv.amount_minor), else_=0)),
                func.sum(case((mv.kind == "void", mv.amount_minor), else_=0)),
            )
            .select_from(mv)
            .join(gv, gv.id == mv.voucher_id)
            .where(mv.at >= lo, mv.at < hi, rd.branch(gv.branch_id))
        ).one()
    )
    # each voucher issued before the end: its amount and its movements before the end
    moved = (
        select(func.coalesce(func.sum(mv.amount_minor), 0))
        .where(mv.voucher_id == gv.id, mv.at < hi)
        .correlate(gv)
        .scalar_subquery()
    )
    held = gv.amount_minor + moved
    last_day = p.first_day + timedelta(days=p.days - 1)  # the period's last local day
    expired = and_(gv.expires_on.is_not(None), gv.expires_on < last_day)
    outstanding, expired_unspent = (
        as_int(v)
        for v in c.execute(
            select(
                func.sum(case((expired, 0), else_=held)),
                func.sum(case((expired, held), else_=0)),
            ).where(gv.issued_at < hi, rd.branch(gv.branch_id))
        ).one()
    )
    d["gift_vouchers"] = {
        "sold": {"count": sold_n, "amount": rd.m(sold)},
        "redeemed": rd.m(-redeemed),
        "voided": rd.m(-voided),
        "outstanding": rd.m(outstanding),
        "expired_unspent": rd.m(expired_unspent),
    }
