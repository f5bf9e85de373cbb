"""Monthly report at chain scale (issue 7): the JSON, the PDF, and raw SQL aggregates as the floor.

Full mode builds (once, cached in /tmp) a 20-stylist, 12-month, 100,000-client shop
with about a million sale lines, following docs/money-model.md
(``desk_app.demo.sample``); quick mode a shop a tenth of that. Set
``DESK_BENCH_REPORT_DB`` to measure an existing database instead (e.g. one made by
``desk-app demo``). Prints the median and p95 of each figure, the floor (the same
month's figures by hand-written SQL aggregates) and the ratio. ``reports.check_s`` is one
``desk-app check`` of the same shop, in a process of its own, beside its floor (the PRAGMA
integrity_check and foreign_key_check it runs first, alone).

    .venv/bin/python -m bench.bench_reports [--quick]
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FULL = {"clients": 100_000, "stylists": 20, "visits_per_day": 1500, "months": 12}
QUICK = {"clients": 10_000, "stylists": 20, "visits_per_day": 150, "months": 12}
START = "2025-11"
MONTH = "2026-09"


PARTS = 2  # processes building the shop at once (one a core; this machine has two)


def build(path: Path, spec: dict[str, int]) -> None:
    """Build the shop into ``path`` (this process); its build time and line count go beside it."""
    import json

    from desk_app.bootstrap import open_database
    from desk_app.container import Services
    from desk_app.demo.sample import build_in_parts

    tmp = path.with_suffix(".building")
    for p in tmp.parent.glob(tmp.name + "*"):
        p.unlink()
    t0 = time.perf_counter()
    c0 = _cpu()
    db = open_database(str(tmp))
    Services(db).shop.create_shop(
        name="Bench Hair & Spa", currency="CNY", language="en", owner_name="Owner", owner_pin="1234"
    )
    db.dispose()
    parts = max(1, min(PARTS, os.cpu_count() or 1))
    stats = build_in_parts(str(tmp), parts=parts, start_month=START, months=spec["months"], clients=spec["clients"],
                           stylists=spec["stylists"], visits_per_day=spec["visits_per_day"], seed=1)  # fmt: skip
    _checkpoint(tmp)
    info = {"seconds": round(time.perf_counter() - t0, 2), "cpu_seconds": round(_cpu() - c0, 2),
            "lines": stats.lines, "sales": stats.sales, "visits": stats.visits, "parts": parts}  # fmt: skip
    tmp.rename(path)
    _info_path(path).write_text(json.dumps(info))


def _info_path(path: Path) -> Path:
    return path.with_name(path.name + ".build.json")


def _cpu() -> float:
    r, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime  # the build's parts are child processes


def _build_in_child(path: Path, quick: bool) -> None:
    """The build runs in its own process, so the report's peak RSS (this process) is the report's."""
    import subprocess

    args = [sys.executable, "-m", "bench.bench_reports", "--build", str(path)] + (
        ["--quick"] if quick else []
    )
    subprocess.run(args, check=True, cwd=str(ROOT), timeout=1800)


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the file (outside any transaction) so the file can be renamed alone."""
    import sqlite3

    con = sqlite3.connect(str(path), isolation_level=None)
    try:
        con.execute("PRAGMA optimize")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


def database(quick: bool) -> str:
    env = os.environ.get("DESK_BENCH_REPORT_DB")
    if env:
        return env
    path = Path(f"/tmp/desk-bench-reports-{'quick' if quick else 'full'}-{_data_key()}.sqlite3")
    if not path.exists():
        _build_in_child(path, quick)
    _ensure_indexes(str(path))
    return str(path)


def _data_key() -> str:
    """The cached shop is rebuilt when the code that writes it changes (the sample, the sale writer,
    the triggers that keep the summaries)."""
    import hashlib

    h = hashlib.sha1()
    for part in ("desk_app/demo/sample.py", "desk_app/checkout/record.py", "desk_app/checkout/bill.py",
                 "migrations/versions/2026_12_06_0022_sales_hour_summaries.py",
                 "migrations/versions/2026_12_06_0023_client_spend_hours.py",
                 "migrations/versions/2026_12_06_0024_client_first_visits.py"):
        h.update((ROOT / part).read_bytes())
    return h.hexdigest()[:10]


def _ensure_indexes(path: str) -> None:
    """A cached file made before an index was added to the models gets it (pre-release schema)."""
    from desk_app.db.engine import Database
    from desk_app.db.models import Base

    db = Database.open(path)
    with db.engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            for idx in table.indexes:
                idx.create(conn, checkfirst=True)
    db.dispose()


