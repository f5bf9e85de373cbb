"""Everything the shop owns, in one zip file (issue 22, docs/export.md): leaving is as easy as arriving.

One ``.zip`` of CSV files (UTF-8 with a byte-order mark, a header row, every cell escaped against
formula injection by ``desk_app.core.csvfile``) and a README.txt in the shop's language saying what
each file holds:

- ``clients.csv``: every client field the shop keeps; ``appointments.csv``: the appointments still
  to come; ``balances.csv``: prepaid balances and packages with sessions left. Their column names
  are ones the app's own imports recognise (the client import's generic mapping,
  ``desk_app.transfer.opening`` for balances and appointments), so the three files import back into
  an empty shop. ``Client ID`` holds the client number: the client import keeps it as the
  client's id from the old system, and the balances and appointments find the client by it.
- ``services.csv``, ``products.csv``, ``packages.csv``: the catalog with prices, lengths and stock.
- ``visits.csv``, ``sales.csv``, ``sale_lines.csv``, ``payments.csv``: the history.
- ``vouchers.csv``: gift vouchers and what is left on them; ``staff.csv``: names and roles only
  (never a PIN, its hash or pay).

Erased clients (docs/privacy.md) are left out of the client, balance and appointment files, and
their number is blank in the history (their sales keep the amounts, as in the database). Money is
a decimal string of the shop's currency (from the integer minor units), times are ISO 8601 in the
shop's time zone with the offset, as in the other exports (``desk_app.reports.exports``).

All files are read in one read transaction (one snapshot; REPEATABLE READ on a server), streamed
into the zip, and the zip is written beside the target under a temporary name and renamed when
whole: a failed export leaves no half file. The owner only; audited.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Executable, and_, func, select
from sqlalchemy.orm import aliased

from desk_app.core.service import ServiceError, ValidationError, audit, require
from desk_app.db.engine import Clock, Database
from desk_app.db.models import (
    Appointment,
    AppointmentService,
    Branch,
    Client,
    ClientPackage,
    Complaint,
    ConsentRecord,
    Formula,
    GiftVoucher,
    Package,
    PatchTest,
    Payment,
    PointsAccount,
    PointsMovement,
    PrepaidAccount,
    Product,
    Sale,
    SaleLine,
    Service,
    ServiceCategory,
    ServiceLog,
    Shop,
    Staff,
    Supplier,
    Visit,
    client_listed,
)
from desk_app.domain.money import Money
from desk_app.domain.permissions import Actor, NotAllowed, Perm, Role
from desk_app.i18n import Fmt, _
from desk_app.reports.exports import write_rows

Progress = Callable[[int, int], None]
BATCH = 2000
OPEN_BOOKINGS = ("booked", "confirmed")
# what the appointments import splits a services cell at (desk_app/transfer/opening.py): a name
# holding one of these is written as its code instead
SERVICE_SEPARATORS = (",", ";", "+", "、", "，")

# clients.csv: the columns the client import's generic mapping reads back are Client ID, Name,
# Phone, Email, WeChat ID, Birthday, Gender, Notes, First visit and Last visit (SYNONYMS in
# desk_app/clients/importer.py); the others are there for the owner (and the next system)
CLIENTS_COLUMNS = (
    "Client ID", "Name", "Phone", "Email", "WeChat ID", "Birthday", "Gender", "Language", "Preferred channel",
    "Skin type", "Hair type", "Allergies", "Contraindications", "Preferences", "Favourite stylist", "Notes",
    "Privacy consent", "Privacy consent at", "Marketing consent", "Marketing consent at", "SMS consent",
    "Email consent", "Membership tier", "Member since", "Points", "Prepaid balance", "Prepaid expires",
    "First visit", "Last visit", "Visit count", "No-shows", "Late cancellations", "Total spend",
    "Full-price spend", "Branch", "Source", "Previous system ID", "Created at",
)  # fmt: skip
# appointments.csv and balances.csv: Client ID (or Phone), Date, Time, Services, Stylist, Length,
# Notes; Prepaid balance, Balance expires, Package, Sessions left, Package expires (_HEADERS in
# desk_app/transfer/opening.py)
APPOINTMENTS_COLUMNS = (
    "Client ID", "Name", "Phone", "Date", "Time", "Services", "Stylist", "Length", "Notes", "Status", "Branch",
    "Deposit",
)  # fmt: skip
BALANCES_COLUMNS = (
    "Client ID", "Name", "Phone", "Prepaid balance", "Balance expires", "Package", "Sessions left",
    "Sessions total", "Package expires", "Package price", "Bought at",
)  # fmt: skip
SERVICES_COLUMNS = (
    "Code", "Name (Chinese)", "Name (English)", "Category", "Price", "Minutes", "Buffer minutes",
    "Return after days", "Tax rate %", "Needs", "Active",
)  # fmt: skip
PRODUCTS_COLUMNS = (
    "SKU", "Barcode", "Name (Chinese)", "Name (English)", "Brand", "Price", "Cost", "Stock", "Unit",
    "Reorder level", "Retail", "Back bar", "Supplier", "Pack size", "Tax rate %", "Active",
)  # fmt: skip
PACKAGES_COLUMNS = (
    "Name (Chinese)", "Name (English)", "Service", "Sessions", "Price", "Valid days", "Active",
)  # fmt: skip
VISITS_COLUMNS = (
    "Visit", "Branch", "Client ID", "Stylist", "Kind", "Step", "Booked for", "Arrived at", "Service started at",
    "Service ended at", "Paid at", "Left at", "New client", "Satisfaction", "Receipt",
)  # fmt: skip
SALES_COLUMNS = (
    "Sale", "Receipt", "Sold at", "Branch", "Kind", "Refund of", "Client ID", "Cashier", "Subtotal", "Discount",
    "Tax", "Tip", "Rounding", "Total", "Currency",
)  # fmt: skip
SALE_LINES_COLUMNS = (
    "Sale", "Receipt", "Line", "Kind", "Item", "Staff", "Quantity", "Unit price", "Discount", "Member discount",
    "Tax rate %", "Tax", "Line total",
)  # fmt: skip
PAYMENTS_COLUMNS = ("Sale", "Receipt", "Paid at", "Method", "Amount", "Reference")
VOUCHERS_COLUMNS = (
    "Code", "Branch", "Issued at", "Receipt", "From code", "Value", "Balance", "Expires", "Closed",
)  # fmt: skip
STAFF_COLUMNS = ("Staff number", "Name", "Role", "Branch", "Active")
BOOKINGS_COLUMNS = (
    "Appointment", "Client ID", "Starts at", "Ends at", "Stylist", "Branch", "Status", "Late cancel",
    "Cancelled at", "Cancel reason", "Source", "Deposit", "Notes", "Booked at",
)  # fmt: skip
SERVICES_DONE_COLUMNS = ("Visit", "Client ID", "Service", "Staff", "Started at", "Ended at", "Price", "Notes",
                         "Problem")  # fmt: skip
FORMULAS_COLUMNS = ("Formula", "Client ID", "Visit", "Service", "Version", "Current", "Author", "Components",
                    "Notes", "Written at")  # fmt: skip
CONSENTS_COLUMNS = ("Client ID", "Kind", "Granted", "At", "Staff", "Note")
PATCH_TESTS_COLUMNS = ("Client ID", "Product", "Result", "Tested at", "Staff", "Notes")
COMPLAINTS_COLUMNS = (
    "Complaint", "Client ID", "Visit", "Opened at", "Category", "Severity", "Description", "Status", "Resolution",
    "Compensation", "Compensation amount", "Resolved at", "Call-back result", "Call-back note",
)  # fmt: skip
POINTS_COLUMNS = ("Client ID", "At", "Kind", "Points", "Balance after", "Receipt")


@dataclass(frozen=True)
class ShopExport:
    """What was written: the zip and the data rows of each CSV in it (README.txt aside)."""

    path: Path
    counts: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


class _Ctx:
    """The shop's currency, time zone and language, and ``now`` (what "still to come" is after)."""

    def __init__(self, conn: Connection, now: datetime) -> None:
        row = conn.execute(select(Shop.name, Shop.currency, Shop.timezone, Shop.locale).order_by(Shop.id).limit(1)).first()
        if row is None:
            raise ServiceError(_("No shop is set up in this database."))
        self.shop_name = str(row[0])
        self.currency = str(row[1])
        self.fmt = Fmt.for_shop(str(row[3] or "zh_CN"), str(row[2]), self.currency)
        self.tz = self.fmt.tz
        self.now = now

    def money(self, minor: Any) -> str:
        return str(Money.from_minor(int(minor or 0), self.currency).amount)

    def ts(self, dt: datetime | None) -> str:
        return "" if dt is None else dt.astimezone(self.tz).isoformat(timespec="seconds")

    def name(self, zh: Any, en: Any) -> str:
        """A catalog name in the shop's language (the other one when that is empty)."""
        return self.fmt.pick(str(zh or ""), str(en or ""))


