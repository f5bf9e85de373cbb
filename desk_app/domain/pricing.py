"""Price a list of lines: discounts, the VIP price, tax and rounding (docs/product.md §2 step 4, §4).

One pure function, :func:`price_lines`, used by BOTH the visit's estimate and the
checkout's bill, so the two always agree. Everything is in integer minor units
(fen, cents); every division rounds half-up (away from zero for negatives, so a
refund mirrors its sale exactly). No float anywhere.

Per line (``docs/money-model.md``)::

    gross            = quantity * unit_price_minor
    member_discount  = half_up((gross - own discount) * vip_percent / 100)   # VIP price, eligible lines
    discount         = own discount + share of the bill discount (largest remainder)
    net              = gross - discount - member_discount
    tax (included)   = half_up(net * rate / (10000 + rate))   line_total = net
    tax (excluded)   = half_up(net * rate / 10000)            line_total = net + tax

Bill: ``total = sum(line_total) + rounding`` where rounding (cash rounding to a
step) is reported apart so the caller can write it as its own ``rounding`` line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from desk_app.domain.money import currency_exponent

# line kinds that never get a discount, the VIP price or tax
UNTAXED_KINDS = frozenset({"tip", "prepaid_topup", "gift_voucher", "package", "rounding"})
NO_DISCOUNT_KINDS = frozenset({"tip", "prepaid_topup", "gift_voucher", "rounding"})
# lines that sell stored value (a prepaid top-up, a gift voucher): money owed to the client, not
# revenue until it is spent (docs/money-model.md)
STORED_VALUE_KINDS = frozenset({"prepaid_topup", "gift_voucher"})
# line kinds the VIP price applies to
MEMBER_KINDS = frozenset({"service", "product"})


def half_up(value: Decimal) -> int:
    """Round a Decimal amount of minor units to an integer, half away from zero."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class LineIn:
    """One line to price. ``ref_id`` (service/product/package id) and ``staff_id`` pass through."""

    kind: str  # service | product | package | prepaid_topup | tip | fee
    description: str
    quantity: int
    unit_price_minor: int
    discount_minor: int = 0  # this line's own discount, in minor units
    tax_rate_bp: int = 0  # basis points: 600 = 6 %
    ref_id: int | None = None
    staff_id: int | None = None
    member_price: bool = True  # may the VIP price apply to this line (kind permitting)?


@dataclass(frozen=True)
class PricedLine:
    line: LineIn
    gross_minor: int
    discount_minor: int  # own + share of the bill discount
    member_discount_minor: int
    tax_rate_bp: int
    tax_minor: int  # contained (prices include tax) or added (prices exclude tax)
    line_total_minor: int  # what the client pays for this line
    full_price: bool  # no discount of any kind: counts toward the cumulative VIP threshold

    @property
    def net_minor(self) -> int:
        return self.gross_minor - self.discount_minor - self.member_discount_minor


@dataclass(frozen=True)
class PricedBill:
    lines: tuple[PricedLine, ...]
    prices_include_tax: bool
    member_percent: Decimal  # 0 when the VIP price did not apply
    subtotal_minor: int  # sum of gross (tips excluded)
    discount_minor: int  # own + bill discounts (VIP price excluded)
    member_discount_minor: int
    tax_minor: int
    tip_minor: int
    rounding_minor: int
    total_minor: int  # sum(line_total) + rounding
    tax_by_rate: tuple[tuple[int, int], ...] = field(default=())  # ((rate_bp, tax_minor), ...)

    @property
    def lines_total_minor(self) -> int:
        return sum(p.line_total_minor for p in self.lines)


class PricingError(ValueError):
    """Lines that cannot be priced (negative price, discount above the price, ...)."""


