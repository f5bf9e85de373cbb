"""Server mode under load (issue 20): PostgreSQL on loopback and 10 (then 20) desks at once.

Each desk is its own OS process (multiprocessing, spawn) running the app's real services
(``desk_app.container.Services`` on ``desk_app.bootstrap.open_database(url)``), signed in as a
staff member of its own at its branch's desk. For a fixed time every desk repeats a busy
receptionist's round, with a short pause (50-250 ms, far busier than a person) between actions:

* ``search``: one to three client searches (a name's first characters, or phone digits);
* ``book``: the free slots of a stylist on a day in the next two weeks, then ``book`` one of the
  first few (two desks may pick the same one: the loser's ``SlotTaken`` is a refusal, not an error);
* ``visit_step``: a walk-in's guided visit, each step its own commit -- walk-in, greet, needs
  (consultation), plan, confirm, assign, start, log the service, end;
* ``pay``: the visit's bill paid (card, WeChat or Alipay);
* ``report``: the owner's desk (desk 0) also runs the monthly report every few rounds.

The figures are the p95 of each action over all desks (target <= 50 ms each), ``errors`` (an
exception or deadlock that reached the desk; the first few are printed), ``refused`` (slot taken
by another desk), ``lost_or_doubled`` (every sale, payment and appointment a desk says it committed
is in the database exactly once, nothing else was written under its name, no stylist is double
booked, and ``desk-app check`` passes) and ``actions_per_s`` over all desks. ``load.*`` is 10 desks
(asserted by the targets), ``load20.*`` 20 desks (reported).

    .venv/bin/python -m bench.bench_server_load [--quick]
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing as mp
import os
import queue
import random
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DESK_APP_HOME", tempfile.mkdtemp(prefix="desk-bench-"))

from bench.common import figure, percentile  # noqa: E402

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai: the shop is open
DESK_PIN = "8642"
ACTIONS = ("search", "book", "visit_step", "pay", "report")
TARGET_MS = 50.0
SHOW_ERRORS = 5


class _Clock:
    """Shop time: NOW plus the wall-clock time since ``epoch`` (the same in every desk process)."""

    def __init__(self, epoch: float) -> None:
        self.epoch = epoch

    def __call__(self) -> datetime:
        return NOW + timedelta(seconds=time.time() - self.epoch)


def _setup(url: str, quick: bool, desks: int, epoch: float) -> dict[str, Any]:
    """The demo shop (two branches) plus ``desks`` receptionists of our own, one per desk."""
    from sqlalchemy import select

    from desk_app.bootstrap import open_database
    from desk_app.container import Services
    from desk_app.db.models import Branch, Client, Service, Staff
    from desk_app.demo.shop import generate
    from desk_app.settings import S

    clients, months, staff = (1_500, 1, 12) if quick else (4_000, 1, 16)
    generate(url, clients=clients, months=months, staff=staff, seed=20, branches=2, lang="zh_CN", today=NOW)
    sv = Services(open_database(url), clock=_Clock(epoch))
    pins = {int(k): str(v) for k, v in (sv.settings.get(S.DEMO_PINS) or {}).items()}
    with sv.db.uow(write=False) as uow:
        s = uow.session
        owner_id = s.execute(select(Staff.id).where(Staff.role == "owner").order_by(Staff.id).limit(1)).scalar_one()
        branches = [(int(i), str(c)) for i, c in s.execute(select(Branch.id, Branch.code).order_by(Branch.id))]
        stylists = {
            b: [int(x) for x in s.scalars(select(Staff.id).where(Staff.role == "stylist", Staff.branch_id == b))]
            for b, _c in branches
        }
        names = [str(n) for n in s.scalars(select(Client.name).order_by(Client.id).limit(400))]
        phones = [str(p)[-4:] for p in s.scalars(select(Client.phone).where(Client.phone != "").limit(200))]
        client_ids = [int(i) for i in s.scalars(select(Client.id).order_by(Client.id).limit(2_000))]
        cut = int(s.execute(select(Service.id).where(Service.code == "CUT-W")).scalar_one())
    owner = sv.auth.sign_in(owner_id, pins.get(owner_id, "1111"))
    desk_staff: list[dict[str, Any]] = [
        {"staff_id": owner_id, "pin": pins.get(owner_id, "1111"), "branch": branches[0], "owner": True}
    ]
    for d in range(1, desks):
        bid, code = branches[d % len(branches)]
        v = sv.auth.save_staff(
            owner, staff_id=None, name=f"Desk {d}", role="receptionist", pin=DESK_PIN, branch_ids=[bid]
        )
        desk_staff.append({"staff_id": v.id, "pin": DESK_PIN, "branch": (bid, code), "owner": False})
    sv.db.dispose()
    return {
        "desks": desk_staff,
        "stylists": stylists,
        "names": names,
        "phones": phones,
        "client_ids": client_ids,
        "cut": cut,
    }


def _desk(
    url: str, n: int, shop: dict[str, Any], epoch: float, seconds: float, barrier: Any, results: Any
) -> None:
    """One desk process: sign in, wait for the others, then run rounds until the time is up."""
    out: dict[str, Any] = {
        "desk": n,
        "ms": {a: [] for a in ACTIONS},
        "cpu_ms": {a: 0.0 for a in ACTIONS},  # the desk process's own CPU time in each action
        "errors": [],
        "refused": 0,
        "sales": {},  # sale id -> number of payments
        "appointments": [],
        "visits": [],
    }
    try:
        from desk_app.bootstrap import open_database
        from desk_app.calendar.service import BookingRequest, SlotTaken
        from desk_app.calendar.views import ClientAlreadyBooked
        from desk_app.checkout.service import PaymentIn
        from desk_app.container import Services
        from desk_app.visits.service import PlanItemIn

        rng = random.Random(1000 + n)
        me = shop["desks"][n]
        bid, code = me["branch"]
        sv = Services(open_database(url), clock=_Clock(epoch))
        actor = sv.auth.sign_in(me["staff_id"], me["pin"], desk_branch_code=code)
        stylists = shop["stylists"][bid] or [s for ids in shop["stylists"].values() for s in ids]
        cut = shop["cut"]
        names, phones = shop["names"], shop["phones"]
        # a client is at one desk at a time: each desk serves and books its own (two desks changing
        # the same client at once is refused with ConflictError, which would be the workload's fault)
        client_ids = shop["client_ids"][n :: len(shop["desks"])]
        sv.client_search.search(actor, names[0][:1])  # warm the caches outside the measurement
        sv.calendar.booking_services()
        month = _Clock(epoch)().strftime("%Y-%m")
    except Exception:  # noqa: BLE001 - the parent reports it
        out["errors"].append(f"desk {n} could not start:\n{traceback.format_exc()}")
        results.put(out)
        return

    def timed(action: str, fn: Any, /, *args: Any, **kw: Any) -> Any:
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kw)
        finally:
            out["ms"][action].append((time.perf_counter() - t0) * 1000.0)
            out["cpu_ms"][action] += (time.process_time() - c0) * 1000.0

    def pause() -> None:
        time.sleep(rng.uniform(0.05, 0.25))

    def book() -> None:
        sid = rng.choice(stylists)
        day = (NOW + timedelta(days=rng.randint(1, 14))).date()
        start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
        free = sv.calendar.free_slots(sid, start, start + timedelta(days=1), 60, limit=6)
        if not free:
            return
        slot = rng.choice(free[:3])
        try:
            v = timed(
                "book",
                sv.calendar.book,
                actor,
                BookingRequest(client_id=rng.choice(client_ids), staff_id=sid, start_at=slot.start_at,
                               service_ids=[cut]),
            )
        except (SlotTaken, ClientAlreadyBooked):  # refusals: the time, or that client's own other booking
            out["refused"] += 1
            return
        out["appointments"].append(v.id)

    def visit() -> None:
        sid = rng.choice(stylists)  # the desk logs the stylist's service for them
        cid = rng.choice(client_ids)
        vid = timed("visit_step", sv.visits.start_walk_in, actor)
        out["visits"].append(vid)
        pause()
        timed("visit_step", sv.visits.greet, actor, vid, cid)
        pause()
        timed("visit_step", sv.consultation.save_assessment, actor, vid, kind="generic",
              answers={"request": "trim"}, goals="trim")
        timed("visit_step", sv.consultation.set_plan, actor, vid, [PlanItemIn("service", service_id=cut)])
        pause()
        timed("visit_step", sv.consultation.confirm_plan, actor, vid)
        timed("visit_step", sv.service_log.assign, actor, vid, sid, None)
        pause()
        timed("visit_step", sv.service_log.start_service, actor, vid)
        timed("visit_step", sv.service_log.log_service, actor, vid, cut, None, "ok", "")
        timed("visit_step", sv.service_log.end_service, actor, vid)
        pause()
        bill = sv.checkout.build_bill(actor, visit_id=vid)
        method = rng.choice(("card", "wechat", "alipay"))
        paid = timed("pay", sv.payments.pay, actor, bill, [PaymentIn(method, bill.total_minor)])
        out["sales"][paid.sale_id] = 1

    barrier.wait(timeout=300)
    deadline = time.monotonic() + seconds
    rounds = 0
    while time.monotonic() < deadline:
        rounds += 1
        try:
            for _ in range(rng.randint(1, 3)):
                q = rng.choice(names)[: rng.randint(1, 2)] if rng.random() < 0.7 else rng.choice(phones)
                timed("search", sv.client_search.search, actor, q)
                pause()
            if rng.random() < 0.5:
                book()
                pause()
            visit()
            pause()
            if me["owner"] and rounds % 3 == 1:
                timed("report", sv.reports.monthly, actor, month)
                pause()
        except Exception:  # noqa: BLE001 - counted and shown by the parent
            out["errors"].append(f"desk {n}:\n{traceback.format_exc()}")
            pause()
    out["elapsed"] = seconds
    sv.db.dispose()
    results.put(out)


def _verify(url: str, shop: dict[str, Any], desks: int, got: list[dict[str, Any]], since: datetime) -> list[str]:
    """What the desks say they committed against what the database holds; [] = all there, once."""
    from sqlalchemy import and_, func, select
    from sqlalchemy.orm import aliased

    from desk_app.bootstrap import open_database
    from desk_app.cli import run as cli_run
    from desk_app.db.models import Appointment, Payment, Sale, Visit

    problems: list[str] = []
    db = open_database(url, run_migrations=False)
    try:
        with db.uow(write=False) as uow:
            s = uow.session
            for r in got:
                staff_id = shop["desks"][r["desk"]]["staff_id"]
                said_sales = Counter({int(k): v for k, v in r["sales"].items()})
                rows = s.execute(
                    select(Sale.id, func.count(Payment.id))
                    .join(Payment, Payment.sale_id == Sale.id, isouter=True)
                    .where(Sale.cashier_id == staff_id, Sale.sold_at >= since)
                    .group_by(Sale.id)
                ).all()
                in_db = Counter({int(i): int(c) for i, c in rows})
                if in_db != said_sales:
                    lost = set(said_sales) - set(in_db)
                    extra = set(in_db) - set(said_sales)
                    wrong = {k for k in set(in_db) & set(said_sales) if in_db[k] != said_sales[k]}
                    problems.append(f"desk {r['desk']} sales: lost {sorted(lost)[:5]}, not reported "
                                    f"{sorted(extra)[:5]}, payments wrong {sorted(wrong)[:5]}")
                said_appts = sorted(r["appointments"])
                appts = sorted(
                    int(i) for i in s.scalars(
                        select(Appointment.id).where(Appointment.created_by_id == staff_id,
                                                     Appointment.created_at >= since)
                    )
                )
                if appts != said_appts:
                    problems.append(f"desk {r['desk']} appointments: reported {len(said_appts)}, in the database "
                                    f"{len(appts)}")
                paid_twice = s.execute(
                    select(Sale.visit_id).where(Sale.visit_id.in_(r["visits"] or [-1]), Sale.kind == "sale")
                    .group_by(Sale.visit_id).having(func.count() > 1)
                ).all()
                if paid_twice:
                    problems.append(f"desk {r['desk']}: visits paid twice {paid_twice[:5]}")
                n_visits = s.scalar(select(func.count()).select_from(Visit).where(Visit.id.in_(r["visits"] or [-1])))
                if n_visits != len(set(r["visits"])):
                    problems.append(f"desk {r['desk']}: {len(r['visits'])} visits started, {n_visits} in the database")
            a, b = aliased(Appointment), aliased(Appointment)
            live = ("cancelled", "no_show")
            doubles = s.scalar(
                select(func.count()).select_from(a).join(
                    b,
                    and_(a.staff_id == b.staff_id, a.id < b.id, a.start_at < b.block_end_at,
                         b.start_at < a.block_end_at),
                ).where(a.status.not_in(live), b.status.not_in(live), a.created_at >= since)
            )
            if doubles:
                problems.append(f"{doubles} double booking(s)")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            rc = cli_run(["check", "--db", url])
        if rc != 0:
            problems.append("desk-app check: " + buf.getvalue().strip()[-500:])
    finally:
        db.dispose()
    return problems


class _Floor(threading.Thread):
    """While the desks run: the cheapest write transaction (one INSERT, COMMIT) on the same server,
    every 100 ms, from the parent process -- what the machine and server give anyone right now."""

    def __init__(self, dsn: str) -> None:
        super().__init__(daemon=True)
        self.dsn, self.stop = dsn, threading.Event()
        self.ms: list[float] = []

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as c:
            c.execute("CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, v int)")
            while not self.stop.wait(0.1):
                t0 = time.perf_counter()
                with c.transaction():
                    c.execute("INSERT INTO bench_floor (v) VALUES (1)")
                self.ms.append((time.perf_counter() - t0) * 1000.0)


def _phase(
    url: str, dsn: str, shop: dict[str, Any], desks: int, seconds: float, epoch: float, prefix: str
) -> list[dict[str, Any]]:
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(desks + 1)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_desk, args=(url, n, shop, epoch, seconds, barrier, results), daemon=True)
        for n in range(desks)
    ]
    for p in procs:
        p.start()
    t_spawn = time.perf_counter()
    barrier.wait(timeout=300)  # every desk signed in: the clock starts
    t_spawn = time.perf_counter() - t_spawn
    floor = _Floor(dsn)
    floor.start()
    since = _Clock(epoch)() - timedelta(seconds=1)
    t0 = time.perf_counter()
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + seconds + 120
    while len(got) < desks and time.monotonic() < deadline:
        try:
            got.append(results.get(timeout=2))
        except queue.Empty:
            if not any(p.is_alive() for p in procs):
                break
    wall = time.perf_counter() - t0
    floor.stop.set()
    floor.join(timeout=10)
    floor_p95 = percentile(floor.ms, 95) if floor.ms else None
    for p in procs:
        p.join(timeout=30)
        if p.is_alive():
            p.kill()
    errors = [e for r in got for e in r["errors"]]
    if len(got) < desks:
        errors.append(f"only {len(got)} of {desks} desks reported back")
    for e in errors[:SHOW_ERRORS]:  # where it was raised and what it was
        lines = e.strip().splitlines()
        print(f"   [{prefix}] error: {lines[0]}\n" + "\n".join(lines[1:][-12:]), flush=True)
    t_verify = time.perf_counter()
    problems = _verify(url, shop, desks, got, since)
    t_verify = time.perf_counter() - t_verify
    for problem in problems[:SHOW_ERRORS]:
        print(f"   [{prefix}] lost or doubled: {problem}", flush=True)
    ms = {a: [x for r in got for x in r["ms"][a]] for a in ACTIONS}
    n_actions = sum(len(v) for v in ms.values())
    refused = sum(r["refused"] for r in got)
    out = []
    for a in ACTIONS:
        if ms[a]:
            out.append(figure(f"{prefix}.p95_ms.{a}", [percentile(ms[a], 95)], "ms", target=TARGET_MS,
                              floor=floor_p95, median_ms=percentile(ms[a], 50), count=len(ms[a]), desks=desks))
    out += [
        figure(f"{prefix}.errors", [float(len(errors))], "count", target=0.0, desks=desks),
        figure(f"{prefix}.lost_or_doubled", [float(len(problems))], "count", target=0.0, desks=desks),
        figure(f"{prefix}.refused", [float(refused)], "count", desks=desks),
        figure(f"{prefix}.actions_per_s", [n_actions / wall], "1/s", desks=desks, seconds=round(wall, 1)),
    ]
    cpu = {a: sum(r["cpu_ms"][a] for r in got) for a in ACTIONS}
    summary = "\n".join(
        f"     {a:10s} n={len(ms[a]):5d} p50={percentile(ms[a], 50):7.1f} p95={percentile(ms[a], 95):7.1f} ms"
        f"  desk CPU {cpu[a] / len(ms[a]):5.1f} ms each"
        for a in ACTIONS if ms[a]
    )
    fl = f"p50 {percentile(floor.ms, 50):.1f} p95 {floor_p95:.1f} ms" if floor.ms else "-"
    print(f"   [{prefix}] {desks} desks {wall:.0f}s, refused {refused}, floor (INSERT+COMMIT) {fl}, "
          f"load average {os.getloadavg()[0]:.1f}; start {t_spawn:.0f}s, check {t_verify:.0f}s\n{summary}",
          flush=True)
    return out


def _pg_statements(server: Any, dbname: str, top: int = 8) -> None:
    """The statements the server spent the most time on (pg_stat_statements), for the profile."""
    import psycopg

    try:
        with psycopg.connect(f"host=127.0.0.1 port={server.port} user=postgres dbname={dbname}",
                             autocommit=True) as c:
            rows = c.execute(
                "SELECT calls, round(total_exec_time)::int, round(mean_exec_time::numeric, 2), "
                "left(regexp_replace(query, '\\s+', ' ', 'g'), 110) FROM pg_stat_statements "
                "ORDER BY total_exec_time DESC LIMIT %s",
                (top,),
            ).fetchall()
    except Exception as exc:  # noqa: BLE001 - a profile is a bonus
        print(f"   (no pg_stat_statements: {exc})")
        return
    for calls, total, mean, q in rows:
        print(f"   pg: {total:>7} ms {calls:>7}x {mean:>7} ms  {q}")


def run(quick: bool) -> list[dict[str, Any]]:
    import psycopg

    from tests.pg import PgServer

    seconds10, seconds20 = (15.0, 10.0) if quick else (120.0, 30.0)
    server = PgServer().start("shared_preload_libraries=pg_stat_statements", "fsync=on")
    try:
        url = server.create_database("load")
        dbname = url.rsplit("/", 1)[1]
        epoch = time.time()
        t0 = time.perf_counter()
        shop = _setup(url, quick, 20, epoch)
        print(f"   shop set up in {time.perf_counter() - t0:.1f}s", flush=True)
        with psycopg.connect(f"host=127.0.0.1 port={server.port} user=postgres dbname={dbname}",
                             autocommit=True) as c:
            with contextlib.suppress(Exception):
                c.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
                c.execute("SELECT pg_stat_statements_reset()")
        dsn = f"host=127.0.0.1 port={server.port} user=postgres dbname={dbname}"
        out = _phase(url, dsn, shop, 10, seconds10, epoch, "load")
        if os.environ.get("BENCH_LOAD_PROFILE"):
            _pg_statements(server, dbname, top=15)
        if not os.environ.get("BENCH_LOAD_ONLY10"):  # experiments: the 10 desks alone
            out += _phase(url, dsn, shop, 20, seconds20, epoch, "load20")
        return out
    finally:
        server.stop()


if __name__ == "__main__":
    for f in run("--quick" in sys.argv):
        print(f"{f['name']:30s} {f['median']:10.2f} {f['unit']}  target {f.get('target', '-')}")
