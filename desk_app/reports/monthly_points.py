"""The monthly report's loyalty points (docs/loyalty.md): earned, paid with, given back and taken back
by refunds, spent on rewards (net of refunded rewards: how many, the points, and the rewards' list
price), and lapsed in the period; and what clients hold at its end (points, and what they would
pay at the owner's rate now), apart from balances already idle past the owner's lapse time. A lapse is
counted in the month the balance lapsed, whether or not a later sale has written it yet.

Points belong to the client, not to a branch: with a branch chosen, the month's movements are those
of that branch's sales (a lapse has no sale: it is counted for the whole shop only), and what is held
at the end is the whole shop's.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import case, func, select, type_coerce

from desk_app.db.models import PointsMovement, Sale
from desk_app.db.types import UTCDateTime
from desk_app.domain import points as pts
from desk_app.domain.money import currency_exponent
from desk_app.reports.monthly_reader import ReportReader, as_int
from desk_app.reports.sqlhelp import Period


def points_figures(rd: ReportReader, p: Period, settings: Any) -> dict[str, Any]:
    rule = settings.points_rule() if settings is not None and hasattr(settings, "points_rule") else pts.PointsRule()
    c = rd.conn
    lo, hi = rd.ts(p.start), rd.ts(p.end)
    mv = PointsMovement
    sums = {
        kind: func.sum(case((mv.kind == kind, mv.points), else_=0)) for kind in pts.KINDS
    }
    stmt = select(*sums.values(), func.sum(case((mv.kind == "redeem", mv.value_minor), else_=0)),
                  func.sum(case((mv.kind == "refund", mv.value_minor), else_=0)),
                  func.sum(case((mv.kind.in_(("reward", "reward_refund")), mv.value_minor), else_=0)),
                  func.sum(case((mv.kind == "reward", 1), (mv.kind == "reward_refund", -1), else_=0)))
    if rd.scope.branch_id is None:
        stmt = stmt.select_from(mv).where(mv.at >= lo, mv.at < hi)
    else:
        stmt = stmt.select_from(mv).join(Sale, Sale.id == mv.sale_id).where(
            mv.at >= lo, mv.at < hi, rd.branch(Sale.branch_id))
    row = [as_int(v) for v in c.execute(stmt).one()]
    moved = dict(zip(pts.KINDS, row[: len(pts.KINDS)], strict=True))
    paid_value, back_value = row[len(pts.KINDS)], -row[len(pts.KINDS) + 1]  # both gross, like the points
    reward_value, rewards = row[len(pts.KINDS) + 2], row[len(pts.KINDS) + 3]  # net of refunded rewards
    # each account at the end: its balance then, and its last earning or spending before it
    held: dict[int, int] = defaultdict(int)
    last: dict[int, Any] = {}
    active = mv.kind.in_(pts.ACTIVE_KINDS)
    for acct, balance, last_at in c.execute(
        select(mv.account_id, func.sum(mv.points), type_coerce(func.max(case((active, mv.at), else_=None)), UTCDateTime()))
        .where(mv.at < hi)
        .group_by(mv.account_id)
    ):
        held[int(acct)] = as_int(balance)
        last[int(acct)] = last_at
    end = min(p.end, rd.now)  # a month still running: as of now
    outstanding = lapsed_now = 0
    for acct, balance in held.items():
        at = pts.lapses_at(last[acct], rule.lapse_days)
        if at is not None and end >= at and balance > 0:  # idle past the lapse time: not held any more
            if at >= p.start:  # lapsed this month, not yet written as a movement: counted here
                lapsed_now += balance
        else:
            outstanding += max(balance, 0)
    return {
        "earned": moved["earn"],
        "redeemed": -moved["redeem"],
        "redeemed_value": rd.m(paid_value),
        "given_back_value": rd.m(back_value),
        "given_back": moved["refund"],
        "rewards": rewards,
        "reward_points": -moved["reward"] - moved["reward_refund"],
        "reward_value": rd.m(reward_value),
        "taken_back": -moved["clawback"],
        "lapsed": -moved["lapse"] + lapsed_now,
        "outstanding": outstanding,
        "outstanding_value": rd.m(pts.worth_minor(outstanding, rule, currency_exponent(rd.currency))),
        "points_per_unit": rule.points_per_unit,
    }
