"""What one paid bill writes, as plain rows: the only description of a sale (docs/money-model.md).

``sale_rows`` is pure. It takes a priced :class:`~desk_app.checkout.bill.Bill`, its payments and
what the database knows at that moment (:class:`SaleState`) and returns every row the sale adds
and every balance it moves. Three writers use it, so they cannot disagree about the money:

- the counter (``checkout.ledger.write_sale``), which reads the state from the database inside
  its unit of work and writes the rows there;
- the demo shop's history (its till, ``desk_app.demo.sim_money``) and the reports' sample shop
  (``desk_app.demo.sample``), which keep the state in memory and bulk-insert the rows.

Row ids: ``ids(table)`` gives the next id of a table, or ``None`` to let the database number it
(then the row has no ``id`` key). The sale's own id is assigned by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from desk_app.checkout import bill as cb
from desk_app.checkout.bill import Bill, PaymentIn
from desk_app.domain import points as pts
from desk_app.domain import voucher as gv
from desk_app.domain.money import currency_exponent
from desk_app.domain.pricing import half_up

Row = dict[str, Any]
Ids = Callable[[str], "int | None"]


@dataclass(frozen=True)
class PackageTerms:
    """A package as sold (read from the catalogue)."""

    service_id: int
    sessions: int
    valid_days: int


@dataclass(frozen=True)
class HeldPackage:
    """A client's package a line redeems a session of (read from the client's packages)."""

    client_id: int
    service_id: int
    sessions_total: int
    sessions_used: int
    price_minor: int


@dataclass(frozen=True)
class SaleState:
    """What the database says when the sale is written."""

    sale_id: int | None  # None: the database numbers the sale; call SaleRows.bind once it has
    receipt_no: str
    branch_id: int
    cashier_id: int | None
    at: datetime
    tz: ZoneInfo  # the shop's zone: expiry dates are shop days
    cash_session_id: int | None = None
    prepaid_account_id: int | None = None  # must exist when the bill tops up or pays from prepaid
    prepaid_balance_minor: int = 0
    prepaid_available_minor: int = 0  # balance less what is held for deposits
    prepaid_expires_on: date | None = None
    topup_bonus_percent: Decimal = Decimal(0)
    prepaid_validity_days: int = 0
    packages: Mapping[int, PackageTerms] = field(default_factory=dict)  # package_id -> terms
    held: Mapping[int, HeldPackage] = field(default_factory=dict)  # client_package_id -> package
    voucher_codes: Sequence[str] = ()  # fresh codes for the gift vouchers the bill sells, in order
    voucher_validity_days: int = 0  # 0: a voucher sold never expires
    vouchers: Mapping[str, gv.Held] = field(default_factory=dict)  # code -> a voucher the bill spends
    points: pts.Held | None = None  # the client's points account (None: no points move on this sale)
    points_rule: pts.PointsRule | None = None
    rewards: Mapping[int, pts.RewardTerms] = field(default_factory=dict)  # reward id -> the bill's rewards
    service_categories: Mapping[int, int] = field(default_factory=dict)  # service id -> category id


class SaleRefused(ValueError):
    """The state does not allow the sale (the counter turns these into a message)."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


@dataclass
class SaleRows:
    sale: Row
    tables: dict[str, list[Row]]  # table name -> rows, in an order that respects foreign keys
    stock: dict[int, int]  # product_id -> quantity change
    sessions_used: dict[int, int]  # client_package_id -> sessions redeemed now
    prepaid_balance_minor: int | None  # the account's balance afterwards (None: no prepaid touched)
    prepaid_expires_on: date | None
    goods_minor: int  # added to the client's total spend
    full_price_goods_minor: int  # added to the client's full-price spend (the VIP rule)
    becomes_member: bool
    change_minor: int
    voucher_balances: dict[int, int] = field(default_factory=dict)  # voucher id -> balance afterwards
    points_balance: int | None = None  # the points account's balance afterwards (None: untouched)
    points_active: bool = False  # points were earned or spent: the account's idle time starts again

    def bind(self, sale_id: int) -> None:
        """Point every row at the sale once the database has numbered it."""
        self.sale["id"] = sale_id
        for rows in self.tables.values():
            for row in rows:
                if "sale_id" in row:
                    row["sale_id"] = sale_id


