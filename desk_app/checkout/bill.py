"""The bill being built at the counter: plain frozen data plus pure functions.

A :class:`Bill` is a draft that lives in the screen until payment; every edit
returns a new, re-priced bill. The arithmetic is ``desk_app.domain.pricing.
price_lines`` -- the single source shared with the visit's estimate -- so the
estimate and the bill can never be computed differently.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from desk_app.core.service import ServiceError, ValidationError
from desk_app.domain import points as pts
from desk_app.domain import vip
from desk_app.domain import voucher as gv
from desk_app.domain.money import Money
from desk_app.domain.payment import COUNTER_METHODS
from desk_app.domain.pricing import LineIn, PricedBill, PricingError, half_up, price_lines
from desk_app.i18n import _, format_number, ngettext, pick

# kinds of draft lines
SERVICE = "service"
PRODUCT = "product"
PACKAGE = "package"
TOPUP = "prepaid_topup"
VOUCHER = "gift_voucher"  # a gift voucher sold (docs/vouchers.md)
TIP = "tip"
ROUNDING = "rounding"

# lines that are goods and services the client buys (count for VIP, spend, estimate)
GOODS_KINDS = frozenset({SERVICE, PRODUCT, PACKAGE})


METHODS: tuple[str, ...] = tuple(COUNTER_METHODS)  # what a payment may be taken by


class ApprovalNeeded(ServiceError):
    """The action needs the owner's PIN (discount above the limit, refund, void)."""


@dataclass(frozen=True)
class PaymentIn:
    method: str  # cash | card | wechat | alipay | prepaid | voucher
    amount_minor: int  # applied to the bill
    tendered_minor: int | None = None  # cash handed over (>= amount); change = tendered - amount
    reference: str = ""  # a voucher payment: the voucher's code


def change_for(p: PaymentIn) -> int:
    """Change given back for a cash payment (0 for other methods)."""
    if p.method != "cash" or p.tendered_minor is None:
        return 0
    return p.tendered_minor - p.amount_minor


@dataclass(frozen=True)
class DraftLine:
    key: str
    kind: str  # service | product | package | prepaid_topup | tip
    name_zh: str
    name_en: str
    quantity: int
    unit_price_minor: int
    discount_minor: int = 0  # the line's own discount
    discount_reason: str = ""
    tax_rate_bp: int = 0
    service_id: int | None = None
    product_id: int | None = None
    package_id: int | None = None
    staff_id: int | None = None
    staff_name: str = ""
    client_package_id: int | None = None  # a package session redeemed for this service line
    source: str = "counter"  # visit | plan | addon | counter
    plan_item_id: int | None = None
    member_price: bool = True  # may the VIP price apply (not to fees typed at the counter)
    reward_id: int | None = None  # made free by a reward for loyalty points (docs/loyalty.md)
    reward_points: int = 0  # the points it costs, each

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)

    @property
    def redeemed(self) -> bool:
        """Paid otherwise than with money on this bill: a package session or a points reward."""
        return self.client_package_id is not None or self.reward_id is not None


@dataclass(frozen=True)
class OwedCredit:
    """A voucher or discount promised on a complaint, owed to the bill's client (ClientCredit)."""

    id: int
    kind: str  # voucher | discount
    amount_minor: int
    at: datetime  # when it was promised


@dataclass(frozen=True)
class BillContext:
    """What pricing needs to know about the shop and the client (read once when the bill is built)."""

    currency: str
    prices_include_tax: bool
    rounding_step_minor: int
    discount_limit_percent: Decimal
    vip_rule: vip.VipRule
    is_member: bool
    client_full_price_spend_minor: int
    estimate_minor: int | None
    plan: tuple[tuple[str, int | None, int], ...] = ()  # (kind, service_id|product_id, estimated line minor)
    credits: tuple[OwedCredit, ...] = ()  # owed to the client from resolved complaints


@dataclass(frozen=True)
class PricedLineView:
    key: str
    kind: str
    name: str
    quantity: int
    unit_price_minor: int
    gross_minor: int
    discount_minor: int
    member_discount_minor: int
    tax_rate_bp: int
    tax_minor: int
    line_total_minor: int
    full_price: bool
    staff_name: str
    explanation: str  # the line's fee composition in words


