"""A pay period's statement for each staff member: what they sold or served, what of it earns
commission under the plan in force, the commission, the tips given to them (docs/payroll.md).

Read from the sale lines the counter wrote (refund and void lines included, negative, in the
period they were given back), so each statement line is one line of the sales export
(``desk-app export sales``) and the statements reconcile with it to the cent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, func, literal, select
from sqlalchemy.orm import Session, aliased

from desk_app.db.models import (
    ClientPackage,
    CommissionPlan,
    Package,
    PackageRedemption,
    Payment,
    Product,
    Sale,
    SaleLine,
    Service,
    ServiceCategory,
    Shop,
    Staff,
)
from desk_app.db.types import UTCDateTime
from desk_app.domain import commission as cm
from desk_app.reports.sqlhelp import Period
from desk_app.trust.base_pay import base_pays_in_force
from desk_app.trust.timeclock import Hours, period_hours

TIP = "tip"
LATER = "later"  # a top-up or package that earns commission when it is used, not when sold


@dataclass(frozen=True)
class StatementLine:
    at: datetime
    receipt_no: str
    line_no: int
    sale_kind: str  # sale | refund | void
    line_kind: str  # service | product | package | prepaid_topup | tip
    description: str
    sold_minor: int  # the line less its tax, as the sales export has it (negative on a refund)
    basis_minor: int  # what of it counts toward commission under the plan's rules
    # "prepaid" (part paid from a prepaid balance), "voucher" (part paid with a gift voucher), "package" (a package session), "later" (a top-up
    # or package that earns when it is used, not now: on no rate), ""
    note: str
    scope: str  # the commission scope, or "tip"
    category_id: int | None
    names: tuple[str, str] | None = None  # the catalog's (zh, en) name of what was sold, if any


@dataclass(frozen=True)
class Group:
    """The lines that earn under one rate (tiers apply to their sum)."""

    scope: str
    category_id: int | None
    rate: cm.Rate | None  # None: no rate in the plan, no commission
    basis_minor: int
    commission_minor: int


@dataclass(frozen=True)
class Statement:
    staff_id: int
    name: str
    role: str
    lines: tuple[StatementLine, ...]
    groups: tuple[Group, ...]
    tips_minor: int
    commission_minor: int
    base_pay_minor: int | None = None  # the month's base pay (staff_base_pays), when there is one
    # the appraisal's performance pay (a share of base pay as the month's score says, Reports >
    # Staff performance) and its score, when there is a base pay and a score
    performance_pay_minor: int | None = None
    score: str | None = None
    hours: Hours | None = None  # the time clock's hours of the month (shifts begun in it), if any

    @property
    def total_minor(self) -> int:
        return self.commission_minor + self.tips_minor + (self.base_pay_minor or 0) + (self.performance_pay_minor or 0)

    @property
    def sold_minor(self) -> int:
        return sum(ln.sold_minor for ln in self.lines if ln.scope != TIP)


@dataclass(frozen=True)
class Payroll:
    month: str
    currency: str
    first_day: date
    last_day: date
    through: date  # the last day with figures: last_day once the month is over, else today
    plan: cm.Plan
    plan_from: date | None  # the day the plan in force began (None: no plan saved yet)
    statements: tuple[Statement, ...]
    categories: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> (zh, en)
    shop_name: str = ""

    @property
    def complete(self) -> bool:
        return self.through >= self.last_day

    def statement(self, staff_id: int) -> Statement | None:
        return next((s for s in self.statements if s.staff_id == staff_id), None)


def plan_in_force(session: Session, day: date) -> tuple[cm.Plan, date | None]:
    """The newest plan in force on ``day`` (a later one saved for the same day wins)."""
    row = session.execute(
        select(CommissionPlan.plan, CommissionPlan.effective_from)
        .where(CommissionPlan.effective_from <= day)
        .order_by(CommissionPlan.effective_from.desc(), CommissionPlan.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return cm.Plan(), None
    return cm.parse_plan(row[0]), row[1]


def _half_up(x: Decimal) -> int:
    return int(x.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _ex_tax(gross: int, rate_bp: int, include_tax: bool) -> int:
    """The part of a tax-inclusive amount that is not tax."""
    if not include_tax or not rate_bp:
        return gross
    return gross - _half_up(Decimal(gross) * rate_bp / (10_000 + rate_bp))


def build(session: Session, month: str, now: datetime, branch_id: int | None = None) -> Payroll:
    shop = session.execute(select(Shop.currency, Shop.timezone, Shop.name).order_by(Shop.id).limit(1)).first()
    if shop is None:
        raise ValueError("no shop is set up in this database")
    currency, tz_name = str(shop[0]), str(shop[1])
    p = Period.of(month, tz_name)
    plan, plan_from = plan_in_force(session, p.first_day)
    start, end = literal(p.start, UTCDateTime()), literal(p.end, UTCDateTime())
    in_period = and_(Sale.sold_at >= start, Sale.sold_at < end)
    if branch_id is not None:
        in_period = and_(in_period, Sale.branch_id == branch_id)
    category_of: dict[int, int] = {int(i): int(c) for i, c in session.execute(select(Service.id, Service.category_id))}
    categories = {
        int(i): (str(zh), str(en))
        for i, zh, en in session.execute(select(ServiceCategory.id, ServiceCategory.name_zh, ServiceCategory.name_en))
    }
    names: dict[tuple[str, int], tuple[str, str]] = {}
    for kind, model in (("service", Service), ("product", Product), ("package", Package)):
        for i, zh, en in session.execute(select(model.id, model.name_zh, model.name_en)):
            names[(kind, int(i))] = (str(zh or en), str(en or zh))
    prepaid_paid: dict[int, int] = {}
    if plan.prepaid_rule == cm.ON_SALE:
        prepaid_paid = {
            int(s): int(a)
            for s, a in session.execute(
                select(Payment.sale_id, func.sum(Payment.amount_minor))
                .join(Sale, Sale.id == Payment.sale_id)
                .where(in_period, Payment.method == "prepaid")
                .group_by(Payment.sale_id)
            )
        }
    voucher_paid: dict[int, int] = {}
    if plan.voucher_rule == cm.ON_SALE:
        voucher_paid = {
            int(s): int(a)
            for s, a in session.execute(
                select(Payment.sale_id, func.sum(Payment.amount_minor))
                .join(Sale, Sale.id == Payment.sale_id)
                .where(in_period, Payment.method == "voucher")
                .group_by(Payment.sale_id)
            )
        }
    # a package session's worth, by (sale, service): the first redemption row of the service in the
    # sale, as a refund of the session finds it (checkout/refund.py); it earns when the plan in
    # force when the package was SOLD said "as each session is used" (a rule changed since then
    # neither pays a package twice nor never)
    session_value: dict[tuple[int, int], tuple[int, int, bool]] = {}
    rule_of_month: dict[date, str] = {}
    for sid, svc, value, sessions, bought in session.execute(
        select(PackageRedemption.sale_id, ClientPackage.service_id, PackageRedemption.value_minor,
               PackageRedemption.sessions, ClientPackage.purchased_at)
        .join(ClientPackage, ClientPackage.id == PackageRedemption.client_package_id)
        .join(Sale, Sale.id == PackageRedemption.sale_id)
        .where(in_period)
        .order_by(PackageRedemption.id)
    ):  # fmt: skip
        month_of_sale = bought.astimezone(p.tz).date().replace(day=1)
        if month_of_sale not in rule_of_month:
            rule_of_month[month_of_sale] = plan_in_force(session, month_of_sale)[0].package_rule
        session_value.setdefault(
            (int(sid or 0), int(svc)),
            (abs(int(value)), max(abs(int(sessions)), 1), rule_of_month[month_of_sale] == cm.ON_REDEMPTION),
        )
    original = aliased(Sale)
    # a line no one is named on is the sale's cashier's; a refund of it is the original cashier's
    seller = func.coalesce(original.cashier_id, Sale.cashier_id)
    rows = session.execute(
        select(
            Sale.id, Sale.receipt_no, Sale.sold_at, Sale.kind, seller, Sale.total_minor,
            Sale.prices_include_tax, SaleLine.line_no, SaleLine.kind, SaleLine.service_id, SaleLine.staff_id,
            SaleLine.description, SaleLine.quantity, SaleLine.line_total_minor, SaleLine.tax_minor,
            SaleLine.tax_rate_bp, SaleLine.discount_reason, SaleLine.product_id, SaleLine.package_id,
        )
        .join(SaleLine, SaleLine.sale_id == Sale.id)
        .outerjoin(original, original.id == Sale.original_sale_id)
        .where(in_period)
        .order_by(Sale.sold_at, Sale.id, SaleLine.line_no)
    ).all()  # fmt: skip
    lines: dict[int, list[StatementLine]] = defaultdict(list)
    for (sale_id, receipt, at, skind, cashier, sale_total, incl, line_no, lkind, service_id, staff_id,
         desc, qty, total, tax, rate_bp, reason, product_id, package_id) in rows:  # fmt: skip
        sold = int(total) - int(tax)
        note = ""
        basis = sold
        scope: str
        cat: int | None = None
        who = staff_id
        if lkind == TIP:
            scope = TIP
        elif lkind == "service":
            scope, cat = cm.SERVICE, category_of.get(int(service_id or 0))
            if reason == "package" and int(total) == 0:  # a package session: paid when the package was sold
                note = "package"
                basis = 0
                worth = session_value.get((int(sale_id), int(service_id or 0)))
                if worth is not None and worth[2]:
                    value, sessions, _earns = worth
                    gross = _half_up(Decimal(value) * abs(int(qty)) / sessions) * (1 if int(qty) >= 0 else -1)
                    basis = _ex_tax(gross, int(rate_bp), bool(incl))
        elif lkind == "product":
            scope = cm.PRODUCT
            who = staff_id if staff_id is not None else cashier  # sold at the counter: the cashier's sale
        elif lkind == "package":
            scope = cm.PACKAGE
            who = staff_id if staff_id is not None else cashier
            if plan.package_rule == cm.ON_REDEMPTION:
                basis, note = 0, LATER
        elif lkind == "prepaid_topup":
            scope = cm.PREPAID
            who = staff_id if staff_id is not None else cashier  # a top-up is the cashier's sale
            if plan.prepaid_rule != cm.ON_SALE:
                basis, note = 0, LATER
        elif lkind == "gift_voucher":
            scope = cm.VOUCHER
            who = staff_id if staff_id is not None else cashier  # a voucher is the cashier's sale
            if plan.voucher_rule != cm.ON_SALE:
                basis, note = 0, LATER
        else:
            continue  # rounding, adjustments: no one's sale
        if who is None:
            continue
        from_prepaid = prepaid_paid.get(int(sale_id), 0)
        from_voucher = voucher_paid.get(int(sale_id), 0)
        if (from_prepaid or from_voucher) and scope in (cm.SERVICE, cm.PRODUCT, cm.PACKAGE) and int(sale_total):
            # commission on the top-up or voucher when it was sold: what it paid for earns none
            basis = _half_up(Decimal(basis) * (int(sale_total) - from_prepaid - from_voucher) / int(sale_total))
            note = "prepaid" if from_prepaid else "voucher"
        item = next(((k, int(i)) for k, i in (("service", service_id), ("product", product_id),
                                              ("package", package_id)) if i is not None), None)  # fmt: skip
        lines[int(who)].append(
            StatementLine(at, str(receipt), int(line_no), str(skind), str(lkind), str(desc), sold, basis, note,
                          scope, cat, names.get(item) if item else None)  # fmt: skip
        )
    staff = {
        int(i): (str(n), str(r), bool(active))
        for i, n, r, active in session.execute(select(Staff.id, Staff.name, Staff.role, Staff.active))
    }
    pays = base_pays_in_force(session, p.first_day)
    last = p.first_day + timedelta(days=p.days - 1)
    hours = period_hours(session, p.first_day, last, now, branch_id=branch_id)
    statements = [
        replace(_statement(plan, sid, name, role, lines.get(sid, [])), base_pay_minor=pays.get(sid), hours=hours.get(sid))
        for sid, (name, role, active) in staff.items()
        # someone who left: only for what they sold or the hours they worked
        if lines.get(sid) or sid in hours or (sid in pays and active)
    ]
    statements.sort(key=lambda s: (s.name.casefold(), s.staff_id))  # the same order every month
    today = now.astimezone(p.tz).date()
    through = max(min(last, today), p.first_day - timedelta(days=1))
    return Payroll(month, currency, p.first_day, last, through, plan, plan_from, tuple(statements), categories,
                   str(shop[2]))


def _statement(plan: cm.Plan, staff_id: int, name: str, role: str, lines: list[StatementLine]) -> Statement:
    by_rate: dict[Any, list[StatementLine]] = defaultdict(list)
    for ln in lines:
        if ln.scope == TIP or ln.note == LATER:  # listed, on no rate: it earns when it is used
            continue
        rate = plan.rate_for(staff_id, ln.scope, ln.category_id)
        key = rate.key() if rate is not None else (None, ln.scope, ln.category_id if ln.scope == cm.SERVICE else None)
        by_rate[(key, rate)].append(ln)
    groups = []
    for (key, rate), members in by_rate.items():
        basis = sum(m.basis_minor for m in members)
        groups.append(
            Group(key[1], key[2], rate, basis, cm.tiered(basis, rate.tiers) if rate is not None else 0)
        )
    groups.sort(key=lambda g: (cm.SCOPES.index(g.scope), g.category_id or 0))
    tips = sum(ln.sold_minor for ln in lines if ln.scope == TIP)
    return Statement(staff_id, name, role, tuple(lines), tuple(groups), tips, sum(g.commission_minor for g in groups))
