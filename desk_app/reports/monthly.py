"""The owner's monthly summary (docs/product.md §6, issue 7) as a JSON-ready dict.

Every figure is a SQL aggregate (GROUP BY in the database); Python only folds
the grouped rows (a few thousand at most, whatever the size of the shop).
Money follows docs/money-model.md; every key is documented in
docs/report-json.md. Money and every other non-integer number is a decimal
string; counts are integers.
"""

from __future__ import annotations

import copy
import functools
import queue
import statistics
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Connection, and_, case, exists, func, literal, or_, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.elements import ColumnElement

from desk_app.db.engine import BUSY_TIMEOUT_MS, Database
from desk_app.db.models import (
    Appointment,
    Branch,
    Client,
    Complaint,
    FollowUp,
    Membership,
    Package,
    PackageRedemption,
    Payment,
    PrepaidMovement,
    Product,
    Sale,
    SaleLine,
    Service,
    ServiceCategory,
    Shop,
    Staff,
    Visit,
)
from desk_app.db.types import UTCDateTime
from desk_app.domain.appointment import AppointmentStatus
from desk_app.domain.money import Money
from desk_app.domain.standards import Standards
from desk_app.reports.sqlhelp import Period, local_day, previous_month, seconds_between
from desk_app.reports.standards_sql import standards_sql

SCHEMA_VERSION = 1
LOCK_WAIT_MS = 300  # how long the report waits for the write lock to line up its two readers
PAYMENT_METHODS = ("cash", "card", "wechat", "alipay", "prepaid", "package")
STANDARD_KEYS = (
    "greet",
    "reception",
    "service_start",
    "complaint_response",
    "followup",
    "feedback_record",
    "feedback_process",
)
VISIT_STANDARDS = ("greet", "reception", "service_start")
COMPARED = (
    "revenue.total",
    "revenue.services",
    "revenue.products",
    "revenue.tips",
    "visits",
    "new_clients",
    "returning_clients",
    "average_ticket",
    "rebooking_rate",
    "no_shows",
    "members_new",
    "prepaid.topups",
    "satisfaction.average",
    "complaints.count",
)


class ReportError(ValueError):
    """A report cannot be made with what was asked (unknown branch, no shop)."""


@dataclass(frozen=True)
class Scope:
    branch_id: int | None
    branch_code: str
    branch_name: str


def ratio(n: int, d: int, places: str = "0.0001") -> str | None:
    if not d:
        return None
    return str((Decimal(n) / Decimal(d)).quantize(Decimal(places), rounding=ROUND_HALF_UP))


def _i(v: Any) -> int:
    return int(v or 0)


def resolve_branch(conn: Connection, branch: str | int | None) -> Scope:
    if branch in (None, ""):
        return Scope(None, "", "")
    text = str(branch)
    cond = Branch.code == text
    if text.isdigit():
        cond = or_(cond, Branch.id == int(text))
    row = conn.execute(select(Branch.id, Branch.code, Branch.name).where(cond)).first()
    if row is None:
        codes = [c for (c,) in conn.execute(select(Branch.code).order_by(Branch.id))]
        raise ReportError(f"no branch {text!r}; branches: {', '.join(codes) or 'none'}")
    return Scope(int(row[0]), str(row[1]), str(row[2]))


def standards_from(settings: Any) -> Standards:
    if settings is not None and hasattr(settings, "standards"):
        s = settings.standards()
        assert isinstance(s, Standards)
        return s
    return Standards()


def build_monthly(
    db: Database,
    month: str,
    *,
    branch: str | int | None = None,
    settings: Any = None,
    now: datetime | None = None,
    compare: bool = True,
) -> dict[str, Any]:
    """The figures of one month (shop time zone), optionally for one branch."""
    now = now or db.clock()
    previous_month(month)  # a bad month fails here, before any thread starts
    with db.uow(write=False) as uow:
        conn = uow.session.connection()
        # on SQLite two twin connections that see the very same data share the work
        twins = _TwinReader.start(db, conn, 2) if db.sqlite_file is not None else []
        try:
            data = _build(db, conn, twins, month, branch, settings, now, compare)
        finally:
            for twin in twins:
                twin.close()
    return data