def _day(d: date | None) -> str:
    return "" if d is None else d.isoformat()


def _flag(v: Any) -> int:
    return int(bool(v))


def _rate(bp: int | None) -> str:
    return "" if bp is None else f"{Decimal(int(bp)) / 100:f}"


def _stream(conn: Connection, stmt: Executable) -> Iterator[Any]:
    yield from conn.execute(stmt, execution_options={"yield_per": BATCH})


# -- the files -----------------------------------------------------------------------------------


def clients_rows(conn: Connection, c: _Ctx) -> Iterator[list[Any]]:
    fav = aliased(Staff)
    stmt = (
        select(
            Client.client_number, Client.name, Client.phone, Client.email, Client.wechat_id, Client.birthday,
            Client.birthday_md, Client.gender, Client.language, Client.preferred_channel, Client.skin_type,
            Client.hair_type, Client.allergies, Client.contraindications, Client.preferences, fav.name,
            Client.notes, Client.privacy_consent, Client.privacy_consent_at, Client.marketing_consent,
            Client.marketing_consent_at, Client.sms_consent, Client.email_consent, Client.membership_tier,
            Client.member_since, PointsAccount.balance, PrepaidAccount.balance_minor, PrepaidAccount.expires_on,
            Client.first_visit_at, Client.last_visit_at, Client.visit_count, Client.no_show_count,
            Client.late_cancel_count, Client.total_spend_minor, Client.full_price_spend_minor, Branch.code,
            Client.source, Client.external_id, Client.created_at,
        )  # fmt: skip
        .select_from(Client)
        .outerjoin(fav, fav.id == Client.favourite_staff_id)
        .outerjoin(PointsAccount, PointsAccount.client_id == Client.id)
        .outerjoin(PrepaidAccount, PrepaidAccount.client_id == Client.id)
        .outerjoin(Branch, Branch.id == Client.branch_id)
        .where(client_listed())
        .order_by(Client.id)
    )
    for r in _stream(conn, stmt):
        prefs = r[14] if isinstance(r[14], list) else []
        yield [
            r[0], r[1], r[2], r[3], r[4], _day(r[5]) if r[5] else (r[6] or ""), r[7], r[8], r[9], r[10], r[11],
            r[12], r[13], "; ".join(str(p) for p in prefs), r[15] or "", r[16], _flag(r[17]), c.ts(r[18]),
            _flag(r[19]), c.ts(r[20]), _flag(r[21]), _flag(r[22]), r[23], c.ts(r[24]), int(r[25] or 0),
            c.money(r[26]), _day(r[27]), c.ts(r[28]), c.ts(r[29]), r[30], r[31], r[32], c.money(r[33]),
            c.money(r[34]), r[35] or "", r[36], r[37], c.ts(r[38]),
        ]  # fmt: skip


