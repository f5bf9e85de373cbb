"""``desk-app demo``: build a realistic demo shop in a new database.

The database is created by the real migrations and the shop by
``ShopService.create_shop(is_demo=True)`` (default catalog). Staff, chairs,
clients and the months of history are simulated in memory by
``desk_app.demo.sim.World`` and written with SQLAlchemy Core bulk inserts in a
few transactions, so 100,000 clients and a year for 20 staff take well under
two minutes. The data obeys docs/money-model.md and the database's own guards
(appointments are written so the overlap triggers/constraints check them).
Same seed and same ``today``: same data.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, Boolean, Connection, Date, Table, func, select, text

from desk_app import catalog_defaults as cd
from desk_app.bootstrap import open_database
from desk_app.clients.search_text import build_search_fields
from desk_app.db import models as m
from desk_app.db.engine import Clock, make_engine, normalise_url, sqlite_path, system_clock
from desk_app.db.types import UTCDateTime
from desk_app.demo import pools as P
from desk_app.demo.outbox import outbox_rows
from desk_app.demo.sim import World
from desk_app.demo.sim_state import SPEC_PATTERN, FastRandom, Person, Pkg, Prod, Svc
from desk_app.i18n import _
from desk_app.shop.service import ShopService
from desk_app.trust.auth import hash_pin

Progress = Callable[[float, str], None]
TZ = "Asia/Shanghai"
BATCH = 5_000
OWNER_PIN = "1111"

# the order rows are written in (foreign keys point backwards only)
TABLE_ORDER = (
    "clients",
    "consent_records",
    "prepaid_accounts",
    "points_accounts",
    "points_rewards",
    "cash_sessions",
    "appointments",
    "appointment_services",
    "visits",
    "visit_events",
    "assessments",
    "plan_items",
    "service_logs",
    "product_usages",
    "formulas",
    "sales",
    "sale_lines",
    "gift_vouchers",
    "voucher_movements",
    "client_packages",
    "payments",
    "points_movements",
    "prepaid_movements",
    "package_redemptions",
    "stock_movements",
    "memberships",
    "follow_ups",
    "contacts",
    "complaints",
    "feedback",
)


class DemoError(RuntimeError):
    """Something the person running the command can fix (message says how)."""


@dataclass(frozen=True)
class DemoSummary:
    db_url: str
    clients: int
    staff: int
    appointments: int
    visits: int
    sales: int
    sale_lines: int
    rows: int
    seconds: float
    pins: dict[int, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def _resolve_now(today: date | datetime | None, tz: ZoneInfo, clock: Clock) -> datetime:
    if today is None:
        return clock().astimezone(UTC).replace(microsecond=0)
    if isinstance(today, datetime):
        if today.tzinfo is None:
            raise ValueError("today must be timezone-aware")
        return today.astimezone(UTC)
    # a plain date: mid-afternoon in the shop, so today has finished and upcoming visits
    return datetime.combine(today, dtime(15, 0), tz).astimezone(UTC)


def _prepare_target(db: str, force: bool) -> None:
    url = normalise_url(db)
    path = sqlite_path(url)
    if path is not None:
        if path.exists():
            if not force:
                raise DemoError(f"{path} already exists. Pass --force to replace it, or choose another --db.")
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        return
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            has = conn.execute(text("SELECT to_regclass('public.shops') IS NOT NULL")).scalar()
            if has:
                if not force:
                    raise DemoError(
                        "That database already has tables. Pass --force to wipe it, or use an empty one."
                    )
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def generate(
    db_path_or_url: str,
    clients: int,
    months: int,
    staff: int,
    seed: int,
    branches: int = 1,
    lang: str = "zh_CN",
    progress: Progress | None = None,
    today: date | datetime | None = None,
    force: bool = False,
    clock: Clock = system_clock,
) -> DemoSummary:
    """Create the demo shop in a NEW database; return what was made.

    The shop's history ends at ``today`` (default: the clock's now); every row is stamped as of then.
    """
    if clients < 1 or months < 1 or staff < 2 or branches < 1:
        raise DemoError("Use at least 1 client, 1 month, 2 staff and 1 branch.")
    t0 = time.perf_counter()
    report = progress or (lambda _f, _s: None)
    tz = ZoneInfo(TZ)
    now = _resolve_now(today, tz, clock)

    def at_now() -> datetime:
        return now

    zh = not lang.startswith("en")
    _prepare_target(db_path_or_url, force)
    report(0.0, _("Creating the database"))
    database = open_database(db_path_or_url, clock=at_now)
    url = database.url
    try:
        ShopService(database).create_shop(
            name="莲花美发美容（演示店）" if zh else "Lotus Hair & Spa (demo)",
            currency="CNY",
            language="zh_CN" if zh else "en",
            owner_name=P.STAFF_ZH[0] if zh else P.STAFF_EN[0],
            owner_pin=OWNER_PIN,
            timezone=TZ,
            region="CN",
            is_demo=True,
            address="上海市静安区南京西路 1266 号" if zh else "1266 West Nanjing Road, Jing'an, Shanghai",
            phone="+86 21 6288 0000",
        )
    finally:
        database.dispose()
    engine = make_engine(url)
    writer = engine.execution_options(desk_clock=at_now)  # timestamp defaults: the demo's now
    rng = FastRandom(seed)
    counts: dict[str, int] = {}
    try:
        with writer.connect() as conn:
            if engine.dialect.name == "sqlite":
                # this connection only, on a file nobody else has open: no WAL copy of every page
                # (the app's connections switch the file back to WAL when they open it)
                _pragmas(
                    conn, "journal_mode=MEMORY", "synchronous=OFF", "cache_size=-262144", "temp_store=MEMORY"
                )
            with conn.begin():
                world, pins = _setup(conn, rng, now, tz, clients, months, staff, branches, zh)
            simulating = _("Simulating the months")
            report(0.03, simulating)
            world.run(lambda i, n: report(0.03 + 0.42 * i / n, simulating))
            with conn.begin():
                fts = _suspend_fts(conn)
                counts["clients"] = _write_clients(
                    conn, world, seed, zh, lambda f: report(0.45 + 0.25 * f, _("Writing clients"))
                )
                total = sum(len(world.rows[t]) for t in TABLE_ORDER if t != "clients")
                done = 0
                for name in TABLE_ORDER:
                    if name == "clients":
                        continue
                    rows = world.rows.get(name, [])
                    table = m.Base.metadata.tables[name]
                    # appointments oldest first: the overlap guard (migration 0020) then only looks at
                    # the few rows that end after the new one starts
                    seq = sorted(rows, key=lambda r: r["start_at"]) if name == "appointments" else rows
                    for chunk in _chunks(seq, BATCH):
                        _insert(conn, table, chunk)
                        done += len(chunk)
                        report(0.70 + 0.28 * done / max(1, total), _stage_label(name))
                    counts[name] = len(rows)
                # the messages the shop sent (derived from the rows above, not the random stream)
                n_out = 0
                for chunk in _chunks(list(outbox_rows(conn, world.rows, now, tz, zh)), BATCH):
                    _insert(conn, m.Base.metadata.tables["outbox"], chunk)
                    n_out += len(chunk)
                counts["outbox"] = n_out
                _demo_rota(conn, now, tz, zh)
                _finish(conn, world, clients)
                _demo_purchasing(conn, now, zh)
                _demo_duplicates(conn, now)
                report(0.98, _("Building the search index"))
                _resume_fts(conn, fts)
            if engine.dialect.name == "sqlite":
                _pragmas(conn, "synchronous=FULL", "optimize", "journal_mode=WAL")
            else:
                _fix_sequences(conn)
                conn.commit()
    finally:
        engine.dispose()
    report(1.0, _("Done"))
    return DemoSummary(
        db_url=url,
        clients=clients,
        staff=staff,
        appointments=counts.get("appointments", 0),
        visits=counts.get("visits", 0),
        sales=counts.get("sales", 0),
        sale_lines=counts.get("sale_lines", 0),
        rows=sum(counts.values()),
        seconds=time.perf_counter() - t0,
        pins=pins,
        counts=counts,
    )


def _stage_label(table: str) -> str:
    """What the progress shows while a table is written (a person reads it)."""
    if table in (
        "sales",
        "sale_lines",
        "client_packages",
        "payments",
        "prepaid_movements",
        "package_redemptions",
        "stock_movements",
        "memberships",
    ):
        return _("Writing sales and payments")
    if table in ("follow_ups", "contacts", "complaints", "feedback"):
        return _("Writing follow-ups and feedback")
    return _("Writing appointments and visits")


def _pragmas(conn: Connection, *pragmas: str) -> None:
    """Run PRAGMAs on this connection only, outside any transaction (the driver is in autocommit)."""
    raw = conn.connection.driver_connection
    assert raw is not None
    for p in pragmas:
        raw.execute(f"PRAGMA {p}")


def _sqlite_dt(v: datetime | None) -> str | None:
    # the text SQLAlchemy's SQLite DateTime writes (UTC, no offset), made without its per-value overhead
    if v is None:
        return None
    if v.tzinfo is not UTC:
        v = v.astimezone(UTC)
    return v.replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_date(v: date | None) -> str | None:
    return None if v is None else v.isoformat()


def _sqlite_bool(v: bool | None) -> int | None:
    return None if v is None else int(v)


def _sqlite_json(v: Any) -> str | None:
    return None if v is None else json.dumps(v)


def _converter(col: Any) -> Callable[[Any], Any] | None:
    t = col.type
    if isinstance(t, UTCDateTime):
        return _sqlite_dt
    if isinstance(t, JSON):
        return _sqlite_json
    if isinstance(t, Boolean):
        return _sqlite_bool
    if isinstance(t, Date):
        return _sqlite_date
    return None


def _insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Bulk insert. SQLite: straight to the driver with values converted exactly as SQLAlchemy
    would store them (SQLAlchemy's per-value processing was most of the run time); others: Core."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), rows)
        return
    cols = list(rows[0])
    convs = [(k, _converter(table.c[k])) for k in cols]
    # columns left out get their model default, as Core would give them
    extra: list[str] = []
    fixed: list[Any] = []
    for col in table.c:
        if col.name in rows[0] or col.default is None:
            continue
        if not getattr(col.default, "is_scalar", False):
            raise ValueError(f"demo rows for {table.name} must set {col.name}")
        extra.append(col.name)
        conv = _converter(col)
        value = getattr(col.default, "arg", None)
        fixed.append(conv(value) if conv else value)
    names = cols + extra
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    tail = tuple(fixed)
    params = [tuple(r[k] if f is None else f(r[k]) for k, f in convs) + tail for r in rows]
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.executemany(sql, params)


def _chunks(rows: list[dict[str, Any]], n: int) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), n):
        yield rows[i : i + n]


def _max_id(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one())


def _setup(
    conn: Connection,
    rng: random.Random,
    now: datetime,
    tz: ZoneInfo,
    n_clients: int,
    months: int,
    n_staff: int,
    n_branches: int,
    zh: bool,
) -> tuple[World, dict[int, str]]:
    """Branches, staff (with simple PINs), chairs/rooms; then the World that simulates the rest."""
    T = m.Base.metadata.tables
    owner_id, main_branch = conn.execute(
        select(m.Staff.id, m.Staff.branch_id).order_by(m.Staff.id)
    ).first() or (0, 0)
    branch_ids = [main_branch]
    for b in range(2, n_branches + 1):
        bid = conn.execute(
            T["branches"]
            .insert()
            .values(
                shop_id=1,
                code=f"B{b}",
                name=f"{b}号店" if zh else f"Branch {b}",
                address="",
                phone="",
                active=True,
                created_at=now - timedelta(days=400),
            )
            .returning(T["branches"].c.id)
        ).scalar_one()
        branch_ids.append(int(bid))
    names = list(P.STAFF_ZH if zh else P.STAFF_EN)
    n_recept = 0 if n_staff < 3 else max(1, round(n_staff / 7))
    n_styl = n_staff - 1 - n_recept
    pins: dict[int, str] = {owner_id: OWNER_PIN}
    staff_rows: list[dict[str, Any]] = []
    next_id = _max_id(conn, T["staff"]) + 1
    stylists: list[Person] = []
    receptionists: list[Person] = []
    for i in range(n_recept):
        b = branch_ids[i % len(branch_ids)]
        pin = str(2222 + i)
        receptionists.append(Person(next_id, b, "receptionist", names[(1 + i) % len(names)]))
        pins[next_id] = pin
        staff_rows.append(
            {
                "id": next_id,
                "role": "receptionist",
                "pin": pin,
                "branch_id": b,
                "name": names[(1 + i) % len(names)],
                "day_off": -1,
            }
        )
        next_id += 1
    for i in range(n_styl):
        b = branch_ids[i % len(branch_ids)]
        pin = str(3333 + i)
        name = names[(1 + n_recept + i) % len(names)]
        if 1 + n_recept + i >= len(names):
            name = f"{name} {1 + (1 + n_recept + i) // len(names)}"
        p = Person(next_id, b, "stylist", name, spec=SPEC_PATTERN[i % len(SPEC_PATTERN)], day_off=i % 7)
        stylists.append(p)
        pins[next_id] = pin
        staff_rows.append(
            {"id": next_id, "role": "stylist", "pin": pin, "branch_id": b, "name": name, "day_off": p.day_off}
        )
        next_id += 1
    if not stylists:  # a two-person shop: the owner also serves
        stylists.append(Person(owner_id, main_branch, "owner", names[0], spec="hair"))
    created = now - timedelta(days=31 * months + 30)
    rows = []
    for r in staff_rows:
        hours = {k: v for k, v in cd.DEFAULT_HOURS.items()}
        if r["day_off"] >= 0:
            hours = dict(hours)
            hours[("mon", "tue", "wed", "thu", "fri", "sat", "sun")[r["day_off"]]] = []
        rows.append(
            {
                "id": r["id"],
                "branch_id": r["branch_id"],
                "name": r["name"],
                "role": r["role"],
                "pin_hash": hash_pin(r["pin"]),
                "active": True,
                "color": P.STAFF_COLOURS[r["id"] % len(P.STAFF_COLOURS)],
                "working_hours": hours,
                "permissions": {},
                "failed_pin_attempts": 0,
                "locked_until": None,
                "language": None,
                "created_at": created,
            }
        )
    if rows:
        conn.execute(T["staff"].insert(), rows)
    # one chair or room per stylist who needs one (the catalog made 4 chairs and 2 rooms in the main branch)
    res = conn.execute(
        select(m.Resource.id, m.Resource.kind, m.Resource.branch_id).order_by(m.Resource.id)
    ).all()
    free: dict[tuple[int, str], list[int]] = {}
    for rid, kind, b in res:
        free.setdefault((b, kind), []).append(int(rid))
    counters = {"chair": 0, "room": 0}
    for p in stylists:
        wanted = {"hair": "chair", "skin": "room"}.get(p.spec)
        if wanted is None:
            continue
        kind = wanted
        pool = free.setdefault((p.branch_id, kind), [])
        if pool:
            p.resource_id = pool.pop(0)
            continue
        counters[kind] += 1
        label = (
            (f"{10 + counters[kind]}号位" if zh else f"Chair {10 + counters[kind]}")
            if kind == "chair"
            else (f"美容房 {chr(66 + counters[kind])}" if zh else f"Room {chr(66 + counters[kind])}")
        )
        rid = conn.execute(
            T["resources"]
            .insert()
            .values(branch_id=p.branch_id, name=label, kind=kind, active=True)
            .returning(T["resources"].c.id)
        ).scalar_one()
        p.resource_id = int(rid)
    conn.execute(
        T["settings"]
        .insert()
        .values(
            key="demo.pins", value={str(k): v for k, v in pins.items()}, updated_at=now, updated_by_id=None
        )
    )
    _demo_punches(conn, staff_rows, now, tz)
    # commission rates from the demo's first month (Settings > Pay; the statements in Reports > Pay)
    conn.execute(
        T["commission_plans"].insert().values(
            effective_from=(now.astimezone(tz) - timedelta(days=31 * months)).date().replace(day=1),
            plan={"prepaid_rule": "redemption", "package_rule": "sale", "rates": [
                {"staff_id": None, "scope": "service", "category_id": None, "tiers": [[0, 1000], [1_500_000, 1500]]},
                {"staff_id": None, "scope": "product", "category_id": None, "tiers": [[0, 500]]},
                {"staff_id": None, "scope": "package", "category_id": None, "tiers": [[0, 500]]},
            ]},
            created_by_id=owner_id or None,
            created_at=now,
        )
    )  # fmt: skip
    # the catalog as the simulation needs it
    cat_kind = dict(conn.execute(select(m.ServiceCategory.id, m.ServiceCategory.consultation_kind)).all())
    services = {
        code: Svc(int(i), code, nz if zh else ne, int(pr), int(du), int(bu), cat_kind[cid])
        for i, code, nz, ne, pr, du, bu, cid in conn.execute(
            select(
                m.Service.id,
                m.Service.code,
                m.Service.name_zh,
                m.Service.name_en,
                m.Service.price_minor,
                m.Service.duration_min,
                m.Service.buffer_min,
                m.Service.category_id,
            ).order_by(m.Service.id)
        )
    }
    products = [
        Prod(int(i), sku, nz if zh else ne, int(pr), int(stock), int(reo), bool(ret))
        for i, sku, nz, ne, pr, stock, reo, ret in conn.execute(
            select(
                m.Product.id,
                m.Product.sku,
                m.Product.name_zh,
                m.Product.name_en,
                m.Product.price_minor,
                m.Product.stock_qty,
                m.Product.reorder_level,
                m.Product.is_retail,
            ).order_by(m.Product.id)
        )
    ]
    packages = [
        Pkg(int(i), int(sid), int(n), int(pr), int(days), nz if zh else ne)
        for i, sid, n, pr, days, nz, ne in conn.execute(
            select(
                m.Package.id,
                m.Package.service_id,
                m.Package.sessions,
                m.Package.price_minor,
                m.Package.valid_days,
                m.Package.name_zh,
                m.Package.name_en,
            ).order_by(m.Package.id)
        )
    ]
    id_start = {name: _max_id(conn, T[name]) + 1 for name in TABLE_ORDER}
    world = World(
        rng=rng,
        now=now,
        tz=tz,
        n_clients=n_clients,
        months=months,
        lang="zh_CN" if zh else "en",
        currency="CNY",
        branches=branch_ids,
        owner_id=owner_id,
        stylists=stylists,
        receptionists=receptionists,
        services=services,
        products=products,
        packages=packages,
        id_start=id_start,
    )
    return world, pins


def demo_message_consent(client_id: int, privacy: bool, has_email: bool, zh_shop: bool) -> tuple[bool, bool]:
    """Whether a demo client agreed to texts and to email: derived from the id alone."""
    if not privacy:
        return False, False
    sms = client_id % 10 < (8 if zh_shop else 4)
    email = has_email and (client_id * 7) % 10 < (4 if zh_shop else 8)
    return sms, email


def _demo_punches(conn: Connection, staff_rows: list[dict[str, Any]], now: datetime, tz: ZoneInfo) -> None:
    """Two months of the time clock for the staff (not the owner): in a few minutes around opening,
    a half-hour break after one, out around closing, on their working days. One forgotten
    clock-out a fortnight ago (Reports > Pay names it until corrected); today everyone but the
    last person is on the clock when the shop is open, so signing in as them asks to clock in.
    Its own random stream (by person and day): the simulation's stays as it was."""
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    today = now.astimezone(tz).date()
    rows: list[dict[str, Any]] = []
    for n, r in enumerate(staff_rows):
        off = days[r["day_off"]] if r.get("day_off", -1) >= 0 else None
        last = n == len(staff_rows) - 1
        for back in range(62, -1, -1):
            day = today - timedelta(days=back)
            if days[day.weekday()] == off or (back == 0 and last):
                continue
            rng = random.Random(r["id"] * 100_003 + day.toordinal())

            def moment(hh: int, mm: int, jitter: int, day: date = day, rng: random.Random = rng) -> datetime:
                local = datetime.combine(day, datetime.min.time(), tzinfo=tz) + timedelta(hours=hh, minutes=mm)
                return (local + timedelta(minutes=rng.randint(-jitter, jitter))).astimezone(UTC)

            shift = [("in", moment(9, 52, 8)), ("break", moment(13, 0, 10)), ("back", moment(13, 35, 5)),
                     ("out", moment(21, 8, 10))]  # fmt: skip
            if n == 0 and back == 14:
                shift = shift[:3]  # forgot to clock out
            for kind, at in shift:
                if at <= now:
                    rows.append({"staff_id": r["id"], "branch_id": r["branch_id"], "kind": kind, "at": at,
                                 "source": "pin" if kind in ("in", "out") else "clock", "replaces_id": None,
                                 "reason": "", "created_by_id": r["id"], "created_at": at})  # fmt: skip
    if rows:
        conn.execute(m.Base.metadata.tables["time_punches"].insert(), rows)