def _build(
    db: Database,
    conn: Connection,
    twins: list[_TwinReader],
    month: str,
    branch: str | int | None,
    settings: Any,
    now: datetime,
    compare: bool,
) -> dict[str, Any]:
    shop = conn.execute(select(Shop.name, Shop.currency, Shop.timezone).order_by(Shop.id).limit(1)).first()
    if shop is None:
        raise ReportError("no shop is set up in this database")
    scope = resolve_branch(conn, branch)
    if settings is None:
        from desk_app.settings import SettingsStore

        settings = SettingsStore(db)
    std = standards_from(settings)
    builder = _Builder(conn, db.dialect, str(shop[1]), str(shop[2]), scope, std, now)
    builder.db, builder.settings = db, settings
    prev_month = previous_month(month) if compare else ""
    pending: Future[dict[str, Any]] | None = None
    if compare and twins:
        cur, tz = str(shop[1]), str(shop[2])
        pending = twins[-1].submit(
            lambda c: _Builder(c, db.dialect, cur, tz, scope, std, now).compared_figures(prev_month)
        )
    elif compare and _can_read_in_parallel(db):
        # the month before (a handful of totals) on another connection while this one works: the
        # database runs both at once (SQLite and psycopg let go of the GIL while they work)
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-prev")
        pending = pool.submit(_compared_figures, db, str(shop[1]), str(shop[2]), scope, std, now, prev_month)
        pool.shutdown(wait=False)
    data = builder.figures(month, twins)
    data["shop"] = {"name": str(shop[0]), "timezone": str(shop[2])}
    if compare:
        prev = pending.result() if pending is not None else builder.compared_figures(prev_month)
        data["comparison"] = comparison(data, prev)
    return data