def floor_sql(db: Any, month: str) -> dict[str, Any]:
    """The same month's headline figures with hand-written aggregates (no Python per group)."""

    from desk_app.reports.sqlhelp import Period

    p = Period.of(month, "Asia/Shanghai")
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    a, b = p.start.strftime(fmt), p.end.strftime(fmt)
    out: dict[str, Any] = {}
    with db.engine.connect() as conn:
        q = conn.exec_driver_sql
        out["lines"] = q(
            "SELECT date(s.sold_at, '+8 hours'), sl.kind, sl.staff_id, sl.service_id, sl.product_id, "
            "SUM(sl.line_total_minor), SUM(sl.tax_minor), SUM(sl.quantity) FROM sales s "
            "JOIN sale_lines sl ON sl.sale_id = s.id WHERE s.sold_at >= ? AND s.sold_at < ? "
            "GROUP BY 1, 2, 3, 4, 5", (a, b)).all()  # fmt: skip
        out["pay"] = q("SELECT p.method, SUM(p.amount_minor) FROM sales s JOIN payments p ON p.sale_id = s.id "
                       "WHERE s.sold_at >= ? AND s.sold_at < ? GROUP BY 1", (a, b)).all()  # fmt: skip
        out["visits"] = q("SELECT date(arrived_at, '+8 hours'), staff_id, COUNT(*), SUM(step='done'), "
                          "SUM(next_appointment_id IS NOT NULL), SUM(satisfaction), COUNT(satisfaction) FROM visits "
                          "WHERE arrived_at >= ? AND arrived_at < ? GROUP BY 1, 2", (a, b)).all()  # fmt: skip
        out["clients"] = q("SELECT COUNT(DISTINCT client_id) FROM visits WHERE arrived_at >= ? AND arrived_at < ?",
                           (a, b)).all()  # fmt: skip
        out["std"] = q("SELECT date(arrived_at, '+8 hours'), created_by_id, "
                       "SUM((julianday(greeted_at) - julianday(arrived_at)) * 86400 <= 30), COUNT(greeted_at) "
                       "FROM visits WHERE arrived_at >= ? AND arrived_at < ? GROUP BY 1, 2", (a, b)).all()  # fmt: skip
        out["prepaid"] = q("SELECT kind, SUM(amount_minor) FROM prepaid_movements WHERE at >= ? AND at < ? GROUP BY 1",
                           (a, b)).all()  # fmt: skip
        out["fu"] = q("SELECT staff_id, satisfaction, COUNT(*) FROM follow_ups WHERE completed_at >= ? "
                      "AND completed_at < ? GROUP BY 1, 2", (a, b)).all()  # fmt: skip
        out["ns"] = q("SELECT COUNT(*) FROM appointments WHERE status = 'no_show' AND start_at >= ? AND start_at < ?",
                      (a, b)).all()  # fmt: skip
    return out


def _time(fn: Callable[[], Any], n: int) -> list[float]:
    fn()  # warm the page cache and the statement caches
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def _fig(
    name: str, xs: list[float], target: float | None = None, floor: float | None = None
) -> dict[str, Any]:
    xs = sorted(xs)
    fig: dict[str, Any] = {
        "name": name,
        "median": round(statistics.median(xs), 4),
        "p95": round(xs[min(len(xs) - 1, int(0.95 * len(xs)))], 4),
        "unit": "s",
    }
    if floor is not None:
        fig["floor"] = round(floor, 4)
    if target is not None:
        fig["target"] = target
    return fig


