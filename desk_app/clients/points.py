"""A client's loyalty points as the desk shows them (docs/loyalty.md): what is available, what it
pays, when an idle balance lapses, and the latest movements. Earning and spending are part of a sale
(checkout/record.py); what a refund does to points is in checkout/points.py."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.core.service import permitted, shop_row, shop_tz
from desk_app.db.engine import Clock, Database
from desk_app.db.models import PointsAccount, PointsMovement, Sale, Staff
from desk_app.domain import points as pts
from desk_app.domain.money import currency_exponent
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import N_, _
from desk_app.settings import SettingsStore

MOVES = {  # a movement's kind in words (translated where shown)
    "earn": N_("Earned"),
    "redeem": N_("Paid with points"),
    "reward": N_("Reward"),
    "refund": N_("Given back by a refund"),
    "reward_refund": N_("Reward refunded"),
    "clawback": N_("Taken back by a refund"),
    "lapse": N_("Lapsed (unused)"),
}


@dataclass(frozen=True)
class PointsMove:
    at: datetime
    kind: str
    points: int
    balance_after: int
    value_minor: int
    receipt_no: str
    staff_name: str

    @property
    def word(self) -> str:
        return _(MOVES.get(self.kind, self.kind))


@dataclass(frozen=True)
class PointsCard:
    """A client's points as the desk shows them."""

    client_id: int
    balance: int  # as stored (a lapse not yet written is still in it)
    available: int  # what can be spent now (0 once idle too long)
    worth_minor: int  # what the available points pay
    currency: str
    last_activity_at: datetime | None
    lapses_on: date | None  # the shop day the balance lapses if the client does not come (None: never)
    points_per_unit: int
    moves: tuple[PointsMove, ...]

    @property
    def lapsed(self) -> bool:
        return self.balance > 0 and self.available == 0

    def less(self, points: int) -> PointsCard:
        """The card once ``points`` are taken (by the rewards on a bill): what is left to pay with."""
        if points <= 0:
            return self
        left = max(self.available - points, 0)
        rule = pts.PointsRule(points_per_unit=self.points_per_unit)
        return replace(self, available=left, worth_minor=pts.worth_minor(left, rule, currency_exponent(self.currency)))


class PointsService:
    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)
        self.settings = settings
        self.clock = self.db.clock

    def card(self, actor: Actor, client_id: int, moves: bool = True, limit: int = 200) -> PointsCard:
        """The client's points: what is available, what it pays, when it lapses, and the latest moves."""
        with permitted(self.db.uow, actor, Perm.CLIENT_VIEW, write=False) as (uow, _known):
            s = uow.session
            return points_card(s, client_id, self.settings.points_rule(), self.clock(), shop_row(s).currency,
                               moves, limit)


def points_card(s: Session, client_id: int, rule: pts.PointsRule, now: datetime, currency: str,
                moves: bool = True, limit: int = 200) -> PointsCard:
    """The client's points read in ``s``."""
    acct = s.scalars(select(PointsAccount).where(PointsAccount.client_id == client_id)).first()
    out: list[PointsMove] = []
    if acct is not None and moves:
        for m, rno, who in s.execute(
            select(PointsMovement, Sale.receipt_no, Staff.name)
            .outerjoin(Sale, Sale.id == PointsMovement.sale_id)
            .outerjoin(Staff, Staff.id == PointsMovement.staff_id)
            .where(PointsMovement.account_id == acct.id)
            .order_by(PointsMovement.id.desc())
            .limit(limit)
        ):
            out.append(PointsMove(m.at, m.kind, m.points, m.balance_after, m.value_minor, rno or "", who or ""))
    balance = acct.balance if acct is not None else 0
    last = acct.last_activity_at if acct is not None else None
    available = 0 if pts.lapsed(last, rule.lapse_days, now) else balance
    lapse = pts.lapses_at(last, rule.lapse_days)
    tz = shop_tz(s)
    return PointsCard(
        client_id=client_id, balance=balance, available=available,
        worth_minor=pts.worth_minor(available, rule, currency_exponent(currency)), currency=currency,
        last_activity_at=last, lapses_on=lapse.astimezone(tz).date() if lapse is not None and balance else None,
        points_per_unit=rule.points_per_unit, moves=tuple(out),
    )
