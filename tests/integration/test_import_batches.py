"""A big import never keeps another desk out (#14 item 7).

Before the fix the whole import was one write transaction: from about 30,000 rows it held SQLite's
write lock past the 10 s busy timeout, and another desk's checkout failed with a raw
"database is locked" shown as "Something went wrong". Now the import decides everything first,
then writes in batches of at most about half a second each, letting go of the lock between them;
a failure part-way keeps the batches already saved, and importing the same file again finishes it
without doubling anyone. A desk that still meets a busy database is told so in words.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from desk_app import i18n
from desk_app.bootstrap import open_database
from desk_app.checkout.service import PaymentIn
from desk_app.clients.importer import BATCH_ROWS, ImportStopped
from desk_app.container import Services
from desk_app.db import engine as db_engine
from desk_app.db.engine import Database
from desk_app.db.models import AuditEntry, Client, ImportBatch, Setting
from desk_app.domain.permissions import Actor
from desk_app.errors import DatabaseBusy
from tests.conftest import OWNER_PIN, FakeClock
from tests.integration.test_checkout_support import new_client

BIG = 30_000


def _rows(n: int) -> list[list[str]]:
    """``n`` rows: Chinese and Latin names, a phone each (every 50th row repeats an earlier row's
    phone: a second card of the same client), and every 97th row without a phone but with an e-mail."""
    rows = []
    for i in range(n):
        name = f"王芳{i}" if i % 3 == 0 else f"Anna Schmidt {i}"
        phone = f"139{(i - 7 if i % 50 == 49 else i):08d}"
        email = f"client{i}@example.com" if i % 2 else ""
        if i % 97 == 96:
            phone, email = "", f"nophone{i}@example.com"
        rows.append([name, phone, email, "1990-03-05" if i % 5 == 0 else "", f"row {i}" if i % 7 == 0 else ""])
    return rows


def _write_file(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Name", "Mobile", "Email", "Birthday", "Notes"])
        w.writerows(_rows(n))
    return path


def _expected_clients(n: int) -> int:
    """Distinct clients in the file: one per phone, and one per e-mail among the rows without one."""
    rows = _rows(n)
    return len({r[1] for r in rows if r[1]}) + len({r[2] for r in rows if not r[1]})


@pytest.fixture
def lock_holds(services: Services) -> Iterator[dict[int, list[float]]]:
    """How long each write transaction on the services' engine held SQLite's write lock, by thread:
    from the moment its BEGIN IMMEDIATE got the lock to the end of its COMMIT."""
    began: dict[int, float] = {}
    holds: dict[int, list[float]] = {}

    def on_begin(conn: Connection) -> None:  # runs after the engine's own hook issued BEGIN IMMEDIATE
        if conn.get_execution_options().get("desk_write"):
            began[threading.get_ident()] = time.monotonic()

    def on_commit(_session: Session) -> None:
        start = began.pop(threading.get_ident(), None)
        if start is not None:
            holds.setdefault(threading.get_ident(), []).append(time.monotonic() - start)

    event.listen(services.db.engine, "begin", on_begin)
    event.listen(Session, "after_commit", on_commit)
    yield holds
    event.remove(Session, "after_commit", on_commit)
    event.remove(services.db.engine, "begin", on_begin)


def _one_client_per_key(db: Database) -> None:
    with db.uow(write=False) as uow:
        s = uow.session
        doubled_phones = s.execute(
            select(Client.phone).where(Client.phone != "").group_by(Client.phone).having(func.count() > 1)
        ).all()
        doubled_emails = s.execute(
            select(Client.email)
            .where(Client.phone == "", Client.email != "")
            .group_by(Client.email)
            .having(func.count() > 1)
        ).all()
        numbers = list(
            s.scalars(
                select(Client.client_number).where(Client.client_number.like("C%")).order_by(Client.client_number)
            )
        )
    assert doubled_phones == [] and doubled_emails == []
    assert numbers == [f"C{k:06d}" for k in range(1, len(numbers) + 1)]  # unique, no gap


def test_a_desk_sells_while_30000_clients_are_imported(
    services: Services, owner: Actor, db_path: Path, tmp_path: Path, clock: FakeClock,
    lock_holds: dict[int, list[float]],
) -> None:
    path = _write_file(tmp_path / "big.csv", BIG)
    cid = new_client(services.db)
    product = next(iter(services.checkout.search_products(""))).id
    desk = Services(open_database(str(db_path), run_migrations=False, clock=clock), clock=clock)

    def sell() -> None:
        b = desk.checkout.build_bill(owner, client_id=cid)
        b = desk.checkout.add_product(b, product, 1)
        desk.payments.pay(owner, b, [PaymentIn("cash", b.total_minor)])

    # the desk has sold once before the import starts: its first sale opens its connections and
    # loads what a sale needs (2.6 s once under a loaded CI), which is not waiting behind the import
    sell()
    # how long each of the desk's sales waited for the write lock: from just before its BEGIN
    # IMMEDIATE (a listener put before the engine's own) to just after it got the lock. A sale's
    # whole time also counts its Python work, which shares the interpreter with the import's in
    # this one test process (2.6 s once under a loaded CI): that is not waiting behind the import.
    asked: dict[int, float] = {}
    lock_waits: list[float] = []

    def before_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("desk_write"):
            asked[threading.get_ident()] = time.monotonic()

    def after_begin(conn: Connection) -> None:
        start = asked.pop(threading.get_ident(), None)
        if start is not None:
            lock_waits.append(time.monotonic() - start)

    event.listen(desk.db.engine, "begin", before_begin, insert=True)
    event.listen(desk.db.engine, "begin", after_begin)
    waits: list[float] = []
    errors: list[BaseException] = []
    importing = threading.Event()
    imported = threading.Event()

    def other_desk() -> None:
        importing.wait()
        while not imported.is_set():
            start = time.monotonic()
            try:
                sell()
            except Exception as exc:  # noqa: BLE001 - counted: none may fail
                errors.append(exc)
            waits.append(time.monotonic() - start)
            time.sleep(0.02)

    result: list[object] = []

    def run_import() -> None:
        importing.set()
        try:
            result.append(services.importer.run(owner, path))
        except BaseException as exc:  # noqa: BLE001 - reported below
            result.append(exc)
        finally:
            imported.set()

    seller = threading.Thread(target=other_desk)
    importer = threading.Thread(target=run_import)
    seller.start()
    started = time.monotonic()
    importer.start()
    importer.join(timeout=240)
    took = time.monotonic() - started
    seller.join(timeout=30)
    event.remove(desk.db.engine, "begin", before_begin)
    event.remove(desk.db.engine, "begin", after_begin)
    desk.db.dispose()
    assert not importer.is_alive() and not seller.is_alive()
    res = result[0]
    assert not isinstance(res, BaseException), res
    expected = _expected_clients(BIG)
    assert res.imported == expected and res.rejected_count == 0  # type: ignore[attr-defined]
    holds = lock_holds[importer.ident or 0]
    print(
        f"\n{BIG} rows in {took:.1f} s ({BIG / took:.0f} rows/s), {len(holds)} batches, "
        f"longest lock hold {max(holds):.3f} s; the other desk sold {len(waits)} times, "
        f"longest sale {max(waits):.3f} s, longest wait for the lock {max(lock_waits):.3f} s"
    )
    assert len(holds) >= 3  # written in several transactions, not one
    # each batch stops once it has held the lock BATCH_SECONDS (0.4 s): the typical batch is short.
    # One commit may meet a WAL checkpoint or a stalled disk (1.13 s was seen once in CI's fifth
    # run), so the longest is bounded well under the 10 s the other desk would wait, not at 1 s.
    assert sorted(holds)[len(holds) // 2] < 1.0
    assert max(holds) < 3.0
    assert errors == []  # no sale failed
    assert len(waits) >= min(3, len(holds))  # the desk did sell during the import, between batches
    assert len(lock_waits) >= len(waits)  # (every sale's write was measured)
    # it never waited behind more than one batch (its busy handler polls every 100 ms at most)...
    assert max(lock_waits) < max(holds) + 0.5
    assert max(waits) < 8.0  # ...and no sale came near the 10 s after which it would fail
    _one_client_per_key(services.db)
    with services.db.uow(write=False) as uow:
        batch = uow.session.scalars(select(ImportBatch)).one()  # the import as a whole: one row...
        assert (batch.imported, batch.merged, batch.rejected) == (expected, BIG - expected, 0)
        logged = list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "import")))
        assert len(logged) == 1 and logged[0].after is not None  # ...and one audit entry, with the totals
        assert logged[0].after["imported"] == expected and logged[0].after["merged"] == BIG - expected


def test_an_import_stopped_part_way_keeps_whole_batches_and_a_rerun_finishes_it(
    services: Services, owner: Actor, tmp_path: Path
) -> None:
    n = 3 * BATCH_ROWS  # at least three batches, however fast the machine
    path = _write_file(tmp_path / "clients.csv", n)
    expected = _expected_clients(n)
    saved_when_stopped: list[int] = []

    def power_cut(done: int, total: int) -> None:  # the import stops as soon as a batch is saved
        with services.db.uow(write=False) as uow:
            saved = int(uow.session.scalar(select(func.count()).select_from(Client)) or 0)
        if saved:
            saved_when_stopped.append(saved)
            raise RuntimeError("the power went off")

    with pytest.raises(ImportStopped) as stopped:
        services.importer.run(owner, path, progress=power_cut)
    saved = saved_when_stopped[0]
    assert 0 < saved < expected
    assert stopped.value.result.imported == saved
    assert f"{saved} of " in stopped.value.message and "Import the same file again" in stopped.value.message
    _one_client_per_key(services.db)  # whole batches: numbers C000001.. without a gap
    with services.db.uow(write=False) as uow:
        batch = uow.session.scalars(select(ImportBatch)).one()
        assert batch.imported == saved  # the import's row says what was saved
        logged = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "import")).one()
        assert logged.after is not None and logged.after["imported"] == saved and "power" in logged.after["stopped"]

    again = services.importer.run(owner, path)  # the same file: the saved clients merge into themselves
    assert again.imported == expected - saved
    assert again.imported + again.merged == n
    _one_client_per_key(services.db)
    with services.db.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Client)) == expected
        rows = uow.session.scalars(select(Client).where(Client.phone == "+8613900000013")).all()
        assert [c.name for c in rows] == ["Anna Schmidt 13"]

    third = services.importer.run(owner, path)  # and once more: nothing new at all
    assert (third.imported, third.merged) == (0, n)
    with services.db.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Client)) == expected


def _hold_write_lock(db_path: Path) -> sqlite3.Connection:
    """Another desk in the middle of a long write: a raw connection holding SQLite's write lock."""
    conn = sqlite3.connect(db_path, isolation_level=None, timeout=5)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def test_a_locked_database_is_told_as_busy_in_words(services: Services, owner: Actor, db_path: Path) -> None:
    quick = Database.open(db_path, services.db.clock, busy_timeout_ms=200)
    desk = Services(quick, clock=services.db.clock)
    holder = _hold_write_lock(db_path)
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseBusy) as busy:  # a plain write in a unit of work
            with quick.uow() as uow:
                uow.session.execute(insert(Setting).values(key="probe", value="1"))
                uow.commit()
        assert time.monotonic() - started < 5  # the short busy timeout was used, not 10 s
        assert isinstance(busy.value.__cause__, OperationalError)  # what SQLite said stays attached
        assert busy.value.message.startswith("The database is busy") and "try again in a moment" in busy.value.message
        with pytest.raises(DatabaseBusy):  # a real desk action: a new client at the counter
            desk.clients.create(owner, {"name": "Amy Wu", "phone": "13700001234"})
        i18n.set_language("zh_CN")
        with pytest.raises(DatabaseBusy) as busy_zh:
            desk.clients.create(owner, {"name": "Amy Wu", "phone": "13700001234"})
        assert busy_zh.value.message == i18n._(
            "The database is busy (another desk is importing or saving); try again in a moment."
        )
        assert "数据库" in busy_zh.value.message
    finally:
        holder.rollback()
        holder.close()
    with quick.uow() as uow:  # the lock let go: the same action works
        uow.session.execute(insert(Setting).values(key="probe", value="1"))
        uow.commit()
    quick.dispose()


