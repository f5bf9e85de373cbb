"""The owner's monthly summary (docs/product.md §6, issue 7) as a JSON-ready dict.

Every figure is a SQL aggregate (GROUP BY in the database); Python only folds
the grouped rows (a few thousand at most, whatever the size of the shop).
Money follows docs/money-model.md; every key is documented in
docs/report-json.md. Money and every other non-integer number is a decimal
string; counts are integers.

Each section is a function in its own module (``monthly_sales``, ``monthly_visits``,
``monthly_clients``, ``monthly_staff``, and ``monthly_compared`` for the month
before), reading through a ``ReportReader`` (``monthly_reader``); this module puts
them together, on twin connections when it can.
"""

from __future__ import annotations

import functools
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Connection, func, or_, select
from sqlalchemy.exc import OperationalError

from desk_app.db.engine import Database
from desk_app.db.models import Branch, Shop
from desk_app.domain.appraisal import AppraisalRules, appraise
from desk_app.domain.money import Money
from desk_app.domain.standards import Standards
from desk_app.reports.monthly_clients import (
    client_figures,
    complaint_figures,
    contact_figures,
    incident_figures,
    prepaid_member_figures,
    review_figures,
    spot_check_figures,
)
from desk_app.reports.monthly_compared import compared_figures
from desk_app.reports.monthly_messages import message_figures
from desk_app.reports.monthly_points import points_figures
from desk_app.reports.monthly_reader import ReportReader, Scope, StaffAcc, load_catalog, new_staff_acc
from desk_app.reports.monthly_sales import low_stock, sales_figures
from desk_app.reports.monthly_staff import by_staff, revenue_by_stylist
from desk_app.reports.monthly_stock import stock_figures
from desk_app.reports.monthly_visits import followup_figures, visit_figures
from desk_app.reports.monthly_vouchers import gift_voucher_figures
from desk_app.reports.segments import month_value_figures
from desk_app.reports.sqlhelp import Period, period_of, previous_month
from desk_app.trust.base_pay import base_pays_in_force

SCHEMA_VERSION = 1
LOCK_WAIT_MS = 300  # how long the report waits for the write lock to line up its two readers
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
    "satisfaction.checkout.average",
    "satisfaction.followup.average",
    "complaints.count",
)


class ReportError(ValueError):
    """A report cannot be made with what was asked (unknown branch, no shop)."""


def resolve_branch(conn: Connection, branch: str | int | None) -> Scope:
    if branch in (None, ""):
        return Scope(None, "", "")
    text = str(branch)
    cond = func.upper(Branch.code) == text.strip().upper()  # codes are unique whatever their case
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
    parallel: bool = True,
) -> dict[str, Any]:
    """The figures of one month (shop time zone), optionally for one branch. ``parallel=False``:
    everything on the one connection (what the benchmark's ``reports.monthly_json`` measures)."""
    now = now or db.clock()
    previous_month(month)  # a bad month fails here, before any thread starts
    with db.uow(write=False) as uow:
        conn = _report_connection(db, uow.session.connection())
        # on SQLite two twin connections that see the very same data share the work
        twins = _TwinReader.start(db, conn, 2) if parallel and db.sqlite_file is not None else []
        try:
            data = _build(db, conn, twins, month, branch, settings, now, compare, parallel)
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
    parallel: bool = True,
) -> dict[str, Any]:
    shop = conn.execute(select(Shop.name, Shop.currency, Shop.timezone).order_by(Shop.id).limit(1)).first()
    if shop is None:
        raise ReportError("no shop is set up in this database")
    scope = resolve_branch(conn, branch)
    if settings is None:
        from desk_app.settings import SettingsStore

        settings = SettingsStore(db)
    std = standards_from(settings)
    rd = ReportReader(conn, db.dialect, str(shop[1]), str(shop[2]), scope, std, now)
    prev_month = previous_month(month) if compare else ""
    # a month still running is compared with the same span of the month before (like with like)
    p = Period.of(month, rd.tz)
    until = p.covered_until(now)
    prev_until = Period.of(prev_month, rd.tz).same_span_as(p, until) if compare and until < p.end else None
    pending: Future[dict[str, Any]] | None = None
    if compare and twins:
        pending = twins[-1].submit(lambda c: compared_figures(rd.on(c), prev_month, prev_until))
    elif compare and parallel and _can_read_in_parallel(db):
        # the month before (a handful of totals) on another connection while this one works: the
        # database runs both at once (SQLite and psycopg let go of the GIL while they work)
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-prev")
        pending = pool.submit(_compared_figures, db, rd, prev_month, prev_until)
        pool.shutdown(wait=False)
    data = _figures(rd, month, twins)
    data["shop"] = {"name": str(shop[0]), "timezone": str(shop[2])}
    pays = base_pays_in_force(conn, p.first_day)  # the month's own, not today's (a raise changes no past month)
    data["appraisal"] = appraisal_figures(data["by_staff"], settings, pays, str(shop[1]))
    data["client_value"] = month_value_figures(rd, month, settings)
    data["loyalty_points"] = points_figures(rd, p, settings)
    data["stock"] = stock_figures(rd, p)
    if compare:
        prev = pending.result() if pending is not None else compared_figures(rd, prev_month, prev_until)
        data["comparison"] = comparison(data, prev)
    return data


