"""CSV exports for accountants and owners' scripts (issue 7).

UTF-8 with a byte-order mark (Excel then reads Chinese correctly; LibreOffice
ignores it), a header row, the csv module's quoting. Rows are streamed from
the database (``yield_per``), never collected in a list. Timestamps are ISO
8601 in the shop's time zone with the offset; money is a decimal string.
The month filters are the report's (docs/report-json.md), so the exports
reconcile with the monthly JSON.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, literal, select
from sqlalchemy.orm import aliased

from desk_app.core import csvfile
from desk_app.db.engine import Database
from desk_app.db.models import (
    Branch,
    Client,
    GiftVoucher,
    Package,
    Payment,
    PointsAccount,
    PointsMovement,
    PrepaidAccount,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Sale,
    SaleLine,
    Service,
    Shop,
    Staff,
    StockMovement,
    Visit,
)
from desk_app.db.types import UTCDateTime
from desk_app.domain.money import Money
from desk_app.reports.monthly import ReportError, resolve_branch
from desk_app.reports.sqlhelp import Period

SALES_COLUMNS = (
    "sale_id", "receipt_no", "sold_at", "branch", "client_number", "staff", "kind", "item", "quantity",
    "unit_price", "discount", "tax", "line_total", "refund_of",
)  # fmt: skip
PAYMENTS_COLUMNS = ("sale_id", "paid_at", "method", "amount")
CLIENTS_COLUMNS = (
    "client_number", "name", "phone", "email", "gender", "birthday", "preferred_channel", "membership_tier",
    "member_since", "first_visit_at", "last_visit_at", "visit_count", "no_show_count", "total_spend",
    "full_price_spend", "prepaid_balance", "marketing_consent", "privacy_consent", "source", "created_at", "erased",
    "sms_consent", "email_consent",
)  # fmt: skip
VISITS_COLUMNS = (
    "visit_id", "branch", "client_number", "staff", "kind", "step", "status", "booked_start_at", "arrived_at",
    "greeted_at", "assessed_at", "service_started_at", "service_ended_at", "paid_at", "rebooked_at", "left_at",
    "is_new_client", "next_appointment_id", "satisfaction",
)  # fmt: skip
VOUCHERS_COLUMNS = (
    "code", "branch", "issued_at", "receipt_no", "from_code", "value", "balance", "expires_on", "closed",
)  # fmt: skip
POINTS_COLUMNS = (
    "at", "client_number", "kind", "points", "balance_after", "value", "receipt_no", "branch",
)  # fmt: skip
STOCK_COLUMNS = (
    "at", "sku", "product", "reason", "qty", "order_no", "unit_cost", "count_id", "staff", "receipt_no", "note",
)  # fmt: skip
KINDS = ("sales", "payments", "clients", "visits", "vouchers", "points", "stock")
BATCH = 2000


class _Ctx:
    def __init__(self, db: Database) -> None:
        with db.uow(write=False) as uow:
            row = uow.session.execute(select(Shop.currency, Shop.timezone).order_by(Shop.id).limit(1)).first()
        if row is None:
            raise ReportError("no shop is set up in this database")
        self.currency = str(row[0])
        self.tz_name = str(row[1])
        self.tz: tzinfo = ZoneInfo(self.tz_name)
        self.unit = Money.from_minor(1, self.currency).amount

    def money(self, minor: Any) -> str:
        return str(Money.from_minor(int(minor or 0), self.currency).amount)

    def ts(self, dt: datetime | None) -> str:
        return "" if dt is None else dt.astimezone(self.tz).isoformat(timespec="seconds")


def open_out(path: str | os.PathLike[str]) -> IO[str]:
    p = Path(path)
    if p.parent and not p.parent.exists():
        raise ReportError(f"the folder {p.parent} does not exist")
    return p.open("w", encoding="utf-8-sig", newline="")


def write_rows(out: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    w = csvfile.writer(out)  # text cells that a spreadsheet would run as a formula get a '
    w.writerow(header)
    n = 0
    for r in rows:
        w.writerow(r)
        n += 1
    return n


def _stream(db: Database, stmt: Select[Any] | Any) -> Iterator[Any]:
    with db.engine.connect() as conn:
        result = conn.execution_options(yield_per=BATCH).execute(stmt)
        yield from result
        conn.rollback()


def _month_filter(col: Any, month: str | None, tz: str) -> Any:
    if not month:
        return literal(True)
    p = Period.of(month, tz)
    return (col >= literal(p.start, UTCDateTime())) & (col < literal(p.end, UTCDateTime()))


def _branch_id(db: Database, branch: str | int | None) -> int | None:
    if branch in (None, ""):
        return None
    with db.uow(write=False) as uow:
        return resolve_branch(uow.session.connection(), branch).branch_id


def sales_rows(db: Database, month: str | None, branch: str | int | None = None) -> Iterator[list[Any]]:
    """One row per sale line of the month (refund lines negative, naming the original sale)."""
    c = _Ctx(db)
    bid = _branch_id(db, branch)
    with db.uow(write=False) as uow:
        s = uow.session
        names: dict[tuple[str, int], str] = {}
        for i, zh, en in s.execute(select(Service.id, Service.name_zh, Service.name_en)):
            names[("service", int(i))] = en or zh
        for i, zh, en in s.execute(select(Product.id, Product.name_zh, Product.name_en)):
            names[("product", int(i))] = en or zh
        for i, zh, en in s.execute(select(Package.id, Package.name_zh, Package.name_en)):
            names[("package", int(i))] = en or zh
    stmt = (
        select(
            Sale.id,
            Sale.receipt_no,
            Sale.sold_at,
            Branch.code,
            Client.client_number,
            Staff.name,
            SaleLine.kind,
            SaleLine.description,
            SaleLine.service_id,
            SaleLine.product_id,
            SaleLine.package_id,
            SaleLine.quantity,
            SaleLine.unit_price_minor,
            SaleLine.discount_minor,
            SaleLine.member_discount_minor,
            SaleLine.tax_minor,
            SaleLine.line_total_minor,
            Sale.original_sale_id,
        )  # fmt: skip
        .select_from(Sale)
        .join(SaleLine, SaleLine.sale_id == Sale.id)
        .join(Branch, Branch.id == Sale.branch_id)
        .outerjoin(Client, Client.id == Sale.client_id)
        .outerjoin(Staff, Staff.id == SaleLine.staff_id)
        .where(_month_filter(Sale.sold_at, month, c.tz_name))
        .order_by(Sale.sold_at, Sale.id, SaleLine.line_no)
    )
    if bid is not None:
        stmt = stmt.where(Sale.branch_id == bid)
    for r in _stream(db, stmt):
        kind = str(r[6])
        ref = (
            r[8] if kind == "service" else r[9] if kind == "product" else r[10] if kind == "package" else None
        )
        item = str(r[7] or "") or (names.get((kind, int(ref)), "") if ref is not None else "")
        yield [
            r[0], r[1], c.ts(r[2]), r[3], r[4] or "", r[5] or "", kind, item, r[11], c.money(r[12]),
            c.money(int(r[13] or 0) + int(r[14] or 0)), c.money(r[15]), c.money(r[16]), r[17] or "",
        ]  # fmt: skip


def payments_rows(db: Database, month: str | None, branch: str | int | None = None) -> Iterator[list[Any]]:
    """Every payment of the month's sales (a sale's month is its sold_at's)."""
    c = _Ctx(db)
    bid = _branch_id(db, branch)
    stmt = (
        select(Payment.sale_id, Payment.paid_at, Payment.method, Payment.amount_minor)
        .select_from(Sale)
        .join(Payment, Payment.sale_id == Sale.id)
        .where(_month_filter(Sale.sold_at, month, c.tz_name))
        .order_by(Sale.sold_at, Sale.id, Payment.id)
    )
    if bid is not None:
        stmt = stmt.where(Sale.branch_id == bid)
    for sid, at, method, amount in _stream(db, stmt):
        yield [sid, c.ts(at), method, c.money(amount)]


