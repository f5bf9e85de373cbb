"""The task runner with real threads: an answer arriving after its screen was deleted is dropped
whatever its callback is, and a search answer older than the newest search is never applied."""

from __future__ import annotations

import functools
import logging
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QThreadPool
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from desk_app.container import Services
from desk_app.domain.permissions import Actor
from tests.integration import visit_helpers as h
from ui.context import UiContext
from ui.runner import Latest, TaskRunner

GATE_TIMEOUT_S = 10


@pytest.fixture
def pool() -> Iterator[QThreadPool]:
    pool = QThreadPool()
    pool.setMaxThreadCount(4)
    yield pool
    pool.waitForDone()


@pytest.fixture
def threaded(qtbot: QtBot, services: Services, owner: Actor, pool: QThreadPool) -> UiContext:
    """A context whose runner uses real worker threads (the app's, not the tests' inline one)."""
    runner = TaskRunner(pool)
    pool.runners = [*getattr(pool, "runners", []), runner]  # so that _settle waits for its writes too
    return UiContext(services=services, runner=runner, shop=services.shop.info(), actor=owner)


def _delete(widget: QWidget) -> None:
    """Close and delete a screen as the main window does, then make sure it is gone."""
    widget.close()
    widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    if shiboken6.isValid(widget):
        shiboken6.delete(widget)
    assert not shiboken6.isValid(widget)


def _settle(qtbot: QtBot, pool: QThreadPool, runner: TaskRunner | None = None) -> None:
    """Wait for every worker, then deliver what they queued for the GUI thread. Writes
    (``in_order=True``) run on each runner's own write pool, which is waited for too (every
    runner made on ``pool`` by the ``threaded`` fixture, and ``runner``); an answer may start more
    work, so this is done twice."""
    runners = [*getattr(pool, "runners", []), *([runner] if runner is not None else [])]
    for _round in range(2):
        for r in runners:
            assert r.wait_for_done(GATE_TIMEOUT_S * 1000)
        assert pool.waitForDone(GATE_TIMEOUT_S * 1000)
        QCoreApplication.processEvents()
        qtbot.wait(20)
        QCoreApplication.processEvents()


def _gated(real: Callable[..., Any], gate: threading.Event, started: threading.Event) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        started.set()
        assert gate.wait(GATE_TIMEOUT_S), "the test never released the work"
        return real(*args, **kwargs)

    return call