def _service_cell(c: _Ctx, code: Any, zh: Any, en: Any) -> str:
    name = c.name(zh, en)
    if code and any(sep in name for sep in SERVICE_SEPARATORS):
        return str(code)  # the import would split the name; it finds a service by its code too
    return name


def appointments_rows(conn: Connection, c: _Ctx) -> Iterator[list[Any]]:
    """The appointments still to come (booked or confirmed, starting after now) of clients who are
    not erased, soonest first."""
    to_come = and_(
        Appointment.start_at > c.now,
        Appointment.status.in_(OPEN_BOOKINGS),
        Appointment.client_id.is_not(None),
    )
    services: dict[int, list[str]] = {}
    for aid, code, zh, en in conn.execute(
        select(AppointmentService.appointment_id, Service.code, Service.name_zh, Service.name_en)
        .join(Appointment, Appointment.id == AppointmentService.appointment_id)
        .join(Service, Service.id == AppointmentService.service_id)
        .where(to_come)
        .order_by(AppointmentService.appointment_id, AppointmentService.id)
    ):
        services.setdefault(int(aid), []).append(_service_cell(c, code, zh, en))
    stmt = (
        select(
            Appointment.id, Client.client_number, Client.name, Client.phone, Appointment.start_at,
            Appointment.end_at, Staff.name, Appointment.notes, Appointment.status, Branch.code,
            Appointment.deposit_minor,
        )  # fmt: skip
        .select_from(Appointment)
        .join(Client, Client.id == Appointment.client_id)
        .join(Staff, Staff.id == Appointment.staff_id)
        .join(Branch, Branch.id == Appointment.branch_id)
        .where(to_come, client_listed())
        .order_by(Appointment.start_at, Appointment.id)
    )
    for r in _stream(conn, stmt):
        start = r[4].astimezone(c.tz)
        minutes = int((r[5] - r[4]).total_seconds() // 60)
        yield [
            r[1], r[2], r[3], start.date().isoformat(), start.strftime("%H:%M"), ", ".join(services.get(int(r[0]), [])),
            r[6], minutes, r[7], r[8], r[9], c.money(r[10]) if r[10] else "",
        ]  # fmt: skip


def balances_rows(conn: Connection, c: _Ctx) -> Iterator[list[Any]]:
    """One row per prepaid balance, then one per package with sessions left (a row each, so that
    the import of one never holds back the other)."""
    live = client_listed()
    prepaid = (
        select(Client.client_number, Client.name, Client.phone, PrepaidAccount.balance_minor, PrepaidAccount.expires_on)
        .join(PrepaidAccount, PrepaidAccount.client_id == Client.id)
        .where(live, PrepaidAccount.balance_minor != 0)
        .order_by(Client.id)
    )
    for r in _stream(conn, prepaid):
        yield [r[0], r[1], r[2], c.money(r[3]), _day(r[4]), "", "", "", "", "", ""]
    left = ClientPackage.sessions_total - ClientPackage.sessions_used
    packages = (
        select(
            Client.client_number, Client.name, Client.phone, Package.name_zh, Package.name_en, left,
            ClientPackage.sessions_total, ClientPackage.expires_on, ClientPackage.price_minor,
            ClientPackage.purchased_at,
        )  # fmt: skip
        .select_from(ClientPackage)
        .join(Client, Client.id == ClientPackage.client_id)
        .join(Package, Package.id == ClientPackage.package_id)
        .where(live, left > 0)
        .order_by(Client.id, ClientPackage.id)
    )
    for r in _stream(conn, packages):
        yield [
            r[0], r[1], r[2], "", "", c.name(r[3], r[4]), int(r[5]), int(r[6]), _day(r[7]), c.money(r[8]),
            c.ts(r[9]),
        ]  # fmt: skip


def services_rows(conn: Connection, c: _Ctx) -> Iterator[list[Any]]:
    stmt = (
        select(
            Service.code, Service.name_zh, Service.name_en, ServiceCategory.name_zh, ServiceCategory.name_en,
            Service.price_minor, Service.duration_min, Service.buffer_min, Service.return_interval_days,
            Service.tax_rate_bp, Service.resource_kind, Service.active,
        )  # fmt: skip
        .join(ServiceCategory, ServiceCategory.id == Service.category_id)
        .order_by(ServiceCategory.sort, ServiceCategory.id, Service.sort, Service.id)
    )
    for r in _stream(conn, stmt):
        yield [
            r[0], r[1], r[2], c.name(r[3], r[4]), c.money(r[5]), r[6], r[7], r[8], _rate(r[9]), r[10], _flag(r[11]),
        ]  # fmt: skip


def products_rows(conn: Connection, c: _Ctx) -> Iterator[list[Any]]:
    stmt = (
        select(
            Product.sku, Product.barcode, Product.name_zh, Product.name_en, Product.brand, Product.price_minor,
            Product.cost_minor, Product.stock_qty, Product.unit, Product.reorder_level, Product.is_retail,
            Product.is_backbar, Supplier.name, Product.pack_qty, Product.tax_rate_bp, Product.active,
        )  # fmt: skip
        .outerjoin(Supplier, Supplier.id == Product.supplier_id)
        .order_by(Product.id)
    )
    for r in _stream(conn, stmt):
        yield [
            r[0], r[1], r[2], r[3], r[4], c.money(r[5]), c.money(r[6]), r[7], r[8], r[9], _flag(r[10]),
            _flag(r[11]), r[12] or "", r[13], _rate(r[14]), _flag(r[15]),
        ]  # fmt: skip


def packages_rows(conn: Connection, c: _Ctx) -> Iterator[list[Any]]:
    stmt = (
        select(
            Package.name_zh, Package.name_en, Service.name_zh, Service.name_en, Package.sessions,
            Package.price_minor, Package.valid_days, Package.active,
        )  # fmt: skip
        .join(Service, Service.id == Package.service_id)
        .order_by(Package.id)
    )
    for r in _stream(conn, stmt):
        yield [r[0], r[1], c.name(r[2], r[3]), r[4], c.money(r[5]), r[6], _flag(r[7])]


def _client_no(number: Any, erased_at: Any) -> str:
    """The client's number on a history row; blank for an erased client."""
    return "" if number is None or erased_at is not None else str(number)


def visits_rows(conn: Connection, c: _Ctx) -> Iterator[list[Any]]:
    stmt = (
        select(
            Visit.id, Branch.code, Client.client_number, Client.erased_at, Staff.name, Visit.kind, Visit.step,
            Visit.booked_start_at, Visit.arrived_at, Visit.service_started_at, Visit.service_ended_at,
            Visit.paid_at, Visit.left_at, Visit.is_new_client, Visit.satisfaction,
            select(func.min(Sale.receipt_no)).where(Sale.visit_id == Visit.id, Sale.kind == "sale")
            .correlate(Visit).scalar_subquery(),
        )  # fmt: skip
        .select_from(Visit)
        .join(Branch, Branch.id == Visit.branch_id)
        .outerjoin(Client, Client.id == Visit.client_id)
        .outerjoin(Staff, Staff.id == Visit.staff_id)
        .order_by(Visit.arrived_at, Visit.id)
    )
    for r in _stream(conn, stmt):
        yield [
            r[0], r[1], _client_no(r[2], r[3]), r[4] or "", r[5], r[6], *(c.ts(x) for x in r[7:13]),
            _flag(r[13]), "" if r[14] is None else r[14], r[15] or "",
        ]  # fmt: skip


def sales_rows(conn: Connection, c: _Ctx) -> Iterator[list[Any]]:
    cashier = aliased(Staff)
    original = aliased(Sale)
    stmt = (
        select(
            Sale.id, Sale.receipt_no, Sale.sold_at, Branch.code, Sale.kind, original.receipt_no,
            Client.client_number, Client.erased_at, cashier.name, Sale.subtotal_minor, Sale.discount_minor,
            Sale.tax_minor, Sale.tip_minor, Sale.rounding_minor, Sale.total_minor, Sale.currency,
        )  # fmt: skip
        .select_from(Sale)
        .join(Branch, Branch.id == Sale.branch_id)
        .outerjoin(original, original.id == Sale.original_sale_id)
        .outerjoin(Client, Client.id == Sale.client_id)
        .outerjoin(cashier, cashier.id == Sale.cashier_id)
        .order_by(Sale.sold_at, Sale.id)
    )
    for r in _stream(conn, stmt):
        yield [
            r[0], r[1], c.ts(r[2]), r[3], r[4], r[5] or "", _client_no(r[6], r[7]), r[8] or "",
            *(c.money(x) for x in r[9:15]), r[15],
        ]  # fmt: skip


def sale_lines_rows(conn: Connection, c: _Ctx) -> Iterator[list[Any]]:
    stmt = (
        select(
            SaleLine.sale_id, Sale.receipt_no, SaleLine.line_no, SaleLine.kind, SaleLine.description, Service.name_zh,
            Service.name_en, Product.name_zh, Product.name_en, Package.name_zh, Package.name_en, Staff.name,
            SaleLine.quantity, SaleLine.unit_price_minor, SaleLine.discount_minor, SaleLine.member_discount_minor,
            SaleLine.tax_rate_bp, SaleLine.tax_minor, SaleLine.line_total_minor,
        )  # fmt: skip
        .select_from(SaleLine)
        .join(Sale, Sale.id == SaleLine.sale_id)
        .outerjoin(Service, Service.id == SaleLine.service_id)
        .outerjoin(Product, Product.id == SaleLine.product_id)
        .outerjoin(Package, Package.id == SaleLine.package_id)
        .outerjoin(Staff, Staff.id == SaleLine.staff_id)
        .order_by(Sale.sold_at, Sale.id, SaleLine.line_no)
    )
    for r in _stream(conn, stmt):
        item = str(r[4] or "") or c.name(r[5], r[6]) or c.name(r[7], r[8]) or c.name(r[9], r[10])
        yield [
            r[0], r[1], r[2], r[3], item, r[11] or "", r[12], c.money(r[13]), c.money(r[14]), c.money(r[15]),
            _rate(r[16]), c.money(r[17]), c.money(r[18]),
        ]  # fmt: skip


def payments_rows(conn: Connection, c: _Ctx) -> Iterator[list[Any]]:
    stmt = (
        select(Payment.sale_id, Sale.receipt_no, Payment.paid_at, Payment.method, Payment.amount_minor, Payment.reference)
        .join(Sale, Sale.id == Payment.sale_id)
        .order_by(Sale.sold_at, Sale.id, Payment.id)
    )
    for r in _stream(conn, stmt):
        yield [r[0], r[1], c.ts(r[2]), r[3], c.money(r[4]), r[5] or ""]


def vouchers_rows(conn: Connection, c: _Ctx) -> Iterator[list[Any]]:
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
        .order_by(GiftVoucher.issued_at, GiftVoucher.id)
    )
    for r in _stream(conn, stmt):
        yield [r[0], r[1], c.ts(r[2]), r[3] or "", r[4] or "", c.money(r[5]), c.money(r[6]), _day(r[7]), r[8]]