@dataclass(frozen=True)
class Bill:
    ctx: BillContext
    visit_id: int | None
    client_id: int | None
    client_name: str = ""
    client_number: str = ""
    lines: tuple[DraftLine, ...] = ()
    bill_discount_minor: int = 0
    bill_discount_reason: str = ""
    discount_approved_by_id: int | None = None
    discount_approval: str = ""  # the owner's approval (trust/pins.py), checked again when paid
    over_estimate_agreed: bool = False
    over_estimate_note: str = ""
    credit_id: int | None = None  # an owed voucher/discount taken off this bill (approved when promised)
    next_key: int = 1
    # derived (filled by reprice)
    priced: PricedBill | None = field(default=None, compare=False)
    views: tuple[PricedLineView, ...] = field(default=(), compare=False)

    # -- derived figures ------------------------------------------------------
    @property
    def p(self) -> PricedBill:
        assert self.priced is not None, "bill not priced"
        return self.priced

    @property
    def total_minor(self) -> int:
        return self.p.total_minor

    @property
    def currency(self) -> str:
        return self.ctx.currency

    @property
    def goods_total_minor(self) -> int:
        """What the client pays for goods and services (tips and top-ups excluded)."""
        return sum(pl.line_total_minor for pl in self.p.lines if pl.line.kind in GOODS_KINDS)

    @property
    def full_price_goods_minor(self) -> int:
        return sum(
            pl.line_total_minor for pl in self.p.lines if pl.line.kind in GOODS_KINDS and pl.full_price
        )

    @property
    def reward_points(self) -> int:
        """The client's points the bill's rewards take (docs/loyalty.md)."""
        return sum(ln.reward_points * ln.quantity for ln in self.lines)

    @property
    def credit(self) -> OwedCredit | None:
        return next((c for c in self.ctx.credits if c.id == self.credit_id), None)

    @property
    def credit_minor(self) -> int:
        """The owed voucher/discount taken off this bill (0 when none)."""
        c = self.credit
        return c.amount_minor if c is not None else 0

    @property
    def vip_decision(self) -> vip.VipDecision:
        return vip_decision(self)

    @property
    def vip_gap_minor(self) -> int | None:
        """How much more full-price spend today makes the client a VIP (None: no client, a member
        already, or this purchase does it)."""
        return vip_gap_minor(self)

    @property
    def over_estimate_minor(self) -> int:
        """How much the goods and services exceed the confirmed estimate (0 when not over)."""
        if self.ctx.estimate_minor is None:
            return 0
        return max(0, self.goods_total_minor - self.ctx.estimate_minor)

    @property
    def needs_estimate_agreement(self) -> bool:
        return self.over_estimate_minor > 0 and not self.over_estimate_agreed

    @property
    def max_discount_percent(self) -> Decimal:
        """The largest discount on the bill, as a percent of what it applies to."""
        worst = Decimal(0)
        for ln in self.lines:
            gross = ln.quantity * ln.unit_price_minor
            if ln.discount_minor and gross > 0 and not ln.redeemed:
                worst = max(worst, Decimal(ln.discount_minor) * 100 / Decimal(gross))
        if self.bill_discount_minor:
            base = sum(
                ln.quantity * ln.unit_price_minor - ln.discount_minor
                for ln in self.lines
                if ln.kind in GOODS_KINDS and not ln.redeemed
            )
            if base > 0:
                worst = max(worst, Decimal(self.bill_discount_minor) * 100 / Decimal(base))
        return worst

    @property
    def needs_discount_approval(self) -> bool:
        return (
            self.max_discount_percent > self.ctx.discount_limit_percent
            and self.discount_approved_by_id is None
        )

    def line(self, key: str) -> DraftLine:
        for ln in self.lines:
            if ln.key == key:
                return ln
        raise KeyError(key)


