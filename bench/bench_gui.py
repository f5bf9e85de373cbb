"""The GUI thread never waits on the database (issue 12): ``gui.max_stall_ms``.

A scripted visit, greeting to rebooking, through the real window (the Shell, signed in as the
owner) with the real threaded runner, on a shop with 100,000 clients (quick: 10,000), on SQLite
and on PostgreSQL (a throw-away server, as the tests start it):

  Today → Walk-in → type a client's name in the search → Enter → Greeted → the consultation's
  required answers, a service on the plan → Confirm → the stylist → Start → Log → Finished →
  card for the whole bill → Pay → 5 of 5 → the first proposed time → Book.

What is measured: every event the GUI thread handles (a click, a key, a timer, a runner's answer
arriving, a repaint) is timed in ``QApplication.notify``; a *stall* is one top-level event's
handling, and the script's own direct widget calls are timed the same way. Figures:

* ``gui.max_stall_ms (sqlite|postgresql)``: the longest stall of the walk (target 16 ms); its
  floor is the longest stall of the same window repainting with no database work.
* ``gui.db_statements_on_gui_thread``: SQL statements the GUI thread itself sent during the walk
  (target 0: everything goes through the runner).

The five worst stalls and any statement run on the GUI thread are printed on stderr, so a
regression names its culprit.

    .venv/bin/python -m bench.bench_gui [--quick]
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("DESK_APP_HOME", tempfile.mkdtemp(prefix="desk-bench-gui-"))

from bench.common import figure  # noqa: E402

NOW = datetime(2026, 11, 18, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai on the demo's "today"
TARGET_MS = 16.0


class _Clock:
    """The shop's clock for the walk: starts at NOW and moves a few seconds per reading."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


class Meter:
    """Times the GUI thread's work: top-level ``notify`` calls and the script's own actions.

    A sampler thread looks at the GUI thread's Python stack every 2 ms during a long span and
    notes the innermost frame of our code (ui/, desk_app/), so a stall names where it was spent."""

    def __init__(self) -> None:
        self.depth = 0
        self.on = False
        self.stalls: list[tuple[float, str]] = []
        self.gui_ident = threading.get_ident()
        self.statements: list[str] = []
        self._t0 = 0.0
        self._samples: dict[str, int] = {}
        self._stop = threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while not self._stop.wait(0.002):
            if not (self.on and self.depth and time.perf_counter() - self._t0 > 0.004):
                continue
            frame = sys._current_frames().get(self.gui_ident)
            while frame is not None:
                name = frame.f_code.co_filename
                if (f"{os.sep}ui{os.sep}" in name or f"{os.sep}desk_app{os.sep}" in name) and "bench" not in name:
                    key = f"{Path(name).parent.name}/{Path(name).name}:{frame.f_lineno} {frame.f_code.co_name}"
                    self._samples[key] = self._samples.get(key, 0) + 1
                    break
                frame = frame.f_back

    @contextmanager
    def span(self, what: str) -> Iterator[None]:
        self.depth += 1
        t0 = time.perf_counter()
        if self.depth == 1:
            self._t0 = t0
            self._samples = {}
        try:
            yield
        finally:
            self.depth -= 1
            if self.on and self.depth == 0:
                ms = (time.perf_counter() - t0) * 1000.0
                if ms > TARGET_MS and self._samples:
                    top = sorted(self._samples.items(), key=lambda kv: -kv[1])[:2]
                    what += " [" + "; ".join(f"{k} ×{n}" for k, n in top) + "]"
                self.stalls.append((ms, what))

    def sql(self, statement: str) -> None:
        if self.on and threading.get_ident() == self.gui_ident:
            # name the screen code that asked: the innermost frame in ui/
            where = "?"
            for fr in reversed(traceback.extract_stack()):
                if f"{os.sep}ui{os.sep}" in fr.filename:
                    where = f"{Path(fr.filename).parent.name}/{Path(fr.filename).name}:{fr.lineno} {fr.name}"
                    break
            self.statements.append(f"{where}: {' '.join(statement.split())[:60]}")


def _make_app(meter: Meter) -> Any:
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QAbstractButton, QApplication

    class MeteredApp(QApplication):
        def notify(self, receiver: QObject, event: QEvent) -> bool:  # noqa: N802
            if meter.depth:
                return super().notify(receiver, event)
            what = f"{type(receiver).__name__}:{event.type().name}"
            if isinstance(receiver, QAbstractButton) and event.type() == QEvent.Type.MouseButtonRelease:
                what += f" {receiver.text()[:30]!r}"
            with meter.span(what):
                return super().notify(receiver, event)

    app = QApplication.instance()
    if app is not None:
        raise RuntimeError("bench_gui needs its own QApplication (run it in its own process)")
    return MeteredApp(["bench"])