def staff_rows(conn: Connection, c: _Ctx) -> Iterator[list[Any]]:
    """Names and roles: never a PIN, its hash, the rights given or pay."""
    stmt = (
        select(Staff.id, Staff.name, Staff.role, Branch.code, Staff.active)
        .join(Branch, Branch.id == Staff.branch_id)
        .order_by(Staff.id)
    )
    for r in _stream(conn, stmt):
        yield [r[0], r[1], r[2], r[3], _flag(r[4])]


def _number(cid: Any) -> Any:
    """A listed client's number, for the history files of a person's own (erased and merged left out)."""
    return select(Client.client_number).where(Client.id == cid, client_listed()).scalar_subquery()


def bookings_rows(conn: Connection, c: _Ctx) -> Iterator[list[Any]]:
    """Every appointment, past and to come, with how it ended (no-show, cancelled, done)."""
    stmt = (
        select(
            Appointment.id, _number(Appointment.client_id), Appointment.start_at, Appointment.end_at, Staff.name,
            Branch.code, Appointment.status, Appointment.late_cancel, Appointment.cancelled_at,
            Appointment.cancel_reason, Appointment.source, Appointment.deposit_minor, Appointment.notes,
            Appointment.created_at,
        )  # fmt: skip
        .join(Branch, Branch.id == Appointment.branch_id)
        .outerjoin(Staff, Staff.id == Appointment.staff_id)
        .order_by(Appointment.start_at, Appointment.id)
    )
    for r in _stream(conn, stmt):
        yield [r[0], r[1] or "", c.ts(r[2]), c.ts(r[3]), r[4] or "", r[5], r[6], _flag(r[7]), c.ts(r[8]),
               r[9] or "", r[10], c.money(r[11]), r[12] or "", c.ts(r[13])]  # fmt: skip