def clients_rows(
    db: Database, month: str | None = None, branch: str | int | None = None
) -> Iterator[list[Any]]:
    """Every client (month is ignored: the client list is not monthly)."""
    c = _Ctx(db)
    bid = _branch_id(db, branch)
    stmt = (
        select(
            Client.client_number,
            Client.name,
            Client.phone,
            Client.email,
            Client.gender,
            Client.birthday,
            Client.preferred_channel,
            Client.membership_tier,
            Client.member_since,
            Client.first_visit_at,
            Client.last_visit_at,
            Client.visit_count,
            Client.no_show_count,
            Client.total_spend_minor,
            Client.full_price_spend_minor,
            PrepaidAccount.balance_minor,
            Client.marketing_consent,
            Client.privacy_consent,
            Client.source,
            Client.created_at,
            Client.erased_at,
            Client.sms_consent,
            Client.email_consent,
        )  # fmt: skip
        .outerjoin(PrepaidAccount, PrepaidAccount.client_id == Client.id)
        .where(Client.merged_into_id.is_(None))  # a profile merged into another is that one's
        .order_by(Client.id)
    )
    if bid is not None:
        stmt = stmt.where(Client.branch_id == bid)
    for r in _stream(db, stmt):
        yield [
            r[0], r[1], r[2], r[3], r[4], r[5].isoformat() if r[5] else "", r[6], r[7], c.ts(r[8]), c.ts(r[9]),
            c.ts(r[10]), r[11], r[12], c.money(r[13]), c.money(r[14]), c.money(r[15]), int(bool(r[16])),
            int(bool(r[17])), r[18], c.ts(r[19]), int(r[20] is not None), int(bool(r[21])), int(bool(r[22])),
        ]  # fmt: skip