Part = Callable[[ReportReader, Period, dict[str, Any], StaffAcc], None]


def appraisal_figures(
    staff_rows: list[dict[str, Any]], settings: Any, base_pays: dict[int, int] | None = None, currency: str = "CNY"
) -> dict[str, Any]:
    """The staff appraisal from the month's staff rows and the owner's rules (docs/service-standard.md);
    with a staff member's base pay (minor units) the performance pay as an amount too."""
    rules = settings.appraisal_rules() if hasattr(settings, "appraisal_rules") else AppraisalRules()
    weights = rules.weights()
    pays = base_pays or {}

    def pay(r: dict[str, Any]) -> dict[str, Any]:
        out = appraise(r, rules)
        base = pays.get(int(r["staff_id"])) if r.get("staff_id") is not None else None
        share = out.get("performance_pay_percent")
        if base is None or share is None:
            return {**out, "base_pay": None, "performance_pay": None}
        m = Money.from_minor(base, currency)
        return {
            **out,
            "base_pay": str(m.amount),
            "performance_pay": str(Money.of(m.amount * Decimal(share) / 100, currency).amount),
        }

    return {
        "rules": {
            "weights": weights,
            "weights_sum": sum(weights.values()),
            "complaint_penalty": rules.complaint_penalty,
            "pass_mark": rules.pass_mark,
            "sales_target": str(rules.sales_target),
            "performance_share_percent": str(rules.performance_share_percent),
            "bonus_percent": str(rules.bonus_percent),
        },
        "staff": [
            {"staff_id": r["staff_id"], "name": r["name"], "role": r["role"], **pay(r)} for r in staff_rows
        ],
    }