def to_line_in(ln: DraftLine) -> LineIn:
    if ln.redeemed:
        # a redeemed package session (paid when the package was sold, docs/money-model.md) or a
        # points reward (paid with points, docs/loyalty.md): free on this bill
        return LineIn(
            ln.kind,
            ln.name,
            ln.quantity,
            ln.unit_price_minor,
            discount_minor=ln.quantity * ln.unit_price_minor,
            tax_rate_bp=0,
            ref_id=ln.service_id,
            staff_id=ln.staff_id,
            member_price=False,
        )
    return LineIn(
        ln.kind,
        ln.name,
        ln.quantity,
        ln.unit_price_minor,
        discount_minor=ln.discount_minor,
        tax_rate_bp=ln.tax_rate_bp,
        ref_id=ln.service_id or ln.product_id or ln.package_id,
        staff_id=ln.staff_id,
        member_price=ln.member_price,
    )


def _redeemable_lines(bill: Bill) -> list[DraftLine]:
    return [ln for ln in bill.lines if not ln.redeemed]


def reprice(bill: Bill, explain: bool = True) -> Bill:
    """Price the bill (pure). Redeemed sessions take no share of a bill discount.

    ``explain=False`` skips the line-by-line texts (payment needs the figures only)."""
    ctx = bill.ctx
    ins = [to_line_in(ln) for ln in bill.lines]

    def price(credit_minor: int) -> PricedBill:
        return price_lines(
            ins,
            prices_include_tax=ctx.prices_include_tax,
            member_percent=ctx.vip_rule.discount_percent if ctx.is_member else None,
            bill_discount_minor=bill.bill_discount_minor + credit_minor,  # the credit: a bill discount
            rounding_step=ctx.rounding_step_minor,
        )

    try:
        priced = price(bill.credit_minor)
    except PricingError:
        if not bill.credit_minor:
            raise
        # the bill no longer covers the owed credit (a line was removed): it stays owed
        bill = replace(bill, credit_id=None)
        priced = price(0)
    if not explain:
        return replace(bill, priced=priced, views=())
    views = tuple(_view(ln, pl, ctx) for ln, pl in zip(bill.lines, priced.lines, strict=True))
    return replace(bill, priced=priced, views=views)


def money(minor: int, currency: str) -> str:
    from desk_app.i18n import format_money

    return format_money(Money.from_minor(minor, currency).amount, currency)


def _view(ln: DraftLine, pl: object, ctx: BillContext) -> PricedLineView:
    from desk_app.domain.pricing import PricedLine

    assert isinstance(pl, PricedLine)
    cur = ctx.currency
    parts: list[str] = []
    if ln.quantity != 1:
        parts.append(_("{qty} × {price}").format(qty=ln.quantity, price=money(ln.unit_price_minor, cur)))
    else:
        parts.append(_("Price {price}").format(price=money(ln.unit_price_minor, cur)))
    if ln.reward_id is not None:
        parts.append(ngettext("a reward for {points} point", "a reward for {points} points",
                              ln.reward_points * ln.quantity).format(points=format_number(ln.reward_points * ln.quantity)))
    elif ln.redeemed:
        parts.append(_("paid with a package session"))
    else:
        own = ln.discount_minor if ln.kind not in (TIP, TOPUP, VOUCHER) else 0
        if own:
            parts.append(
                _("discount −{amount} ({reason})").format(
                    amount=money(own, cur), reason=ln.discount_reason or "-"
                )
            )
        share = pl.discount_minor - own
        if share:
            parts.append(_("share of the bill discount −{amount}").format(amount=money(share, cur)))
        if pl.member_discount_minor:
            parts.append(
                _("member price −{amount} ({pct}% off)").format(
                    amount=money(pl.member_discount_minor, cur), pct=ctx.vip_rule.discount_percent.normalize()
                )
            )
    if pl.tax_minor:
        pct = (Decimal(pl.tax_rate_bp) / 100).normalize()
        if ctx.prices_include_tax:
            parts.append(_("includes tax {amount} ({pct}%)").format(amount=money(pl.tax_minor, cur), pct=pct))
        else:
            parts.append(_("plus tax {amount} ({pct}%)").format(amount=money(pl.tax_minor, cur), pct=pct))
    if ln.kind == TIP:
        parts = [_("tip for {name}").format(name=ln.staff_name or _("the team"))]
    elif ln.kind == TOPUP:
        parts = [_("money kept on the client's prepaid account, not a charge")]
    elif ln.kind == VOUCHER:
        parts = [_("a gift voucher of {amount}, each with its own code; money owed, not a charge").format(
            amount=money(ln.unit_price_minor, ctx.currency))]
    text = ", ".join(parts) + " = " + money(pl.line_total_minor, cur)
    return PricedLineView(
        key=ln.key,
        kind=ln.kind,
        name=ln.name,
        quantity=ln.quantity,
        unit_price_minor=ln.unit_price_minor,
        gross_minor=pl.gross_minor,
        discount_minor=pl.discount_minor,
        member_discount_minor=pl.member_discount_minor,
        tax_rate_bp=pl.tax_rate_bp,
        tax_minor=pl.tax_minor,
        line_total_minor=pl.line_total_minor,
        full_price=pl.full_price,
        staff_name=ln.staff_name,
        explanation=text,
    )