def _wait(app: Any, cond: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise RuntimeError(f"timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.001)


def walk(db: str, meter: Meter, app: Any) -> tuple[list[float], list[float]]:
    """Sign in, then the scripted visit; returns (stalls of the walk, stalls while idle)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit
    from sqlalchemy import event, select

    from desk_app.db.models import Client, Service, Staff
    from desk_app.settings import S
    from ui.app import Shell
    from ui.checkout.panel import CheckoutPanel
    from ui.visits.rebook import RebookPanel
    from ui.visits.screen import VisitScreen

    meter.stalls.clear()
    meter.statements.clear()
    shell = Shell(db, True, app, clock=_Clock())
    shell.resize(1366, 768)
    shell.show()
    database = shell.database
    event.listen(database.engine, "before_cursor_execute", lambda *a: meter.sql(a[2]))
    services = shell.services
    pins = {int(k): str(v) for k, v in (services.settings.get(S.DEMO_PINS) or {}).items()}
    with database.uow(write=False) as uow:
        s = uow.session
        owner = s.execute(select(Staff.id).where(Staff.role == "owner").limit(1)).scalar_one()
        stylist = s.execute(select(Staff.id).where(Staff.role == "stylist").order_by(Staff.id).limit(1)).scalar_one()
        cut = s.execute(select(Service.id).where(Service.code == "CUT-W")).scalar_one()
        n = s.execute(select(Client.id).order_by(Client.id.desc()).limit(1)).scalar_one()
        name = s.execute(select(Client.client_number).where(Client.id == n // 2)).scalar_one()

    def click(w: Any) -> None:
        if not (w.isEnabled() and w.isVisible()):
            raise RuntimeError(f"{w} cannot be clicked")
        QTest.mouseClick(w, Qt.MouseButton.LeftButton)

    def act(what: str, fn: Callable[[], Any]) -> None:
        with meter.span(f"script:{what}"):
            fn()

    # sign in (not measured: opening the shop is the startup bench's)
    page = shell.sign_in
    assert page is not None
    page.select(owner)
    for k in pins.get(owner, "1111"):
        click(page.key_buttons[k])
    click(page.key_buttons["OK"])
    _wait(app, lambda: shell.main is not None and shell.pages.currentWidget() is shell.main, "sign-in")
    # the services are built on a worker while the sign-in page waits for a PIN (a person takes
    # seconds; the script none): that is the opening of the shop, not the walk
    _wait(app, lambda: services.warmed, "the services' warm-up")
    main = shell.main
    assert main is not None
    for _ in range(50):
        app.processEvents()
        time.sleep(0.01)
    for w in QApplication.topLevelWidgets():
        if type(w).__name__ == "OverdueComplaintsDialog" and w.isVisible():
            w.close()

    # the floor: the same window repainting, no database work
    meter.on = True
    today = main.screen_widget("today")
    for _ in range(20):
        act("repaint", lambda: (today.update(), today.repaint()))
        app.processEvents()
    idle = [ms for ms, _w in meter.stalls]
    meter.stalls.clear()
    meter.statements.clear()

    # the visit
    click(today.walk_in_btn)
    _wait(app, lambda: main.current == "visit", "the visit screen")
    screen = main.screen_widget("visit")
    assert isinstance(screen, VisitScreen)
    # the greeting page shows once the new visit is read (a person cannot type into it before)
    _wait(app, lambda: screen.stack.currentWidget() is screen.greeting and screen.greeting.view is not None,
          "the greeting")
    search = screen.greeting.search
    QTest.keyClicks(search.edit, name)  # type: ignore[union-attr]
    _wait(app, lambda: not search.pending() and bool(search.hits()), "the search's answer")  # type: ignore[union-attr]
    QTest.keyClick(search.edit, Qt.Key.Key_Return)  # type: ignore[union-attr]
    _wait(app, lambda: screen.greeting.greet_btn.isEnabled() and screen.greeting.greet_btn.isVisible(), "the client")
    click(screen.greeting.greet_btn)
    needs = screen.needs
    _wait(app, lambda: screen.stack.currentWidget() is needs and bool(needs.form.questions), "the consultation")
    for q in needs.form.questions:
        if not q.required:
            continue
        w = needs.form.inputs[q.key]
        if isinstance(w, QLineEdit):
            act("answer", lambda w=w: w.setText("Shorter, low upkeep"))
        elif isinstance(w, QComboBox):
            act("answer", lambda w=w: w.setCurrentIndex(1))
        elif isinstance(w, list):
            act("answer", lambda w=w: w[0].setChecked(True))
    _wait(app, lambda: needs.plan.service.findData(cut) >= 0, "the service menu")
    act("plan service", lambda: needs.plan.service.setCurrentIndex(needs.plan.service.findData(cut)))
    click(needs.plan.add_service_btn)
    _wait(app, lambda: needs.plan.table.rowCount() >= 1, "the plan")
    click(needs.confirm_btn)
    svc = screen.service
    _wait(app, lambda: screen.stack.currentWidget() is svc and svc.staff.findData(stylist) >= 0, "the service step")
    act("stylist", lambda: svc.staff.setCurrentIndex(svc.staff.findData(stylist)))
    act("stylist", lambda: svc.staff.activated.emit(svc.staff.currentIndex()))
    _wait(app, lambda: svc.start_btn.isEnabled() and svc.start_btn.isVisible(), "Start")
    click(svc.start_btn)
    _wait(app, lambda: svc.log_btn.isEnabled() and svc.log_btn.isVisible(), "Log")
    click(svc.log_btn)
    _wait(app, lambda: svc.logs.count() >= 1 and svc.finish_btn.isEnabled(), "the log")
    click(svc.finish_btn)
    _wait(app, lambda: screen.stack.currentWidget() is screen.checkout_host, "checkout")
    _wait(app, lambda: screen.checkout_host.findChild(CheckoutPanel) is not None, "the bill")
    panel = screen.checkout_host.findChild(CheckoutPanel)
    assert panel is not None
    _wait(app, lambda: panel.editor.bill is not None and panel.payment.pay_btn.isVisible(), "the bill")
    click(panel.payment.method_buttons["card"])
    _wait(app, lambda: panel.payment.pay_btn.isEnabled(), "Pay")
    click(panel.payment.pay_btn)
    _wait(app, lambda: panel.stack.currentWidget() is panel.done, "paid")
    click(panel.done.score_buttons[4])
    _wait(app, lambda: screen.stack.currentWidget() is screen.rebook_host, "rebooking")
    _wait(app, lambda: (r := screen.rebook_host.findChild(RebookPanel)) is not None and bool(r.slot_buttons), "times")
    rebook = screen.rebook_host.findChild(RebookPanel)
    assert rebook is not None
    _wait(app, lambda: rebook.slot_buttons[0].isVisible() and rebook.slot_buttons[0].isEnabled(), "a time")
    click(rebook.slot_buttons[0])
    _wait(app, lambda: rebook.book_button.isEnabled(), "Book")
    click(rebook.book_button)
    _wait(app, lambda: screen.stack.currentWidget() is screen.closed, "the visit closed")
    for _ in range(20):
        app.processEvents()
        time.sleep(0.005)
    meter.on = False
    walked = [ms for ms, _w in meter.stalls]
    worst = sorted(meter.stalls, reverse=True)[:5]
    print(f"  worst stalls ({db.split('://')[0] if '://' in db else 'sqlite'}):", file=sys.stderr)
    for ms, what in worst:
        print(f"    {ms:6.1f} ms {what}", file=sys.stderr)
    culprits: dict[str, int] = {}
    for st in meter.statements:
        key = st.split(": ", 1)[0]
        culprits[key] = culprits.get(key, 0) + 1
    for key, count in sorted(culprits.items(), key=lambda kv: -kv[1])[:12]:
        print(f"  SQL on the GUI thread: {count:3d} from {key}", file=sys.stderr)
    shell.close()
    database.dispose()
    return walked, idle


def run(quick: bool) -> list[dict[str, Any]]:
    """The walk needs its own metered QApplication: when ``python -m bench`` already made one
    (another bench in the same process), the walk runs in a child process and its figures are
    read back as JSON."""
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is not None:
        import json
        import subprocess

        cmd = [sys.executable, "-m", "bench.bench_gui", "--json", *(["--quick"] if quick else [])]
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
        sys.stderr.write(done.stderr)
        if done.returncode != 0:
            raise RuntimeError(f"bench_gui's own process failed ({done.returncode})")
        return list(json.loads(done.stdout.strip().splitlines()[-1]))
    return _run_here(quick)


def _run_here(quick: bool) -> list[dict[str, Any]]:
    from desk_app.demo.shop import generate
    from tests.pg import PgServer

    clients = 10_000 if quick else 100_000
    meter = Meter()
    app = _make_app(meter)
    out: list[dict[str, Any]] = []
    tmp = Path(tempfile.mkdtemp(prefix="bench-gui-"))
    sqlite_file = tmp / "gui.sqlite3"
    generate(str(sqlite_file), clients=clients, months=1, staff=8, seed=5, lang="en", today=NOW)
    pg = PgServer().start()
    try:
        url = pg.create_database("gui")
        generate(url, clients=clients, months=1, staff=8, seed=5, lang="en", today=NOW)
        for label, db in (("sqlite", str(sqlite_file)), ("postgresql", url)):
            walked, idle = walk(db, meter, app)
            out.append(
                figure(
                    f"gui.max_stall_ms ({label})",
                    [max(walked)],
                    "ms",
                    floor=max(idle),
                    target=TARGET_MS,
                    clients=clients,
                )
            )
            out.append(figure(f"gui.stall_p95_ms ({label})", walked, "ms", clients=clients))
            out.append(
                figure(f"gui.db_statements_on_gui_thread ({label})", [float(len(meter.statements))], "statements",
                       target=0.0)  # fmt: skip
            )
    finally:
        pg.stop()
    return out


if __name__ == "__main__":
    if "--json" in sys.argv:  # for python -m bench, which runs this in its own process
        import json

        print(json.dumps(_run_here("--quick" in sys.argv), default=str))
        sys.exit(0)
    for f in run("--quick" in sys.argv):
        print(
            f"{f['name']:42s} median {f['median']:8.2f} p95 {f['p95']:8.2f} {f['unit']}"
            f"  target {f.get('target', '-')}  floor {f.get('floor', '-')}"
        )