def services_done_rows(conn: Connection, c: _Ctx) -> Iterator[list[Any]]:
    stmt = (
        select(ServiceLog.visit_id, _number(Visit.client_id), Service.name_zh, Service.name_en, Staff.name,
               ServiceLog.started_at, ServiceLog.ended_at, ServiceLog.price_minor, ServiceLog.notes,
               ServiceLog.problem)  # fmt: skip
        .join(Visit, Visit.id == ServiceLog.visit_id)
        .join(Service, Service.id == ServiceLog.service_id)
        .outerjoin(Staff, Staff.id == ServiceLog.staff_id)
        .order_by(ServiceLog.visit_id, ServiceLog.id)
    )
    for r in _stream(conn, stmt):
        yield [r[0], r[1] or "", c.name(r[2], r[3]), r[4] or "", c.ts(r[5]), c.ts(r[6]), c.money(r[7]),
               r[8] or "", r[9] or ""]  # fmt: skip


def formulas_rows(conn: Connection, c: _Ctx) -> Iterator[list[Any]]:
    """Every colour formula and each later version of it (Current: the one in use)."""
    stmt = (
        select(Formula.id, _number(Formula.client_id), Formula.visit_id, Service.name_zh, Service.name_en,
               Formula.version_no, Formula.superseded_by_id, Staff.name, Formula.components, Formula.notes,
               Formula.created_at)  # fmt: skip
        .outerjoin(Service, Service.id == Formula.service_id)
        .outerjoin(Staff, Staff.id == Formula.author_id)
        .where(_number(Formula.client_id).is_not(None))
        .order_by(Formula.client_id, Formula.id)
    )
    for r in _stream(conn, stmt):
        yield [r[0], r[1], r[2] or "", c.name(r[3], r[4]), r[5], _flag(r[6] is None), r[7] or "",
               json.dumps(r[8] or [], ensure_ascii=False), r[9] or "", c.ts(r[10])]  # fmt: skip