# -- edits (pure: each returns a new priced bill) ------------------------------


def add_line(bill: Bill, line: DraftLine) -> Bill:
    key = f"L{bill.next_key}"
    return reprice(replace(bill, lines=(*bill.lines, replace(line, key=key)), next_key=bill.next_key + 1))


def remove_line(bill: Bill, key: str) -> Bill:
    bill.line(key)
    return reprice(replace(bill, lines=tuple(ln for ln in bill.lines if ln.key != key)))


def update_line(bill: Bill, key: str, **changes: object) -> Bill:
    bill.line(key)
    lines = tuple(replace(ln, **changes) if ln.key == key else ln for ln in bill.lines)  # type: ignore[arg-type]
    return reprice(replace(bill, lines=lines))


def vip_decision(bill: Bill) -> vip.VipDecision:
    if bill.client_id is None:
        return vip.VipDecision(False, "")
    cur = bill.ctx.currency
    return vip.evaluate(
        bill.ctx.vip_rule,
        bill.ctx.is_member,
        purchase_total=Money.from_minor(bill.goods_total_minor, cur).amount,
        full_price_before=Money.from_minor(bill.ctx.client_full_price_spend_minor, cur).amount,
        full_price_in_purchase=Money.from_minor(bill.full_price_goods_minor, cur).amount,
    )


def vip_gap_minor(bill: Bill) -> int | None:
    if bill.client_id is None:
        return None
    cur = bill.ctx.currency
    gap = vip.spend_to_member(
        bill.ctx.vip_rule,
        bill.ctx.is_member,
        purchase_total=Money.from_minor(bill.goods_total_minor, cur).amount,
        full_price_before=Money.from_minor(bill.ctx.client_full_price_spend_minor, cur).amount,
        full_price_in_purchase=Money.from_minor(bill.full_price_goods_minor, cur).amount,
    )
    return None if gap is None else Money(gap, cur).minor


def percent_of(amount_minor: int, percent: Decimal) -> int:
    return half_up(Decimal(amount_minor) * percent / Decimal(100))


def estimate_reasons(bill: Bill) -> list[str]:
    """Why the bill differs from the confirmed plan, line by line (for the over-estimate warning)."""
    cur = bill.ctx.currency
    out: list[str] = []
    planned: dict[tuple[str, int | None], int] = {}
    for kind, ref, amount in bill.ctx.plan:
        planned[(kind, ref)] = planned.get((kind, ref), 0) + amount
    seen: dict[tuple[str, int | None], int] = {}
    for ln, v in zip(bill.lines, bill.views, strict=True):
        if ln.kind not in GOODS_KINDS:
            continue
        ref = ln.service_id if ln.kind == SERVICE else ln.product_id if ln.kind == PRODUCT else ln.package_id
        k = (ln.kind, ref)
        seen[k] = seen.get(k, 0) + v.line_total_minor
    for k, amount in seen.items():
        name = next(
            (
                v.name
                for ln, v in zip(bill.lines, bill.views, strict=True)
                if (
                    ln.kind,
                    ln.service_id
                    if ln.kind == SERVICE
                    else ln.product_id
                    if ln.kind == PRODUCT
                    else ln.package_id,
                )
                == k
            ),
            "",
        )
        if k not in planned:
            out.append(
                _("Added, not in the plan: {name} +{amount}").format(name=name, amount=money(amount, cur))
            )
        elif amount > planned[k]:
            out.append(
                _("{name} costs {amount} more than planned").format(
                    name=name, amount=money(amount - planned[k], cur)
                )
            )
    for k, amount in planned.items():
        if k not in seen and amount:
            out.append(_("Planned but not on the bill: {amount} less").format(amount=money(amount, cur)))
    return out