def visits_rows(db: Database, month: str | None, branch: str | int | None = None) -> Iterator[list[Any]]:
    """Every visit of the month (by arrival; cancelled visits left out, as in the report)."""
    c = _Ctx(db)
    bid = _branch_id(db, branch)
    stylist = aliased(Staff)
    stmt = (
        select(
            Visit.id,
            Branch.code,
            Client.client_number,
            stylist.name,
            Visit.kind,
            Visit.step,
            Visit.status,
            Visit.booked_start_at,
            Visit.arrived_at,
            Visit.greeted_at,
            Visit.assessed_at,
            Visit.service_started_at,
            Visit.service_ended_at,
            Visit.paid_at,
            Visit.rebooked_at,
            Visit.left_at,
            Visit.is_new_client,
            Visit.next_appointment_id,
            Visit.satisfaction,
        )  # fmt: skip
        .select_from(Visit)
        .join(Branch, Branch.id == Visit.branch_id)
        .outerjoin(Client, Client.id == Visit.client_id)
        .outerjoin(stylist, stylist.id == Visit.staff_id)
        .where(_month_filter(Visit.arrived_at, month, c.tz_name), Visit.step != "cancelled")
        .order_by(Visit.arrived_at, Visit.id)
    )
    if bid is not None:
        stmt = stmt.where(Visit.branch_id == bid)
    for r in _stream(db, stmt):
        yield [
            r[0], r[1], r[2] or "", r[3] or "", r[4], r[5], r[6], *(c.ts(x) for x in r[7:16]),
            int(bool(r[16])), r[17] or "", "" if r[18] is None else r[18],
        ]  # fmt: skip


def vouchers_rows(db: Database, month: str | None, branch: str | int | None = None) -> Iterator[list[Any]]:
    """Every gift voucher (issued in the month when one is given): its code, where it came from, its
    value, what is left now, its last day and whether it was refunded (void) or moved (transferred).
    The balance owed on the open ones is the shop's liability (docs/vouchers.md)."""
    c = _Ctx(db)
    bid = _branch_id(db, branch)
    origin = aliased(GiftVoucher)
    stmt = (
        select(
            GiftVoucher.code, Branch.code, GiftVoucher.issued_at, Sale.receipt_no, origin.code,
            GiftVoucher.amount_minor, GiftVoucher.balance_minor, GiftVoucher.expires_on, GiftVoucher.closed,
        )  # fmt: skip
        .select_from(GiftVoucher)
        .join(Branch, Branch.id == GiftVoucher.branch_id)
        .outerjoin(Sale, Sale.id == GiftVoucher.sale_id)
        .outerjoin(origin, origin.id == GiftVoucher.from_voucher_id)
        .where(_month_filter(GiftVoucher.issued_at, month, c.tz_name))
        .order_by(GiftVoucher.issued_at, GiftVoucher.id)
    )
    if bid is not None:
        stmt = stmt.where(GiftVoucher.branch_id == bid)
    for r in _stream(db, stmt):
        yield [
            r[0], r[1], c.ts(r[2]), r[3] or "", r[4] or "", c.money(r[5]), c.money(r[6]),
            r[7].isoformat() if r[7] else "", r[8],
        ]  # fmt: skip


