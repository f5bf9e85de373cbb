"""Import what the old system still owes clients and what is already booked (docs/import.md,
"Balances, packages and appointments").

Two kinds of file, each a CSV/TSV or .xlsx with a header row (the same reader as the client
import, any encoding it knows):

- **balances**: per row a client and their prepaid balance (with its expiry) and/or a package with
  the sessions left (with its expiry). The balance is added as an opening adjustment of the
  prepaid account (the report's prepaid movements show it); the package as a package holding with
  those sessions, paid in the old system (no sale here).
- **appointments**: per row a client, the day and time, the service(s), the stylist, optionally the
  length and a note. Each is booked through the calendar, so nothing double-books.

A client is found by their client number, the id the old system gave them (kept by the client
import as ``external_id``), or their phone, in that order; the clients are imported first. A row
that cannot be used is rejected with its reason (the report CSV), never half-written; a row
already imported (a balance where the client has one, the same package holding, the same
booking) is rejected as a repeat, so running a file twice adds nothing. ``dry_run`` checks every
row and writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from desk_app.calendar.service import CalendarService
from desk_app.calendar.views import BookingRequest
from desk_app.checkout.ledger import prepaid_account, prepaid_move
from desk_app.clients.importer import Rejected, Table, parse_date, parse_phone, read_table, write_rejected
from desk_app.core.service import ServiceError, ValidationError, audit, require, shop_row
from desk_app.db.engine import Clock, Database
from desk_app.db.models import (
    Appointment,
    Client,
    ClientHistory,
    ClientPackage,
    Package,
    Service,
    Staff,
    client_listed,
)
from desk_app.domain.money import parse_amount
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import _
from desk_app.settings import S, SettingsStore

KINDS = ("balances", "appointments", "history")

# the header words each field is recognised by (lower case, spaces and _ ignored)
_HEADERS: dict[str, tuple[str, ...]] = {
    "client_number": ("clientnumber", "clientno", "客户编号", "顾客编号", "会员编号", "编号"),
    "external_id": ("clientid", "customerid", "referenceid", "squarecustomerid", "id"),
    "phone": ("phone", "mobile", "mobilenumber", "phonenumber", "cell", "手机", "手机号", "电话", "联系电话"),
    "balance": ("balance", "prepaidbalance", "prepaid", "storedvalue", "储值余额", "余额", "储值"),
    "balance_expires": ("balanceexpires", "expires", "expiry", "validuntil", "余额有效期", "有效期"),
    "package": ("package", "packagename", "次卡", "套餐", "疗程卡"),
    "sessions": ("sessionsleft", "sessions", "remaining", "remainingsessions", "剩余次数", "次数"),
    "package_expires": ("packageexpires", "packageexpiry", "次卡有效期", "套餐有效期"),
    "date": ("date", "day", "appointmentdate", "日期", "预约日期"),
    "time": ("time", "starttime", "start", "时间", "开始时间", "预约时间"),
    "service": ("service", "services", "servicename", "服务", "项目", "服务项目"),
    "stylist": ("stylist", "staff", "staffmember", "employee", "provider", "发型师", "技师", "美容师", "员工"),
    "duration": ("duration", "minutes", "length", "时长", "分钟"),
    "notes": ("notes", "note", "comment", "备注"),
    "amount": ("amount", "total", "price", "paid", "sales", "金额", "消费金额", "实收"),
}
_FIELDS = {
    "balances": ("client_number", "external_id", "phone", "balance", "balance_expires", "package", "sessions",
                 "package_expires"),
    "appointments": ("client_number", "external_id", "phone", "date", "time", "service", "stylist", "duration",
                     "notes"),
    "history": ("client_number", "external_id", "phone", "date", "time", "service", "stylist", "amount"),
}  # fmt: skip


@dataclass(frozen=True)
class OpeningResult:
    kind: str
    total_rows: int
    imported: int
    rejected: list[Rejected] = field(default_factory=list)
    dry_run: bool = False
    mapping: dict[str, str] = field(default_factory=dict)  # field -> column used
    encoding: str = ""


def _key(header: str) -> str:
    return re.sub(r"[\s_\-./()（）]", "", str(header)).lower()


def guess_mapping(headers: Sequence[str], kind: str) -> dict[str, str]:
    """Which column holds each field, from the header words (``_HEADERS``)."""
    out: dict[str, str] = {}
    keys = {_key(h): h for h in headers if str(h).strip()}
    for f in _FIELDS[kind]:
        for word in _HEADERS[f]:
            if word in keys and keys[word] not in out.values():
                out[f] = keys[word]
                break
    if "balance_expires" in out and "package_expires" not in out and "package" in out and "balance" not in out:
        out["package_expires"] = out.pop("balance_expires")  # a packages-only file's "Expires"
    return out


class _Row:
    def __init__(self, table: Table, mapping: dict[str, str], cells: list[Any]) -> None:
        self.cells = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(table.headers)}
        self.mapping = mapping

    def get(self, f: str) -> Any:
        col = self.mapping.get(f)
        v = self.cells.get(col, "") if col else ""
        return "" if v is None else v

    def text(self, f: str) -> str:
        return " ".join(str(self.get(f)).split())

    def as_read(self) -> str:
        return " | ".join(str(v) for v in self.cells.values())


class RowError(Exception):
    """This row is not imported; the message says why (translated)."""


class OpeningImportService:
    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)
        self.settings = settings
        self.clock = self.db.clock

    def run(
        self,
        actor: Actor,
        path: Path,
        kind: str,
        *,
        mapping: dict[str, str] | None = None,
        dry_run: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> OpeningResult:
        """Import ``path`` as ``kind`` ("balances" or "appointments"); each row in its own unit
        of work (a refused row changes nothing). The owner only (as the client import)."""
        known = require(self.db.uow, actor, Perm.IMPORT)
        if kind not in KINDS:
            raise ValidationError({"kind": _("Choose what the file holds: balances, appointments or past visits.")})
        table = read_table(Path(path))
        used = dict(mapping) if mapping else guess_mapping(table.headers, kind)
        missing = [h for h in used.values() if h not in table.headers]
        if missing:
            raise ValidationError({"mapping": _("No column {name} in the file.").format(name=", ".join(missing))})
        if not {"client_number", "external_id", "phone"} & used.keys():
            raise ValidationError(
                {"mapping": _("The file needs a column that says who the client is: client number, id or phone.")}
            )
        need = ("balance", "package") if kind == "balances" else ("date", "service", "stylist")
        if kind == "balances" and not {"balance", "package"} & used.keys():
            raise ValidationError({"mapping": _("The file needs a balance column or a package column.")})
        if kind == "appointments" and not all(f in used for f in need):
            raise ValidationError({"mapping": _("The file needs the date (and time), the service and the stylist.")})
        if kind == "history" and not {"date", "service"} <= used.keys():
            raise ValidationError({"mapping": _("The file needs the date of each visit and what was done.")})
        rejected: list[Rejected] = []
        imported = 0
        total = len(table.rows)
        with self.db.uow(write=False) as uow:
            shop = shop_row(uow.session)
            region, tz, currency = shop.region or "CN", shop.timezone, shop.currency
        for n, cells in enumerate(table.rows):
            row = _Row(table, used, cells)
            row_no = table.header_row + 1 + n
            try:
                if kind == "balances":
                    self._balance_row(known, row, region, tz, currency, dry_run)
                elif kind == "history":
                    self._history_row(known, row, region, tz, currency, Path(path).name, dry_run)
                else:
                    self._appointment_row(known, row, region, tz, dry_run)
                imported += 1
            except RowError as exc:
                rejected.append(Rejected(row_no, str(exc), row.as_read()))
            except (ValidationError, ServiceError) as exc:
                rejected.append(Rejected(row_no, _error_text(exc), row.as_read()))
            if progress and (n % 50 == 0 or n == total - 1):
                progress(n + 1, total)
        if not dry_run:
            with self.db.uow() as uow:
                audit(
                    uow.session,
                    known,
                    "import",
                    kind,
                    "",
                    after={"file": Path(path).name, "rows": total, "imported": imported, "rejected": len(rejected)},
                    at=self.clock(),
                )
                uow.commit()
        return OpeningResult(kind, total, imported, rejected, dry_run, used, table.encoding)

    # -- who ---------------------------------------------------------------------
    def _client(self, s: Session, row: _Row, region: str) -> Client:
        number = row.text("client_number").upper()
        ext = row.text("external_id")
        phone_raw = row.text("phone")
        if number:
            c = s.scalars(select(Client).where(Client.client_number == number)).first()
            if c is not None and not c.gone:
                return c
        if ext:
            c = s.scalars(
                select(Client).where(Client.external_id == ext, client_listed()).order_by(Client.id)
            ).first()
            if c is not None:
                return c
        if phone_raw:
            try:
                phone = parse_phone(phone_raw, region)
            except ValueError:
                phone = ""
            if phone:
                c = s.scalars(
                    select(Client).where(Client.phone == phone, client_listed()).order_by(Client.id)
                ).first()
                if c is not None:
                    return c
        said = number or ext or phone_raw
        if not said:
            raise RowError(_("No client number, id or phone on this row."))
        raise RowError(_("No client {who} in this shop: import the clients first.").format(who=said))

    # -- balances ------------------------------------------------------------------
    def _balance_row(self, actor: Actor, row: _Row, region: str, tz: str, currency: str, dry_run: bool) -> None:
        balance_text, package_text = row.text("balance"), row.text("package")
        if not balance_text and not package_text:
            raise RowError(_("Nothing to import on this row: no balance and no package."))
        amount_minor = 0
        if balance_text:
            try:
                amount_minor = parse_amount(balance_text, currency).minor
            except ValueError:
                raise RowError(_("The balance {value} is not an amount.").format(value=balance_text)) from None
            if amount_minor < 0:
                raise RowError(_("The balance {value} is below zero.").format(value=balance_text))
        balance_expires = self._date(row, "balance_expires")
        package_expires = self._date(row, "package_expires")
        sessions = 0
        if package_text:
            try:
                sessions = int(str(row.get("sessions")).strip().split(".")[0] or "0")
            except ValueError:
                raise RowError(_("Sessions left must be a whole number.")) from None
            if sessions <= 0:
                raise RowError(_("The package {name} has no sessions left to import.").format(name=package_text))
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            c = self._client(s, row, region)
            if amount_minor:
                acct = prepaid_account(s, c.id, now, self.settings.get(S.PREPAID_VALIDITY_DAYS))
                if acct.balance_minor != 0:
                    raise RowError(
                        _("{number} already has a prepaid balance here: not added again.").format(number=c.client_number)
                    )
                prepaid_move(s, acct, "adjust", amount_minor, None, actor.staff_id, now, note=_("Opening balance (import)"))
                if balance_expires is not None:
                    acct.expires_on = balance_expires
            if package_text:
                pkg = self._package(s, package_text)
                same = s.scalar(
                    select(func.count())
                    .select_from(ClientPackage)
                    .where(
                        ClientPackage.client_id == c.id,
                        ClientPackage.package_id == pkg.id,
                        ClientPackage.sale_id.is_(None),
                        ClientPackage.sessions_total - ClientPackage.sessions_used == sessions,
                    )
                )
                if same:
                    raise RowError(
                        _("{number} already holds {name} with {n} sessions: not added again.").format(
                            number=c.client_number, name=package_text, n=sessions
                        )
                    )
                s.add(
                    ClientPackage(
                        client_id=c.id,
                        package_id=pkg.id,
                        service_id=pkg.service_id,
                        sessions_total=sessions,
                        sessions_used=0,
                        price_minor=0,  # paid in the old system
                        sale_id=None,
                        purchased_at=now,
                        expires_on=package_expires,
                    )
                )
            audit(
                s,
                actor,
                "import_opening",
                "client",
                c.id,
                after={"balance_minor": amount_minor, "package": package_text or None, "sessions": sessions or None},
                at=now,
            )
            if not dry_run:  # a dry run leaves the unit of work: nothing is written
                uow.commit()

    def _package(self, s: Session, name: str) -> Package:
        low = name.strip().lower()
        pkg = s.scalars(
            select(Package)
            .where(or_(func.lower(Package.name_en) == low, Package.name_zh == name.strip()))
            .order_by(Package.active.desc(), Package.id)
        ).first()
        if pkg is None:
            raise RowError(
                _("No package called {name} in the catalog: add it in Settings › Packages first.").format(name=name)
            )
        return pkg

    def _date(self, row: _Row, f: str) -> date | None:
        raw = row.get(f)
        if raw in ("", None):
            return None
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        d, problem = parse_date(raw, day_first=False)
        if d is None:
            raise RowError(_("The date {value} is not a date.").format(value=str(raw)) + (f" ({problem})" if problem else ""))
        return d

    # -- past visits --------------------------------------------------------------------
    def _history_row(
        self, actor: Actor, row: _Row, region: str, tz: str, currency: str, source: str, dry_run: bool
    ) -> None:
        """A past visit of the old system, kept on the profile for reference (not a sale): the
        client's first and last visit, visit count and total spend take it in."""
        at = self._start(row, tz, default_time=time(12, 0))  # a day alone: noon, so it stays that day
        now = self.clock()
        if at > now:
            raise RowError(_("{when} is still to come: past visits only (appointments are imported apart).").format(
                when=at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")
            ))
        what = row.text("service")
        if not what:
            raise RowError(_("What was done is empty on this row."))
        amount: int | None = None
        if row.text("amount"):
            try:
                amount = parse_amount(row.text("amount"), currency).minor
            except ValueError:
                raise RowError(_("The amount {value} is not an amount.").format(value=row.text("amount"))) from None
            if amount < 0:
                raise RowError(_("The amount {value} is below zero.").format(value=row.text("amount")))
        with self.db.uow() as uow:
            s = uow.session
            c = self._client(s, row, region)
            repeat = s.scalar(
                select(func.count())
                .select_from(ClientHistory)
                .where(ClientHistory.client_id == c.id, ClientHistory.at == at, ClientHistory.description == what)
            )
            if repeat:
                raise RowError(_("{number}'s visit of {when} is already here: not added again.").format(
                    number=c.client_number, when=at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d")
                ))
            s.add(
                ClientHistory(
                    client_id=c.id,
                    at=at,
                    description=what,
                    staff_name=row.text("stylist")[:120],
                    amount_minor=amount,
                    source=source[:40],
                    imported_at=now,
                )
            )
            if c.first_visit_at is None or at < c.first_visit_at:
                c.first_visit_at = at
            if c.last_visit_at is None or at > c.last_visit_at:
                c.last_visit_at = at
            c.visit_count = (c.visit_count or 0) + 1
            c.total_spend_minor = (c.total_spend_minor or 0) + (amount or 0)
            c.updated_at = now
            if not dry_run:
                uow.commit()

    # -- appointments ------------------------------------------------------------------
    def _appointment_row(self, actor: Actor, row: _Row, region: str, tz: str, dry_run: bool) -> None:
        start = self._start(row, tz)
        if start <= self.clock():
            raise RowError(_("{when} is in the past: only appointments still to come are imported.").format(
                when=start.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")
            ))
        with self.db.uow(write=False) as uow:
            s = uow.session
            c = self._client(s, row, region)
            staff = self._staff(s, row.text("stylist"))
            services = [self._service(s, name) for name in re.split(r"\s*[,;+、，]\s*", row.text("service")) if name]
            if not services:
                raise RowError(_("No service on this row."))
            duration: int | None = None
            if row.text("duration"):
                try:
                    duration = int(float(row.text("duration")))
                except ValueError:
                    raise RowError(_("The length {value} is not a number of minutes.").format(
                        value=row.text("duration"))) from None
            repeat = s.scalar(
                select(func.count())
                .select_from(Appointment)
                .where(
                    Appointment.client_id == c.id,
                    Appointment.staff_id == staff.id,
                    Appointment.start_at == start,
                    Appointment.status.in_(("booked", "confirmed")),
                )
            )
            if repeat:
                raise RowError(_("{number} is already booked then with {name}: not booked again.").format(
                    number=c.client_number, name=staff.name
                ))
            client_id, staff_id, service_ids = c.id, staff.id, tuple(sv.id for sv in services)
        if dry_run:
            return
        CalendarService(self.db, self.settings).book(
            actor,
            BookingRequest(
                client_id=client_id,
                staff_id=staff_id,
                start_at=start,
                service_ids=service_ids,
                duration_min=duration,
                notes=row.text("notes"),
                source="import",
                allow_client_overlap=True,  # the old system's bookings as they were (two services at once)
            ),
        )

    def _start(self, row: _Row, tz: str, default_time: time | None = None) -> datetime:
        raw_date, raw_time = row.get("date"), row.get("time")
        zone = ZoneInfo(tz)
        if isinstance(raw_date, datetime) and raw_time in ("", None):
            return raw_date.replace(tzinfo=zone) if raw_date.tzinfo is None else raw_date
        text = str(raw_date).strip()
        t: time | None = None
        m = re.match(r"^(.*?)[ T](\d{1,2}:\d{2})(?::\d{2})?$", text)
        if m and raw_time in ("", None):
            text, raw_time = m.group(1), m.group(2)
        d = raw_date.date() if isinstance(raw_date, datetime) else (raw_date if isinstance(raw_date, date) else None)
        if d is None:
            d, problem = parse_date(text, day_first=False)
            if d is None:
                raise RowError(_("The date {value} is not a date.").format(value=text))
        if raw_time in ("", None) and default_time is not None:
            t = default_time
        elif isinstance(raw_time, time):
            t = raw_time
        elif isinstance(raw_time, datetime):
            t = raw_time.time()
        else:
            tm = re.match(r"^(\d{1,2})[:：.](\d{2})\s*([AaPp][Mm])?$", str(raw_time or "").strip())
            if not tm:
                raise RowError(_("The time {value} is not a time of day (e.g. 14:30).").format(value=str(raw_time or "")))
            hour, minute = int(tm.group(1)), int(tm.group(2))
            if tm.group(3) and tm.group(3).lower() == "pm" and hour < 12:
                hour += 12
            if tm.group(3) and tm.group(3).lower() == "am" and hour == 12:
                hour = 0
            if hour > 23 or minute > 59:
                raise RowError(_("The time {value} is not a time of day (e.g. 14:30).").format(value=str(raw_time)))
            t = time(hour, minute)
        return datetime.combine(d, t, tzinfo=zone)

    def _staff(self, s: Session, name: str) -> Staff:
        if not name:
            raise RowError(_("No stylist on this row."))
        found = list(
            s.scalars(select(Staff).where(func.lower(Staff.name) == name.lower(), Staff.active.is_(True)))
        )
        if len(found) != 1:
            raise RowError(
                (_("No active staff member called {name}: add them in Settings › Staff first.") if not found
                 else _("Two staff members are called {name}: rename one first.")).format(name=name)
            )
        return found[0]

    def _service(self, s: Session, name: str) -> Service:
        low = name.lower()
        sv = s.scalars(
            select(Service)
            .where(or_(func.lower(Service.name_en) == low, Service.name_zh == name, func.lower(Service.code) == low))
            .order_by(Service.id)
        ).first()
        if sv is None:
            raise RowError(_("No service called {name} in the catalog.").format(name=name))
        return sv


def parse_opening_map(items: Sequence[str], kind: str) -> dict[str, str]:
    """``["balance=Stored value", "phone=Cell"]`` -> ``{"balance": "Stored value", ...}`` for ``kind``."""
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise ValidationError({"mapping": _("A mapping is FIELD=Column, e.g. balance=\"Stored value\"; got {item}.").format(item=item)})
        k, v = item.split("=", 1)
        k = k.strip().lower()
        if k not in _FIELDS[kind]:
            raise ValidationError(
                {"mapping": _("Unknown field {field}. Fields: {fields}.").format(field=k, fields=", ".join(_FIELDS[kind]))}
            )
        out[k] = v.strip()
    return out


def _error_text(exc: ServiceError) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(v) for v in exc.errors.values())
    return exc.message


def write_opening_report(result: OpeningResult, out: Path) -> Path:
    """The rejected rows as CSV, as the client import writes them."""
    return write_rejected(result.rejected, out)

