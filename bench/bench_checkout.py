"""Checkout speed (issue 4) on SQLite, a shop with some history.

* ``checkout.pay_commit``: ``PaymentService.pay`` -- the one write transaction that stores the sale,
  its lines and payments, stock, prepaid and the client's totals (target <= 3 ms p95, issue 20); floor: a
  bare ``BEGIN IMMEDIATE; INSERT; COMMIT`` on the same file (WAL, synchronous=FULL). The first payment
  of each kind (card, prepaid + cash) is made unmeasured and reported as ``first_ms`` (it compiles the SQL);
  ``cpu_median_ms`` is the process CPU time per payment (steadier than wall time on a shared machine);
* ``checkout.build_bill``: a bill from a visit with two services (target <= 16 ms, it runs on the GUI thread);
* ``checkout.receipt_pdf``: an 80 mm receipt PDF (target <= 50 ms);
* ``checkout.care_sheet_pdf``: the one-page care sheet (target <= 80 ms).

    .venv/bin/python -m bench.bench_checkout [--quick]
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DESK_APP_HOME", tempfile.mkdtemp(prefix="desk-bench-"))

from bench.common import figure, time_call  # noqa: E402


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def run(quick: bool) -> list[dict[str, Any]]:
    from sqlalchemy import text

    from desk_app.bootstrap import open_database
    from desk_app.checkout.service import PaymentIn
    from desk_app.container import Services
    from desk_app.fonts import register_cjk_font
    from desk_app.printing.care_sheet import render_care_sheet
    from desk_app.printing.receipt import receipt_fmt, render_receipt
    from tests.integration.test_checkout_support import new_client, new_staff, visit_at_checkout

    n = 60 if quick else 300
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(str(Path(tmp) / "bench.sqlite3"))
        clock = _Clock()
        sv = Services(db, clock=clock)
        owner = sv.shop.create_shop(
            name="Bench Salon", currency="CNY", language="zh_CN", owner_name="O", owner_pin="1234"
        )
        leo = new_staff(db, owner.branch_id, "Leo")
        clients = [new_client(db, f"客户{i}") for i in range(20)]
        co = sv.checkout
        products = [h.id for h in co.search_products("")][:6]
        for c in clients:
            b = co.add_topup(co.build_bill(owner, client_id=c), 100000)
            sv.payments.pay(owner, b, [PaymentIn("card", 100000)])
        bills = []
        warm = 2  # one payment of each kind first, unmeasured (see below)
        for i in range(n + warm):
            b = co.build_bill(owner, client_id=clients[i % len(clients)])
            b = co.add_product(b, products[i % len(products)], 1 + i % 2)
            b = co.add_product(b, products[(i + 3) % len(products)])
            b = co.add_counter_item(b, "Fringe trim", 3000)
            b = co.add_tip(b, leo.staff_id, 1000)
            bills.append(b)
        samples: list[float] = []
        cpu: list[float] = []
        cold: list[float] = []
        sale_ids: list[int] = []
        for i, b in enumerate(bills):
            pays = (
                [PaymentIn("prepaid", 2000), PaymentIn("cash", b.total_minor - 2000)]
                if i % 2
                else [PaymentIn("wechat", b.total_minor)]
            )
            c0 = time.process_time()
            t0 = time.perf_counter()
            sale_ids.append(sv.payments.pay(owner, b, pays).sale_id)
            ms = (time.perf_counter() - t0) * 1000
            # The first payment of each kind in a process compiles its SQL (SQLAlchemy's statement
            # cache) and is reported apart as ``first_ms``: counted in the p95 of 60 samples it was
            # 2 of the 3 slowest, so the figure measured start-up, not the payment a desk makes all day.
            if i < warm:
                cold.append(ms)
                continue
            samples.append(ms)
            cpu.append((time.process_time() - c0) * 1000)
        # floor: the cheapest durable write transaction on this file
        with db.engine.connect() as conn:
            conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, v INTEGER)")
            conn.commit()
        floor: list[float] = []
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            for i in range(50 if quick else 200):
                t0 = time.perf_counter()
                cur.execute("BEGIN IMMEDIATE")
                cur.execute("INSERT INTO bench_floor (v) VALUES (?)", (i,))
                cur.execute("COMMIT")
                floor.append((time.perf_counter() - t0) * 1000)
        finally:
            raw.close()
        floor_p95 = sorted(floor)[int(len(floor) * 0.95) - 1]
        out = [
            figure(
                "checkout.pay_commit",
                samples,
                "ms",
                floor=floor_p95,
                target=3.0,
                sales=n,
                cpu_median_ms=round(sorted(cpu)[len(cpu) // 2], 3),
                first_ms=round(max(cold), 2),
            )
        ]

        vid = visit_at_checkout(
            db,
            clock,
            owner.branch_id,
            clients[0],
            leo.staff_id,
            ["COL-ROOT", "CUT-W"],
            suggested=["SH-COL-250"],
        )
        out.append(
            figure(
                "checkout.build_bill",
                time_call(lambda: co.build_bill(owner, visit_id=vid), repeat=10 if quick else 40),
                "ms",
                target=16.0,
            )
        )
        b = co.build_bill(owner, visit_id=vid)
        b = co.agree_over_estimate(co.add_product(b, products[0]), "bench")
        paid = sv.payments.pay(owner, b, [PaymentIn("card", b.total_minor)])
        view = sv.payments.get_sale(paid.sale_id)
        register_cjk_font()
        fmt = receipt_fmt(view)
        reps = 10 if quick else 40
        out.append(
            figure(
                "checkout.receipt_pdf",
                time_call(lambda: render_receipt(view, io.BytesIO(), fmt, "80mm"), repeat=reps, warmup=2),
                "ms",
                target=50.0,
            )
        )
        out.append(
            figure(
                "checkout.care_sheet_pdf",
                time_call(lambda: render_care_sheet(view, io.BytesIO(), fmt), repeat=reps, warmup=2),
                "ms",
                target=80.0,
            )
        )
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        db.dispose()
        return out


if __name__ == "__main__":
    for f in run("--quick" in sys.argv):
        print(
            f"{f['name']:28s} median {f['median']:8.2f} p95 {f['p95']:8.2f} {f['unit']}"
            f"  target {f.get('target', '-')}  floor {f.get('floor', '-')}"
            + (f"  cpu {f['cpu_median_ms']}  first {f['first_ms']}" if "cpu_median_ms" in f else "")
        )