def points_rows(db: Database, month: str | None, branch: str | int | None = None) -> Iterator[list[Any]]:
    """Every loyalty points movement (in the month when one is given; docs/loyalty.md): when, whose,
    earn | redeem | refund | clawback | lapse, the points and the balance after, the money a redeem
    paid (negative: given back), and the receipt and branch of its sale (a lapse has none)."""
    c = _Ctx(db)
    bid = _branch_id(db, branch)
    mv = PointsMovement
    stmt = (
        select(mv.at, Client.client_number, mv.kind, mv.points, mv.balance_after, mv.value_minor, Sale.receipt_no,
               Branch.code)
        .select_from(mv)
        .join(PointsAccount, PointsAccount.id == mv.account_id)
        .join(Client, Client.id == PointsAccount.client_id)
        .outerjoin(Sale, Sale.id == mv.sale_id)
        .outerjoin(Branch, Branch.id == Sale.branch_id)
        .where(_month_filter(mv.at, month, c.tz_name))
        .order_by(mv.at, mv.id)
    )
    if bid is not None:
        stmt = stmt.where(Sale.branch_id == bid)
    for r in _stream(db, stmt):
        yield [c.ts(r[0]), r[1], r[2], r[3], r[4], c.money(r[5]), r[6] or "", r[7] or ""]


def stock_rows(db: Database, month: str | None, branch: str | int | None = None) -> Iterator[list[Any]]:
    """Every stock movement (in the month when one is given; docs/stock.md): when, which product,
    sale | backbar | refund | adjust | opening | receive | count, the units (+ in, - out), the order
    and its unit cost for a delivery, the count that booked a difference, who, and the receipt of a
    sale. Stock is the shop's: ``branch`` is accepted and checked, and every movement is written."""
    c = _Ctx(db)
    _branch_id(db, branch)
    mv = StockMovement
    stmt = (
        select(mv.at, Product.sku, Product.name_zh, Product.name_en, mv.reason, mv.qty_delta, PurchaseOrder.number,
               PurchaseOrderLine.unit_cost_minor, mv.count_id, Staff.name, Sale.receipt_no, mv.note)
        .select_from(mv)
        .join(Product, Product.id == mv.product_id)
        .outerjoin(PurchaseOrderLine, PurchaseOrderLine.id == mv.order_line_id)
        .outerjoin(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .outerjoin(Staff, Staff.id == mv.staff_id)
        .outerjoin(Sale, Sale.id == mv.sale_id)
        .where(_month_filter(mv.at, month, c.tz_name))
        .order_by(mv.at, mv.id)
    )
    for r in _stream(db, stmt):
        yield [c.ts(r[0]), r[1], r[3] or r[2], r[4], r[5], r[6] or "", "" if r[7] is None else c.money(r[7]),
               r[8] or "", r[9] or "", r[10] or "", r[11] or ""]


_ROWS = {
    "sales": (SALES_COLUMNS, sales_rows),
    "payments": (PAYMENTS_COLUMNS, payments_rows),
    "clients": (CLIENTS_COLUMNS, clients_rows),
    "visits": (VISITS_COLUMNS, visits_rows),
    "vouchers": (VOUCHERS_COLUMNS, vouchers_rows),
    "points": (POINTS_COLUMNS, points_rows),
    "stock": (STOCK_COLUMNS, stock_rows),
}


def export(
    db: Database,
    kind: str,
    out: str | os.PathLike[str] | IO[str],
    *,
    month: str | None = None,
    branch: str | int | None = None,
) -> int:
    """Write one export; returns the number of data rows."""
    if kind not in _ROWS:
        raise ReportError(f"unknown export {kind!r}; choose one of {', '.join(KINDS)}")
    if month:
        Period.of(month, "UTC")  # validates YYYY-MM before opening the file
    _branch_id(db, branch)  # and the branch
    header, rows = _ROWS[kind]
    if isinstance(out, (str, os.PathLike)):
        with open_out(out) as f:
            return write_rows(f, header, rows(db, month, branch))
    return write_rows(out, header, rows(db, month, branch))