TABLE_ORDER = (
    "sale_lines",
    "gift_vouchers",
    "voucher_movements",
    "client_packages",
    "package_redemptions",
    "stock_movements",
    "prepaid_movements",
    "payments",
    "points_movements",
    "memberships",
)


def price(bill: Bill) -> Bill:
    """The bill priced, without the on-screen explanations (what payment needs)."""
    return cb.reprice(bill, explain=False) if bill.priced is None else bill


def expiry(at: datetime, tz: ZoneInfo, days: int) -> date | None:
    """The last shop day of something valid for ``days`` days from ``at`` (None: never expires)."""
    return (at.astimezone(tz) + timedelta(days=days)).date() if days else None


def redemption_value(held: HeldPackage, sessions: int) -> int:
    """The share of the package's price a redeemed session is worth (for revenue and refunds)."""
    return half_up(Decimal(held.price_minor) * sessions / Decimal(max(held.sessions_total, 1)))


def _with_id(ids: Ids, table: str, row: Row) -> Row:
    new = ids(table)
    if new is not None:
        row["id"] = new
    return row


def sale_rows(
    bill: Bill, payments: list[PaymentIn] | tuple[PaymentIn, ...], st: SaleState, ids: Ids
) -> SaleRows:
    bill = price(bill)
    p = bill.p
    at = st.at
    sid = st.sale_id
    decision = cb.vip_decision(bill)
    tables: dict[str, list[Row]] = {name: [] for name in TABLE_ORDER}
    stock: dict[int, int] = {}
    used: dict[int, int] = {}
    line_no = 0
    credit = bill.credit
    credit_reason = f"complaint {credit.kind}" if credit else ""  # stored like "package": a code, not prose
    bill_reason = "; ".join(x for x in (bill.bill_discount_reason, credit_reason) if x)
    for ln, pl in zip(bill.lines, p.lines, strict=True):
        line_no += 1
        reason = ln.discount_reason
        if ln.reward_id is not None:
            reason = "reward"  # a code, like "package": the points movement holds what it cost
        elif ln.redeemed:
            reason = "package"
        elif pl.discount_minor > ln.discount_minor and bill_reason:
            reason = "; ".join(x for x in (reason, bill_reason) if x)
        tables["sale_lines"].append(
            _with_id(
                ids,
                "sale_lines",
                {
                    "sale_id": sid,
                    "line_no": line_no,
                    "kind": ln.kind,
                    "service_id": ln.service_id,
                    "product_id": ln.product_id,
                    "package_id": ln.package_id,
                    "staff_id": ln.staff_id,
                    "description": ln.name[:300],
                    "quantity": ln.quantity,
                    "unit_price_minor": ln.unit_price_minor,
                    "discount_minor": pl.discount_minor,
                    "member_discount_minor": pl.member_discount_minor,
                    "discount_reason": reason,
                    "tax_rate_bp": pl.tax_rate_bp,
                    "tax_minor": pl.tax_minor,
                    "line_total_minor": pl.line_total_minor,
                    "full_price": pl.full_price,
                    "original_line_id": None,
                },
            )
        )
        if ln.kind == cb.PRODUCT and ln.product_id:
            stock[ln.product_id] = stock.get(ln.product_id, 0) - ln.quantity
            tables["stock_movements"].append(
                _with_id(
                    ids,
                    "stock_movements",
                    {
                        "product_id": ln.product_id,
                        "qty_delta": -ln.quantity,
                        "reason": "sale",
                        "sale_id": sid,
                        "visit_id": bill.visit_id,
                        "staff_id": st.cashier_id,
                        "note": "",
                        "at": at,
                    },
                )
            )
        elif ln.kind == cb.PACKAGE and ln.package_id and bill.client_id is not None:
            terms = st.packages.get(ln.package_id)
            if terms is None:
                raise SaleRefused("package", "unknown package")
            for _i in range(ln.quantity):
                tables["client_packages"].append(
                    _with_id(
                        ids,
                        "client_packages",
                        {
                            "client_id": bill.client_id,
                            "package_id": ln.package_id,
                            "service_id": terms.service_id,
                            "sessions_total": terms.sessions,
                            "sessions_used": 0,
                            "price_minor": pl.line_total_minor // ln.quantity,
                            "sale_id": sid,
                            "purchased_at": at,
                            "expires_on": expiry(at, st.tz, terms.valid_days),
                            "version": 1,
                        },
                    )
                )
        elif ln.redeemed and ln.client_package_id:
            held = st.held.get(ln.client_package_id)
            if held is None or held.client_id != bill.client_id or held.service_id != ln.service_id:
                raise SaleRefused("package", "not this client's package for this service")
            already = used.get(ln.client_package_id, 0)
            if held.sessions_total - held.sessions_used - already < ln.quantity:
                raise SaleRefused("package", "no sessions left")
            used[ln.client_package_id] = already + ln.quantity
            tables["package_redemptions"].append(
                _with_id(
                    ids,
                    "package_redemptions",
                    {
                        "client_package_id": ln.client_package_id,
                        "sale_id": sid,
                        "visit_id": bill.visit_id,
                        "sessions": ln.quantity,
                        "value_minor": redemption_value(held, ln.quantity),
                        "at": at,
                        "staff_id": st.cashier_id,
                    },
                )
            )
    codes = list(st.voucher_codes)
    for ln in bill.lines:
        if ln.kind != cb.VOUCHER:
            continue
        for _i in range(ln.quantity):
            if not codes:
                raise SaleRefused("voucher", "no code for a voucher sold")
            tables["gift_vouchers"].append(
                _with_id(
                    ids,
                    "gift_vouchers",
                    {
                        "code": codes.pop(0),
                        "branch_id": st.branch_id,
                        "sale_id": sid,
                        "from_voucher_id": None,
                        "amount_minor": ln.unit_price_minor,
                        "balance_minor": ln.unit_price_minor,
                        "currency": bill.currency,
                        "issued_at": at,
                        "expires_on": gv.expiry(at, st.tz, st.voucher_validity_days),
                        "closed": "",
                        "staff_id": st.cashier_id,
                        "version": 1,
                    },
                )
            )
    if p.rounding_minor:
        line_no += 1
        tables["sale_lines"].append(
            _with_id(
                ids,
                "sale_lines",
                {
                    "sale_id": sid,
                    "line_no": line_no,
                    "kind": cb.ROUNDING,
                    "service_id": None,
                    "product_id": None,
                    "package_id": None,
                    "staff_id": None,
                    "description": "rounding",
                    "quantity": 1,
                    "unit_price_minor": p.rounding_minor,
                    "discount_minor": 0,
                    "member_discount_minor": 0,
                    "discount_reason": "",
                    "tax_rate_bp": 0,
                    "tax_minor": 0,
                    "line_total_minor": p.rounding_minor,
                    "full_price": False,
                    "original_line_id": None,
                },
            )
        )

    # prepaid: top-ups (+ bonus), then spending
    balance = st.prepaid_balance_minor
    available = st.prepaid_available_minor
    expires = st.prepaid_expires_on
    touched = False

    def move(kind: str, amount: int) -> None:
        nonlocal balance, available, touched
        if st.prepaid_account_id is None:
            raise SaleRefused("prepaid", "no prepaid account")
        balance += amount
        available += amount
        if balance < 0:
            raise SaleRefused("prepaid", "balance below zero")
        touched = True
        tables["prepaid_movements"].append(
            _with_id(
                ids,
                "prepaid_movements",
                {
                    "account_id": st.prepaid_account_id,
                    "kind": kind,
                    "amount_minor": amount,
                    "balance_after_minor": balance,
                    "sale_id": sid,
                    "appointment_id": None,
                    "staff_id": st.cashier_id,
                    "note": "",
                    "at": at,
                },
            )
        )

    topup = sum(pl.line_total_minor for pl in p.lines if pl.line.kind == cb.TOPUP)
    if topup and bill.client_id is not None:
        move("topup", topup)
        bonus = cb.percent_of(topup, st.topup_bonus_percent)
        if bonus:
            move("bonus", bonus)
        renewed = expiry(at, st.tz, st.prepaid_validity_days)
        if renewed is not None:
            expires = max(expires or renewed, renewed)
    change_total = 0
    today = at.astimezone(st.tz).date()
    voucher_balances: dict[int, int] = {}
    for pay in payments:
        acct_id = None
        voucher_id = None
        reference = pay.reference
        if pay.method == "prepaid" and bill.client_id is not None:
            if available < pay.amount_minor:
                raise SaleRefused("prepaid", str(available))
            move("spend", -pay.amount_minor)
            acct_id = st.prepaid_account_id
        elif pay.method == gv.METHOD:
            code = gv.normalize(pay.reference)
            gift = st.vouchers.get(code) if isinstance(code, str) else None
            if gift is not None:  # spent twice on one bill: the second sees the first's balance
                gift = replace(gift, balance_minor=voucher_balances.get(gift.id, gift.balance_minor))
            problem = gv.spend_problem(gift, pay.amount_minor, today, bill.currency)
            if problem or gift is None:
                raise SaleRefused("voucher", problem)
            voucher_id, reference = gift.id, gift.code
            voucher_balances[gift.id] = gift.balance_minor - pay.amount_minor
            tables["voucher_movements"].append(
                _with_id(
                    ids,
                    "voucher_movements",
                    {
                        "voucher_id": gift.id,
                        "kind": "redeem",
                        "amount_minor": -pay.amount_minor,
                        "balance_after_minor": voucher_balances[gift.id],
                        "sale_id": sid,
                        "staff_id": st.cashier_id,
                        "note": "",
                        "at": at,
                    },
                )
            )
        change = cb.change_for(pay)
        change_total += change
        tables["payments"].append(
            _with_id(
                ids,
                "payments",
                {
                    "sale_id": sid,
                    "method": pay.method,
                    "amount_minor": pay.amount_minor,
                    "tendered_minor": pay.tendered_minor if pay.method == "cash" else None,
                    "change_minor": change,
                    "prepaid_account_id": acct_id,
                    "client_package_id": None,
                    "voucher_id": voucher_id,
                    "reference": reference,
                    "paid_at": at,
                },
            )
        )
    points_balance, points_active = _points_rows(bill, payments, st, ids, tables)
    if decision.becomes_member and bill.client_id is not None:
        tables["memberships"].append(
            _with_id(
                ids,
                "memberships",
                {
                    "client_id": bill.client_id,
                    "tier": "vip",
                    "reason": decision.reason,
                    "sale_id": sid,
                    "staff_id": st.cashier_id,
                    "at": at,
                },
            )
        )
    over = bill.over_estimate_minor > 0
    sale: Row = {
        "branch_id": st.branch_id,
        "receipt_no": st.receipt_no,
        "kind": "sale",
        "original_sale_id": None,
        "reason": "",
        "client_id": bill.client_id,
        "visit_id": bill.visit_id,
        "cashier_id": st.cashier_id,
        "approved_by_id": bill.discount_approved_by_id,
        "sold_at": at,
        "currency": bill.currency,
        "subtotal_minor": p.subtotal_minor,
        "discount_minor": p.discount_minor + p.member_discount_minor,
        "tax_minor": p.tax_minor,
        "tip_minor": p.tip_minor,
        "rounding_minor": p.rounding_minor,
        "total_minor": p.total_minor,
        "prices_include_tax": p.prices_include_tax,
        "estimate_minor": bill.ctx.estimate_minor,
        "over_estimate_agreed_at": at if over else None,
        "over_estimate_note": bill.over_estimate_note if over else "",
        "member_upgrade": decision.becomes_member,
        "member_price_applied": p.member_discount_minor > 0,
        "satisfaction": None,
        "cash_session_id": st.cash_session_id,
    }
    if sid is not None:
        sale["id"] = sid
    return SaleRows(
        sale=sale,
        tables=tables,
        stock=stock,
        sessions_used=used,
        prepaid_balance_minor=balance if touched else None,
        prepaid_expires_on=expires,
        goods_minor=bill.goods_total_minor if bill.client_id is not None else 0,
        full_price_goods_minor=bill.full_price_goods_minor if bill.client_id is not None else 0,
        becomes_member=decision.becomes_member,
        change_minor=change_total,
        voucher_balances=voucher_balances,
        points_balance=points_balance,
        points_active=points_active,
    )


