"""The monthly report's sales: revenue by kind, day and category, tickets, payment methods, the
best-selling services and products, packages; and the products to reorder.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from decimal import ROUND_HALF_UP
from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.sql.elements import ColumnElement

from desk_app.db.models import (
    PackageRedemption,
    Payment,
    PaymentHour,
    Product,
    Sale,
    SaleHour,
    SaleItemHour,
    SaleLine,
    SaleStaffHour,
)
from desk_app.domain.money import Money
from desk_app.domain.payment import STORED_METHODS, PaymentMethod
from desk_app.domain.pricing import STORED_VALUE_KINDS
from desk_app.reports.hours import split
from desk_app.reports.monthly_reader import Catalog, ReportReader, StaffAcc, as_int
from desk_app.reports.sqlhelp import Period, local_day

_STORED = tuple(sorted(STORED_VALUE_KINDS))  # stored value sold: not revenue, not a ticket
PAYMENT_METHODS: tuple[str, ...] = tuple(PaymentMethod)  # the report's order


def sales_figures(
    rd: ReportReader, catalog: Catalog, p: Period, d: dict[str, Any], staff_acc: StaffAcc
) -> None:
    """Sales, lines and payments."""
    c = rd.conn
    raw_spans, hours = split(rd.tz, p.start, p.end)  # the summaries answer whole hours, the rows the rest
    by_day: dict[str, int] = defaultdict(int)
    for dy, day_total in _by_day(rd, p, raw_spans, hours):
        by_day[str(dy)] += as_int(day_total)
    kinds: dict[str, int] = defaultdict(int)
    by_cat: dict[str, int] = defaultdict(int)
    svc: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    prod: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    stored: dict[str, int] = defaultdict(int)  # stored value sold (top-ups, gift vouchers): not revenue
    tax = disc = ticket_rev = pkg_sold = 0
    for skind, lkind, sid, pid, qty, total, ltax, ldisc in _items(rd, raw_spans, hours):
        total, qty = as_int(total), as_int(qty)
        if lkind in STORED_VALUE_KINDS:
            stored[lkind] += total
            continue
        kinds[lkind] += total
        tax += as_int(ltax)
        disc += as_int(ldisc)
        if skind == "sale":
            ticket_rev += total
        if lkind == "service":
            cat = catalog.services.get(as_int(sid), ("", "", 0))[2]
            by_cat[f"service:{cat}"] += total
            if sid is not None:
                svc[int(sid)][0] += qty
                svc[int(sid)][1] += total
        elif lkind == "product":
            by_cat["product"] += total
            if pid is not None:
                prod[int(pid)][0] += qty
                prod[int(pid)][1] += total
        elif lkind == "package":
            by_cat["package"] += total
            pkg_sold += qty
        elif lkind == "tip":
            by_cat["tip"] += total
        else:
            by_cat["other"] += total
    for lkind, staff, qty, total in _by_staff(rd, raw_spans, hours):
        if lkind in STORED_VALUE_KINDS or staff is None:
            continue
        acc = staff_acc[int(staff)]
        key = {"service": "services", "product": "retail", "package": "packages", "tip": "tips"}.get(lkind, "other")
        acc[key] += as_int(total)
        if lkind == "service":
            acc["services_count"] += as_int(qty)
    total_rev = sum(kinds.values())
    topup_lines, voucher_lines = stored["prepaid_topup"], stored["gift_voucher"]
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    tickets = 0
    for k, n, t, tk in _by_kind(rd, raw_spans, hours):
        counts[str(k)][0] += as_int(n)
        counts[str(k)][1] += as_int(t)
        tickets += as_int(tk)
    sale_counts = {k: (n, t) for k, (n, t) in counts.items()}
    refunds = sum(t for k, (_n, t) in sale_counts.items() if k in ("refund", "void"))
    methods: dict[str, int] = defaultdict(int)
    for mth, a in _by_method(rd, raw_spans, hours):
        methods[str(mth)] += as_int(a)
    d["revenue"] = {
        "total": rd.m(total_rev),
        "services": rd.m(kinds.get("service", 0)),
        "products": rd.m(kinds.get("product", 0)),
        "packages": rd.m(kinds.get("package", 0)),
        "tips": rd.m(kinds.get("tip", 0)),
        "rounding": rd.m(kinds.get("rounding", 0)),
        "other": rd.m(
            sum(v for k, v in kinds.items() if k not in ("service", "product", "package", "tip", "rounding"))
        ),
        "tax": rd.m(tax),
        "discounts": rd.m(disc),
        "refunds": rd.m(refunds),
    }
    d["sales"] = {
        "count": sale_counts.get("sale", (0, 0))[0],
        "refund_count": sale_counts.get("refund", (0, 0))[0],
        "void_count": sale_counts.get("void", (0, 0))[0],
        "tickets": tickets,
        "prepaid_topups_sold": rd.m(topup_lines),
        "gift_vouchers_sold": rd.m(voucher_lines),
    }
    d["average_ticket"] = (
        str(
            (Money.from_minor(ticket_rev, rd.currency).amount / tickets).quantize(
                Money.from_minor(1, rd.currency).amount, rounding=ROUND_HALF_UP
            )
        )
        if tickets
        else None
    )
    ordered = [mt for mt in PAYMENT_METHODS if mt in methods] + sorted(set(methods) - set(PAYMENT_METHODS))
    d["by_payment_method"] = {str(mt): rd.m(methods[mt]) for mt in ordered}
    # money taken: what came in by cash, card, WeChat, Alipay; spending from a prepaid balance or a gift
    # voucher (taken when it was topped up or sold), package sessions and loyalty points are not money
    # taken this month
    taken = {str(mt): methods[mt] for mt in ordered if mt not in STORED_METHODS}
    takings = sum(taken.values())
    from_prepaid, by_package = methods.get(PaymentMethod.PREPAID, 0), methods.get(PaymentMethod.PACKAGE, 0)
    by_voucher, by_points = methods.get(PaymentMethod.VOUCHER, 0), methods.get(PaymentMethod.POINTS, 0)
    explained = total_rev + topup_lines + voucher_lines - from_prepaid - by_package - by_voucher - by_points
    d["takings"] = {
        "by_method": {mt: rd.m(v) for mt, v in taken.items()},
        "total": rd.m(takings),
        "paid_from_prepaid": rd.m(from_prepaid),
        "paid_by_voucher": rd.m(by_voucher),
        "paid_by_package": rd.m(by_package),
        "paid_by_points": rd.m(by_points),
        # revenue + top-ups and gift vouchers sold - paid from prepaid, by voucher, by package = money taken
        # (money-model.md)
        "reconciliation": {
            "revenue": rd.m(total_rev),
            "prepaid_topups_sold": rd.m(topup_lines),
            "gift_vouchers_sold": rd.m(voucher_lines),
            "paid_from_prepaid": rd.m(-from_prepaid),
            "paid_by_voucher": rd.m(-by_voucher),
            "paid_by_package": rd.m(-by_package),
            "paid_by_points": rd.m(-by_points),
            "takings": rd.m(takings),
            "unexplained": rd.m(takings - explained),  # 0 unless the money model's invariants are broken
        },
    }
    d["revenue"]["by_day"] = [{"date": day_s, "total": rd.m(by_day.get(day_s, 0))} for day_s in p.day_list()]
    cats: list[dict[str, Any]] = []
    for cid, (code, zh, en) in catalog.categories.items():
        v = by_cat.get(f"service:{cid}")
        if v is not None:
            cats.append({"code": code, "name_zh": zh, "name_en": en, "total": rd.m(v)})
    if "service:0" in by_cat:
        cats.append(
            {
                "code": "service",
                "name_zh": "服务",
                "name_en": "Services",
                "total": rd.m(by_cat["service:0"]),
            }
        )
    for code, zh, en in (
        ("product", "零售产品", "Retail products"),
        ("package", "套餐", "Packages"),
        ("tip", "小费", "Tips"),
        ("other", "其他", "Other"),
    ):
        if code in by_cat:
            cats.append({"code": code, "name_zh": zh, "name_en": en, "total": rd.m(by_cat[code])})
    d["revenue"]["by_category"] = cats
    d["top_services"] = [
        {
            "service_id": sid,
            "name_zh": catalog.services.get(sid, ("?", "?", 0))[0],
            "name_en": catalog.services.get(sid, ("?", "?", 0))[1],
            "count": q,
            "revenue": rd.m(r),
        }
        for sid, (q, r) in sorted(svc.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0]))[:10]
    ]
    d["top_products"] = [
        {
            "product_id": pid,
            "sku": catalog.products.get(pid, ("?", "?", "?"))[0],
            "name_zh": catalog.products.get(pid, ("?", "?", "?"))[1],
            "name_en": catalog.products.get(pid, ("?", "?", "?"))[2],
            "quantity": q,
            "revenue": rd.m(r),
        }
        for pid, (q, r) in sorted(prod.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0]))[:10]
    ]
    red = select(func.sum(PackageRedemption.sessions)).where(
        PackageRedemption.at >= rd.ts(p.start), PackageRedemption.at < rd.ts(p.end)
    )
    if rd.scope.branch_id is not None:
        red = red.join(Sale, Sale.id == PackageRedemption.sale_id).where(rd.branch(Sale.branch_id))
    d["packages"] = {
        "sold": pkg_sold,
        "revenue": rd.m(kinds.get("package", 0)),
        "sessions_redeemed": as_int(c.execute(red).scalar()),
    }


def low_stock(rd: ReportReader) -> list[dict[str, Any]]:
    q = (
        select(Product.sku, Product.name_zh, Product.name_en, Product.stock_qty, Product.reorder_level)
        .where(
            Product.active.is_(True),
            Product.reorder_level > 0,
            Product.stock_qty <= Product.reorder_level,
        )
        .order_by(Product.stock_qty - Product.reorder_level, Product.sku)
    )
    return [
        {"sku": s, "name_zh": zh, "name_en": en, "stock": int(q_), "reorder_level": int(r)}
        for s, zh, en, q_, r in rd.conn.execute(q)
    ]


Spans = list[tuple[datetime, datetime]]
Hours = tuple[datetime, datetime] | None


def _between(rd: ReportReader, col: Any, lo: datetime, hi: datetime) -> ColumnElement[bool]:
    return and_(col >= rd.ts(lo), col < rd.ts(hi))


def _by_day(rd: ReportReader, p: Period, raw: Spans, hours: Hours) -> Iterator[Any]:
    """(local day, revenue) rows, a day may come more than once (add them up)."""
    day = local_day(Sale.sold_at, rd.dialect, p)
    for lo, hi in raw:
        yield from rd.conn.execute(
            select(day, func.sum(SaleLine.line_total_minor))
            .select_from(Sale)
            .join(SaleLine, SaleLine.sale_id == Sale.id)
            .where(_between(rd, Sale.sold_at, lo, hi), rd.branch(Sale.branch_id),
                   SaleLine.kind.not_in(_STORED))
            .group_by(day)
        )
    if hours is not None:  # a whole UTC hour lies in one local day (the zone's offsets are whole hours)
        h = SaleItemHour
        q = (
            select(h.hour, func.sum(h.total_minor))
            .where(_between(rd, h.hour, *hours), rd.branch(h.branch_id), h.line_kind.not_in(_STORED))
            .group_by(h.hour)
        )
        for at, v in rd.conn.execute(q):
            yield at.astimezone(p.tz).date().isoformat(), v


def _items(rd: ReportReader, raw: Spans, hours: Hours) -> Iterator[Any]:
    """(sale kind, line kind, service, product, quantity, total, tax, discounts) rows."""
    dims: list[Any] = [Sale.kind, SaleLine.kind, SaleLine.service_id, SaleLine.product_id]
    for lo, hi in raw:
        yield from rd.conn.execute(
            select(
                *dims,
                func.sum(SaleLine.quantity),
                func.sum(SaleLine.line_total_minor),
                func.sum(SaleLine.tax_minor),
                func.sum(SaleLine.discount_minor + SaleLine.member_discount_minor),
            )
            .select_from(Sale)
            .join(SaleLine, SaleLine.sale_id == Sale.id)
            .where(_between(rd, Sale.sold_at, lo, hi), rd.branch(Sale.branch_id))
            .group_by(*dims)
        )
    if hours is not None:
        h = SaleItemHour
        hdims: list[Any] = [h.sale_kind, h.line_kind, h.service_id, h.product_id]
        q = (
            select(*hdims, func.sum(h.quantity), func.sum(h.total_minor), func.sum(h.tax_minor), func.sum(h.discount_minor))
            .where(_between(rd, h.hour, *hours), rd.branch(h.branch_id))
            .group_by(*hdims)
            .having(func.sum(h.lines) > 0)  # a group the rows have (none left after a delete: none)
        )
        for sk, lk, sv, pr, *sums in rd.conn.execute(q):
            yield (sk, lk, sv or None, pr or None, *sums)  # 0: none


def _by_staff(rd: ReportReader, raw: Spans, hours: Hours) -> Iterator[Any]:
    """(line kind, staff, quantity, total) rows."""
    for lo, hi in raw:
        yield from rd.conn.execute(
            select(SaleLine.kind, SaleLine.staff_id, func.sum(SaleLine.quantity), func.sum(SaleLine.line_total_minor))
            .select_from(Sale)
            .join(SaleLine, SaleLine.sale_id == Sale.id)
            .where(_between(rd, Sale.sold_at, lo, hi), rd.branch(Sale.branch_id), SaleLine.staff_id.is_not(None))
            .group_by(SaleLine.kind, SaleLine.staff_id)
        )
    if hours is not None:
        h = SaleStaffHour
        yield from rd.conn.execute(
            select(h.line_kind, h.staff_id, func.sum(h.quantity), func.sum(h.total_minor))
            .where(_between(rd, h.hour, *hours), rd.branch(h.branch_id), h.staff_id != 0)
            .group_by(h.line_kind, h.staff_id)
            .having(func.sum(h.lines) > 0)
        )


def _by_kind(rd: ReportReader, raw: Spans, hours: Hours) -> Iterator[Any]:
    """(sale kind, count, total, tickets): tickets are sales with a line other than stored value (a top-up,
    a gift voucher)."""
    ticket = case(
        (
            and_(
                Sale.kind == "sale",
                exists().where(SaleLine.sale_id == Sale.id, SaleLine.kind.not_in(_STORED)),
            ),
            1,
        ),
        else_=0,
    )
    for lo, hi in raw:
        yield from rd.conn.execute(
            select(Sale.kind, func.count(), func.sum(Sale.total_minor), func.sum(ticket))
            .where(_between(rd, Sale.sold_at, lo, hi), rd.branch(Sale.branch_id))
            .group_by(Sale.kind)
        )
    if hours is not None:
        h = SaleHour
        yield from rd.conn.execute(
            select(h.kind, func.sum(h.sales), func.sum(h.total_minor), func.sum(h.tickets))
            .where(_between(rd, h.hour, *hours), rd.branch(h.branch_id))
            .group_by(h.kind)
            .having(func.sum(h.sales) > 0)
        )


def _by_method(rd: ReportReader, raw: Spans, hours: Hours) -> Iterator[Any]:
    for lo, hi in raw:
        yield from rd.conn.execute(
            select(Payment.method, func.sum(Payment.amount_minor))
            .select_from(Sale)
            .join(Payment, Payment.sale_id == Sale.id)
            .where(_between(rd, Sale.sold_at, lo, hi), rd.branch(Sale.branch_id))
            .group_by(Payment.method)
        )
    if hours is not None:
        h = PaymentHour
        yield from rd.conn.execute(
            select(h.method, func.sum(h.amount_minor))
            .where(_between(rd, h.hour, *hours), rd.branch(h.branch_id))
            .group_by(h.method)
            .having(func.sum(h.payments) > 0)
        )