def consents_rows(conn: Connection, c: _Ctx) -> Iterator[list[Any]]:
    """Each consent the client gave or withdrew, when, and who recorded it."""
    stmt = (
        select(_number(ConsentRecord.client_id), ConsentRecord.kind, ConsentRecord.granted, ConsentRecord.at,
               Staff.name, ConsentRecord.note)  # fmt: skip
        .outerjoin(Staff, Staff.id == ConsentRecord.staff_id)
        .where(_number(ConsentRecord.client_id).is_not(None))
        .order_by(ConsentRecord.at, ConsentRecord.id)
    )
    for r in _stream(conn, stmt):
        yield [r[0], r[1], _flag(r[2]), c.ts(r[3]), r[4] or "", r[5] or ""]


def patch_tests_rows(conn: Connection, c: _Ctx) -> Iterator[list[Any]]:
    stmt = (
        select(_number(PatchTest.client_id), PatchTest.product, PatchTest.result, PatchTest.tested_at, Staff.name,
               PatchTest.notes)  # fmt: skip
        .outerjoin(Staff, Staff.id == PatchTest.staff_id)
        .where(_number(PatchTest.client_id).is_not(None))
        .order_by(PatchTest.tested_at, PatchTest.id)
    )
    for r in _stream(conn, stmt):
        yield [r[0], r[1], r[2], c.ts(r[3]), r[4] or "", r[5] or ""]