def _points_rows(
    bill: Bill, payments: Sequence[PaymentIn], st: SaleState, ids: Ids, tables: dict[str, list[Row]]
) -> tuple[int | None, bool]:
    """The sale's loyalty points (docs/loyalty.md): an idle balance lapses first (dated the day it
    lapsed), then the rewards the bill takes, then the points that pay, then the points the sale
    earns. Returns the balance after (None: untouched) and whether points were earned or spent."""
    spent_minor = sum(pay.amount_minor for pay in payments if pay.method == pts.METHOD)
    rewarded = [(no, ln) for no, ln in enumerate(bill.lines, start=1) if ln.reward_id is not None]
    held, rule = st.points, st.points_rule
    if held is None or rule is None or bill.client_id is None:
        if spent_minor:
            raise SaleRefused("points", "0")
        if rewarded:
            raise SaleRefused("reward", "0")
        return None, False
    exp = currency_exponent(bill.currency)
    balance = held.balance
    moved = False

    def move(kind: str, points: int, value_minor: int = 0, at: datetime = st.at, note: str = "",
             line_no: int | None = None) -> None:
        nonlocal balance, moved
        balance += points
        if balance < 0:
            raise SaleRefused("reward" if kind == "reward" else "points", str(balance - points))
        moved = True
        tables["points_movements"].append(
            _with_id(ids, "points_movements", {
                "account_id": held.id, "kind": kind, "points": points, "balance_after": balance,
                "value_minor": value_minor, "sale_id": st.sale_id, "staff_id": st.cashier_id, "note": note,
                "at": at, "line_no": line_no,
            })
        )

    lapse = pts.lapses_at(held.last_activity_at, rule.lapse_days)
    if held.balance > 0 and lapse is not None and st.at >= lapse:
        move("lapse", -held.balance, at=lapse, note="idle")
    for no, ln in rewarded:
        terms = st.rewards.get(ln.reward_id or 0)
        if (
            terms is None or not terms.active or terms.points != ln.reward_points
            or (terms.service_id, terms.product_id) != (ln.service_id if ln.kind == cb.SERVICE else None,
                                                        ln.product_id if ln.kind == cb.PRODUCT else None)
        ):
            raise SaleRefused("reward", "changed")
        move("reward", -terms.points * ln.quantity, value_minor=ln.unit_price_minor * ln.quantity,
             note="reward", line_no=no)
    if spent_minor:
        need = pts.points_for(spent_minor, rule, exp)
        if rule.points_per_unit <= 0 or need > balance:
            raise SaleRefused("points", str(balance))
        move("redeem", -need, value_minor=spent_minor)
    p = bill.p
    got = pts.earned(
        rule,
        [
            pts.EarningLine(ln.kind, pl.line_total_minor,
                            st.service_categories.get(ln.service_id) if ln.service_id else None, ln.redeemed)
            for ln, pl in zip(bill.lines, p.lines, strict=True)
        ],
        spent_minor,
        exp,
    )
    if got:
        move("earn", got)
    return (balance if moved else None), bool(spent_minor or got or rewarded)