def validate_payments(bill: Bill, payments: list[PaymentIn] | tuple[PaymentIn, ...]) -> None:
    """Everything about the payments that can be checked without the database."""
    bill = reprice(bill, explain=False)
    if not bill.lines:
        raise ValidationError({"lines": _("The bill is empty. Add a service or a product first.")})
    if bill.total_minor < 0:
        raise ValidationError({"lines": _("The bill's total cannot be below zero.")})
    if bill.needs_estimate_agreement:
        raise ValidationError(
            {
                "estimate": _(
                    "The bill is more than the estimate the client confirmed. Explain why and record the client's "
                    "agreement before payment."
                )
            }
        )
    if bill.needs_discount_approval:
        raise ApprovalNeeded(_("A discount on this bill needs the owner's PIN."), "discount")
    errors: dict[str, str] = {}
    paid = 0
    codes: set[str] = set()
    for p in payments:
        if p.method not in METHODS:
            errors["method"] = _("Choose a payment method from the list.")
        if p.amount_minor <= 0:
            errors["amount"] = _("Each payment must be above zero; remove the empty ones.")
        if p.method == "cash" and p.tendered_minor is not None and p.tendered_minor < p.amount_minor:
            errors["tendered"] = _(
                "The cash handed over is less than the amount; enter what the client gave."
            )
        if p.method != "cash" and p.tendered_minor is not None:
            errors["tendered"] = _("Only cash has an amount handed over.")
        if p.method == "prepaid":
            if bill.client_id is None:
                errors["method"] = _("A prepaid balance needs the client on the bill.")
            if any(ln.kind == TOPUP for ln in bill.lines):
                errors["method"] = _("A top-up cannot be paid from the prepaid balance itself.")
        if p.method == pts.METHOD:
            if bill.client_id is None:
                errors["method"] = _("Loyalty points need the client on the bill.")
            if any(ln.kind in (TOPUP, VOUCHER) for ln in bill.lines):
                errors["method"] = _("Loyalty points cannot pay for a top-up or a gift voucher.")
            if sum(1 for q in payments if q.method == pts.METHOD) > 1:
                errors["points"] = _("Take the points once, for the whole amount they pay.")
        if p.method == gv.METHOD:
            code = gv.normalize(p.reference)
            if isinstance(code, gv.CodeProblem):
                errors["voucher"] = gv.problem_text(code)
            elif code in codes:
                errors["voucher"] = _("The same voucher is given twice; take its payment once.")
            else:
                codes.add(code)
            if any(ln.kind in (TOPUP, VOUCHER) for ln in bill.lines):
                errors["method"] = _("A gift voucher cannot pay for a top-up or another gift voucher.")
        paid += p.amount_minor
    if not errors and paid != bill.total_minor:
        if paid < bill.total_minor:
            errors["amount"] = _("{amount} is still to pay.").format(
                amount=money(bill.total_minor - paid, bill.currency)
            )
        else:
            errors["amount"] = _("The payments are {amount} more than the total; lower one of them.").format(
                amount=money(paid - bill.total_minor, bill.currency)
            )
    for ln in bill.lines:
        if ln.kind in (PACKAGE, TOPUP) and bill.client_id is None:
            errors["client"] = _("Packages and top-ups need the client on the bill.")
        if ln.reward_id is not None and bill.client_id is None:
            errors["client"] = _("A reward for points needs the client on the bill.")
        if ln.kind == VOUCHER and not (0 < ln.unit_price_minor <= gv.MAX_FACE_MINOR and 0 < ln.quantity <= 20):
            errors["lines"] = _("A gift voucher is worth more than 0 and at most {amount}; up to 20 at once.").format(
                amount=money(gv.MAX_FACE_MINOR, bill.currency))
    if errors:
        raise ValidationError(errors)