def complaints_rows(conn: Connection, c: _Ctx) -> Iterator[list[Any]]:
    stmt = (
        select(Complaint.id, _number(Complaint.client_id), Complaint.visit_id, Complaint.opened_at,
               Complaint.category, Complaint.severity, Complaint.description, Complaint.status, Complaint.resolution,
               Complaint.compensation_kind, Complaint.compensation_minor, Complaint.resolved_at,
               Complaint.callback_result, Complaint.callback_note)  # fmt: skip
        .order_by(Complaint.opened_at, Complaint.id)
    )
    for r in _stream(conn, stmt):
        yield [r[0], r[1] or "", r[2] or "", c.ts(r[3]), r[4], r[5], r[6] or "", r[7], r[8] or "", r[9] or "",
               c.money(r[10]), c.ts(r[11]), r[12] or "", r[13] or ""]  # fmt: skip


def points_rows(conn: Connection, c: _Ctx) -> Iterator[list[Any]]:
    """Every loyalty points movement (earned, spent, lapsed, moved by a merge) with the balance after it."""
    stmt = (
        select(_number(PointsAccount.client_id), PointsMovement.at, PointsMovement.kind, PointsMovement.points,
               PointsMovement.balance_after, Sale.receipt_no)  # fmt: skip
        .join(PointsAccount, PointsAccount.id == PointsMovement.account_id)
        .outerjoin(Sale, Sale.id == PointsMovement.sale_id)
        .where(_number(PointsAccount.client_id).is_not(None))
        .order_by(PointsMovement.at, PointsMovement.id)
    )
    for r in _stream(conn, stmt):
        yield [r[0], c.ts(r[1]), r[2], r[3], r[4], r[5] or ""]


RowsFn = Callable[[Connection, _Ctx], Iterator[Sequence[Any]]]
FILES: tuple[tuple[str, tuple[str, ...], RowsFn], ...] = (
    ("clients.csv", CLIENTS_COLUMNS, clients_rows),
    ("appointments.csv", APPOINTMENTS_COLUMNS, appointments_rows),
    ("balances.csv", BALANCES_COLUMNS, balances_rows),
    ("services.csv", SERVICES_COLUMNS, services_rows),
    ("products.csv", PRODUCTS_COLUMNS, products_rows),
    ("packages.csv", PACKAGES_COLUMNS, packages_rows),
    ("visits.csv", VISITS_COLUMNS, visits_rows),
    ("sales.csv", SALES_COLUMNS, sales_rows),
    ("sale_lines.csv", SALE_LINES_COLUMNS, sale_lines_rows),
    ("payments.csv", PAYMENTS_COLUMNS, payments_rows),
    ("vouchers.csv", VOUCHERS_COLUMNS, vouchers_rows),
    ("staff.csv", STAFF_COLUMNS, staff_rows),
    ("appointment_history.csv", BOOKINGS_COLUMNS, bookings_rows),
    ("services_done.csv", SERVICES_DONE_COLUMNS, services_done_rows),
    ("formulas.csv", FORMULAS_COLUMNS, formulas_rows),
    ("consents.csv", CONSENTS_COLUMNS, consents_rows),
    ("patch_tests.csv", PATCH_TESTS_COLUMNS, patch_tests_rows),
    ("complaints.csv", COMPLAINTS_COLUMNS, complaints_rows),
    ("points.csv", POINTS_COLUMNS, points_rows),
)
README = "README.txt"


def _what(fmt: Fmt, name: str) -> str:
    """What a file holds, in words (README.txt)."""
    words = {
        "clients.csv": fmt._("every client (erased clients left out), with their contact details, consents, "
                             "membership, points and prepaid balance"),
        "appointments.csv": fmt._("the appointments still to come"),
        "balances.csv": fmt._("prepaid balances, and packages with sessions left"),
        "services.csv": fmt._("the services: prices, lengths, categories"),
        "products.csv": fmt._("the products: prices, cost and stock"),
        "packages.csv": fmt._("the packages for sale"),
        "visits.csv": fmt._("every visit"),
        "sales.csv": fmt._("every sale, refund and void"),
        "sale_lines.csv": fmt._("the lines of every sale"),
        "payments.csv": fmt._("every payment"),
        "vouchers.csv": fmt._("gift vouchers and what is left on them"),
        "staff.csv": fmt._("staff names and roles (no PINs)"),
        "appointment_history.csv": fmt._("every appointment, past and to come, and how it ended"),
        "services_done.csv": fmt._("the services done at each visit, by whom, with the stylist's notes"),
        "formulas.csv": fmt._("colour formulas, each version"),
        "consents.csv": fmt._("each consent a client gave or withdrew"),
        "patch_tests.csv": fmt._("patch tests and their results"),
        "complaints.csv": fmt._("complaints, how they were resolved and the call-back"),
        "points.csv": fmt._("every loyalty points movement"),
    }
    return words[name]