def _demo_rota(conn: Connection, now: datetime, tz: ZoneInfo, zh: bool) -> None:
    """The rota ahead (Calendar > Rota): the first stylist takes a day of leave (their first day
    with no booking from next week on), the second works a long day next week, the third works
    their usual day off next week in a swap. No booking falls outside the hours."""
    from desk_app.domain import rota as rt
    from desk_app.domain import slots as sl

    T = m.Base.metadata.tables
    st, ap = T["staff"], T["appointments"]
    today = now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    stylists = conn.execute(
        select(st.c.id, st.c.name, st.c.working_hours).where(st.c.role == "stylist", st.c.active.is_(True))
        .order_by(st.c.id).limit(3)
    ).all()

    def booked(sid: int, day: date) -> bool:
        b = sl.day_bounds(day, tz)
        return bool(conn.execute(select(func.count()).select_from(ap).where(
            ap.c.staff_id == sid, ap.c.start_at < b.end, ap.c.block_end_at > b.start,
            ap.c.status.in_(("booked", "confirmed")))).scalar())  # fmt: skip

    rows: list[dict[str, Any]] = []
    for i, (sid, _name, hours) in enumerate(stylists):
        # leave: the first working day from next week on with no booking (the demo books ~3 weeks ahead)
        for k in range(35 if i == 0 else 7):
            day = monday + timedelta(days=k if i == 0 else (1 + 2 * i + k) % 7)
            std = rt.standard_plan(hours or {}, day)
            if i == 0 and not std.off and not booked(sid, day):
                plan, note = rt.OFF, "年假" if zh else "Annual leave"
            elif i == 1 and not std.off:  # longer on both ends, the break where it was: every booking stays inside
                plan = rt.DayPlan(min(std.start or "09:00", "09:00"), max(std.end or "22:00", "22:00"),
                                  std.break_start, std.break_end)  # fmt: skip
                note = "婚礼跟妆，提前上班" if zh else "Wedding party: in early, out late"
            elif i == 2 and std.off:
                plan = rt.DayPlan("10:00", "21:00", "13:00", "13:30")
                note = (f"与{stylists[0][1]}换班" if zh else f"Swapped with {stylists[0][1]}")
            else:
                continue
            rows.append({"staff_id": sid, "day": day, "from_time": plan.start, "to_time": plan.end,
                         "break_from": plan.break_start, "break_to": plan.break_end, "note": note,
                         "updated_by_id": None, "updated_at": now})  # fmt: skip
            break
    if rows:
        conn.execute(T["rota_days"].insert(), rows)