# ------------------------------------------------------------------ the runner itself
@pytest.mark.parametrize("kind", ["lambda", "partial", "bound method"])
def test_late_answer_for_a_deleted_owner_is_dropped_whatever_the_callback(
    qtbot: QtBot, pool: QThreadPool, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    runner = TaskRunner(pool)
    seen: list[tuple[str, object]] = []

    class Screen(QLabel):
        def loaded(self, value: object) -> None:
            seen.append(("done", value))
            self.setText(str(value))  # on a deleted widget: "Internal C++ object already deleted"

        def failed(self, exc: Exception) -> None:
            seen.append(("error", exc))
            self.setText(str(exc))

    def boom() -> None:
        gate.wait(GATE_TIMEOUT_S)
        raise ValueError("late failure")

    for work in ("done", "error"):
        gate = threading.Event()
        screen = Screen()
        callbacks: dict[str, Callable[[Any], None]] = {
            "lambda": lambda v, s=screen: s.loaded(v),
            "partial": functools.partial(Screen.loaded, screen),
            "bound method": screen.loaded,
        }
        errbacks: dict[str, Callable[[Exception], None]] = {
            "lambda": lambda e, s=screen: s.failed(e),
            "partial": functools.partial(Screen.failed, screen),
            "bound method": screen.failed,
        }
        fn = (lambda g=gate: g.wait(GATE_TIMEOUT_S) and "late") if work == "done" else boom
        with qtbot.captureExceptions() as exceptions, warnings.catch_warnings():
            warnings.simplefilter("error")
            runner.run(screen, fn, on_done=callbacks[kind], on_error=errbacks[kind])
            _delete(screen)
            gate.set()
            _settle(qtbot, pool)
        assert exceptions == []
        assert seen == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert runner._pending == {}


def test_a_live_owner_gets_its_answer_and_progress(qtbot: QtBot, pool: QThreadPool) -> None:
    runner = TaskRunner(pool)
    screen = QLabel()
    qtbot.addWidget(screen)
    steps: list[tuple[int, int]] = []

    def work(progress: Callable[[int, int], None]) -> str:
        for i in range(3):
            progress(i + 1, 3)
        return "ready"

    runner.run(
        screen, work, on_done=lambda v: screen.setText(str(v)), on_progress=lambda d, t: steps.append((d, t))
    )
    qtbot.waitUntil(lambda: screen.text() == "ready")
    assert steps == [(1, 3), (2, 3), (3, 3)]
    errors: list[str] = []
    runner.run(screen, lambda: 1 / 0, on_error=lambda e: errors.append(type(e).__name__))
    qtbot.waitUntil(lambda: errors == ["ZeroDivisionError"])


def test_the_owner_is_required(qtbot: QtBot) -> None:
    runner = TaskRunner(synchronous=True)
    with pytest.raises(TypeError):
        runner.run(QLabel(), on_done=print)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        runner.run("not a widget", lambda: 1)  # type: ignore[arg-type]


def test_latest_drops_an_older_answer() -> None:
    latest = Latest()
    got: list[str] = []
    first = latest.guard(latest.next(), got.append)
    second = latest.guard(latest.next(), got.append)
    assert latest.pending
    second("new")
    first("old")
    assert got == ["new"] and not latest.pending
    stale = latest.guard(latest.next(), got.append)
    latest.cancel()
    stale("cancelled")
    assert got == ["new"] and not latest.pending


# ------------------------------------------------------------------ real screens, real threads
def test_visit_screen_deleted_while_its_load_runs_lambda_callback(
    qtbot: QtBot,
    threaded: UiContext,
    services: Services,
    owner: Actor,
    pool: QThreadPool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """VisitScreen.reload hands the runner lambdas (``lambda view: self._loaded(seq, view)``)."""
    from ui.visits.screen import VisitScreen

    vid = services.visits.start_walk_in(owner, h.add_client(services.db, "Late answer"))
    calls: list[object] = []
    monkeypatch.setattr(VisitScreen, "_loaded", lambda self, seq, view: calls.append(view))

    # control: with the screen alive the answer arrives
    alive = VisitScreen(threaded)
    qtbot.addWidget(alive)
    alive.open(visit_id=vid)
    qtbot.waitUntil(lambda: len(calls) == 1)
    calls.clear()

    gate, started = threading.Event(), threading.Event()
    monkeypatch.setattr(services.visits, "get", _gated(services.visits.get, gate, started))
    screen = VisitScreen(threaded)
    with qtbot.captureExceptions() as exceptions, warnings.catch_warnings():
        warnings.simplefilter("error")
        screen.open(visit_id=vid)
        assert started.wait(GATE_TIMEOUT_S)  # the load is running in a worker, blocked
        _delete(screen)
        gate.set()
        _settle(qtbot, pool)
    assert exceptions == []
    assert calls == []  # nothing ran on the deleted screen


def test_today_screen_deleted_while_its_load_runs_bound_method_callback(
    qtbot: QtBot,
    threaded: UiContext,
    services: Services,
    pool: QThreadPool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """TodayScreen.refresh hands the runner a bound method (``on_done=self._apply``)."""
    from ui.today.screen import TodayScreen

    calls: list[object] = []
    monkeypatch.setattr(TodayScreen, "_apply", lambda self, data: calls.append(data))

    alive = TodayScreen(threaded)  # control: alive, it gets its answer
    qtbot.addWidget(alive)
    qtbot.waitUntil(lambda: len(calls) == 1)
    calls.clear()

    gate, started = threading.Event(), threading.Event()
    monkeypatch.setattr(services.visits, "list_today", _gated(services.visits.list_today, gate, started))
    with qtbot.captureExceptions() as exceptions, warnings.catch_warnings():
        warnings.simplefilter("error")
        screen = TodayScreen(threaded)  # its load starts at once
        assert started.wait(GATE_TIMEOUT_S)
        _delete(screen)
        gate.set()
        _settle(qtbot, pool)
    assert exceptions == []
    assert calls == []


# ------------------------------------------------------------------ searches
def test_an_out_of_date_client_search_answer_is_dropped(
    qtbot: QtBot,
    threaded: UiContext,
    services: Services,
    owner: Actor,
    pool: QThreadPool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ui.clients.search import ClientSearchBox

    c = services.clients
    zhang = c.create(owner, {"name": "张三", "phone": "13812345678"}).id
    c.create(owner, {"name": "赵六", "phone": "13900001111"})
    real = services.client_search.search
    gate, started = threading.Event(), threading.Event()

    def search(actor: Actor, text: str) -> Any:
        if text == "z":  # the first search is slow (a busy server)
            started.set()
            assert gate.wait(GATE_TIMEOUT_S)
        return real(actor, text)

    monkeypatch.setattr(services.client_search, "search", search)
    box = ClientSearchBox(threaded)
    qtbot.addWidget(box)
    qtbot.waitUntil(lambda: not box.pending())
    shown: list[str] = []
    original = box._show_hits
    monkeypatch.setattr(box, "_show_hits", lambda text, hits: (shown.append(text), original(text, hits)))
    box.set_text("z")  # matches both clients; its answer is held back
    assert started.wait(GATE_TIMEOUT_S)
    box.set_text("zhangsan")  # newer: answered at once
    qtbot.waitUntil(lambda: not box.pending())
    assert [hit.id for hit in box.hits()] == [zhang]
    gate.set()  # now the old answer arrives...
    _settle(qtbot, pool)
    assert shown == ["zhangsan"]  # ...and is dropped
    assert [hit.id for hit in box.hits()] == [zhang]


def test_typing_runs_one_search_after_the_pause(
    qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.clients.search import ClientSearchBox

    zhang = services.clients.create(owner, {"name": "张三", "phone": "13812345678"}).id
    box = ClientSearchBox(ctx)
    qtbot.addWidget(box)
    asked: list[str] = []
    real = services.client_search.search
    monkeypatch.setattr(services.client_search, "search", lambda a, t: (asked.append(t), real(a, t))[1])
    qtbot.keyClicks(box.edit, "zhangsan")
    assert asked == []  # not one query per keystroke
    qtbot.waitUntil(lambda: not box.pending())
    assert asked == ["zhangsan"]
    assert [hit.id for hit in box.hits()] == [zhang]


def test_an_out_of_date_product_search_answer_is_dropped(
    qtbot: QtBot,
    threaded: UiContext,
    services: Services,
    owner: Actor,
    pool: QThreadPool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ui.checkout.editor import BillEditor

    co = services.checkout
    real = co.search_products
    gate, started = threading.Event(), threading.Event()

    def search_products(query: str, limit: int = 20) -> Any:
        if query == "sh":
            started.set()
            assert gate.wait(GATE_TIMEOUT_S)
        return real(query, limit)

    monkeypatch.setattr(co, "search_products", search_products)
    ed = BillEditor(threaded)
    qtbot.addWidget(ed)
    ed.set_bill(co.build_bill(owner))
    ed.search.setText("sh")
    ed._search_products()  # the typing pause is over
    assert started.wait(GATE_TIMEOUT_S)
    ed.search.setText("Colour-care")
    ed._search_products()
    qtbot.waitUntil(lambda: not ed._search_pending())
    newest = [ed.results.item(i).text() for i in range(ed.results.count())]
    assert newest and all("Colour-care" in t for t in newest)
    gate.set()
    _settle(qtbot, pool)
    assert [ed.results.item(i).text() for i in range(ed.results.count())] == newest


def test_in_order_jobs_run_one_after_the_other(qtbot: QtBot, pool: QThreadPool) -> None:
    """Writes (in_order=True) keep the order they were asked in, as on the GUI thread."""
    runner = TaskRunner(pool)
    owner = QLabel()
    qtbot.addWidget(owner)
    gate = threading.Event()
    ran: list[str] = []
    answered: list[str] = []

    def first() -> str:
        assert gate.wait(GATE_TIMEOUT_S)
        ran.append("first")
        return "first"

    def second() -> str:
        ran.append("second")
        return "second"

    runner.run(owner, first, on_done=answered.append, in_order=True)
    runner.run(owner, second, on_done=answered.append, in_order=True)
    qtbot.wait(50)
    assert ran == []  # the second waits for the first, which waits for the gate
    gate.set()
    assert runner.wait_for_done(GATE_TIMEOUT_S * 1000)
    qtbot.waitUntil(lambda: len(answered) == 2)
    assert ran == ["first", "second"] and answered == ["first", "second"]


# ------------------------------------------------------------------ payment off the GUI thread
def test_paying_waits_off_the_gui_thread_and_a_closed_panel_still_leaves_one_sale(
    qtbot: QtBot,
    threaded: UiContext,
    services: Services,
    owner: Actor,
    pool: QThreadPool,
    clock: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pay runs on a worker: meanwhile the bill and the payment box wait (a second tap does not pay
    twice); the panel closed before the answer arrives leaves the sale written once and no error."""
    from sqlalchemy import func, select

    from desk_app.db.models import Sale
    from tests.integration.test_checkout_support import new_client, new_staff, visit_at_checkout
    from ui.checkout.panel import CheckoutPanel

    leo = new_staff(services.db, owner.branch_id)
    vid = visit_at_checkout(services.db, clock, owner.branch_id, new_client(services.db), leo.staff_id, ["CUT-W"])
    panel = CheckoutPanel(threaded, vid)  # deleted by the test itself
    qtbot.waitUntil(lambda: panel.editor.bill is not None)  # the bill is built on a worker too
    gate, started = threading.Event(), threading.Event()
    monkeypatch.setattr(services.payments, "pay", _gated(services.payments.pay, gate, started))
    panel.payment.method_buttons["card"].click()
    with qtbot.captureExceptions() as exceptions:
        panel.payment.pay_btn.click()
        assert started.wait(GATE_TIMEOUT_S)
        assert panel.paying() and not panel.payment.isEnabled() and not panel.editor.isEnabled()
        panel.pay()  # a second tap (F9) while the first payment is being written
        _delete(panel)
        gate.set()
        assert threaded.runner.wait_for_done(GATE_TIMEOUT_S * 1000)  # pay is a write: the in-order pool
        _settle(qtbot, pool)
    assert exceptions == []
    with services.db.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Sale).where(Sale.visit_id == vid)) == 1


def test_one_checkout_panel_loads_the_next_visit_and_drops_the_last_visits_late_payment(
    qtbot: QtBot,
    threaded: UiContext,
    services: Services,
    owner: Actor,
    pool: QThreadPool,
    clock: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The visit screen keeps one checkout panel and loads each visit into it. Loading the next
    visit while the last one's payment is still being written: nothing of the last client stays
    on screen, the late answer does not show the last sale on the next visit's panel, the next
    visit can be paid, and each visit has exactly one sale."""
    from sqlalchemy import func, select

    from desk_app.db.models import Sale
    from tests.integration.test_checkout_support import new_client, new_staff, visit_at_checkout
    from ui.checkout.panel import CheckoutPanel

    leo = new_staff(services.db, owner.branch_id)
    ann = new_client(services.db, "Ann First")
    bo = new_client(services.db, "Bo Second")
    first = visit_at_checkout(services.db, clock, owner.branch_id, ann, leo.staff_id, ["CUT-W"])
    second = visit_at_checkout(services.db, clock, owner.branch_id, bo, leo.staff_id, ["CUT-W"])
    panel = CheckoutPanel(threaded, None)
    qtbot.addWidget(panel)
    assert panel.editor.bill is None and not panel.payment.pay_btn.isEnabled()  # empty until loaded
    panel.load(first)
    qtbot.waitUntil(lambda: panel.editor.bill is not None)
    assert "Ann First" in panel.editor.client_label.text()
    gate, started = threading.Event(), threading.Event()
    monkeypatch.setattr(services.payments, "pay", _gated(services.payments.pay, gate, started))
    panel.payment.method_buttons["card"].click()
    with qtbot.captureExceptions() as exceptions:
        panel.payment.pay_btn.click()
        assert started.wait(GATE_TIMEOUT_S)
        panel.load(second)  # the desk moved on before the first payment's answer came back
        assert "Ann" not in panel.editor.client_label.text() and panel.editor.table.rowCount() == 0
        assert not panel.paying() and not panel.payment.pay_btn.isEnabled()
        gate.set()
        _settle(qtbot, pool, threaded.runner)
        qtbot.waitUntil(lambda: panel.editor.bill is not None and panel.editor.bill.client_id == bo)
        assert panel.stack.currentIndex() == 0 and panel.last_paid is None  # the late answer was dropped
        assert "Bo Second" in panel.editor.client_label.text()
        monkeypatch.undo()
        panel.payment.method_buttons["card"].click()
        panel.payment.pay_btn.click()
        qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.done, timeout=GATE_TIMEOUT_S * 1000)
        _settle(qtbot, pool, threaded.runner)
    assert exceptions == []
    assert panel.last_paid is not None
    with services.db.uow(write=False) as uow:
        for vid in (first, second):
            assert uow.session.scalar(select(func.count()).select_from(Sale).where(Sale.visit_id == vid)) == 1
        assert uow.session.get(Sale, panel.last_paid.sale_id).visit_id == second


# ------------------------------------------------------------------ the drawer and a new client off the GUI thread
def test_closing_the_day_waits_off_the_gui_thread_and_a_closed_screen_closes_it_once(
    qtbot: QtBot,
    threaded: UiContext,
    services: Services,
    owner: Actor,
    pool: QThreadPool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The close runs on a worker: meanwhile the drawer's buttons wait (a second tap asks nothing and
    closes nothing); the screen left before the answer arrives leaves the day closed once, no error."""
    from sqlalchemy import func, select

    from desk_app.db.models import CashSession
    from ui.checkout.cash_drawer import CashDrawerScreen

    services.cash.open(owner, 50000)
    counts: list[int] = []
    monkeypatch.setattr("ui.checkout.cash_drawer.ask_amount", lambda *a, **k: counts.append(50000) or 50000)

    # control: alive, the screen shows the closed day's Z report once the close is written
    alive = CashDrawerScreen(threaded)
    qtbot.addWidget(alive)
    qtbot.waitUntil(lambda: alive.close_btn.isVisibleTo(alive))  # the drawer's state is read on a worker
    assert alive.open_btn.isHidden()
    alive.close_day()
    qtbot.waitUntil(lambda: alive.shown_z is not None and alive.shown_z.drawer.counted_minor == 50000)
    assert alive.open_btn.isVisibleTo(alive) and alive.open_btn.isEnabled() and not alive.busy()

    services.cash.open(owner, 50000)
    screen = CashDrawerScreen(threaded)  # deleted by the test itself
    qtbot.waitUntil(lambda: screen.close_btn.isVisibleTo(screen))
    gate, started = threading.Event(), threading.Event()
    monkeypatch.setattr(services.cash, "close", _gated(services.cash.close, gate, started))
    counts.clear()
    with qtbot.captureExceptions() as exceptions, warnings.catch_warnings():
        warnings.simplefilter("error")
        screen.close_btn.click()
        qtbot.waitUntil(started.is_set)  # the expected amount was read, the close is running
        assert screen.busy() and not screen.close_btn.isEnabled() and not screen.in_btn.isEnabled()
        screen.close_day()  # a second tap while the first close is being written
        assert counts == [50000]  # ...asks for no count and closes nothing
        _delete(screen)
        gate.set()
        _settle(qtbot, pool)
    assert exceptions == []
    assert services.cash.current(owner.branch_id) is None
    with services.db.uow(write=False) as uow:
        closed = uow.session.scalar(
            select(func.count()).select_from(CashSession).where(CashSession.closed_at.is_not(None))
        )
        assert closed == 2  # the control's day and this one, each closed once


def test_saving_a_new_client_waits_off_the_gui_thread_and_a_closed_dialog_saves_once(
    qtbot: QtBot,
    threaded: UiContext,
    services: Services,
    pool: QThreadPool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Save checks the duplicates and writes on workers: meanwhile Save waits (Ctrl+Return or a
    second click writes nothing more); the dialog closed before the answer leaves one client."""
    from PySide6.QtCore import Qt

    from ui.clients.new_client import NewClientDialog

    # control: alive, the dialog is accepted with the new client's id
    alive = NewClientDialog(threaded, "Ada Lee")
    qtbot.addWidget(alive)
    alive.phone.setText("13700001234")
    with qtbot.waitSignal(alive.accepted, timeout=GATE_TIMEOUT_S * 1000):
        alive.save_button.click()
    assert alive.client_id is not None and not alive.saving()

    gate, started = threading.Event(), threading.Event()
    monkeypatch.setattr(services.clients, "create", _gated(services.clients.create, gate, started))
    dlg = NewClientDialog(threaded, "Bo Wang")  # deleted by the test itself
    dlg.phone.setText("13700005678")
    with qtbot.captureExceptions() as exceptions, warnings.catch_warnings():
        warnings.simplefilter("error")
        dlg.save_button.click()
        qtbot.waitUntil(started.is_set)  # no duplicate: the client is being written
        assert dlg.saving() and not dlg.save_button.isEnabled()
        dlg.save()  # Ctrl+Return while the first save is being written
        qtbot.keyClick(dlg, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        assert pool.waitForDone(GATE_TIMEOUT_S * 1000)  # a second duplicate check would be answered now
        QCoreApplication.processEvents()
        dlg.reject()
        _delete(dlg)
        gate.set()
        _settle(qtbot, pool)
    assert exceptions == []
    hits = services.client_search.find_duplicates("Bo Wang", "13700005678", None)
    assert [h.name for h in hits] == ["Bo Wang"]


def test_a_profile_save_held_on_a_worker_is_not_shown_on_the_next_client(
    qtbot: QtBot,
    threaded: UiContext,
    services: Services,
    owner: Actor,
    pool: QThreadPool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While the save runs the form waits (Ctrl+S again writes nothing more); another client opened
    meanwhile stays on screen when the save's answer arrives, and the first client is saved once."""
    from ui.clients.profile import ClientProfileScreen

    first = services.clients.create(owner, {"name": "王芳", "phone": "13733334444"}).id
    second = services.clients.create(owner, {"name": "李梅", "phone": "13911112222"}).id
    screen = ClientProfileScreen(threaded)
    qtbot.addWidget(screen)
    screen.open(client_id=first)
    qtbot.waitUntil(lambda: screen.profile is not None and screen.profile.id == first)
    gate, started = threading.Event(), threading.Event()
    writes: list[int] = []
    real = services.clients.update

    def update(*args: Any, **kwargs: Any) -> Any:
        writes.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(services.clients, "update", _gated(update, gate, started))
    screen.form.notes.setPlainText("prefers mornings")
    with qtbot.captureExceptions() as exceptions:
        screen.save()
        qtbot.waitUntil(started.is_set)
        assert screen.saving() and not screen.form.isEnabled() and not screen.save_button.isEnabled()
        screen.save()  # Ctrl+S again while the first save is being written
        screen.open(client_id=second)
        qtbot.waitUntil(lambda: screen.profile is not None and screen.profile.id == second)
        gate.set()
        _settle(qtbot, pool)
        assert threaded.runner.wait_for_done(GATE_TIMEOUT_S * 1000)
        QCoreApplication.processEvents()
    assert exceptions == []
    assert writes == [first]
    assert not screen.saving() and screen.profile.id == second and screen.form.isEnabled()
    assert screen.form.name.text() == "李梅" and screen.status.text() != "Saved."
    assert services.clients.get(owner, first).notes == "prefers mornings"


# ------------------------------------------------------------------ signing in off the GUI thread
def test_keys_wait_while_the_pin_is_checked_and_one_ok_is_one_sign_in(
    qtbot: QtBot, services: Services, owner: Actor, pool: QThreadPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PIN check (a slow hash) runs on a worker: meanwhile the keypad says so and ignores keys,
    taps and a second OK; the answer signs in once. Closed meanwhile, the page is told nothing."""
    from PySide6.QtCore import Qt

    from tests.conftest import OWNER_PIN
    from ui.shell.sign_in import SignInPage

    runner = TaskRunner(pool)  # the PIN check is a write: it runs on the runner's in-order pool
    page = SignInPage(services, runner, "Lotus")
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: not page.staff_loading())  # the staff list comes from a worker too
    assert [s.id for s in page._staff] == [owner.staff_id]
    assert page.selected_id == owner.staff_id  # the only one: chosen already
    signed: list[Actor] = []
    page.signed_in.connect(signed.append)
    real = services.auth.sign_in
    asked: list[str] = []

    def sign_in(staff_id: int, pin: str, desk_branch: str | None = None) -> Actor:
        asked.append(pin)
        return real(staff_id, pin, desk_branch)

    gate, started = threading.Event(), threading.Event()
    monkeypatch.setattr(services.auth, "sign_in", _gated(sign_in, gate, started))
    page.type_pin(OWNER_PIN)
    qtbot.mouseClick(page.key_buttons["OK"], Qt.MouseButton.LeftButton)
    assert started.wait(GATE_TIMEOUT_S)  # the check is running, held back
    assert page.checking() and page.dots.text() == "Checking…"
    assert not any(b.isEnabled() for b in page.key_buttons.values())
    qtbot.keyClicks(page, "99")  # typed while it checks: ignored
    qtbot.keyClick(page, Qt.Key.Key_Return)  # a second OK: no second check
    page.submit()
    page.select(owner.staff_id)
    assert page._pin == OWNER_PIN and page.dots.text() == "Checking…"
    gate.set()
    qtbot.waitUntil(lambda: len(signed) == 1)
    assert runner.wait_for_done(GATE_TIMEOUT_S * 1000)
    _settle(qtbot, pool)
    assert asked == [OWNER_PIN] and signed[0].staff_id == owner.staff_id
    assert not page.checking() and page.key_buttons["1"].isEnabled() and page.dots.text() == ""

    # the window closes while a PIN is checked: the late answer goes nowhere
    gate, started = threading.Event(), threading.Event()
    monkeypatch.setattr(services.auth, "sign_in", _gated(sign_in, gate, started))
    closing = SignInPage(services, runner, "Lotus")
    closing.signed_in.connect(signed.append)
    qtbot.waitUntil(lambda: not closing.staff_loading())
    closing.type_pin(OWNER_PIN)
    with qtbot.captureExceptions() as exceptions, warnings.catch_warnings():
        warnings.simplefilter("error")
        closing.submit()
        assert started.wait(GATE_TIMEOUT_S)
        _delete(closing)
        gate.set()
        assert runner.wait_for_done(GATE_TIMEOUT_S * 1000)
        _settle(qtbot, pool)
    assert exceptions == []
    assert len(signed) == 1 and asked == [OWNER_PIN, OWNER_PIN]


# ------------------------------------------------------------------ settings off the GUI thread
def test_shop_details_wait_for_their_values_and_one_save_is_one_write(
    qtbot: QtBot,
    threaded: UiContext,
    services: Services,
    pool: QThreadPool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Until the details arrive the form is empty and Save waits (an empty form never overwrites the
    shop); while they are written a second Save is no second write; closed meanwhile, no error."""
    from PySide6.QtWidgets import QLineEdit

    from ui.settings.shop import ShopDetailsPanel

    details = services.shop_details
    gate, started = threading.Event(), threading.Event()
    monkeypatch.setattr(details, "details", _gated(details.details, gate, started))
    panel = ShopDetailsPanel(threaded)
    qtbot.addWidget(panel)
    assert started.wait(GATE_TIMEOUT_S)
    name = panel.form.widgets["name"]
    assert isinstance(name, QLineEdit)
    assert name.text() == "" and panel.saving() and not panel.save_button.isEnabled()
    panel.save()  # nothing to save yet
    gate.set()
    qtbot.waitUntil(lambda: not panel.saving())
    assert name.text() == "Lotus Hair & Spa"

    real = details.save_details
    written: list[str] = []

    def save_details(actor: Actor, values: dict[str, Any]) -> Any:
        written.append(values["name"])
        return real(actor, values)

    gate, started = threading.Event(), threading.Event()
    monkeypatch.setattr(details, "save_details", _gated(save_details, gate, started))
    name.setText("Lotus Spa Jing'an")
    panel.save_button.click()
    assert started.wait(GATE_TIMEOUT_S)
    assert panel.saving()
    panel.save()  # a second tap while the first is written
    with qtbot.captureExceptions() as exceptions, warnings.catch_warnings():
        warnings.simplefilter("error")
        _delete(panel)
        gate.set()
        assert threaded.runner.wait_for_done(GATE_TIMEOUT_S * 1000)
        _settle(qtbot, pool)
    assert exceptions == []
    assert written == ["Lotus Spa Jing'an"] and services.shop.info().name == "Lotus Spa Jing'an"


def test_a_settings_editor_reads_and_saves_off_the_gui_thread_and_keeps_the_saved_item(
    qtbot: QtBot,
    threaded: UiContext,
    services: Services,
    pool: QThreadPool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue #12: the catalog editors read their list and drop-downs and saved on the GUI thread.
    Now no SQL statement runs there; Save waits while the list is read and while the item is
    written (a second tap is no second write); the saved item stays selected by id; an editor
    closed while its save runs still saves once and raises nothing."""
    from sqlalchemy import event

    from ui.settings.catalog import services_editor

    gui = threading.get_ident()
    on_gui: list[str] = []

    def spy(_conn: Any, _cursor: Any, statement: str, *_a: Any) -> None:
        if threading.get_ident() == gui:
            on_gui.append(" ".join(statement.split())[:60])

    cat = services.catalog
    real_save = cat.save_service
    written: list[tuple[bool, str]] = []
    save_gate, save_started = threading.Event(), threading.Event()

    def save_service(actor: Actor, sid: int | None, data: dict[str, Any]) -> Any:
        written.append((threading.get_ident() != gui, str(data["price_minor"])))
        return real_save(actor, sid, data)

    monkeypatch.setattr(cat, "save_service", _gated(save_service, save_gate, save_started))
    load_gate, load_started = threading.Event(), threading.Event()
    monkeypatch.setattr(cat, "services", _gated(cat.services, load_gate, load_started))
    event.listen(services.db.engine, "before_cursor_execute", spy)
    try:
        editor = services_editor(threaded)
        qtbot.addWidget(editor)
        assert load_started.wait(GATE_TIMEOUT_S)
        assert editor.loading() and not editor.save_button.isEnabled() and editor.table.rowCount() == 0
        editor.save()  # nothing to save before the list is shown
        load_gate.set()
        qtbot.waitUntil(lambda: not editor.loading())
        assert editor.table.rowCount() >= 3 and editor.save_button.isEnabled()
        combo = editor.form.widgets["category_id"]
        assert combo.count() > 0  # type: ignore[attr-defined]  # the choices were read on the worker too

        editor.table.selectRow(2)
        chosen = editor.current_id
        assert chosen == editor.items[2].id
        price = editor.form.widgets["price_minor"]
        price.setText("77")  # type: ignore[attr-defined]
        editor.save_button.click()
        assert save_started.wait(GATE_TIMEOUT_S)
        assert editor.saving() and not editor.save_button.isEnabled()
        editor.save()  # a second tap while the first is written
        save_gate.set()
        _settle(qtbot, pool, threaded.runner)
        qtbot.waitUntil(lambda: not editor.saving() and not editor.loading())
        assert written == [(True, "77")]
        assert editor.status.text() == "Saved." and editor.save_button.isEnabled()
        row = editor.table.selectionModel().selectedRows()[0].row()
        assert editor.current_id == chosen and editor.items[row].id == chosen
        assert price.text() == "77.00" and editor.unsaved_changes() is None  # type: ignore[attr-defined]
        assert on_gui == [], on_gui
    finally:
        event.remove(services.db.engine, "before_cursor_execute", spy)

    # closed while its save is written: saved once, no error
    save_gate, save_started = threading.Event(), threading.Event()
    monkeypatch.setattr(cat, "save_service", _gated(save_service, save_gate, save_started))
    second = services_editor(threaded)
    qtbot.waitUntil(lambda: not second.loading())
    second.table.selectRow(0)
    second.form.widgets["price_minor"].setText("55")  # type: ignore[attr-defined]
    second.save()
    assert save_started.wait(GATE_TIMEOUT_S)
    with qtbot.captureExceptions() as exceptions, warnings.catch_warnings():
        warnings.simplefilter("error")
        _delete(second)
        save_gate.set()
        _settle(qtbot, pool, threaded.runner)
    assert exceptions == []
    assert written == [(True, "77"), (True, "55")]


# ------------------------------------------------------------------ after-care dialogs off the GUI thread
def test_resolving_a_complaint_waits_off_the_gui_thread_and_a_closed_dialog_writes_once(
    qtbot: QtBot,
    threaded: UiContext,
    services: Services,
    owner: Actor,
    pool: QThreadPool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Resolve with a redo runs on a worker: Resolve waits meanwhile (a second tap or Ctrl+Enter
    books nothing more); the dialog closed before the answer arrives leaves one resolution, one
    redo booked and no error."""
    from sqlalchemy import func, select

    from desk_app.db.models import Appointment, Complaint
    from desk_app.domain.aftercare import Compensation, ComplaintStatus
    from ui.aftercare.complaint_dialogs import ComplaintResolveDialog

    cid = h.add_client(services.db, "Zhou Ting")
    ticket = services.complaints.open_complaint(owner, description="Colour uneven", client_id=cid)
    dlg = ComplaintResolveDialog(threaded, ticket)  # deleted by the test itself
    assert f"#{ticket.id}" in dlg.header.text() and "Zhou Ting" in dlg.header.text()
    qtbot.waitUntil(lambda: dlg.ok_btn.isEnabled())  # the sales and redo choices are read on a worker
    assert dlg.redo_staff.count() > 0 and dlg.redo_service.count() > 0
    calls: list[int] = []
    gate, started = threading.Event(), threading.Event()
    gated = _gated(services.complaints.resolve, gate, started)
    monkeypatch.setattr(
        services.complaints, "resolve", lambda *a, **kw: (calls.append(a[1]), gated(*a, **kw))[1]
    )
    dlg.choose(Compensation.REDO, "Free colour refresh")
    with qtbot.captureExceptions() as exceptions, warnings.catch_warnings():
        warnings.simplefilter("error")
        dlg.ok_btn.click()
        assert started.wait(GATE_TIMEOUT_S)
        assert dlg.saving() and not dlg.ok_btn.isEnabled() and not dlg.redo_staff.isEnabled()
        dlg.save()  # Ctrl+Enter while the first resolution is being written
        _delete(dlg)
        gate.set()
        _settle(qtbot, pool, threaded.runner)
    assert exceptions == []
    assert calls == [ticket.id]
    with services.db.uow(write=False) as uow:
        row = uow.session.get(Complaint, ticket.id)
        assert row is not None and row.status == ComplaintStatus.RESOLVED
        redos = select(func.count()).select_from(Appointment).where(Appointment.client_id == cid)
        assert uow.session.scalar(redos) == 1


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")  # the offscreen platform, harmless
def test_answering_a_complaint_waits_and_cancel_meanwhile_still_refreshes_the_list(
    qtbot: QtBot,
    threaded: UiContext,
    services: Services,
    owner: Actor,
    pool: QThreadPool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The answer is written on a worker while "Save answer" waits; a failed write re-enables it
    with the message in the dialog; Cancel while the write runs closes the dialog, and the write
    that still lands is announced (accepted) so the list shows it, once."""
    from desk_app.domain.aftercare import ComplaintStatus
    from ui.aftercare.complaint_dialogs import ComplaintRespondDialog

    ticket = services.complaints.open_complaint(owner, description="Rude on the phone")
    dlg = ComplaintRespondDialog(threaded, ticket)
    qtbot.addWidget(dlg)
    dlg.open()
    dlg.save()  # nothing typed: refused by the service, shown in the dialog
    qtbot.waitUntil(lambda: dlg.error.isVisible())
    assert dlg.ok_btn.isEnabled() and not dlg.saving()

    calls: list[int] = []
    gate, started = threading.Event(), threading.Event()
    gated = _gated(services.complaints.respond, gate, started)
    monkeypatch.setattr(services.complaints, "respond", lambda *a: (calls.append(a[1]), gated(*a))[1])
    accepted: list[int] = []
    dlg.accepted.connect(lambda: accepted.append(ticket.id))
    dlg.text.setPlainText("Called back and apologised")
    with qtbot.captureExceptions() as exceptions:
        dlg.ok_btn.click()
        assert started.wait(GATE_TIMEOUT_S)
        assert dlg.saving() and not dlg.ok_btn.isEnabled() and dlg.text.isReadOnly()
        dlg.save()
        dlg.reject()  # Cancel while the answer is being written
        gate.set()
        _settle(qtbot, pool, threaded.runner)
    assert exceptions == []
    assert calls == [ticket.id] and accepted == [ticket.id]
    assert services.complaints.complaint(ticket.id).status == ComplaintStatus.RESPONDED


def test_a_follow_up_call_is_saved_off_the_gui_thread_once_even_if_its_dialog_closes(
    qtbot: QtBot,
    threaded: UiContext,
    services: Services,
    owner: Actor,
    pool: QThreadPool,
    clock: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The call's script is read on a worker; "Save call" waits while the call is written (a second
    tap records nothing more, so a low score opens one complaint); closed meanwhile, no error."""
    from desk_app.db.models import Complaint, Feedback
    from desk_app.domain.aftercare import CallOutcome
    from tests.integration.test_aftercare_data import add_staff, rows, shanghai, visit
    from ui.aftercare.call_dialog import FollowUpCallDialog

    leo = add_staff(services.db, owner.branch_id, "Leo")
    cid = h.add_client(services.db, "Wang Fang")
    visit(
        services.db,
        services.settings,
        branch_id=owner.branch_id,
        client_id=cid,
        stylist_id=leo.staff_id,
        desk_id=owner.staff_id,
        arrived=shanghai(2026, 11, 18, 9),
    )
    clock.now = shanghai(2026, 11, 20, 10)
    followup = services.aftercare.followups(actor=owner).due[0]
    dlg = FollowUpCallDialog(threaded, followup)
    qtbot.waitUntil(lambda: "Wang Fang" in dlg.script.text())
    calls: list[int] = []
    gate, started = threading.Event(), threading.Event()
    gated = _gated(services.aftercare.record_call, gate, started)
    monkeypatch.setattr(
        services.aftercare, "record_call", lambda *a, **kw: (calls.append(a[1]), gated(*a, **kw))[1]
    )
    dlg.choose(CallOutcome.REACHED, timeliness=5, professionalism=4, effectiveness=1, attitude=4)
    with qtbot.captureExceptions() as exceptions, warnings.catch_warnings():
        warnings.simplefilter("error")
        dlg.save_btn.click()
        assert started.wait(GATE_TIMEOUT_S)
        assert dlg.saving() and not dlg.save_btn.isEnabled() and not dlg.scores_box.isEnabled()
        dlg.save()
        _delete(dlg)
        gate.set()
        _settle(qtbot, pool, threaded.runner)
    assert exceptions == []
    assert calls == [followup.id]
    assert len(rows(services.db, Feedback, client_id=cid)) == 1
    assert len(rows(services.db, Complaint, client_id=cid)) == 1


def test_the_booking_dialog_reads_its_lists_and_books_off_the_gui_thread(
    qtbot: QtBot, threaded: UiContext, services: Services, owner: Actor, pool: QThreadPool
) -> None:
    """Issue #12: the booking dialog read the services, the stylists and the client on the GUI
    thread. Now no SQL runs there from opening to booking; Book (and Ctrl+Enter) wait until the
    lists are read, and services chosen before they arrive are applied when they do."""
    from datetime import timedelta

    from sqlalchemy import event, func, select

    from desk_app.db.models import Appointment
    from tests.integration.test_calendar_support import new_client, new_stylist, service_id
    from ui.calendar.booking import BookingDialog

    leo = new_stylist(services.db, "Leo")
    cid = new_client(services.db, "Ann")
    cut = service_id(services.db, "CUT-W")
    gui = threading.get_ident()
    on_gui: list[str] = []

    def spy(_conn: Any, _cursor: Any, statement: str, *_a: Any) -> None:
        if threading.get_ident() == gui:
            on_gui.append(" ".join(statement.split())[:60])

    event.listen(services.db.engine, "before_cursor_execute", spy)
    try:
        start = services.clock() + timedelta(days=1)
        dlg = BookingDialog(threaded, start.replace(hour=3, minute=0), staff_id=leo, client_id=cid)
        qtbot.addWidget(dlg)
        dlg.select_services([cut])  # before the lists are read
        dlg.submit()  # Ctrl+Enter at once: waits, writes nothing
        qtbot.waitUntil(lambda: dlg.book_button.isEnabled() and dlg.client_id == cid)
        assert dlg.service_ids() == [cut] and dlg.staff.currentData() == leo
        _settle(qtbot, pool)
        with qtbot.waitSignal(dlg.booked, timeout=GATE_TIMEOUT_S * 1000):
            dlg.submit()
        assert on_gui == [], on_gui
    finally:
        event.remove(services.db.engine, "before_cursor_execute", spy)
    with services.db.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Appointment)) == 1


def test_a_box_nobody_answers_is_closed_by_the_watchdog_with_its_words(
    qtbot: QtBot, modal_watchdog: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The suite's own guard: an error box left open would hang the run; instead it is closed
    and the test fails with what the box said."""
    import tests.ui.conftest as ui_conftest
    from ui.shared.widgets import show_error

    monkeypatch.setattr(ui_conftest, "MODAL_PATIENCE_S", 0.5)
    show_error(None, "The server backup could not be restored")  # returns only once closed
    assert len(modal_watchdog) == 1 and "could not be restored" in modal_watchdog[0]
    modal_watchdog.clear()  # expected here: the test itself does not fail
