"""Restore while another desk sells (#14 item 2): no paid sale is lost, no receipt number is reused.

A second desk (its own Database, its own connections to the same file) pays sales in a loop while
the owner restores a backup taken earlier. Before the fix, the live file was copied aside and the
backup copied in with no lock between, so sales paid in that gap were in neither file and receipt
numbers were issued twice.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from desk_app.bootstrap import open_database
from desk_app.checkout.service import PaymentIn
from desk_app.container import Services
from desk_app.domain.permissions import Actor
from tests.integration.test_checkout_support import new_client


def _receipts(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute("SELECT receipt_no FROM sales")]


def test_restore_under_load_keeps_every_paid_sale_and_never_reuses_a_receipt_number(
    services: Services, owner: Actor, db_path: Path, tmp_path: Path
) -> None:
    cid = new_client(services.db)
    products = [h.id for h in services.checkout.search_products("")][:3]

    def sell(sv: Services) -> str:
        b = sv.checkout.build_bill(owner, client_id=cid)
        b = sv.checkout.add_product(b, products[0], 1)
        return sv.payments.pay(owner, b, [PaymentIn("cash", b.total_minor)]).receipt_no

    for _ in range(5):
        sell(services)
    backup = Path(services.backup.backup(tmp_path / "before.sqlite3", actor=owner).path)
    for _ in range(20):  # sold after the backup: only the kept file will hold these
        sell(services)

    desk = Services(open_database(str(db_path), run_migrations=False))
    paid: list[str] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def other_desk() -> None:
        while not stop.is_set():
            try:
                paid.append(sell(desk))
            except Exception as exc:  # noqa: BLE001 - a busy answer is allowed, a lost sale is not
                errors.append(exc)
            time.sleep(0.001)

    worker = threading.Thread(target=other_desk)
    worker.start()
    try:
        time.sleep(0.3)
        before_restore = len(paid)
        kept = services.backup.restore(owner, backup).kept
        time.sleep(0.3)
    finally:
        stop.set()
        worker.join(30)
        desk.db.dispose()
    assert kept is not None and before_restore > 0 and len(paid) > before_restore
    live, old = _receipts(db_path), _receipts(kept)
    # every sale the other desk was told is paid is in the kept file or the restored database
    missing = set(paid) - set(live) - set(old)
    assert not missing, f"{len(missing)} paid sales are in neither file"
    # the restored database holds the backup's 5 sales plus what was sold after the restore
    assert len(live) > 5
    # no receipt number was issued twice, across both files
    issued = live + [r for r in old if r not in set(live[:5])]
    assert len(issued) == len(set(issued)), "a receipt number was issued twice"
    assert all(
        "OperationalError" not in type(e).__name__ or "locked" in str(e) for e in errors
    ), errors