def _figures(rd: ReportReader, month: str, twins: Sequence[_TwinReader] = ()) -> dict[str, Any]:
    """The month's figures; with twin readers the sales half (and a few small parts) run on them."""
    catalog = load_catalog(rd.conn)
    p = Period.of(month, rd.tz)
    d: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "month": month,
        "currency": rd.currency,
        "branch": (
            {"id": rd.scope.branch_id, "code": rd.scope.branch_code, "name": rd.scope.branch_name}
            if rd.scope.branch_id is not None
            else None
        ),
        "period": period_of(p, p.covered_until(rd.now)),
        "generated_at": rd.now.astimezone(p.tz).isoformat(timespec="seconds"),
    }
    staff_acc = new_staff_acc()

    def sales(rd_: ReportReader, p_: Period, d_: dict[str, Any], acc: StaffAcc) -> None:
        sales_figures(rd_, catalog, p_, d_, acc)
        gift_voucher_figures(rd_, p_, d_, acc)

    # (parts, the connection that runs them): the main one (None) or a twin, all at the same time
    plan: list[tuple[list[Part], _TwinReader | None]] = [
        ([sales], twins[0] if twins else None),
        ([client_figures, prepaid_member_figures, complaint_figures, contact_figures, incident_figures, spot_check_figures,
          review_figures],
         twins[-1] if twins else None),
    ]
    jobs = [
        tw.submit(functools.partial(_apart, rd=rd, p=p, parts=parts)) for parts, tw in plan if tw is not None
    ]
    d_sales: dict[str, Any] = {}
    if not twins:
        sales(rd, p, d_sales, staff_acc)
    rest: dict[str, Any] = {}
    summary = visit_figures(rd, p, rest, staff_acc)
    if not twins:
        for part in plan[1][0]:
            part(rd, p, rest, staff_acc)
    followup_figures(rd, catalog, p, rest, staff_acc, summary)
    message_figures(rd, p, rest)
    for i, job in enumerate(jobs):
        d_part, acc_part = job.result()
        (d_sales if i == 0 else rest).update(d_part)
        for sid, acc in acc_part.items():
            for key, v in acc.items():
                staff_acc[sid][key] += v
    d.update(d_sales)
    d.update(rest)
    d["low_stock"] = low_stock(rd)
    d["by_staff"] = by_staff(rd, catalog, staff_acc)
    d["revenue_by_stylist"] = revenue_by_stylist(d["by_staff"], d["revenue"]["services"])
    return d


def _apart(
    conn: Connection, rd: ReportReader, p: Period, parts: list[Part]
) -> tuple[dict[str, Any], StaffAcc]:
    """Some parts of the figures on another connection (own dicts: nothing shared is written)."""
    other = rd.on(conn)
    d: dict[str, Any] = {}
    acc = new_staff_acc()
    for part in parts:
        part(other, p, d, acc)
    return d, acc


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
                usual = int(raw.execute("PRAGMA busy_timeout").fetchone()[0])  # the engine's own wait
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
                    raw.execute(f"PRAGMA busy_timeout={usual}")
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
    db: Database, rd: ReportReader, month: str, until: datetime | None
) -> dict[str, Any]:
    with db.uow(write=False) as uow:
        return compared_figures(rd.on(_report_connection(db, uow.session.connection())), month, until)


REPORT_WORK_MEM = "32MB"


def _report_connection(db: Database, conn: Connection) -> Connection:
    """On PostgreSQL the report's read transaction may sort and group in memory: the default work_mem
    (4 MB) sent the month's visits (45,000 rows at a million lines) to disk files to be sorted. For
    this transaction only (``SET LOCAL``): the desks' own statements keep the server's setting."""
    if db.dialect == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'")
    return conn


def _get(d: dict[str, Any], dotted: str) -> Any:
    cur: Any = d
    for part in dotted.split("."):
        cur = cur.get(part) if isinstance(cur, dict) else None
    return cur


def comparison(cur: dict[str, Any], prev: dict[str, Any]) -> dict[str, Any]:
    # "like_for_like": both spans have the same length (a month in progress against the same days
    # of the month before); false only when the month before is shorter than the span so far
    cur_p, prev_p = cur["period"], prev["period"]
    out: dict[str, Any] = {
        "previous_month": prev["month"],
        "previous_period": prev_p,
        "like_for_like": cur_p["complete"] == prev_p["complete"] and (
            cur_p["complete"] or cur_p["days_covered"] == prev_p["days_covered"]
        ),
        "figures": {},
    }
    for key in COMPARED:
        a, b = _get(cur, key), _get(prev, key)
        delta: str | int | None = None
        pct: str | None = None
        if a is not None and b is not None:
            da, db_ = Decimal(str(a)), Decimal(str(b))
            diff = da - db_
            delta = int(diff) if isinstance(a, int) and isinstance(b, int) else str(diff)
            if db_ != 0 and out["like_for_like"]:  # no % change between spans of different lengths
                pct = str((diff / abs(db_)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))
        out["figures"][key] = {"current": a, "previous": b, "delta": delta, "delta_ratio": pct}
    return out


ProgressFn = Callable[[int, int], None]
