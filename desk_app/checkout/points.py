"""What a refund does to loyalty points (docs/loyalty.md): the points that paid go back, the points
the refunded lines earned are taken back. Earning and spending are part of a sale
(checkout/record.py); a client's points as the desk shows them are in clients/points.py."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.db.models import PointsAccount, PointsMovement, Sale, SaleLine
from desk_app.domain import points as pts
from desk_app.domain.permissions import Actor
from desk_app.settings import S, SettingsStore


def _account(session: Session, client_id: int | None) -> PointsAccount | None:
    if client_id is None:
        return None
    return session.scalars(select(PointsAccount).where(PointsAccount.client_id == client_id)).first()


def _move(session: Session, acct: PointsAccount, kind: str, points: int, sale_id: int | None,
          staff_id: int | None, now: datetime, value_minor: int = 0, note: str = "",
          line_no: int | None = None) -> None:
    acct.balance += points
    session.add(PointsMovement(account_id=acct.id, kind=kind, points=points, balance_after=acct.balance,
                               value_minor=value_minor, sale_id=sale_id, staff_id=staff_id, note=note, at=now,
                               line_no=line_no))


def settle_lapse(session: Session, acct: PointsAccount, lapse_days: int, now: datetime) -> None:
    """Write the lapse of an idle balance (dated the day it lapsed) before anything else moves it."""
    at = pts.lapses_at(acct.last_activity_at, lapse_days)
    if acct.balance > 0 and at is not None and now >= at:
        _move(session, acct, "lapse", -acct.balance, None, None, at, note="idle")


def _eligible(lines: list[SaleLine], sign: int) -> int:
    return pts.eligible_minor((ln.kind, ln.line_total_minor) for ln in lines if ln.line_total_minor * sign > 0)


def take_back_earned(
    session: Session, settings: SettingsStore, orig: Sale, refund: Sale, chosen: list[SaleLine], actor: Actor,
    now: datetime,
) -> None:
    """A refund takes back the points the refunded lines earned, in proportion (all of what is left
    when nothing earning is left on the sale); never more than the client still has."""
    acct = _account(session, orig.client_id)
    if acct is None:
        return
    earned = int(session.scalar(select(func.coalesce(func.sum(PointsMovement.points), 0)).where(
        PointsMovement.sale_id == orig.id, PointsMovement.kind == "earn")) or 0)
    if earned <= 0:
        return
    refunds = select(Sale.id).where(Sale.original_sale_id == orig.id)
    taken = -int(session.scalar(select(func.coalesce(func.sum(PointsMovement.points), 0)).where(
        PointsMovement.sale_id.in_(refunds), PointsMovement.kind == "clawback")) or 0)
    lines = list(session.scalars(select(SaleLine).where(SaleLine.sale_id == orig.id)))
    before = list(session.scalars(select(SaleLine).where(SaleLine.sale_id.in_(refunds), SaleLine.sale_id != refund.id)))
    due = pts.clawback_due(earned, taken, _eligible(lines, 1), _eligible(before, -1), _eligible(chosen, 1))
    if due <= 0:
        return
    settle_lapse(session, acct, settings.get(S.POINTS_LAPSE_DAYS), now)
    due = min(due, acct.balance)
    if due > 0:
        _move(session, acct, "clawback", -due, refund.id, actor.staff_id, now, note="earned on refunded lines")


def give_back_rewards(
    session: Session, orig: Sale, refund: Sale, chosen: list[SaleLine], actor: Actor, now: datetime, lapse_days: int
) -> int:
    """The points a refunded reward line took go back onto the client's account, usable again (an
    idle balance lapses first; the idle time starts again); each movement names the refund's line.
    ``chosen`` are the original lines refunded, in the refund's line order. Returns the points."""
    acct = _account(session, orig.client_id)
    if acct is None:
        return 0
    took = {no: -pts_ for no, pts_ in session.execute(
        select(PointsMovement.line_no, PointsMovement.points)
        .where(PointsMovement.sale_id == orig.id, PointsMovement.kind == "reward")
    )}
    back = 0
    for refund_no, ln in enumerate(chosen, start=1):
        points = took.get(ln.line_no, 0)
        if points <= 0:
            continue
        if not back:
            settle_lapse(session, acct, lapse_days, now)
        _move(session, acct, "reward_refund", points, refund.id, actor.staff_id, now,
              value_minor=-ln.quantity * ln.unit_price_minor, note="reward refunded", line_no=refund_no)
        back += points
    if back:
        acct.last_activity_at = now
    return back


def give_back_paid(
    session: Session, orig: Sale, refund: Sale, take_minor: int, actor: Actor, now: datetime, lapse_days: int
) -> int:
    """The points that paid ``take_minor`` of the sale go back onto the client's account (in
    proportion to what they paid; all that is left when the whole is given back), usable again: an
    idle balance lapses first, and the account's idle time starts again. Returns the points."""
    acct = _account(session, orig.client_id)
    if acct is None or take_minor <= 0:
        return 0
    spent_pts, spent_value = session.execute(
        select(func.coalesce(func.sum(PointsMovement.points), 0), func.coalesce(func.sum(PointsMovement.value_minor), 0))
        .where(PointsMovement.sale_id == orig.id, PointsMovement.kind == "redeem")
    ).one()
    spent_pts, spent_value = -int(spent_pts), int(spent_value)
    refunds = select(Sale.id).where(Sale.original_sale_id == orig.id)
    back_pts, back_value = session.execute(
        select(func.coalesce(func.sum(PointsMovement.points), 0), func.coalesce(func.sum(PointsMovement.value_minor), 0))
        .where(PointsMovement.sale_id.in_(refunds), PointsMovement.kind == "refund")
    ).one()
    back_pts, back_value = int(back_pts), -int(back_value)
    if spent_pts <= 0 or spent_value <= 0:
        return 0
    if back_value + take_minor >= spent_value:
        points = spent_pts - back_pts
    else:
        points = min(spent_pts - back_pts, -(-spent_pts * take_minor // spent_value))
    if points > 0:
        settle_lapse(session, acct, lapse_days, now)
        _move(session, acct, "refund", points, refund.id, actor.staff_id, now, value_minor=-take_minor,
              note="payment refunded")
        acct.last_activity_at = now
    return points