def _demo_purchasing(conn: Connection, now: datetime, zh: bool) -> None:
    """Stock (docs/stock.md): two suppliers, each product's usual one (hair care from the first, the
    rest from the second); an order sent two days ago for what the first one's products lack,
    waiting to be received at the desk; two products on the list to order; last week's count."""
    from desk_app.domain import stock as st

    T = m.Base.metadata.tables
    sup, prod, mv = T["suppliers"], T["products"], T["stock_movements"]
    # the catalogue's opening stock was there before the months drawn (seed_catalog dates it now)
    first_move = conn.execute(select(func.min(mv.c.at)).where(mv.c.reason != "opening")).scalar()
    if first_move is not None:
        conn.execute(mv.update().where(mv.c.reason == "opening").values(at=first_move))
    owner = conn.execute(select(T["staff"].c.id).where(T["staff"].c.role == "owner").order_by(T["staff"].c.id)
                         .limit(1)).scalar()
    names = (("莲花美业供应", "王经理", "021-6288 1001"), ("北方专业美容", "陈小姐", "010-8456 2200")) if zh else (
        ("Lotus Beauty Supply", "Mr Wang", "021-6288 1001"), ("North Pro Beauty", "Ms Chen", "010-8456 2200"))
    ids = []
    for name, contact, phone in names:
        ids.append(conn.execute(sup.insert().values(name=name, contact=contact, phone=phone, email="", note="",
                                                    active=True).returning(sup.c.id)).scalar_one())
    products = conn.execute(select(prod.c.id, prod.c.sku, prod.c.stock_qty, prod.c.reorder_level, prod.c.pack_qty,
                                   prod.c.cost_minor).order_by(prod.c.id)).all()
    hair = ("SH-", "CO-", "OIL", "CURL", "BB-DEV", "BB-COLOR")
    first = [p for p in products if p.sku.startswith(hair)]
    for p in products:
        conn.execute(prod.update().where(prod.c.id == p.id).values(supplier_id=ids[0] if p in first else ids[1]))
    lines = [(p, st.suggest_quantity(p.stock_qty, 0, p.reorder_level, p.pack_qty)) for p in first]
    lines = [(p, q) for p, q in lines if q] or [(p, max(p.pack_qty, 6)) for p in first[:2]]
    sent = now - timedelta(days=2)
    order_id = conn.execute(T["purchase_orders"].insert().values(
        number="PO000001", supplier_id=ids[0], status=st.SENT, note="", created_at=sent - timedelta(hours=1),
        created_by=owner, sent_at=sent, cancelled_at=None, version=2).returning(T["purchase_orders"].c.id)).scalar_one()
    conn.execute(T["purchase_order_lines"].insert(), [
        {"order_id": order_id, "product_id": p.id, "qty_ordered": q, "qty_received": 0, "unit_cost_minor": p.cost_minor}
        for p, q in lines])
    conn.execute(T["counters"].insert().values(name="purchase_order", value=1))
    # the owner raised two of the second supplier's reorder levels this week: they are on "To order"
    for p in [p for p in products if p not in first][:2]:
        conn.execute(prod.update().where(prod.c.id == p.id).values(reorder_level=p.stock_qty + 2))
    # last week's count of the retail shelf: three products counted, two short
    at = now - timedelta(days=5)
    count_id = conn.execute(T["stock_counts"].insert().values(
        scope="retail", status="closed", started_at=at - timedelta(minutes=40), started_by=owner, closed_at=at,
        closed_by=owner).returning(T["stock_counts"].c.id)).scalar_one()
    for p, short in zip([p for p in products if p.stock_qty > 3][:3], (-1, 0, -2), strict=False):
        conn.execute(T["stock_count_lines"].insert().values(
            count_id=count_id, product_id=p.id, counted_qty=p.stock_qty + short, expected_qty=p.stock_qty,
            counted_at=at - timedelta(minutes=30), counted_by=owner))
        if short:
            conn.execute(T["stock_movements"].insert().values(  # an id of its own: PostgreSQL's sequence is set after
                id=(conn.execute(select(func.max(T["stock_movements"].c.id))).scalar() or 0) + 1, product_id=p.id, qty_delta=short, reason="count", count_id=count_id, staff_id=owner, note="", at=at))
            conn.execute(prod.update().where(prod.c.id == p.id).values(stock_qty=prod.c.stock_qty + short))