# -- refunds and voids: the lines, totals and payments a refund writes -----------------------------

LINE_COLUMNS = (
    "kind",
    "service_id",
    "product_id",
    "package_id",
    "staff_id",
    "description",
    "quantity",
    "unit_price_minor",
    "discount_minor",
    "member_discount_minor",
    "discount_reason",
    "tax_rate_bp",
    "tax_minor",
    "line_total_minor",
    "full_price",
)
# refunds go back to these methods first, cash last
REFUND_ORDER = ("prepaid", "voucher", "points", "card", "wechat", "alipay", "cash")


def refund_line(original: Mapping[str, Any], original_id: int, sale_id: int | None, line_no: int) -> Row:
    """The refund's line for one line of the original sale: the same line with every amount negated."""
    row = {k: original[k] for k in LINE_COLUMNS}
    for k in ("quantity", "discount_minor", "member_discount_minor", "tax_minor", "line_total_minor"):
        row[k] = -row[k]
    row.update(sale_id=sale_id, line_no=line_no, original_line_id=original_id)
    return row


@dataclass(frozen=True)
class RefundTotals:
    """What the refunded lines of the original sale add up to (positive; the refund sale is negative)."""

    subtotal_minor: int
    discount_minor: int
    tax_minor: int
    tip_minor: int
    rounding_minor: int
    total_minor: int
    goods_minor: int  # taken off the client's total spend
    full_price_goods_minor: int  # taken off the client's full-price spend

    def sale_columns(self) -> Row:
        return {
            "subtotal_minor": -self.subtotal_minor,
            "discount_minor": -self.discount_minor,
            "tax_minor": -self.tax_minor,
            "tip_minor": -self.tip_minor,
            "rounding_minor": -self.rounding_minor,
            "total_minor": -self.total_minor,
        }


