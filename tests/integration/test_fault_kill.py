"""Fault tests: the app's process is killed (SIGKILL) in the middle of an import, a backup and a
checkout; afterwards the database passes PRAGMA integrity_check and holds no half-written records
(an import keeps the batches it had committed, whole, and importing the file again finishes it).

Each child process runs this file as a script. It signals "MID" on stdout at the worst moment
(inside the open transaction, or between copying and checking a backup) and then waits to be killed.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from desk_app.container import Services
from desk_app.domain.permissions import Actor
from desk_app.trust.backup import check_backup_file

ROOT = Path(__file__).resolve().parents[2]
ROWS = 10_001  # more than two batches of the import (BATCH_ROWS each at most), however fast the machine


# ----------------------------------------------------------------------------- children


def _child_services(db_file: str) -> tuple[Services, Actor]:
    from sqlalchemy import select

    from desk_app.db.engine import Database
    from desk_app.db.models import Staff
    from desk_app.trust.auth import actor_for

    db = Database.open(db_file)
    with db.uow(write=False) as uow:  # the shop's owner, as the parent signed them in
        owner = uow.session.scalars(select(Staff).where(Staff.role == "owner").order_by(Staff.id)).first()
        assert owner is not None
        actor = actor_for(owner)
    return Services(db), actor


def child_import(db_file: str, csv_file: str) -> None:
    from desk_app.clients.importer import ImportService

    services, owner = _child_services(db_file)
    real = ImportService._record  # the last step of each batch, just before its commit
    batches: list[int] = []

    def record_then_hang(*a: Any, **kw: Any) -> None:
        real(*a, **kw)
        batches.append(1)
        if len(batches) == 2:  # the first batch committed; the second written (flushed), not committed
            print("MID", flush=True)
            time.sleep(120)

    ImportService._record = staticmethod(record_then_hang)  # type: ignore[method-assign,assignment]
    services.importer.run(owner, Path(csv_file))


def child_backup(db_file: str, out: str) -> None:
    services, owner = _child_services(db_file)

    def progress(done: int, total: int) -> None:
        if done >= total:  # every page copied into the .part file, not yet checked or renamed
            print("MID", flush=True)
            time.sleep(120)

    services.backup.backup(Path(out), actor=owner, progress=progress)


def child_backup_loop(db_file: str, out: str) -> None:
    services, owner = _child_services(db_file)
    print("MID", flush=True)
    while True:
        services.backup.backup(Path(out), actor=owner)


def child_checkout(db_file: str, service_id: str, n_before: str) -> None:
    from desk_app.checkout import payments as co_mod  # pay() writes the sale through its write_sale
    from desk_app.checkout.service import PaymentIn

    services, owner = _child_services(db_file)
    co = services.checkout
    done = []
    for _ in range(int(n_before)):
        bill = co.add_service(co.build_bill(owner), int(service_id))
        done.append(services.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)]).sale_id)
    real = co_mod.write_sale

    def write_then_hang(*a: object, **kw: object) -> object:
        res = real(*a, **kw)  # type: ignore[arg-type]
        a[0].flush()  # type: ignore[attr-defined]
        print(json.dumps({"committed": done}), flush=True)
        print("MID", flush=True)
        time.sleep(120)
        return res

    co_mod.write_sale = write_then_hang  # type: ignore[assignment]
    bill = co.add_service(co.build_bill(owner), int(service_id))
    services.payments.pay(owner, bill, [PaymentIn("wechat", bill.total_minor)])


# ----------------------------------------------------------------------------- harness


def run_and_kill(*args: str, at_mid: bool = True, after: float = 0.0) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.Popen(
        [sys.executable, __file__, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert p.stdout is not None
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            lines.append(line.strip())
            if line.strip() == "MID":
                break
        assert lines and lines[-1] == "MID", (
            lines,
            p.stderr.read() if p.poll() is not None and p.stderr else "",
        )
        if after:
            time.sleep(after)
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=10)
        assert p.returncode == -signal.SIGKILL
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    return lines


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


# ----------------------------------------------------------------------------- tests


def test_kill_during_import_leaves_nothing_half_done(
    services: Services, owner: Actor, tmp_path: Path
) -> None:
    csv_file = tmp_path / "big.csv"
    lines = ["姓名,手机号,生日"] + [f"客人{i},139{i:08d},1990-01-{1 + i % 28:02d}" for i in range(ROWS)]
    csv_file.write_text("\n".join(lines), encoding="utf-8")
    db_file = Path(str(services.db.sqlite_file))
    services.db.dispose()
    run_and_kill("import", str(db_file), str(csv_file))
    assert integrity(db_file) == "ok"
    # the first batch is there whole, and the import's row says so; nothing of the second batch
    with sqlite3.connect(db_file) as conn:
        (first_batch,) = conn.execute("SELECT imported FROM import_batches").fetchone()
        numbers = [r[0] for r in conn.execute("SELECT client_number FROM clients ORDER BY client_number")]
    assert 0 < first_batch < ROWS and count(db_file, "import_batches") == 1
    assert numbers == [f"C{k:06d}" for k in range(1, first_batch + 1)]
    assert count(db_file, "client_fts") == first_batch
    # the same file imported again finishes it: the saved clients merge into themselves
    res = services.importer.run(owner, csv_file)
    assert (res.imported, res.merged) == (ROWS - first_batch, first_batch)
    assert count(db_file, "clients") == ROWS == count(db_file, "client_fts")
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("SELECT count(DISTINCT phone) FROM clients").fetchone()[0] == ROWS


def test_kill_during_backup_leaves_no_backup_that_looks_whole(
    services: Services, owner: Actor, tmp_path: Path
) -> None:
    services.importer.run(owner, ROOT / "tests" / "fixtures" / "import" / "generic_gbk.csv")
    db_file = Path(str(services.db.sqlite_file))
    out = tmp_path / "usb" / "backup.sqlite3"
    services.db.dispose()
    run_and_kill("backup", str(db_file), str(out))
    assert not out.exists()  # only the .part file, never a final name for an unchecked copy
    assert out.with_name(out.name + ".part").exists()
    assert integrity(db_file) == "ok" and count(db_file, "clients") == 3
    # killed at a random moment while backing up over and over: the final file is absent or whole
    run_and_kill("backup-loop", str(db_file), str(out), after=0.8)
    assert not out.exists() or check_backup_file(out) is None
    assert integrity(db_file) == "ok"
    info = services.backup.backup(out, actor=owner)  # a stale .part does not get in the way
    assert check_backup_file(Path(info.path)) is None


def test_kill_during_checkout_leaves_no_half_written_sale(services: Services, owner: Actor) -> None:
    from sqlalchemy import select

    from desk_app.db.models import Service
    from desk_app.trust.integrity import check_invariants

    with services.db.uow(write=False) as uow:
        service_id = uow.session.scalars(select(Service.id).order_by(Service.id)).first()
    db_file = Path(str(services.db.sqlite_file))
    services.db.dispose()
    lines = run_and_kill("checkout", str(db_file), str(service_id), "3")
    committed = json.loads(lines[-2])["committed"]
    assert integrity(db_file) == "ok"
    with sqlite3.connect(db_file) as conn:
        sale_ids = [r[0] for r in conn.execute("SELECT id FROM sales ORDER BY id")]
        assert sale_ids == committed  # the killed sale left nothing behind
        for sid in sale_ids:
            total = conn.execute("SELECT total_minor FROM sales WHERE id = ?", (sid,)).fetchone()[0]
            lines_sum = conn.execute(
                "SELECT sum(line_total_minor) FROM sale_lines WHERE sale_id = ?", (sid,)
            ).fetchone()[0]
            paid = conn.execute(
                "SELECT sum(amount_minor) FROM payments WHERE sale_id = ?", (sid,)
            ).fetchone()[0]
            assert total == lines_sum == paid
        assert (
            conn.execute(
                "SELECT count(*) FROM payments WHERE sale_id NOT IN (SELECT id FROM sales)"
            ).fetchone()[0]
            == 0
        )
        assert (
            conn.execute(
                "SELECT count(*) FROM sale_lines WHERE sale_id NOT IN (SELECT id FROM sales)"
            ).fetchone()[0]
            == 0
        )
    assert check_invariants(services.db) == []


if __name__ == "__main__":
    mode, rest = sys.argv[1], sys.argv[2:]
    {
        "import": child_import,
        "backup": child_backup,
        "backup-loop": child_backup_loop,
        "checkout": child_checkout,
    }[mode](*rest)