def _client_rows(
    world: World, seed: int, zh_shop: bool
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Yield each client row with its consent records (details from their own random stream)."""
    rng = FastRandom(seed * 7919 + 17)
    rnd = rng.random

    def pick(seq: Sequence[Any]) -> Any:
        return seq[int(rnd() * len(seq))]

    def randint(a: int, b: int) -> int:
        return a + int(rnd() * (b - a + 1))

    phones: set[int] = set()
    surnames = P.SURNAMES
    n_sur = len(surnames)
    clients = world.clients
    base = clients.base
    consent_id = 1
    registrars = [r.id for r in world.sim.receptionists] or [world.sim.owner_id]
    branches = world.sim.branches
    lang_i = 0 if zh_shop else 1

    def txt(pair: tuple[str, str]) -> str:
        return pair[lang_i]

    for i in range(clients.n):
        english = bool(clients.english[i])
        female = rnd() < 0.78
        if english:
            first = pick(P.EN_FIRST_F if female else P.EN_FIRST_M)
            name = f"{first} {pick(P.EN_LAST)}"
        else:
            sur = surnames[min(n_sur - 1, int(n_sur * rnd() ** 2.2))]
            pool = P.GIVEN_F if female else P.GIVEN_M
            given = pick(pool) + (pick(pool) if rnd() < 0.7 else "")
            name = sur + given
        while True:
            prefix = pick(P.MOBILE_PREFIXES)
            num = int(prefix) * 100_000_000 + int(rnd() * 100_000_000)
            if num not in phones:
                phones.add(num)
                break
        phone = f"+86{num}"
        number = f"C{i + 1:06d}"
        name_pinyin, initials, digits, search = build_search_fields(name, phone, number)
        created = clients.created[i]
        assert created is not None
        s = clients.state.get(i)
        email = ""
        if english and rnd() < 0.6:
            email = f"{name.split()[0].lower()}.{name.split()[-1].lower()}{randint(1, 99)}@{pick(P.EMAIL_DOMAINS)}"
        elif not english and rnd() < 0.25:
            email = f"{name_pinyin or 'kehu'}{randint(1, 9999)}@{pick(P.EMAIL_DOMAINS[:3])}"
        r = rnd() * (100 if email else 95)
        channel = "wechat" if r < 50 else "phone" if r < 85 else "sms" if r < 95 else "email"
        bday: date | None = None
        if rnd() < 0.85:
            bday = date(world.sim.today.year - randint(18, 65), randint(1, 12), randint(1, 28))
        allergy = clients.allergy.get(i)
        prefs: list[str] = []
        if rnd() < 0.4:
            prefs = [
                p[0] if zh_shop and not english else p[1] for p in rng.sample(P.PREFERENCES, randint(1, 2))
            ]
        marketing = rnd() < 0.55
        privacy = rnd() < 0.97
        # consent to messages, from the id (not the random stream, so nothing else shifts): most
        # clients agree to texts in a Chinese shop, email is more usual in an English one
        sms_ok, email_ok = demo_message_consent(base + i, privacy, bool(email), zh_shop)
        row = {
            "id": base + i,
            "client_number": number,
            "branch_id": branches[0] if len(branches) == 1 else branches[int(rnd() ** 1.5 * len(branches))],
            "name": name,
            "name_pinyin": name_pinyin,
            "name_initials": initials,
            "search_text": search,
            "phone": phone,
            "phone_digits": digits,
            "email": email,
            "preferred_channel": channel,
            "wechat_id": (
                f"wxid_{rng.getrandbits(40):010x}" if rnd() < 0.5 else f"{name_pinyin}{randint(10, 999)}"
            )
            if not english and rnd() < 0.7
            else "",
            "birthday": bday,
            "birthday_md": f"{bday.month:02d}-{bday.day:02d}" if bday else None,
            "gender": "" if rnd() < 0.02 else ("female" if female else "male"),
            "skin_type": P.SKIN_TYPES[clients.skin[i]],
            "hair_type": txt(P.HAIR_WORDS[clients.hair[i]]),  # words, as a consultation leaves them
            "allergies": txt(P.ALLERGIES[allergy]) if allergy is not None else "",
            "contraindications": txt(pick(P.CONTRAINDICATIONS)) if rnd() < 0.02 else "",
            "preferences": prefs,
            "favourite_staff_id": s.fav if s else None,
            "language": "en" if english else "zh_CN",
            "marketing_consent": marketing,
            "marketing_consent_at": created if marketing else None,
            "privacy_consent": privacy,
            "privacy_consent_at": created if privacy else None,
            "sms_consent": sms_ok,
            "sms_consent_at": created if sms_ok else None,
            "email_consent": email_ok,
            "email_consent_at": created if email_ok else None,
            "notes": txt(pick(P.CLIENT_NOTES)) if rnd() < 0.05 else "",
            "first_visit_at": s.first if s else None,
            "last_visit_at": s.last if s else None,
            "registered_by_id": registrars[i % len(registrars)],
            "membership_tier": "vip" if s and s.vip else "",
            "member_since": s.member_since if s else None,
            "full_price_spend_minor": s.full_spend if s else 0,
            "total_spend_minor": s.total_spend if s else 0,
            "visit_count": s.visits if s else 0,
            "no_show_count": s.no_shows if s else 0,
            "late_cancel_count": s.late_cancels if s else 0,
            "source": "demo",
            "external_id": "",
            "erased_at": None,
            "created_at": created,
            "updated_at": max(created, s.last) if s and s.last else created,
            "version": 1,
        }
        consents = []
        for kind, granted in (("privacy", privacy), ("marketing", marketing), ("sms", sms_ok), ("email", email_ok)):
            if granted:
                consents.append(
                    {
                        "id": consent_id,
                        "client_id": base + i,
                        "kind": kind,
                        "granted": True,
                        "at": created,
                        "staff_id": row["registered_by_id"],
                        "note": "",
                    }
                )
                consent_id += 1
        yield row, consents


def _write_clients(
    conn: Connection, world: World, seed: int, zh: bool, progress: Callable[[float], None]
) -> int:
    T = m.Base.metadata.tables
    batch: list[dict[str, Any]] = []
    consents: list[dict[str, Any]] = []
    n = 0
    for row, cons in _client_rows(world, seed, zh):
        batch.append(row)
        consents.extend(cons)
        if len(batch) >= BATCH:
            _insert(conn, T["clients"], batch)
            _insert(conn, T["consent_records"], consents)
            n += len(batch)
            batch, consents = [], []
            progress(n / world.clients.n)
    if batch:
        _insert(conn, T["clients"], batch)
        n += len(batch)
    if consents:
        _insert(conn, T["consent_records"], consents)
    progress(1.0)
    world.rows.pop("consent_records", None)
    return n


def _suspend_fts(conn: Connection) -> list[str]:
    """SQLite: drop the client search index's triggers for the bulk load (rebuilt once at the end,
    many times faster than row by row); returns their SQL, read from the schema the migration made."""
    if conn.dialect.name != "sqlite":
        return []
    rows = conn.execute(
        text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'clients' AND name LIKE 'client_fts%'"
        )
    ).all()
    for name, _sql in rows:
        conn.execute(text(f"DROP TRIGGER {name}"))
    return [str(sql) for _name, sql in rows]


def _resume_fts(conn: Connection, triggers: list[str]) -> None:
    if not triggers:
        return
    conn.execute(text("INSERT INTO client_fts(client_fts) VALUES ('rebuild')"))
    for sql in triggers:
        conn.execute(text(sql))


def _demo_duplicates(conn: Connection, now: datetime) -> None:
    """Clients made twice (docs/clients.md, "Duplicates"), as a busy desk does: the three newest
    profiles become second profiles of three regulars, one with her phone, one with her name and
    birthday, one with her e-mail (each keeps its own visits), so Clients › Possible duplicates has
    pairs to merge. The number of clients stays as asked."""
    c = m.Base.metadata.tables["clients"]
    regulars = conn.execute(
        select(c.c.id, c.c.name, c.c.phone, c.c.email, c.c.birthday)
        .where(c.c.visit_count > 2, c.c.birthday.is_not(None), c.c.email != "")
        .order_by(c.c.visit_count.desc(), c.c.id).limit(3)
    ).all()
    newest = conn.execute(select(c.c.id, c.c.client_number, c.c.phone).order_by(c.c.id.desc()).limit(3)).all()
    if len(regulars) < 3 or len(newest) < 3 or {r.id for r in regulars} & {n.id for n in newest}:
        return
    for k, (r, n) in enumerate(zip(regulars, newest, strict=True)):
        phone = r.phone if k == 0 else n.phone
        name = r.name.upper() if k == 2 and r.name.isascii() else r.name
        name_pinyin, initials, digits, search = build_search_fields(name, phone, n.client_number)
        conn.execute(c.update().where(c.c.id == n.id).values(
            name=name, name_pinyin=name_pinyin, name_initials=initials, search_text=search, phone=phone,
            phone_digits=digits, email=r.email if k == 2 else "",
            birthday=r.birthday if k == 1 else None,
            birthday_md=f"{r.birthday.month:02d}-{r.birthday.day:02d}" if k == 1 else None,
        ))  # fmt: skip


def _finish(conn: Connection, world: World, n_clients: int) -> None:
    """Counters in step with the rows written; product stock = catalog stock + movements."""
    T = m.Base.metadata.tables
    for name, value in (("client_number", n_clients), ("receipt", world.till.receipts)):
        conn.execute(T["counters"].delete().where(T["counters"].c.name == name))
        conn.execute(T["counters"].insert().values(name=name, value=value))
    for pid, qty in world.till.stock.items():
        conn.execute(T["products"].update().where(T["products"].c.id == pid).values(stock_qty=qty))


def _fix_sequences(conn: Connection) -> None:
    for name in (*TABLE_ORDER, "outbox", "staff", "resources", "branches"):
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
            )
        )


# ---------------------------------------------------------------------------- command line


class TextBar:
    """A one-line progress bar on stderr."""

    def __init__(self, stream: Any = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.t0 = time.perf_counter()
        self._last = -1.0

    def __call__(self, fraction: float, label: str) -> None:
        if fraction - self._last < 0.005 and fraction < 1.0:
            return
        self._last = fraction
        filled = int(self.width * fraction)
        bar = "#" * filled + "-" * (self.width - filled)
        secs = time.perf_counter() - self.t0
        self.stream.write(f"\r[{bar}] {fraction * 100:5.1f}% {secs:6.1f}s {label:<34}")
        if fraction >= 1.0:
            self.stream.write("\n")
        self.stream.flush()


def cli_demo(args: argparse.Namespace) -> int:
    bar: Progress | None = None if args.quiet else TextBar()
    try:
        summary = generate(
            args.db,
            clients=args.clients,
            months=args.months,
            staff=args.staff,
            seed=args.seed,
            branches=args.branches,
            lang=args.lang,
            progress=bar,
            force=args.force,
        )
    except DemoError as exc:
        print(f"desk-app demo: {exc}", file=sys.stderr)
        return 2
    print(
        f"demo shop ready in {summary.seconds:.1f}s: {summary.clients} clients, {summary.staff} staff, "
        f"{summary.appointments} appointments, {summary.visits} visits, {summary.sales} sales "
        f"({summary.sale_lines} lines), {summary.rows} rows"
    )
    from sqlalchemy import select

    from desk_app.db.engine import Database
    from desk_app.db.models import Staff
    from desk_app.trust.integrity import check_invariants

    db = Database.open(summary.db_url)
    try:
        with db.uow(write=False) as uow:
            who = {s.id: (s.name, s.role) for s in uow.session.scalars(select(Staff))}
        problems = check_invariants(db)
    finally:
        db.dispose()
    print("Sign in with (demo PINs; a headless command takes --staff N and the PIN in DESK_APP_PIN):")
    for staff_id, pin in summary.pins.items():
        name, role = who.get(staff_id, (f"staff {staff_id}", ""))
        print(f"  {name} ({role}): {pin}   --staff {staff_id}")
    for line in problems[:20]:
        print(line, file=sys.stderr)
    if problems:
        print(f"{len(problems)} invariant problem(s)", file=sys.stderr)
        return 1
    return 0
