"""The whole app as a person uses it: the real Shell on a small demo shop, screen after screen.

Each test signs in with the keypad, moves between screens through the main window (buttons and
navigate(), like the side bar does) and checks what ended up in the database.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from desk_app.container import Services
from desk_app.db.models import Appointment, Client, FollowUp, Formula, Payment, Sale, SaleLine, Visit
from desk_app.demo.shop import generate
from desk_app.domain.permissions import Actor, NotAllowed, Perm, Role
from desk_app.visits.service import PlanItemIn
from tests.conftest import FakeClock
from tests.integration import visit_helpers as h
from ui.app import Shell
from ui.checkout.panel import CheckoutPanel
from ui.checkout.screen import CheckoutScreen
from ui.clients.profile import ClientProfileScreen
from ui.main_window import MainArea
from ui.runner import TaskRunner
from ui.today.screen import TodayScreen
from ui.visits.formula import FormulaDialog
from ui.visits.my_clients import MyClientsScreen
from ui.visits.rebook import RebookPanel
from ui.visits.screen import VisitScreen

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")

START = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, the demo's "today"
BARCODE = "6901234500011"  # the default catalog's colour-care shampoo


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small demo shop per module (about a second); each test works on its own copy."""
    path = tmp_path_factory.mktemp("e2e") / "demo.sqlite3"
    generate(str(path), clients=60, months=1, staff=4, seed=3, today=START, force=True)
    return path