def test_the_cli_import_says_the_database_is_busy_and_exits_1(
    services: Services, owner: Actor, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the owner key: checking it reads only, so the import itself meets the busy database
    monkeypatch.setenv("DESK_APP_OWNER_KEY", services.owner_key.create(owner))
    from desk_app.cli import run

    path = _write_file(tmp_path / "few.csv", 20)
    monkeypatch.setattr(db_engine, "BUSY_TIMEOUT_MS", 300)  # the CLI's databases wait 0.3 s, not 10 s
    holder = _hold_write_lock(db_path)
    out, err = io.StringIO(), io.StringIO()
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = run(["import", "clients", str(path), "--db", str(db_path)])
    finally:
        holder.rollback()
        holder.close()
    assert code == 1
    assert "The database is busy" in err.getvalue() and "nothing was saved" in err.getvalue()
    assert "Traceback" not in err.getvalue() + out.getvalue()
    with services.db.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Client)) == 0


def test_the_cli_import_stopped_by_a_busy_database_says_how_many_were_saved(
    services: Services, owner: Actor, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another desk takes the write lock between two batches and keeps it past the timeout."""
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)  # the owner runs the commands (desk_app/cli/owner.py)
    from desk_app.cli import run

    n = 3 * BATCH_ROWS
    path = _write_file(tmp_path / "clients.csv", n)
    monkeypatch.setattr(db_engine, "BUSY_TIMEOUT_MS", 300)
    taken = threading.Event()
    done = threading.Event()

    def long_writer() -> None:  # waits for the first batch, then holds the lock for 1.5 s
        conn = sqlite3.connect(db_path, isolation_level=None, timeout=5)
        try:
            while not done.is_set():
                if conn.execute("SELECT count(*) FROM clients").fetchone()[0]:
                    conn.execute("BEGIN IMMEDIATE")
                    taken.set()
                    time.sleep(1.5)
                    conn.execute("ROLLBACK")
                    return
                time.sleep(0.005)
        finally:
            conn.close()

    writer = threading.Thread(target=long_writer)
    writer.start()
    out, err = io.StringIO(), io.StringIO()
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = run(["import", "clients", str(path), "--db", str(db_path)])
    finally:
        done.set()
        writer.join(timeout=10)
    assert taken.is_set() and code == 1
    assert "stopped part-way" in err.getvalue() and "The database is busy" in err.getvalue()
    assert "Traceback" not in err.getvalue() + out.getvalue()
    with services.db.uow(write=False) as uow:
        saved = int(uow.session.scalar(select(func.count()).select_from(Client)) or 0)
    assert 0 < saved < _expected_clients(n)
    assert f"{saved} of " in err.getvalue() and f"imported {saved}," in out.getvalue()
    out = io.StringIO()
    with redirect_stdout(out):
        assert run(["import", "clients", str(path), "--db", str(db_path)]) == 0
    _one_client_per_key(services.db)
    with services.db.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Client)) == _expected_clients(n)