class _TwinReader:
    """A read transaction on a second SQLite connection, in its own thread, that sees exactly the data
    the report's connection sees: both take their snapshot while a third connection holds the write
    lock (for a few milliseconds), so no sale can be committed between the two. Jobs are
    ``fn(connection)`` run one after the other on that thread."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._jobs: queue.SimpleQueue[tuple[Callable[[Connection], Any], Future[Any]] | None] = (
            queue.SimpleQueue()
        )
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="report-twin", daemon=True)

    @classmethod
    def start(cls, db: Database, main: Connection, count: int = 1) -> list[_TwinReader]:
        """[] when the lock cannot be had (a read-only file, a long write): then the caller works alone."""
        twins = [cls(db) for _ in range(count)]
        try:
            with db.engine.execution_options(desk_write=True).connect() as locker:
                raw = locker.connection.dbapi_connection
                assert raw is not None
                raw.execute(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")  # a desk mid-write: soon work alone
                try:
                    locker.exec_driver_sql("SELECT 1")  # BEGIN IMMEDIATE: nobody commits until we let go
                    main.execute(select(Shop.id).limit(1))  # the report's snapshot
                    for twin in twins:
                        twin._thread.start()
                    for twin in twins:
                        twin._ready.wait()
                finally:
                    locker.rollback()
                    raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        except OperationalError:
            for twin in twins:
                if twin._thread.is_alive():
                    twin.close()
            return []
        if any(twin._error is not None for twin in twins):
            for twin in twins:
                twin.close()
            return []
        return twins

    def _run(self) -> None:
        try:
            with self._db.uow(write=False) as uow:
                conn = uow.session.connection()
                conn.execute(select(Shop.id).limit(1))  # the same snapshot: the write lock is still held
                self._ready.set()
                while (job := self._jobs.get()) is not None:
                    fn, fut = job
                    if fut.set_running_or_notify_cancel():
                        try:
                            fut.set_result(fn(conn))
                        except BaseException as exc:  # handed to the caller by Future.result()
                            fut.set_exception(exc)
        except BaseException as exc:  # the caller then works alone
            self._error = exc
            self._ready.set()

    def submit(self, fn: Callable[[Connection], Any]) -> Future[Any]:
        fut: Future[Any] = Future()
        self._jobs.put((fn, fut))
        return fut

    def close(self) -> None:
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join()


def _can_read_in_parallel(db: Database) -> bool:
    """A second connection sees the same data (not an in-memory SQLite database, which is per connection)."""
    return not db.is_sqlite or db.sqlite_file is not None


def _compared_figures(
    db: Database, currency: str, tz: str, scope: Scope, std: Standards, now: datetime, month: str
) -> dict[str, Any]:
    with db.uow(write=False) as uow:
        b = _Builder(uow.session.connection(), db.dialect, currency, tz, scope, std, now)
        return b.compared_figures(month)


def _get(d: dict[str, Any], dotted: str) -> Any:
    cur: Any = d
    for part in dotted.split("."):
        cur = cur.get(part) if isinstance(cur, dict) else None
    return cur


def comparison(cur: dict[str, Any], prev: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"previous_month": prev["month"], "figures": {}}
    for key in COMPARED:
        a, b = _get(cur, key), _get(prev, key)
        delta: str | int | None = None
        pct: str | None = None
        if a is not None and b is not None:
            da, db_ = Decimal(str(a)), Decimal(str(b))
            diff = da - db_
            delta = int(diff) if isinstance(a, int) and isinstance(b, int) else str(diff)
            if db_ != 0:
                pct = str((diff / abs(db_)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))
        out["figures"][key] = {"current": a, "previous": b, "delta": delta, "delta_ratio": pct}
    return out


class _Builder:
    def __init__(
        self,
        conn: Connection,
        dialect: str,
        currency: str,
        tz: str,
        scope: Scope,
        standards: Standards,
        now: datetime,
    ) -> None:
        self.conn = conn
        self.dialect = dialect
        self.currency = currency
        self.tz = tz
        self.scope = scope
        self.std = standards
        self.now = now
        self._catalog_loaded = False
        self.db: Database | None = None
        self.settings: Any = None

    # ------------------------------------------------------------ helpers
    def m(self, minor: int) -> str:
        return str(Money.from_minor(int(minor), self.currency).amount)

    def _branch(self, col: Any) -> ColumnElement[bool]:
        if self.scope.branch_id is None:
            return literal(True)
        return col == self.scope.branch_id  # type: ignore[no-any-return]

    def _ts(self, dt: datetime) -> ColumnElement[Any]:
        return literal(dt, UTCDateTime())

    def _load_catalog(self) -> None:
        if self._catalog_loaded:
            return
        c = self.conn
        self.staff = {int(i): str(n) for i, n in c.execute(select(Staff.id, Staff.name))}
        self.staff_role = {int(i): str(r) for i, r in c.execute(select(Staff.id, Staff.role))}
        self.categories = {
            int(i): (str(code), str(zh), str(en))
            for i, code, zh, en, _s in c.execute(
                select(
                    ServiceCategory.id,
                    ServiceCategory.code,
                    ServiceCategory.name_zh,
                    ServiceCategory.name_en,
                    ServiceCategory.sort,
                ).order_by(ServiceCategory.sort, ServiceCategory.id)
            )
        }
        self.services = {
            int(i): (str(zh), str(en), int(cat))
            for i, zh, en, cat in c.execute(
                select(Service.id, Service.name_zh, Service.name_en, Service.category_id)
            )
        }
        self.products = {
            int(i): (str(sku), str(zh), str(en))
            for i, sku, zh, en in c.execute(select(Product.id, Product.sku, Product.name_zh, Product.name_en))
        }
        self.packages = {
            int(i): (str(zh), str(en))
            for i, zh, en in c.execute(select(Package.id, Package.name_zh, Package.name_en))
        }
        self._catalog_loaded = True

    # ------------------------------------------------------------ figures
    def figures(self, month: str, twins: Sequence[_TwinReader] = ()) -> dict[str, Any]:
        """The month's figures; with twin readers the sales half (and a few small parts) run on them."""
        self._load_catalog()
        p = Period.of(month, self.tz)
        d: dict[str, Any] = {
            "schema": SCHEMA_VERSION,
            "month": month,
            "currency": self.currency,
            "branch": (
                {"id": self.scope.branch_id, "code": self.scope.branch_code, "name": self.scope.branch_name}
                if self.scope.branch_id is not None
                else None
            ),
            "period": {
                "start": p.start.astimezone(p.tz).isoformat(),
                "end": p.end.astimezone(p.tz).isoformat(),
            },
            "generated_at": self.now.astimezone(p.tz).isoformat(timespec="seconds"),
        }
        staff_acc: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        # (parts, the connection that runs them): the main one (None) or a twin, all at the same time
        plan: list[tuple[list[str], _TwinReader | None]] = [
            (["_sales"], twins[0] if twins else None),
            (["_clients", "_prepaid_members", "_complaints"], twins[-1] if twins else None),
        ]
        jobs = [
            tw.submit(functools.partial(self._apart, p=p, parts=parts))
            for parts, tw in plan
            if tw is not None
        ]
        d_sales: dict[str, Any] = {}
        if not twins:
            self._sales(p, d_sales, staff_acc)
        rest: dict[str, Any] = {}
        self._visits(p, rest, staff_acc)
        if not twins:
            for part in plan[1][0]:
                getattr(self, part)(p, rest, staff_acc)
        self._followups_feedback(p, rest, staff_acc)
        for i, job in enumerate(jobs):
            d_part, acc_part = job.result()
            (d_sales if i == 0 else rest).update(d_part)
            for sid, acc in acc_part.items():
                for key, v in acc.items():
                    staff_acc[sid][key] += v
        d.update(d_sales)
        d.update(rest)
        d["low_stock"] = self._low_stock()
        d["by_staff"] = self._by_staff(staff_acc)
        return d

    def _apart(
        self, conn: Connection, p: Period, parts: list[str]
    ) -> tuple[dict[str, Any], dict[int, dict[str, int]]]:
        """Some parts of the figures on another connection (own dicts: nothing shared is written)."""
        other = copy.copy(self)
        other.conn = conn
        d: dict[str, Any] = {}
        acc: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for part in parts:
            getattr(other, part)(p, d, acc)
        return d, acc

    def compared_figures(self, month: str) -> dict[str, Any]:
        """Only the figures the month-over-month comparison needs (COMPARED), each group in one scan."""
        c = self.conn
        p = Period.of(month, self.tz)
        lo, hi = self._ts(p.start), self._ts(p.end)
        d: dict[str, Any] = {"month": month}
        # sales: revenue by line kind, the tickets and their revenue (top-ups are not revenue)
        lk, amount = SaleLine.kind, SaleLine.line_total_minor
        not_topup = lk != "prepaid_topup"
        in_ticket = and_(Sale.kind == "sale", not_topup)

        def part(cond: ColumnElement[bool]) -> Any:
            return func.sum(case((cond, amount), else_=0))

        sq = (
            select(
                part(not_topup),
                part(lk == "service"),
                part(lk == "product"),
                part(lk == "tip"),
                part(in_ticket),
                func.count(func.distinct(case((in_ticket, Sale.id), else_=None))),
            )
            .select_from(Sale)
            .join(SaleLine, SaleLine.sale_id == Sale.id)
            .where(Sale.sold_at >= lo, Sale.sold_at < hi, self._branch(Sale.branch_id))
        )
        total, services, products, tips, ticket_rev, tickets = (_i(v) for v in c.execute(sq).one())
        d["revenue"] = {
            "total": self.m(total),
            "services": self.m(services),
            "products": self.m(products),
            "tips": self.m(tips),
        }
        unit = Money.from_minor(1, self.currency).amount
        d["average_ticket"] = (
            str((Money.from_minor(ticket_rev, self.currency).amount / tickets).quantize(unit, ROUND_HALF_UP))
            if tickets
            else None
        )
        # visits, clients, rebooking and the checkout scores
        scored = Visit.satisfaction.between(1, 5)
        done = Visit.step == "done"
        vq = select(
            func.count(),
            func.sum(case((done, 1), else_=0)),
            func.sum(case((and_(done, Visit.next_appointment_id.is_not(None)), 1), else_=0)),
            func.count(func.distinct(Visit.client_id)),
            func.count(func.distinct(case((Visit.is_new_client.is_(True), Visit.client_id), else_=None))),
            func.sum(case((scored, Visit.satisfaction), else_=0)),
            func.sum(case((scored, 1), else_=0)),
        ).where(
            Visit.arrived_at >= lo,
            Visit.arrived_at < hi,
            Visit.step != "cancelled",
            self._branch(Visit.branch_id),
        )
        n, n_done, n_rebooked, distinct_clients, new_clients, sat_sum, sat_n = (
            _i(v) for v in c.execute(vq).one()
        )
        d["visits"] = n
        d["new_clients"] = new_clients
        d["returning_clients"] = distinct_clients - new_clients
        d["rebooking_rate"] = ratio(n_rebooked, n_done)
        f_scored = FollowUp.satisfaction.between(1, 5)
        fq = select(
            func.sum(case((f_scored, FollowUp.satisfaction), else_=0)), func.sum(case((f_scored, 1), else_=0))
        ).where(FollowUp.completed_at >= lo, FollowUp.completed_at < hi)
        if self.scope.branch_id is not None:
            fq = fq.join(Visit, Visit.id == FollowUp.visit_id).where(self._branch(Visit.branch_id))
        f_sum, f_n = (_i(v) for v in c.execute(fq).one())
        d["satisfaction"] = {"average": ratio(sat_sum + f_sum, sat_n + f_n, "0.01")}
        d["no_shows"] = _i(
            c.execute(
                select(func.count()).where(
                    Appointment.start_at >= lo,
                    Appointment.start_at < hi,
                    Appointment.status == AppointmentStatus.NO_SHOW,
                    self._branch(Appointment.branch_id),
                )
            ).scalar()
        )
        d["members_new"] = self._members_new(p)
        pq = select(func.sum(PrepaidMovement.amount_minor)).where(
            PrepaidMovement.at >= lo, PrepaidMovement.at < hi, PrepaidMovement.kind == "topup"
        )
        if self.scope.branch_id is not None:
            pq = pq.join(Sale, Sale.id == PrepaidMovement.sale_id).where(self._branch(Sale.branch_id))
        d["prepaid"] = {"topups": self.m(_i(c.execute(pq).scalar()))}
        cq = select(func.count()).where(
            Complaint.opened_at >= lo, Complaint.opened_at < hi, self._branch(Complaint.branch_id)
        )
        d["complaints"] = {"count": _i(c.execute(cq).scalar())}
        return d

    # sales, lines and payments --------------------------------------------
    def _sales(self, p: Period, d: dict[str, Any], staff_acc: dict[int, dict[str, int]]) -> None:
        c = self.conn
        in_month = and_(
            Sale.sold_at >= self._ts(p.start), Sale.sold_at < self._ts(p.end), self._branch(Sale.branch_id)
        )
        # by day: only the revenue (a few dozen rows); the rest without the day (hundreds of rows, not
        # tens of thousands for Python to fold)
        day = local_day(Sale.sold_at, self.dialect, p)
        day_q = (
            select(day, func.sum(SaleLine.line_total_minor))
            .select_from(Sale)
            .join(SaleLine, SaleLine.sale_id == Sale.id)
            .where(in_month, SaleLine.kind != "prepaid_topup")
            .group_by(day)
        )
        by_day: dict[str, int] = {str(dy): _i(v) for dy, v in c.execute(day_q)}
        dims: list[Any] = [
            Sale.kind,
            SaleLine.kind,
            SaleLine.staff_id,
            SaleLine.service_id,
            SaleLine.product_id,
        ]
        groups = dims
        cube = (
            select(
                *dims,
                func.sum(SaleLine.quantity),
                func.sum(SaleLine.line_total_minor),
                func.sum(SaleLine.tax_minor),
                func.sum(SaleLine.discount_minor + SaleLine.member_discount_minor),
            )
            .select_from(Sale)
            .join(SaleLine, SaleLine.sale_id == Sale.id)
            .where(in_month)
            .group_by(*groups)
        )
        kinds: dict[str, int] = defaultdict(int)
        by_cat: dict[str, int] = defaultdict(int)
        svc: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        prod: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        tax = disc = ticket_rev = topup_lines = pkg_sold = 0
        for row in c.execute(cube):
            skind, lkind, staff, sid, pid, qty, total, ltax, ldisc = tuple(row)
            total, qty = _i(total), _i(qty)
            if lkind == "prepaid_topup":
                topup_lines += total
                continue
            kinds[lkind] += total
            tax += _i(ltax)
            disc += _i(ldisc)
            if skind == "sale":
                ticket_rev += total
            if lkind == "service":
                cat = self.services.get(_i(sid), ("", "", 0))[2]
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
            if staff is not None:
                acc = staff_acc[int(staff)]
                key = {"service": "services", "product": "retail", "package": "packages", "tip": "tips"}.get(
                    lkind, "other"
                )
                acc[key] += total
                if lkind == "service":
                    acc["services_count"] += qty
        total_rev = sum(kinds.values())
        # counts and totals by sale kind, and the tickets (sales with a line other than a top-up), in one scan
        ticket = case(
            (
                and_(
                    Sale.kind == "sale",
                    exists().where(SaleLine.sale_id == Sale.id, SaleLine.kind != "prepaid_topup"),
                ),
                1,
            ),
            else_=0,
        )
        by_kind = (
            select(Sale.kind, func.count(), func.sum(Sale.total_minor), func.sum(ticket))
            .where(in_month)
            .group_by(Sale.kind)
        )
        sale_counts: dict[str, tuple[int, int]] = {}
        tickets = 0
        for k, n, t, tk in c.execute(by_kind):
            sale_counts[str(k)] = (_i(n), _i(t))
            tickets += _i(tk)
        refunds = sum(t for k, (_n, t) in sale_counts.items() if k in ("refund", "void"))
        pay_q = (
            select(Payment.method, func.sum(Payment.amount_minor), func.count())
            .select_from(Sale)
            .join(Payment, Payment.sale_id == Sale.id)
            .where(in_month)
            .group_by(Payment.method)
        )
        methods = {str(mth): _i(a) for mth, a, _n in c.execute(pay_q)}
        d["revenue"] = {
            "total": self.m(total_rev),
            "services": self.m(kinds.get("service", 0)),
            "products": self.m(kinds.get("product", 0)),
            "packages": self.m(kinds.get("package", 0)),
            "tips": self.m(kinds.get("tip", 0)),
            "rounding": self.m(kinds.get("rounding", 0)),
            "other": self.m(
                sum(
                    v
                    for k, v in kinds.items()
                    if k not in ("service", "product", "package", "tip", "rounding")
                )
            ),
            "tax": self.m(tax),
            "discounts": self.m(disc),
            "refunds": self.m(refunds),
        }
        d["sales"] = {
            "count": sale_counts.get("sale", (0, 0))[0],
            "refund_count": sale_counts.get("refund", (0, 0))[0],
            "void_count": sale_counts.get("void", (0, 0))[0],
            "tickets": tickets,
            "prepaid_topups_sold": self.m(topup_lines),
        }
        d["average_ticket"] = (
            str(
                (Money.from_minor(ticket_rev, self.currency).amount / tickets).quantize(
                    Money.from_minor(1, self.currency).amount, rounding=ROUND_HALF_UP
                )
            )
            if tickets
            else None
        )
        ordered = [mt for mt in PAYMENT_METHODS if mt in methods] + sorted(
            set(methods) - set(PAYMENT_METHODS)
        )
        d["by_payment_method"] = {mt: self.m(methods[mt]) for mt in ordered}
        d["revenue"]["by_day"] = [
            {"date": day_s, "total": self.m(by_day.get(day_s, 0))} for day_s in p.day_list()
        ]
        cats: list[dict[str, Any]] = []
        for cid, (code, zh, en) in self.categories.items():
            v = by_cat.get(f"service:{cid}")
            if v is not None:
                cats.append({"code": code, "name_zh": zh, "name_en": en, "total": self.m(v)})
        if "service:0" in by_cat:
            cats.append(
                {
                    "code": "service",
                    "name_zh": "服务",
                    "name_en": "Services",
                    "total": self.m(by_cat["service:0"]),
                }
            )
        for code, zh, en in (
            ("product", "零售产品", "Retail products"),
            ("package", "套餐", "Packages"),
            ("tip", "小费", "Tips"),
            ("other", "其他", "Other"),
        ):
            if code in by_cat:
                cats.append({"code": code, "name_zh": zh, "name_en": en, "total": self.m(by_cat[code])})
        d["revenue"]["by_category"] = cats
        d["top_services"] = [
            {
                "service_id": sid,
                "name_zh": self.services.get(sid, ("?", "?", 0))[0],
                "name_en": self.services.get(sid, ("?", "?", 0))[1],
                "count": q,
                "revenue": self.m(r),
            }
            for sid, (q, r) in sorted(svc.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0]))[:10]
        ]
        d["top_products"] = [
            {
                "product_id": pid,
                "sku": self.products.get(pid, ("?", "?", "?"))[0],
                "name_zh": self.products.get(pid, ("?", "?", "?"))[1],
                "name_en": self.products.get(pid, ("?", "?", "?"))[2],
                "quantity": q,
                "revenue": self.m(r),
            }
            for pid, (q, r) in sorted(prod.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0]))[:10]
        ]
        red = select(func.sum(PackageRedemption.sessions)).where(
            PackageRedemption.at >= self._ts(p.start), PackageRedemption.at < self._ts(p.end)
        )
        if self.scope.branch_id is not None:
            red = red.join(Sale, Sale.id == PackageRedemption.sale_id).where(self._branch(Sale.branch_id))
        d["packages"] = {
            "sold": pkg_sold,
            "revenue": self.m(kinds.get("package", 0)),
            "sessions_redeemed": _i(c.execute(red).scalar()),
        }

    # visits, rebooking, satisfaction, visit standards -----------------------
    def _visits(self, p: Period, d: dict[str, Any], staff_acc: dict[int, dict[str, int]]) -> None:
        c = self.conn
        # the counts ride along in the visit standards' scan (grouped by day, desk person and stylist)
        live = Visit.step != "cancelled"
        done = Visit.step == "done"
        checkout_score = case((live, Visit.satisfaction), else_=None)
        cols: list[Any] = [
            func.sum(case((live, 1), else_=0)),
            func.sum(case((done, 1), else_=0)),
            func.sum(case((and_(done, Visit.next_appointment_id.is_not(None)), 1), else_=0)),
            func.sum(checkout_score),
            func.count(checkout_score),
            *(func.sum(case((and_(live, Visit.satisfaction == k), 1), else_=0)) for k in range(1, 6)),
        ]
        rows: list[tuple[str, tuple[Any, ...], tuple[Any, ...]]] = []
        self._std_summary = standards_sql(
            c, self.dialect, p, self.std, self.now, self.scope.branch_id, visit_columns=cols, visit_rows=rows
        )
        n_visits = n_done = n_rebooked = 0
        visits_day: dict[str, int] = defaultdict(int)
        dist = {str(k): 0 for k in range(1, 6)}
        by_source = {"checkout": 0, "followup": 0}
        for dy, (_desk, staff), vals in rows:
            n, dn, rb, ssum, scnt = (_i(v) for v in vals[:5])
            for k in range(1, 6):
                dist[str(k)] += _i(vals[4 + k])
                by_source["checkout"] += _i(vals[4 + k])
            n_visits += n
            n_done += dn
            n_rebooked += rb
            if n:
                visits_day[dy] += n
            if staff and n:
                acc = staff_acc[int(staff)]
                acc["visits"] += n
                acc["done"] += dn
                acc["rebooked"] += rb
                acc["sat_sum"] += ssum
                acc["sat_count"] += scnt
        d["visits"] = n_visits
        d["visits_done"] = n_done
        d["rebooked"] = n_rebooked
        d["rebooking_rate"] = ratio(n_rebooked, n_done)
        ns_q = (
            select(Appointment.staff_id, func.count())
            .where(
                Appointment.start_at >= self._ts(p.start),
                Appointment.start_at < self._ts(p.end),
                Appointment.status == AppointmentStatus.NO_SHOW,
                self._branch(Appointment.branch_id),
            )
            .group_by(Appointment.staff_id)
        )
        no_shows = 0
        for staff, n in c.execute(ns_q):
            no_shows += _i(n)
            if staff is not None:
                staff_acc[int(staff)]["no_shows"] += _i(n)
        d["no_shows"] = no_shows
        # satisfaction: the checkout score of the month's visits (above) and the follow-up calls completed in it
        fq = (
            select(FollowUp.staff_id, FollowUp.satisfaction, func.count())
            .where(
                FollowUp.completed_at >= self._ts(p.start),
                FollowUp.completed_at < self._ts(p.end),
                FollowUp.satisfaction.is_not(None),
            )
            .group_by(FollowUp.staff_id, FollowUp.satisfaction)
        )
        if self.scope.branch_id is not None:
            fq = fq.join(Visit, Visit.id == FollowUp.visit_id).where(self._branch(Visit.branch_id))
        for staff, score, n in c.execute(fq):
            if str(score) in dist:
                dist[str(score)] += _i(n)
                by_source["followup"] += _i(n)
                if staff is not None:
                    staff_acc[int(staff)]["sat_sum"] += _i(score) * _i(n)
                    staff_acc[int(staff)]["sat_count"] += _i(n)
        count = sum(dist.values())
        total = sum(int(k) * v for k, v in dist.items())
        d["satisfaction"] = {
            "average": ratio(total, count, "0.01"),
            "count": count,
            "distribution": dist,
            "by_source": by_source,
        }
        d["visits_by_day"] = [{"date": dy, "visits": visits_day.get(dy, 0)} for dy in p.day_list()]

    # prepaid and memberships ------------------------------------------------
    def _clients(self, p: Period, d: dict[str, Any], _acc: dict[int, dict[str, int]]) -> None:
        in_month = and_(
            Visit.arrived_at >= self._ts(p.start),
            Visit.arrived_at < self._ts(p.end),
            Visit.step != "cancelled",
            self._branch(Visit.branch_id),
        )
        clients_q = select(
            func.count(func.distinct(Visit.client_id)),
            func.count(func.distinct(case((Visit.is_new_client.is_(True), Visit.client_id), else_=None))),
        ).where(in_month)
        distinct_clients, new_clients = (_i(v) for v in self.conn.execute(clients_q).one())
        d["new_clients"] = new_clients
        d["returning_clients"] = distinct_clients - new_clients

    def _prepaid_members(self, p: Period, d: dict[str, Any], _acc: dict[int, dict[str, int]]) -> None:
        c = self.conn
        q = select(PrepaidMovement.kind, func.sum(PrepaidMovement.amount_minor)).where(
            PrepaidMovement.at >= self._ts(p.start), PrepaidMovement.at < self._ts(p.end)
        )
        if self.scope.branch_id is not None:
            q = q.join(Sale, Sale.id == PrepaidMovement.sale_id).where(self._branch(Sale.branch_id))
        mv = {str(k): _i(v) for k, v in c.execute(q.group_by(PrepaidMovement.kind))}
        opening = _i(
            c.execute(
                select(func.sum(PrepaidMovement.amount_minor)).where(PrepaidMovement.at < self._ts(p.start))
            ).scalar()
        )
        closing = (
            opening + sum(mv.values())
            if self.scope.branch_id is None
            else _i(
                c.execute(
                    select(func.sum(PrepaidMovement.amount_minor)).where(PrepaidMovement.at < self._ts(p.end))
                ).scalar()
            )
        )
        d["prepaid"] = {
            "topups": self.m(mv.get("topup", 0)),
            "bonus": self.m(mv.get("bonus", 0)),
            "spent": self.m(-mv.get("spend", 0)),
            "refunds": self.m(mv.get("refund", 0)),
            "adjustments": self.m(mv.get("adjust", 0)),
            "net_change": self.m(sum(mv.values())),
            "opening_balance": self.m(opening),
            "closing_balance": self.m(closing),
        }
        d["members_new"] = self._members_new(p)

    def _members_new(self, p: Period) -> int:
        mq = select(func.count(func.distinct(Membership.client_id))).where(
            Membership.at >= self._ts(p.start), Membership.at < self._ts(p.end), Membership.tier == "vip"
        )
        if self.scope.branch_id is not None:
            mq = mq.join(Client, Client.id == Membership.client_id).where(self._branch(Client.branch_id))
        return _i(self.conn.execute(mq).scalar())

    # complaints -------------------------------------------------------------
    def _complaints(self, p: Period, d: dict[str, Any], staff_acc: dict[int, dict[str, int]]) -> None:
        c = self.conn
        where = (
            Complaint.opened_at >= self._ts(p.start),
            Complaint.opened_at < self._ts(p.end),
            self._branch(Complaint.branch_id),
        )
        first, due = Complaint.first_response_at, Complaint.first_response_due_at
        late = case(
            (and_(first.is_not(None), due.is_not(None), first > due), 1),
            (and_(first.is_(None), due.is_not(None), due < self._ts(self.now)), 1),
            else_=0,
        )
        q = (
            select(
                Complaint.category,
                Complaint.staff_involved_id,
                func.count(),
                func.sum(late),
                func.count(first),
            )
            .where(*where)
            .group_by(Complaint.category, Complaint.staff_involved_id)
        )
        by_cat: dict[str, int] = defaultdict(int)
        count = overdue = answered = 0
        for cat, staff, n, n_late, n_answered in c.execute(q):
            count += _i(n)
            overdue += _i(n_late)
            answered += _i(n_answered)
            by_cat[str(cat)] += _i(n)
            if staff is not None:
                staff_acc[int(staff)]["complaints"] += _i(n)
        med: Decimal | None = None
        if answered:  # the median response time: only the middle one or two rows leave the database
            mid = (
                select(Complaint.opened_at, first)
                .where(*where, first.is_not(None))
                .order_by(seconds_between(Complaint.opened_at, first, self.dialect), Complaint.id)
                .offset((answered - 1) // 2)
                .limit(2 - answered % 2)
            )
            hours = [Decimal((f_at - o_at).total_seconds()) / 3600 for o_at, f_at in c.execute(mid) if f_at]
            med = statistics.median(hours)
        d["complaints"] = {
            "count": count,
            "overdue": overdue,
            "median_first_response_hours": (
                str(Decimal(med).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
                if med is not None
                else None
            ),
            "by_category": dict(sorted(by_cat.items(), key=lambda kv: (-kv[1], kv[0]))),
        }

    # follow-ups, feedback and the standards ---------------------------------
    def _followups_feedback(self, p: Period, d: dict[str, Any], staff_acc: dict[int, dict[str, int]]) -> None:
        c = self.conn
        done = case((FollowUp.completed_at.is_not(None), 1), else_=0)
        fq = select(func.count(), func.sum(done)).where(
            FollowUp.due_from >= self._ts(p.start), FollowUp.due_from < self._ts(p.end)
        )
        if self.scope.branch_id is not None:
            fq = fq.join(Visit, Visit.id == FollowUp.visit_id).where(self._branch(Visit.branch_id))
        n, n_done = (_i(v) for v in c.execute(fq).one())
        d["followups"] = {"due": n, "done": n_done, "done_on_time": 0, "on_time_rate": None}
        summary = self._std_summary  # computed with the visits' figures, in the same scan
        standards: dict[str, dict[str, Any]] = {}
        by_day: dict[str, list[dict[str, Any]]] = {}
        for key, v in summary.items():
            standards[key] = {"met": int(v["met"]), "total": int(v["total"])}
            days = v.get("by_day", {})
            by_day[key] = [
                {
                    "date": dy,
                    "met": int(days.get(dy, {}).get("met", 0)),
                    "total": int(days.get(dy, {}).get("total", 0)),
                }
                for dy in p.day_list()
            ]
            for sid, st in v.get("by_staff", {}).items():
                if int(sid) in self.staff:
                    acc = staff_acc[int(sid)]
                    acc["std_met_s"] += int(st["met"])
                    acc["std_total_s"] += int(st["total"])
        for acc in staff_acc.values():
            acc["std_met"], acc["std_total"] = acc.get("std_met_s", 0), acc.get("std_total_s", 0)
        for v in standards.values():
            v["rate"] = ratio(v["met"], v["total"])
        fu = standards["followup_on_time"]  # "follow-ups done on time" is that standard
        d["followups"]["done_on_time"] = fu["met"]
        d["followups"]["on_time_rate"] = fu["rate"]
        d["standards"] = standards
        d["standards_by_day"] = by_day

    def _low_stock(self) -> list[dict[str, Any]]:
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
            for s, zh, en, q_, r in self.conn.execute(q)
        ]

    def _by_staff(self, staff_acc: dict[int, dict[str, int]]) -> list[dict[str, Any]]:
        rows = []
        for sid, a in staff_acc.items():
            revenue = a["services"] + a["retail"] + a["packages"] + a["other"]
            rows.append(
                {
                    "staff_id": sid,
                    "name": self.staff.get(sid, "?"),
                    "role": self.staff_role.get(sid, ""),
                    "revenue": self.m(revenue),
                    "services": self.m(a["services"]),
                    "retail": self.m(a["retail"]),
                    "packages": self.m(a["packages"]),
                    "tips": self.m(a["tips"]),
                    "services_count": a["services_count"],
                    "visits": a["visits"],
                    "rebooking_rate": ratio(a["rebooked"], a["done"]),
                    "satisfaction_average": ratio(a["sat_sum"], a["sat_count"], "0.01"),
                    "satisfaction_count": a["sat_count"],
                    "complaints": a["complaints"],
                    "no_shows": a["no_shows"],
                    "standards_met": a["std_met"],
                    "standards_total": a["std_total"],
                    "_rev": revenue,
                }
            )
        rows.sort(key=lambda r: (-int(str(r["_rev"])), str(r["name"])))
        for r in rows:
            del r["_rev"]
        return rows


ProgressFn = Callable[[int, int], None]