def run(quick: bool) -> list[dict[str, Any]]:
    import json

    from desk_app import i18n
    from desk_app.bootstrap import open_database
    from desk_app.reports.monthly import build_monthly
    from desk_app.reports.pdf import render_pdf_bytes
    from desk_app.settings import SettingsStore

    path = database(quick)
    db = open_database(path, run_migrations=False)
    settings = SettingsStore(db)
    with db.engine.connect() as conn:
        lines = conn.exec_driver_sql("SELECT COUNT(*) FROM sale_lines").scalar()
    n = 3 if quick else 5
    floor = statistics.median(_time(lambda: floor_sql(db, MONTH), n))
    data: dict[str, Any] = {}

    def monthly() -> None:  # ONE connection (no twin readers): the target
        data.update(build_monthly(db, MONTH, settings=settings, parallel=False))

    def monthly_pdf() -> bytes:
        d = build_monthly(db, MONTH, settings=settings)
        return render_pdf_bytes(d, i18n.Fmt.for_shop(i18n.language(), d["shop"]["timezone"], d["currency"]))

    js = _time(monthly, n)
    rss_mb = _report_peak_rss(path)
    pdf = _time(monthly_pdf, n)
    db.dispose()
    figs = [
        _fig("reports.monthly_json", js, 0.25, floor),
        _fig("reports.monthly_pdf (figures + PDF)", pdf, 2.0),
        {"name": "reports.floor_raw_sql", "median": round(floor, 4), "p95": round(floor, 4), "unit": "s"},
        {
            "name": "reports.json_over_floor",
            "median": round(statistics.median(js) / floor, 2),
            "p95": round(max(js) / floor, 2),
            "unit": "x",
        },  # fmt: skip
        {
            "name": "reports.peak_rss",
            "median": round(rss_mb, 1),
            "p95": round(rss_mb, 1),
            "unit": "MB",
            "target": 200,
        },  # fmt: skip
        {
            "name": "reports.sale_lines_in_db",
            "median": int(lines or 0),
            "p95": int(lines or 0),
            "unit": "rows",
        },
        {
            "name": "reports.sales_in_month",
            "median": _month_sales(data),
            "p95": _month_sales(data),
            "unit": "rows",
        },
    ]
    info_file = _info_path(Path(path))
    if info_file.exists():  # the build of the cached shop (measured when it was made)
        info = json.loads(info_file.read_text())
        figs.append(
            {
                "name": "reports.sample_build_s",
                "median": info["seconds"],
                "p95": info["seconds"],
                "unit": "s",
                "target": 60,
                "lines": info["lines"],
                "cpu_s": info["cpu_seconds"],
            }  # fmt: skip
        )
    figs += _check_figures(path, quick)
    if os.environ.get("DESK_BENCH_REPORT_PG", "1") != "0":
        figs.append(_pg_figure(path, n))
    return figs


def _check_figures(path: str, quick: bool) -> list[dict[str, Any]]:
    """``desk-app check`` on the cached shop, once, in a process of its own (its page cache and
    memory are not the report's): the whole check (target 60 s at a million lines) beside its
    floor, the file's own checks it cannot skip (PRAGMA integrity_check and foreign_key_check)."""
    import json
    import subprocess

    res = subprocess.run([sys.executable, "-m", "bench.bench_reports", "--check", path], cwd=str(ROOT),
                         capture_output=True, text=True, timeout=900, check=True)  # fmt: skip
    got = json.loads(res.stdout.strip().splitlines()[-1])
    fig = _fig("reports.check_s", [got["seconds"]], None if quick else 60.0, got["floor_seconds"])
    fig.update(cpu_s=got["cpu_seconds"], problems=got["problems"])
    floor = {"name": "reports.check_integrity_pragmas_s", "median": got["floor_seconds"],
             "p95": got["floor_seconds"], "unit": "s"}  # fmt: skip
    return [fig, floor]


def _check_once(path: str) -> None:
    """What ``_check_figures`` reads: one ``desk-app check`` (check_invariants) and, first, the two
    PRAGMAs alone, as JSON on the last line."""
    import json

    from desk_app.bootstrap import open_database
    from desk_app.trust.integrity import check_invariants

    db = open_database(path, run_migrations=False)
    with db.engine.connect() as conn:
        t0 = time.perf_counter()
        conn.exec_driver_sql("PRAGMA integrity_check").fetchall()
        conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        floor = time.perf_counter() - t0
        conn.rollback()
    t0, c0 = time.perf_counter(), time.process_time()
    problems = check_invariants(db)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    db.dispose()
    print(json.dumps({"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
                      "floor_seconds": round(floor, 2), "problems": len(problems)}))  # fmt: skip


def _report_peak_rss(path: str) -> float:
    """The JSON report's peak memory (MB), in a process of its own: ``python -m bench`` runs every
    module in one process, whose peak would be an earlier benchmark's."""
    import subprocess

    res = subprocess.run([sys.executable, "-m", "bench.bench_reports", "--peak", path], cwd=str(ROOT),
                         capture_output=True, text=True, timeout=600, check=True)  # fmt: skip
    return float(res.stdout.strip().splitlines()[-1])


def _peak_once(path: str) -> None:
    from desk_app.bootstrap import open_database
    from desk_app.reports.monthly import build_monthly
    from desk_app.settings import SettingsStore

    db = open_database(path, run_migrations=False)
    build_monthly(db, MONTH, settings=SettingsStore(db), parallel=False)
    db.dispose()
    # VmHWM: this program's own peak. ru_maxrss would count the parent's memory when it was forked
    status = Path("/proc/self/status")
    hwm = [ln for ln in status.read_text().splitlines() if ln.startswith("VmHWM:")] if status.exists() else []
    print(round(int(hwm[0].split()[1]) / 1024 if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1))