class App:
    """The real Shell on a copy of the demo shop, with the test's clock and tasks run inline."""

    def __init__(self, qtbot: QtBot, path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr("desk_app.container.Services", lambda db: Services(db, clock))
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self.qtbot = qtbot
        self.clock = clock
        self.shell = Shell(str(path), True, app, runner=TaskRunner(synchronous=True))
        qtbot.addWidget(self.shell)
        self.shell.show()  # a real window: buttons are clicked only when a person could see them
        self.services: Services = self.shell.services

    def staff_id(self, role: str) -> int:
        return next(s.id for s in self.services.auth.list_staff() if s.role == role)

    def sign_in(self, role: str, pin: str | None = None) -> MainArea:
        page = self.shell.sign_in
        assert page is not None and self.shell.pages.currentWidget() is page
        sid = self.staff_id(role)
        pin = pin or demo_pin(page, sid)
        page.select(sid)
        for k in pin:
            self.qtbot.mouseClick(page.key_buttons[k], Qt.MouseButton.LeftButton)
        self.qtbot.mouseClick(page.key_buttons["OK"], Qt.MouseButton.LeftButton)
        main = self.shell.main
        assert main is not None and self.shell.pages.currentWidget() is main, page.error.text()
        QApplication.processEvents()  # the sign-in prompts (window-modal, not blocking)
        for w in QApplication.topLevelWidgets():
            if type(w).__name__ in ("OverdueComplaintsDialog", "ClockDialog") and w.isVisible():
                w.close()
        return main

    def actor(self) -> Actor:
        ctx = self.shell.ctx
        assert ctx is not None and ctx.actor is not None
        return ctx.actor


def demo_pin(page: Any, staff_id: int) -> str:
    """The demo PINs are printed on the sign-in screen, as a newcomer reads them."""
    import html
    import re

    names = {s.id: s.name for s in page._staff}
    cells = html.unescape(re.sub(r"</?b>", "", page.demo_label.text()))  # each person in a table cell
    read = [re.sub(r"<[^>]+>", "", c).strip() for c in re.split(r"<td[^>]*>", cells)]
    line = next(ln for ln in read if ln.startswith(names[staff_id] + " "))
    return str(line.rsplit("PIN", 1)[1].strip())


@pytest.fixture
def app(qtbot: QtBot, demo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    monkeypatch.setenv("DESK_APP_HOME", str(tmp_path / "home"))  # the daily backup stays in the test
    path = tmp_path / "shop.sqlite3"
    shutil.copy(demo_file, path)
    a = App(qtbot, path, FakeClock(START), monkeypatch)
    yield a
    a.shell.database.dispose()


def with_dialog(kind: type, act: Callable[[Any], None]) -> None:
    """Answer the next modal dialog of ``kind`` (opened with exec()) the way a person would."""

    def answer() -> None:
        dlg = QApplication.activeModalWidget()
        if not isinstance(dlg, kind):
            QTimer.singleShot(10, answer)
            return
        act(dlg)

    QTimer.singleShot(0, answer)


def select_data(combo: QComboBox, data: Any) -> None:
    i = combo.findData(data)
    assert i >= 0, data
    combo.setCurrentIndex(i)


def click(qtbot: QtBot, w: QWidget) -> None:
    assert w.isEnabled() and w.isVisible(), w
    qtbot.mouseClick(w, Qt.MouseButton.LeftButton)


# ---------------------------------------------------------------------------------------------------------
def test_walk_in_new_client_from_today_to_rebooking(
    app: App, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.clients.new_client import NewClientDialog

    main = app.sign_in("owner")
    assert main.current == "today"
    today = main.screen_widget("today")
    assert isinstance(today, TodayScreen)
    click(qtbot, today.walk_in_btn)
    assert main.current == "visit"
    screen = main.screen_widget("visit")
    assert isinstance(screen, VisitScreen)
    assert screen.stack.currentWidget() is screen.greeting
    search = screen.greeting.search
    assert search is not None
    edit = search.edit  # type: ignore[attr-defined]
    assert app.shell.focusWidget() is edit  # a walk-in: typing goes straight to the search

    # greeting: not in the system yet -> new client with name and phone
    qtbot.keyClicks(edit, "Nora Walker")

    def fill(dlg: NewClientDialog) -> None:
        assert dlg.name.text() == "Nora Walker"
        dlg.phone.setText("139 1234 5678")
        dlg.privacy.setChecked(True)
        dlg.save_button.click()

    with_dialog(NewClientDialog, fill)
    click(qtbot, search.new_button)  # type: ignore[attr-defined]
    assert screen.greeting.client_card.name.text() == "Nora Walker"
    assert screen.greeting.menu_card.isVisibleTo(screen)  # a new client is shown the menu
    app.clock.advance(seconds=20)
    click(qtbot, screen.greeting.greet_btn)

    # needs: the consultation and the plan with a service and a product; the client confirms
    needs = screen.needs
    assert screen.stack.currentWidget() is needs
    for q in needs.form.questions:
        w = needs.form.inputs.get(q.key)
        if not q.required:
            continue
        if w is None:  # asked in a fixed field below ("What the client wants" is the goals field)
            needs.form.goals.setPlainText("Shorter bob, low upkeep")
            continue
        if isinstance(w, QLineEdit):
            w.setText("Shorter bob, low upkeep")
        elif isinstance(w, QComboBox):
            w.setCurrentIndex(1)
        elif isinstance(w, list):
            w[0].setChecked(True)
    select_data(needs.plan.service, h.service_id(app.services.db, "CUT-W"))
    click(qtbot, needs.plan.add_service_btn)
    needs.plan.product.setCurrentIndex(0)
    product_name = needs.plan.product.currentText().split("·")[0].strip()
    click(qtbot, needs.plan.add_product_btn)
    assert needs.plan.table.rowCount() == 2
    app.clock.advance(minutes=4)
    click(qtbot, needs.confirm_btn)

    # service: the stylist, start, a colour formula, log it, finish
    svc = screen.service
    assert screen.stack.currentWidget() is svc
    stylist = app.staff_id("stylist")
    select_data(svc.staff, stylist)
    svc.staff.activated.emit(svc.staff.currentIndex())
    click(qtbot, svc.start_btn)
    assert "In service since" in svc.clock_label.text()

    def formula(dlg: FormulaDialog) -> None:
        for col, text in enumerate(["Koleston", "7/1", "20 vol", "40 g", "35", ""]):
            item = dlg.table.item(0, col)
            assert item is not None
            item.setText(text)
        dlg.notes.setText("leave 5 min longer at the roots")
        dlg.accept_save()

    with_dialog(FormulaDialog, formula)
    click(qtbot, svc.add_formula_btn)
    assert svc.formulas.rowCount() == 1
    click(qtbot, svc.log_btn)
    assert svc.logs.count() == 1
    app.clock.advance(minutes=50)
    click(qtbot, svc.finish_btn)

    # checkout: a tip, part cash part card, then one tap for satisfaction
    assert screen.stack.currentWidget() is screen.checkout_host
    panel = screen.checkout_host.findChild(CheckoutPanel)
    assert panel is not None
    monkeypatch.setattr("ui.checkout.editor.ask_amount", lambda *a, **k: 2000)
    click(qtbot, panel.editor.tip_btn)
    bill = panel.editor.bill
    assert bill is not None and bill.p.tip_minor == 2000
    total = bill.total_minor
    assert any(product_name in v.name for v in bill.views)
    panel.payment.amounts["cash"].setText("100")
    click(qtbot, panel.payment.method_buttons["card"])  # the rest on the card
    panel.payment.tendered.setText("100")
    click(qtbot, panel.payment.pay_btn)
    assert panel.stack.currentWidget() is panel.done
    # paid: no more "Back a step" or "Cancel visit" while the satisfaction question is asked
    assert not screen.back_btn.isVisible() and not screen.cancel_btn.isVisible()
    click(qtbot, panel.done.score_buttons[4])  # 5 of 5

    # rebooking in two clicks: a proposed time, then Book
    assert screen.stack.currentWidget() is screen.rebook_host
    rebook = screen.rebook_host.findChild(RebookPanel)
    assert rebook is not None and rebook.slot_buttons
    click(qtbot, rebook.slot_buttons[0])
    chosen = rebook.selected
    assert chosen is not None
    click(qtbot, rebook.book_button)
    assert screen.stack.currentWidget() is screen.closed
    assert screen.closed_hint is not None and "Next visit" in screen.closed_hint.text()

    vid = screen.visit_id
    with app.services.db.uow(write=False) as uow:
        s = uow.session
        v = s.get(Visit, vid)
        assert v is not None and v.step == "done" and v.satisfaction == 5 and v.is_new_client
        client = s.get(Client, v.client_id)
        assert client is not None and client.name == "Nora Walker"
        assert client.visit_count == 1 and client.last_visit_at is not None
        sale = s.scalars(select(Sale).where(Sale.visit_id == vid)).one()
        assert sale.total_minor == total and sale.client_id == client.id
        pays = {
            p.method: p.amount_minor for p in s.scalars(select(Payment).where(Payment.sale_id == sale.id))
        }
        assert pays == {"cash": 10000, "card": total - 10000}
        kinds = {ln.kind for ln in s.scalars(select(SaleLine).where(SaleLine.sale_id == sale.id))}
        assert {"service", "product"} <= kinds
        assert s.scalars(select(FollowUp).where(FollowUp.visit_id == vid)).one().status == "pending"
        nxt = s.scalars(select(Appointment).where(Appointment.rebooked_from_visit_id == vid)).one()
        assert nxt.client_id == client.id and nxt.status == "booked" and nxt.start_at == chosen.start_at
        assert v.next_appointment_id == nxt.id
        assert s.scalars(select(Formula).where(Formula.client_id == client.id)).one().visit_id == vid
        cid = client.id

    # back on Today nobody is in the shop any more, and there is no dead "Open visit" button
    main.navigate("today")
    assert today.visits_model.rowCount() == 0 and today.visits_stack.currentWidget() is today.visits_empty
    assert not today.open_btn.isVisible()

    # the client's profile shows it all
    main.navigate("client", client_id=cid)
    profile = main.screen_widget("client")
    assert isinstance(profile, ClientProfileScreen) and profile.profile is not None
    p = profile.profile
    assert p.visit_count == 1 and p.total_spend > 0 and p.last_visit_at is not None
    assert len(p.visits) == 1 and len(p.upcoming) == 1


def test_booked_client_with_an_allergy_arrives_and_the_visit_warns(app: App, qtbot: QtBot) -> None:
    main = app.sign_in("owner")
    today = main.screen_widget("today")
    assert isinstance(today, TodayScreen)
    booked = [a for a in today.appts_model.rows if a.status == "booked"]  # type: ignore[attr-defined]
    assert booked
    appt = booked[0]

    # the desk writes the allergy on the client's profile
    main.navigate("client", client_id=appt.client_id)
    profile = main.screen_widget("client")
    assert isinstance(profile, ClientProfileScreen)
    profile.form.allergies.setPlainText("latex gloves")
    click(qtbot, profile.save_button)
    with app.services.db.uow(write=False) as uow:
        c = uow.session.get(Client, appt.client_id)
        assert c is not None and c.allergies == "latex gloves"

    # back on Today the booking carries the warning; Arrived opens the visit with the banner
    main.navigate("today")
    row = next(i for i, a in enumerate(today.appts_model.rows) if a.id == appt.id)  # type: ignore[attr-defined]
    assert "⚠" in today.appts_model.index(row, 1).data()
    today.appts.selectRow(row)
    click(qtbot, today.arrived_btn)
    assert main.current == "visit"
    screen = main.screen_widget("visit")
    assert isinstance(screen, VisitScreen)
    assert screen.stack.currentWidget() is screen.greeting
    assert screen.banner.isVisibleTo(screen) and "latex gloves" in screen.banner.label.text()
    with app.services.db.uow(write=False) as uow:
        a = uow.session.get(Appointment, appt.id)
        v = uow.session.scalars(select(Visit).where(Visit.appointment_id == appt.id)).one()
        assert a is not None and a.status == "arrived" and v.client_id == appt.client_id
        assert v.step == "greeting" and v.arrived_at == START


def test_quick_retail_sale_from_today(app: App, qtbot: QtBot) -> None:
    main = app.sign_in("receptionist")
    today = main.screen_widget("today")
    assert isinstance(today, TodayScreen)
    with app.services.db.uow(write=False) as uow:
        before = uow.session.scalars(select(Sale.id).order_by(Sale.id.desc())).first()
    click(qtbot, today.quick_sale_btn)
    assert main.current == "checkout"
    co = main.screen_widget("checkout")
    assert isinstance(co, CheckoutScreen)
    ed, pay = co.flow.editor, co.flow.payment
    qtbot.keyClicks(ed.search, BARCODE)  # the scanner types, then Enter
    qtbot.keyClick(ed.search, Qt.Key.Key_Return)
    assert ed.bill is not None and len(ed.bill.views) == 1
    click(qtbot, pay.method_buttons["wechat"])
    click(qtbot, pay.pay_btn)
    assert co.flow.stack.currentWidget() is co.flow.done
    with app.services.db.uow(write=False) as uow:
        s = uow.session
        sale = s.scalars(select(Sale).order_by(Sale.id.desc())).first()
        assert sale is not None and sale.id != before
        assert sale.visit_id is None and sale.client_id is None and sale.total_minor == ed.bill.total_minor
        assert [p.method for p in s.scalars(select(Payment).where(Payment.sale_id == sale.id))] == ["wechat"]
        line = s.scalars(select(SaleLine).where(SaleLine.sale_id == sale.id)).one()
        assert line.kind == "product" and line.staff_id is None


def test_a_stylist_signs_in_and_sees_only_their_screens(app: App, qtbot: QtBot) -> None:
    s = app.services
    owner = s.auth.sign_in(app.staff_id("owner"), "1111")
    mine = app.staff_id("stylist")
    other = next(x.id for x in s.auth.list_staff() if x.role == "stylist" and x.id != mine)
    vids = []
    for sid, name in ((mine, "Mine Client"), (other, "Other Client")):
        cid = h.add_client(s.db, name)
        vid = s.visits.start_walk_in(owner, cid)
        s.visits.greet(owner, vid, cid)
        s.consultation.set_plan(owner, vid, [PlanItemIn("service", service_id=h.service_id(s.db, "CUT-W"))])
        s.consultation.confirm_plan(owner, vid)
        s.service_log.assign(owner, vid, sid, None)
        s.service_log.start_service(owner, vid)
        vids.append(vid)

    main = app.sign_in("stylist")
    assert main is not None and app.actor().role == Role.STYLIST and app.actor().staff_id == mine
    assert main.current == "my_clients"
    visible = {n for n, b in main.nav_buttons.items() if b.isVisibleTo(main)}
    assert visible == {"today", "my_clients", "clients", "calendar"}
    my = main.screen_widget("my_clients")
    assert isinstance(my, MyClientsScreen)
    assert [c.visit_id for c in my.cards] == [vids[0]]  # only their own client
    # screens outside the role stay closed, and the services refuse too
    main._nav_if_allowed("reports")
    assert main.current == "my_clients"
    with pytest.raises(NotAllowed):
        s.checkout.build_bill(app.actor(), visit_id=vids[0])
    assert not app.shell.ctx.can(Perm.CASH_DRAWER)  # type: ignore[union-attr]


def test_a_stylist_not_on_the_clock_is_asked_once_a_day_and_clocks_in_with_enter(app: App, qtbot: QtBot) -> None:
    from ui.trust.timeclock import ClockDialog

    def asked() -> list[ClockDialog]:
        QApplication.processEvents()
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, ClockDialog) and w.isVisible()]

    def sign_in_by_hand() -> None:
        page = app.shell.sign_in
        assert page is not None
        sid = app.staff_id("stylist")
        page.select(sid)
        page.type_pin(demo_pin(page, sid))
        page.submit()

    sign_in_by_hand()
    (dlg,) = asked()
    assert "not clocked in" in dlg.findChildren(QLabel)[0].text()
    dlg.reject()  # "Not now"
    assert app.services.timeclock.status(app.actor()).state == "off"
    app.shell.lock(switch=True)
    sign_in_by_hand()
    assert asked() == []  # asked once a day
    main = app.shell.main
    assert main is not None and main.clock_btn.text().strip() == "Clock in"
    assert main.clock_shortcut.key().toString() == "Ctrl+K"
    main.clock_shortcut.activated.emit()  # the side bar's clock
    (dlg,) = asked()
    qtbot.keyClick(dlg, Qt.Key.Key_Return)  # the default button: Clock in
    st = app.services.timeclock.status(app.actor())
    assert st.state == "on" and st.since == START
    assert "On the clock" in main.clock_btn.text()