def readme_text(c: _Ctx, counts: dict[str, int], who: str) -> str:
    fmt = c.fmt
    lines = [
        fmt._("Everything {shop} keeps in the front-desk app, exported on {when} by {name}.").format(
            shop=c.shop_name, when=c.ts(c.now), name=who
        ),
        "",
    ]
    for name, _header, _rows in FILES:
        lines.append(fmt._("{file}: {what} ({n} rows)").format(file=name, what=_what(fmt, name), n=counts.get(name, 0)))
    lines += [
        "",
        fmt._("The files are CSV (UTF-8, first row: the column names) for any spreadsheet. Money is in {currency}; "
              "times are in the shop's time zone ({zone}). \"Client ID\" is the client number.").format(
            currency=c.currency, zone=c.fmt.timezone
        ),
        fmt._("To bring the shop into the app again: set up the shop, add the staff, services and packages, then "
              "import clients.csv (Clients › Import), then balances.csv and appointments.csv (desk-app import "
              "balances / appointments)."),
        "",
    ]
    return "\n".join(lines)


# -- the service ---------------------------------------------------------------------------------


@contextmanager
def snapshot(db: Database) -> Iterator[Connection]:
    """One read transaction for every file: the export is the shop at one moment (on a server,
    REPEATABLE READ; on SQLite every read of one transaction sees one snapshot)."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        trans = conn.begin()
        try:
            yield conn
        finally:
            trans.rollback()


class ShopExportService:
    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)
        self.clock = self.db.clock

    def _owner(self, actor: Actor) -> Actor:
        """The owner only: ``Perm.EXPORT`` (which the owner may give others for the monthly files)
        and the owner's role, since this is every client's data at once. A refusal is audited."""
        known = require(self.db.uow, actor, Perm.EXPORT)
        if known.role != Role.OWNER:
            with self.db.uow() as uow:
                audit(
                    uow.session, known, "denied", "permission", Perm.EXPORT.value,
                    detail=f"{known.role} tried export_shop: the owner only", allowed=False, at=self.clock(),
                )  # fmt: skip
                uow.commit()
            raise NotAllowed(Perm.EXPORT, actor)
        return known

    def export(self, actor: Actor, path: str | os.PathLike[str], progress: Progress | None = None) -> ShopExport:
        """Write the zip to ``path`` (replacing a file there once the new one is whole); safe to call
        off the GUI thread. ``progress(done, total)`` after each file."""
        known = self._owner(actor)
        out = Path(path).expanduser()
        if out.is_dir():
            raise ValidationError({"path": _("{path} is a folder; choose a file name.").format(path=str(out))})
        if not out.parent.is_dir():
            raise ValidationError({"path": _("The folder {folder} does not exist.").format(folder=str(out.parent))})
        shop_file = self.db.sqlite_file
        if shop_file is not None and any(
            _same(out, Path(str(shop_file) + tail)) for tail in ("", "-wal", "-shm", "-journal")
        ):
            raise ValidationError({"path": _("That is the shop's database: choose another file name.")})
        now = self.clock()
        counts: dict[str, int] = {}
        total = len(FILES) + 1
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            with snapshot(self.db) as conn, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
                c = _Ctx(conn, now)
                stamp = now.astimezone(c.tz).timetuple()[:6]
                for i, (name, header, rows) in enumerate(FILES):
                    info = zipfile.ZipInfo(name, date_time=stamp)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    with io.TextIOWrapper(zf.open(info, "w", force_zip64=True), encoding="utf-8-sig", newline="") as f:
                        counts[name] = write_rows(f, header, rows(conn, c))
                    if progress:
                        progress(i + 1, total)
                info = zipfile.ZipInfo(README, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, readme_text(c, counts, known.name).encode("utf-8-sig"))
            os.replace(tmp, out)
        finally:
            tmp.unlink(missing_ok=True)
        result = ShopExport(out, counts)
        with self.db.uow() as uow:
            audit(
                uow.session, known, "export", "export_shop", "", detail=f"{out} ({result.rows} rows)",
                after={"files": dict(counts), "rows": result.rows}, at=now,
            )  # fmt: skip
            uow.commit()
        if progress:
            progress(total, total)
        return result


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False