def _pg_figure(sqlite_path: str, n: int) -> dict[str, Any]:
    """The same month on PostgreSQL, the same data: the SQLite shop copied into a throw-away server."""
    from desk_app.bootstrap import open_database
    from desk_app.reports.monthly import build_monthly
    from desk_app.settings import SettingsStore
    from tests.pg import PgServer

    pg = PgServer().start()
    try:
        url = pg.create_database("report")
        t0 = time.perf_counter()
        db = open_database(url)
        copy_shop(open_database(sqlite_path, run_migrations=False), db)
        copied = time.perf_counter() - t0
        settings = SettingsStore(db)
        floor = statistics.median(_time(lambda: _floor_pg(db), n))
        xs = _time(lambda: build_monthly(db, MONTH, settings=settings, parallel=False), n)
        db.dispose()
    finally:
        pg.stop()
    fig = _fig("reports.monthly_json_pg", xs, 0.5, floor)
    fig["copy_s"] = round(copied, 1)
    return fig


def _floor_pg(db: Any) -> None:
    from desk_app.reports.sqlhelp import Period

    p = Period.of(MONTH, "Asia/Shanghai")
    with db.engine.connect() as conn:
        conn.exec_driver_sql(
            "SELECT to_char(timezone('Asia/Shanghai', s.sold_at), 'YYYY-MM-DD'), sl.kind, sl.staff_id, sl.service_id, "
            "sl.product_id, SUM(sl.line_total_minor), SUM(sl.tax_minor), SUM(sl.quantity) FROM sales s "
            "JOIN sale_lines sl ON sl.sale_id = s.id WHERE s.sold_at >= %(a)s AND s.sold_at < %(b)s "
            "GROUP BY 1, 2, 3, 4, 5", {"a": p.start, "b": p.end}).all()  # fmt: skip


def copy_shop(src: Any, dst: Any) -> None:
    """Every row of the models' tables from one database to an empty, migrated one (PostgreSQL: COPY),
    values read and written through the column types; then the id sequences."""
    from psycopg.types.json import Jsonb
    from sqlalchemy import JSON, select, text

    from desk_app.db.models import Base

    tables = Base.metadata.sorted_tables
    with dst.engine.begin() as out:
        # a copy of checked data: the server's triggers (append-only tables) and key checks stay off
        out.exec_driver_sql("SET LOCAL session_replication_role = replica")
        names = ", ".join(t.name for t in tables)
        out.exec_driver_sql(
            f"TRUNCATE {names} RESTART IDENTITY CASCADE"
        )  # what create-time migrations seeded
        raw = out.connection.dbapi_connection
        assert raw is not None
        cur = raw.cursor()
        with src.engine.connect() as inp:
            for t in tables:
                cols = list(t.columns)
                js = [i for i, c in enumerate(cols) if isinstance(c.type, JSON)]
                col_list = ", ".join(f'"{c.name}"' for c in cols)
                with cur.copy(f'COPY "{t.name}" ({col_list}) FROM STDIN') as cp:
                    for row in inp.execute(select(*cols)):
                        vals = list(row)
                        for i in js:
                            if vals[i] is not None:
                                vals[i] = Jsonb(vals[i])
                        cp.write_row(vals)
        for t in tables:
            pk = [c for c in t.primary_key.columns]
            if len(pk) == 1 and pk[0].autoincrement in (True, "auto") and pk[0].type.python_type is int:
                out.execute(text(f"SELECT setval(pg_get_serial_sequence('{t.name}', '{pk[0].name}'), "
                                 f"COALESCE((SELECT MAX({pk[0].name}) FROM {t.name}), 0) + 1, false)"))  # fmt: skip
    # as after any bulk load (and as moving a shop to a server does): statistics, and the pages
    # marked all-visible. A live server has had autovacuum; a never-vacuumed copy read ~10 % slower
    with dst.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM (ANALYZE)")
    src.dispose()


def _month_sales(data: dict[str, Any]) -> int:
    return int(data.get("sales", {}).get("count", 0))


def main() -> int:
    quick = "--quick" in sys.argv
    if "--check" in sys.argv:
        _check_once(sys.argv[sys.argv.index("--check") + 1])
        return 0
    if "--peak" in sys.argv:
        _peak_once(sys.argv[sys.argv.index("--peak") + 1])
        return 0
    if "--build" in sys.argv:
        build(Path(sys.argv[sys.argv.index("--build") + 1]), QUICK if quick else FULL)
        return 0
    for f in run(quick):
        extra = "".join(f"  {k}={f[k]}" for k in ("floor", "target", "lines", "copy_s", "cpu_s", "problems") if k in f)
        print(f"{f['name']:<40} median {f['median']:>10} {f['unit']}  p95 {f['p95']}{extra}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