def refund_totals(lines: Sequence[Mapping[str, Any]]) -> RefundTotals:
    sub = disc = tax = tip = rounding = total = goods = full = 0
    for ln in lines:
        kind = ln["kind"]
        if kind in (cb.SERVICE, cb.PRODUCT, cb.PACKAGE, cb.TOPUP, cb.VOUCHER):
            sub += ln["quantity"] * ln["unit_price_minor"]
        disc += ln["discount_minor"] + ln["member_discount_minor"]
        tax += ln["tax_minor"]
        total += ln["line_total_minor"]
        if kind == cb.TIP:
            tip += ln["line_total_minor"]
        if kind == cb.ROUNDING:
            rounding += ln["line_total_minor"]
        if kind in cb.GOODS_KINDS:
            goods += ln["line_total_minor"]
            if ln["full_price"]:
                full += ln["line_total_minor"]
    return RefundTotals(sub, disc, tax, tip, rounding, total, goods, full)


def refund_payments(
    amount: int,
    paid: Mapping[tuple[str, int | None], int],
    already_back: Mapping[tuple[str, int | None], int],
) -> list[tuple[str, int | None, int]]:
    """Where ``amount`` goes back: to what the sale was paid with (``paid``: (method, prepaid account
    or gift voucher)
    -> amount), less what earlier refunds gave back, prepaid and cards first and cash last; whatever
    no recorded method can take back is given in cash. Returns (method, account, amount) rows."""
    out: list[tuple[str, int | None, int]] = []
    left = amount
    if left <= 0:
        return out
    for method in REFUND_ORDER:
        for (m, acct_id), total in paid.items():
            if m != method or left <= 0:
                continue
            take = min(total - already_back.get((m, acct_id), 0), left)
            if take <= 0:
                continue
            left -= take
            out.append((m, acct_id, take))
    if left > 0:  # e.g. paid by a method no longer on record
        out.append(("cash", None, left))
    return out
