"""Loyalty points (积分; issue 21, docs/loyalty.md): what a sale earns, what points are worth when
they pay, and when an idle balance lapses. Pure: no database.

* **Earning:** each line the client pays for (a service, a retail product, a package) earns the
  owner's rate in points per 1.00 of its total; a service category may have its own rate. Stored
  value (a prepaid top-up, a gift voucher) earns nothing when sold: what it buys earns when spent.
  A package's session redeemed later earns nothing again, and the part of a bill paid with points
  earns nothing. Points are whole numbers, rounded down.
* **Paying:** ``points_per_unit`` points pay 1.00 (100: 1 point = 0.01). The points taken for an
  amount are rounded up, so points never pay more than they are worth.
* **Lapsing:** a balance with no earning or spending for ``lapse_days`` days lapses whole (0: never).
  The lapse is written as its own movement, dated the day it lapsed, the next time the account is
  touched; until then the balance is shown and counted as lapsed.
* Alongside the VIP rule, not instead of it: points never change the price or the membership.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

METHOD = "points"  # the payment method that spends points
EARNING_KINDS = frozenset({"service", "product", "package"})
MAX_RATE = Decimal(100)  # points per 1.00: more is a typing mistake
# a movement's kind: a reward makes a bill line free for points; its refund gives them back
# "merge": a balance moved between two profiles of one person (docs/clients.md), out of one, into the other
KINDS = ("earn", "redeem", "reward", "refund", "reward_refund", "clawback", "lapse", "merge")
ACTIVE_KINDS = ("earn", "redeem", "reward")  # the account's idle time starts again


@dataclass(frozen=True)
class PointsRule:
    service_rate: Decimal = Decimal(1)  # points per 1.00 spent on services
    product_rate: Decimal = Decimal(1)  # ... on retail products
    package_rate: Decimal = Decimal(1)  # ... on packages of sessions
    category_rates: Mapping[int, Decimal] = field(default_factory=dict)  # service category id -> its own rate
    points_per_unit: int = 100  # points that pay 1.00 (0: points cannot pay)
    lapse_days: int = 365  # a balance idle this long lapses (0: never)

    @property
    def earns(self) -> bool:
        return any(r > 0 for r in (self.service_rate, self.product_rate, self.package_rate,
                                   *self.category_rates.values()))

    def rate(self, kind: str, category_id: int | None = None) -> Decimal:
        if kind == "service":
            if category_id is not None and category_id in self.category_rates:
                return self.category_rates[category_id]
            return self.service_rate
        if kind == "product":
            return self.product_rate
        if kind == "package":
            return self.package_rate
        return Decimal(0)


@dataclass(frozen=True)
class EarningLine:
    kind: str
    total_minor: int  # what the line costs the client (after discounts)
    category_id: int | None = None  # a service's category
    redeemed: bool = False  # a package session: paid for when the package was sold


def earned(rule: PointsRule, lines: Iterable[EarningLine], points_paid_minor: int, exponent: int) -> int:
    """The points a sale earns (docs/loyalty.md): the rate of each line on its total, less the
    share of the bill the points themselves paid, rounded down."""
    base = Decimal(0)
    eligible = 0
    for ln in lines:
        if ln.kind not in EARNING_KINDS or ln.redeemed or ln.total_minor <= 0:
            continue
        eligible += ln.total_minor
        base += Decimal(ln.total_minor) * rule.rate(ln.kind, ln.category_id)
    if eligible <= 0 or base <= 0:
        return 0
    paid_share = Decimal(max(0, eligible - min(points_paid_minor, eligible))) / Decimal(eligible)
    return int((base * paid_share).scaleb(-exponent).to_integral_value(rounding=ROUND_FLOOR))


def points_for(amount_minor: int, rule: PointsRule, exponent: int) -> int:
    """The points that pay ``amount_minor`` (rounded up)."""
    if rule.points_per_unit <= 0:
        return 0
    exact = (Decimal(amount_minor) * rule.points_per_unit).scaleb(-exponent)
    return int(exact.to_integral_value(rounding=ROUND_CEILING))


def worth_minor(points: int, rule: PointsRule, exponent: int) -> int:
    """What ``points`` can pay, in minor units (rounded down)."""
    if rule.points_per_unit <= 0 or points <= 0:
        return 0
    exact = (Decimal(points) / rule.points_per_unit).scaleb(exponent)
    return int(exact.to_integral_value(rounding=ROUND_FLOOR))


def clawback(earned_points: int, refunded_minor: int, eligible_minor: int) -> int:
    """The points taken back when ``refunded_minor`` of a sale's ``eligible_minor`` is refunded
    (in proportion, rounded up so a whole refund takes back all it earned)."""
    if earned_points <= 0 or eligible_minor <= 0 or refunded_minor <= 0:
        return 0
    share = Decimal(min(refunded_minor, eligible_minor)) / Decimal(eligible_minor)
    return min(earned_points, int((earned_points * share).to_integral_value(rounding=ROUND_CEILING)))


def eligible_minor(lines: Iterable[tuple[str, int]]) -> int:
    """What of a sale's (kind, line total) lines earns points: the positive service, product and
    package lines (a refund's lines count by their size)."""
    return sum(abs(total) for kind, total in lines if kind in EARNING_KINDS and total != 0)


def clawback_due(earned_points: int, taken_points: int, base_minor: int, gone_before_minor: int,
                 refunded_minor: int) -> int:
    """The points a refund of ``refunded_minor`` takes back from a sale that earned
    ``earned_points`` on ``base_minor``, when earlier refunds took ``taken_points`` back for
    ``gone_before_minor``: all that is left once nothing earning is left on the sale, else in
    proportion; never more than is left."""
    left = earned_points - taken_points
    if left <= 0 or refunded_minor <= 0:
        return 0
    if gone_before_minor + refunded_minor >= base_minor:
        return left
    return min(left, clawback(earned_points, refunded_minor, base_minor))


def lapses_at(last_activity: datetime | None, lapse_days: int) -> datetime | None:
    """When an idle balance lapses (None: never)."""
    if last_activity is None or lapse_days <= 0:
        return None
    return last_activity + timedelta(days=lapse_days)


def lapsed(last_activity: datetime | None, lapse_days: int, now: datetime) -> bool:
    at = lapses_at(last_activity, lapse_days)
    return at is not None and now >= at


@dataclass(frozen=True)
class RewardTerms:
    """A reward as a sale reads it: the service or product it makes free, for ``points`` each."""

    id: int
    service_id: int | None
    product_id: int | None
    points: int
    active: bool


@dataclass(frozen=True)
class Held:
    """A client's points account as a sale reads it."""

    id: int
    balance: int
    last_activity_at: datetime | None
    version: int

    def available(self, lapse_days: int, now: datetime) -> int:
        return 0 if lapsed(self.last_activity_at, lapse_days, now) else self.balance