def _allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` (>= 0) in proportion to ``weights`` (>= 0); parts add up exactly."""
    wsum = sum(weights)
    if not weights:
        return []
    if wsum == 0:
        return [total] + [0] * (len(weights) - 1)
    raw = [total * w for w in weights]
    base = [r // wsum for r in raw]
    rest = total - sum(base)
    order = sorted(range(len(weights)), key=lambda i: (-(raw[i] % wsum), i))
    for i in order[:rest]:
        base[i] += 1
    return base


def rounding_step_minor(step: Decimal, currency: str) -> int:
    """The setting ``money.cash_rounding`` (major units, e.g. 0.1) as minor units (10)."""
    if step <= 0:
        return 0
    return half_up(step.scaleb(currency_exponent(currency)))


def cash_rounding(total_minor: int, step_minor: int) -> int:
    """The adjustment that rounds ``total_minor`` half-up to a multiple of ``step_minor``."""
    if step_minor <= 1:
        return 0
    rounded = half_up(Decimal(total_minor) / Decimal(step_minor)) * step_minor
    return rounded - total_minor


def price_lines(
    lines: list[LineIn] | tuple[LineIn, ...],
    *,
    prices_include_tax: bool,
    member_percent: Decimal | None = None,
    bill_discount_minor: int = 0,
    rounding_step: int = 0,
) -> PricedBill:
    """Price ``lines``.

    ``member_percent``: the VIP discount (e.g. Decimal("12")) when the client is a
    member, else None. ``bill_discount_minor``: a discount on the whole bill,
    shared over the discountable lines in proportion to what is left of them.
    ``rounding_step``: cash rounding step in minor units (0 = none).
    """
    pct = member_percent if member_percent is not None else Decimal(0)
    if pct < 0 or pct > 100:
        raise PricingError("the membership discount must be between 0 and 100 %")
    if bill_discount_minor < 0:
        raise PricingError("a discount cannot be negative")

    gross: list[int] = []
    own: list[int] = []
    member: list[int] = []
    for ln in lines:
        if ln.unit_price_minor < 0 and ln.kind not in ("rounding",):
            raise PricingError("a price cannot be negative")
        g = ln.quantity * ln.unit_price_minor
        d = 0 if ln.kind in NO_DISCOUNT_KINDS else ln.discount_minor
        if d < 0 or (g >= 0 and d > g) or (g < 0 and d > 0):
            raise PricingError("a line's discount must be between 0 and its price")
        m = 0
        if pct and ln.member_price and ln.kind in MEMBER_KINDS:
            m = half_up(Decimal(g - d) * pct / Decimal(100))
        gross.append(g)
        own.append(d)
        member.append(m)

    # share the bill discount over discountable lines, by what is left of each
    left = [
        max(0, gross[i] - own[i] - member[i]) if ln.kind not in NO_DISCOUNT_KINDS else 0
        for i, ln in enumerate(lines)
    ]
    if bill_discount_minor > sum(left):
        raise PricingError("the discount is larger than the bill")
    shares = _allocate(bill_discount_minor, left)

    priced: list[PricedLine] = []
    tax_by_rate: dict[int, int] = {}
    for i, ln in enumerate(lines):
        disc = own[i] + shares[i]
        net = gross[i] - disc - member[i]
        rate = 0 if ln.kind in UNTAXED_KINDS else ln.tax_rate_bp
        if rate < 0:
            raise PricingError("a tax rate cannot be negative")
        if rate == 0:
            tax = 0
            total = net
        elif prices_include_tax:
            tax = half_up(Decimal(net) * rate / Decimal(10000 + rate))
            total = net
        else:
            tax = half_up(Decimal(net) * rate / Decimal(10000))
            total = net + tax
        if rate:
            tax_by_rate[rate] = tax_by_rate.get(rate, 0) + tax
        priced.append(
            PricedLine(
                line=ln,
                gross_minor=gross[i],
                discount_minor=disc,
                member_discount_minor=member[i],
                tax_rate_bp=rate,
                tax_minor=tax,
                line_total_minor=total,
                full_price=disc == 0 and member[i] == 0,
            )
        )

    lines_total = sum(p.line_total_minor for p in priced)
    rounding = cash_rounding(lines_total, rounding_step)
    return PricedBill(
        lines=tuple(priced),
        prices_include_tax=prices_include_tax,
        member_percent=pct,
        subtotal_minor=sum(p.gross_minor for p in priced if p.line.kind != "tip"),
        discount_minor=sum(p.discount_minor for p in priced),
        member_discount_minor=sum(p.member_discount_minor for p in priced),
        tax_minor=sum(p.tax_minor for p in priced),
        tip_minor=sum(p.line_total_minor for p in priced if p.line.kind == "tip"),
        rounding_minor=rounding,
        total_minor=lines_total + rounding,
        tax_by_rate=tuple(sorted(tax_by_rate.items())),
    )
