"""The shell: welcome -> set up my shop, sign in with the keypad, lock and switch user.

The shell runs its database work on its real (threaded) runner, as the app does: the tests wait
for the staff list and the PIN check to come back."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QProgressDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from desk_app.bootstrap import open_database
from desk_app.container import Services
from desk_app.db.models import Sale
from tests.conftest import FakeClock
from ui.aftercare.complaint_alert import OverdueComplaintsDialog
from ui.app import Shell
from ui.main_window import MainArea
from ui.shell.sign_in import SignInPage
from ui.shell.welcome import WelcomePage


def _app() -> QApplication:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    return app


def _staff_id(qtbot: QtBot, page: SignInPage, name: str) -> int:
    """The staff list arrives from a worker after the page shows."""
    qtbot.waitUntil(lambda: not page.staff_loading())
    return next(s.id for s in page._staff if s.name == name)


def _sign_in(qtbot: QtBot, shell: Shell, name: str, pin: str) -> MainArea:
    page = shell.sign_in
    assert page is not None
    page.select(_staff_id(qtbot, page, name))
    page.type_pin(pin)
    page.submit()
    qtbot.waitUntil(lambda: shell.main is not None and shell.pages.currentWidget() is shell.main)
    assert shell.main is not None
    return shell.main


def _shop(path: Path) -> None:
    db = open_database(str(path))
    s = Services(db)
    owner = s.shop.create_shop(name="Lotus", currency="CNY", language="en", owner_name="Mia", owner_pin="1234")
    s.auth.save_staff(owner, staff_id=None, name="Leo", role="stylist", pin="3333")
    db.dispose()


def test_welcome_sets_up_a_shop_and_signs_the_owner_in(qtbot: QtBot, tmp_path: Path) -> None:
    shell = Shell(str(tmp_path / "new.sqlite3"), False, _app())
    qtbot.addWidget(shell)
    page = shell.pages.currentWidget()
    assert isinstance(page, WelcomePage)
    page.name.setText("My Salon")
    page.owner.setText("Ann")
    page.pin.setText("1234")
    page.pin2.setText("9999")
    qtbot.mouseClick(page.create_button, Qt.MouseButton.LeftButton)
    assert "not the same" in page.error.text()
    page.pin2.setText("1234")
    qtbot.mouseClick(page.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(shell.pages.currentWidget(), MainArea))
    assert shell.ctx is not None and shell.ctx.actor is not None and shell.ctx.actor.name == "Ann"
    assert shell.services.shop.info().name == "My Salon"


def test_sign_in_with_keypad_wrong_then_right(qtbot: QtBot, tmp_path: Path) -> None:
    _shop(tmp_path / "s.sqlite3")
    shell = Shell(str(tmp_path / "s.sqlite3"), False, _app())
    qtbot.addWidget(shell)
    page = shell.pages.currentWidget()
    assert isinstance(page, SignInPage)
    page.select(_staff_id(qtbot, page, "Mia"))
    for k in "9999":
        qtbot.mouseClick(page.key_buttons[k], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.key_buttons["OK"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Wrong PIN" in page.error.text())
    assert not page.checking() and page.key_buttons["1"].isEnabled()
    qtbot.keyClicks(page, "1234")
    qtbot.keyClick(page, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(shell.pages.currentWidget(), MainArea))
    assert shell.main is not None and shell.main.nav_buttons["settings"].isVisibleTo(shell.main)


def test_lock_keeps_the_work_and_a_stylist_sees_less(qtbot: QtBot, tmp_path: Path) -> None:
    _shop(tmp_path / "s.sqlite3")
    shell = Shell(str(tmp_path / "s.sqlite3"), False, _app())
    qtbot.addWidget(shell)
    page = shell.sign_in
    assert page is not None
    main = _sign_in(qtbot, shell, "Mia", "1234")
    mia = _staff_id(qtbot, page, "Mia")
    kept = main.stack.currentWidget()
    shell.lock()
    assert shell.pages.currentWidget() is page
    assert page.selected_id == mia  # locked for Mia: only her PIN is needed
    assert _sign_in(qtbot, shell, "Leo", "3333") is main
    assert shell.pages.currentWidget() is main and shell.main is main
    assert main.stack.indexOf(kept) >= 0  # the screens were kept, not rebuilt
    assert shell.ctx is not None and shell.ctx.actor is not None and shell.ctx.actor.name == "Leo"
    assert not main.nav_buttons["settings"].isVisibleTo(main)
    assert not main.nav_buttons["reports"].isVisibleTo(main)
    assert main.nav_buttons["my_clients"].isVisibleTo(main)


def test_idle_lock_after_the_setting(qtbot: QtBot, tmp_path: Path) -> None:
    _shop(tmp_path / "s.sqlite3")
    shell = Shell(str(tmp_path / "s.sqlite3"), False, _app())
    qtbot.addWidget(shell)
    page = shell.sign_in
    assert page is not None
    _sign_in(qtbot, shell, "Mia", "1234")
    shell._last_activity -= 4 * 60  # 4 of the default 5 idle minutes
    shell._check_idle()
    assert isinstance(shell.pages.currentWidget(), MainArea)
    shell._last_activity -= 2 * 60
    shell._check_idle()
    assert shell.pages.currentWidget() is page


def test_input_counts_as_activity_and_other_events_do_not(qtbot: QtBot, tmp_path: Path) -> None:
    """The application's activity filter (ui/app.py ActivityFilter) keeps the idle lock away while
    someone types, taps or moves the mouse; a repaint or a timer is not a person."""
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtTest import QTest

    from ui.app import ActivityFilter

    _shop(tmp_path / "s.sqlite3")
    shell = Shell(str(tmp_path / "s.sqlite3"), False, _app())
    qtbot.addWidget(shell)
    main = _sign_in(qtbot, shell, "Mia", "1234")
    watcher = ActivityFilter(shell)
    _app().installEventFilter(watcher)
    try:
        shell._last_activity -= 4 * 60
        before = shell._last_activity
        main.repaint()
        QApplication.sendEvent(main, QEvent(QEvent.Type.UpdateRequest))
        assert shell._last_activity == before
        QTest.keyClick(main, Qt.Key.Key_Shift)
        assert shell._last_activity > before + 3 * 60
        shell._last_activity = before
        move = QMouseEvent(QEvent.Type.MouseMove, QPointF(5, 5), QPointF(5, 5), Qt.MouseButton.NoButton,
                           Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(main, move)
        assert shell._last_activity > before + 3 * 60
    finally:
        _app().removeEventFilter(watcher)


def test_a_restore_reopens_the_database_and_asks_for_sign_in(qtbot: QtBot, tmp_path: Path) -> None:
    _shop(tmp_path / "s.sqlite3")
    shell = Shell(str(tmp_path / "s.sqlite3"), False, _app())
    qtbot.addWidget(shell)
    _sign_in(qtbot, shell, "Mia", "1234")
    old_services = shell.services
    assert shell.ctx is not None
    shell.ctx.changed("database", 0)
    qtbot.waitUntil(lambda: shell.services is not old_services)
    assert isinstance(shell.pages.currentWidget(), SignInPage)
    assert shell.ctx is None and shell.main is None


def test_allergy_banner_never_becomes_its_own_window(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    from ui.shared.widgets import AllergyBanner

    banner = AllergyBanner("penicillin")
    assert not banner.isVisible()
    host = QWidget()
    qtbot.addWidget(host)
    QVBoxLayout(host).addWidget(banner)
    assert banner.isVisibleTo(host) and "penicillin" in banner.label.text()
    banner.set_text("")
    assert not banner.isVisibleTo(host)


def test_receptionist_has_no_my_clients_screen(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    db = open_database(str(path))
    s = Services(db)
    owner = s.shop.create_shop(name="Lotus", currency="CNY", language="en", owner_name="Mia", owner_pin="1234")
    s.auth.save_staff(owner, staff_id=None, name="Wang", role="receptionist", pin="2222")
    db.dispose()
    shell = Shell(str(path), False, _app())
    qtbot.addWidget(shell)
    _sign_in(qtbot, shell, "Wang", "2222")
    assert shell.main is not None
    assert not shell.main.nav_buttons["my_clients"].isVisibleTo(shell.main)
    assert shell.main.nav_buttons["cash"].isVisibleTo(shell.main)
    assert shell.main.current == "today"


def test_changing_the_shop_language_in_settings_switches_the_screens(qtbot: QtBot, tmp_path: Path) -> None:
    from desk_app import i18n
    from desk_app.db.models import Shop

    _shop(tmp_path / "s.sqlite3")
    shell = Shell(str(tmp_path / "s.sqlite3"), False, _app(), use_shop_language=True)
    qtbot.addWidget(shell)
    _sign_in(qtbot, shell, "Mia", "1234")
    assert shell.main is not None and shell.main.nav_buttons["today"].text().strip() == "Today"
    with shell.services.db.uow() as uow:
        shop = uow.session.get(Shop, 1)
        assert shop is not None
        shop.locale = "zh_CN"
        uow.commit()
    assert shell.ctx is not None
    shell.ctx.changed("shop", 1)
    qtbot.waitUntil(lambda: shell.main is not None and shell.main.nav_buttons["today"].text().strip() != "Today")
    assert shell.main is not None and shell.ctx is not None and shell.ctx.actor is not None
    assert shell.main.nav_buttons["today"].text().strip() == i18n._("Today") == "今天"
    assert shell.ctx.actor.name == "Mia"
    i18n.set_language("en")
    from ui.app import install_qt_translator

    install_qt_translator(_app(), "en")  # leave Qt's own texts in English for the next tests


def test_explore_the_demo_shop_from_the_welcome(qtbot: QtBot, tmp_path: Path, monkeypatch: object) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setenv("DESK_APP_HOME", str(tmp_path / "home"))
    clock = FakeClock()
    shell = Shell(str(tmp_path / "empty.sqlite3"), False, _app(), clock=clock)
    qtbot.addWidget(shell)
    page = shell.pages.currentWidget()
    assert isinstance(page, WelcomePage)
    qtbot.mouseClick(page.demo_button, Qt.MouseButton.LeftButton)
    # the demo is built on a worker: the click returns at once, the progress dialog turns meanwhile
    progress = [d for d in shell.findChildren(QProgressDialog) if d.isVisible()]
    assert len(progress) == 1 and not page.isEnabled() and shell.sign_in is None
    qtbot.waitUntil(lambda: 0 < progress[0].value() < 1000, timeout=30_000)
    qtbot.waitUntil(lambda: shell.sign_in is not None, timeout=30_000)  # the demo file is opened on a worker
    assert not (tmp_path / "home" / "demo.sqlite3.part").exists()
    sign_in = shell.sign_in
    assert isinstance(sign_in, SignInPage) and shell.pages.currentWidget() is sign_in
    assert shell.demo_mode and (tmp_path / "home" / "demo.sqlite3").exists()
    qtbot.waitUntil(lambda: not sign_in.staff_loading())
    assert sign_in.demo_label.isVisibleTo(sign_in) and "PIN <b>1111</b>" in sign_in.demo_label.text()
    owner = next(s for s in sign_in._staff if s.role == "owner")
    sign_in.select(owner.id)
    sign_in.type_pin("1111")
    sign_in.submit()
    qtbot.waitUntil(lambda: isinstance(shell.pages.currentWidget(), MainArea))
    assert shell.services.shop.info().is_demo
    # the demo's history ends at the app's clock, whatever the day the test runs
    with shell.services.db.uow(write=False) as uow:
        last_sale = uow.session.scalar(select(func.max(Sale.sold_at)))
    assert last_sale is not None and clock() - timedelta(days=2) < last_sale <= clock()
    # the demo has complaints past their deadline: the owner is told at sign-in, in a dialog
    # laid out before it shows (no size change on a shown window)
    overdue = shell.services.complaints.overdue_complaints()
    assert overdue
    qtbot.waitUntil(lambda: any(isinstance(w, OverdueComplaintsDialog) for w in shell.findChildren(QDialog)))
    dlg = shell.findChildren(OverdueComplaintsDialog)[0]
    assert dlg.isVisible() and dlg.list.count() == len(overdue)
    dlg.reject()
    # the person's own database was left alone: still empty, still shows the welcome next time
    own = open_database(str(tmp_path / "empty.sqlite3"))
    assert not Services(own).shop.is_set_up()
    own.dispose()


def test_work_finishing_after_its_screen_was_deleted_is_dropped(qtbot: QtBot) -> None:
    import shiboken6
    from PySide6.QtWidgets import QLabel

    from ui.runner import TaskRunner

    label = QLabel("waiting")
    runner = TaskRunner(synchronous=True)
    shiboken6.delete(label)  # the screen went away while the work ran
    runner.run(label, lambda: "done", on_done=label.setText)  # must not raise "already deleted"
    runner.run(label, lambda: "done", on_done=lambda text: label.setText(text))  # a lambda too
    alive = QLabel("waiting")
    qtbot.addWidget(alive)
    runner.run(alive, lambda: "done", on_done=alive.setText)
    assert alive.text() == "done"


def test_every_route_builds_its_screen(qtbot: QtBot, tmp_path: Path) -> None:
    """The router imports each screen by name; a route whose module or class is broken must fail
    here, not show an empty page to the desk."""
    import importlib

    from ui.navigation import ROUTES

    _shop(tmp_path / "s.sqlite3")
    shell = Shell(str(tmp_path / "s.sqlite3"), False, _app())
    qtbot.addWidget(shell)
    page = shell.pages.currentWidget()
    assert isinstance(page, SignInPage)
    page.select(_staff_id(qtbot, page, "Mia"))
    qtbot.keyClicks(page, "1234")
    qtbot.keyClick(page, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shell.main is not None)
    main = shell.main
    assert isinstance(main, MainArea)
    for name, target in ROUTES.items():
        module, cls = target.split(":")
        assert type(main.screen_widget(name)) is getattr(importlib.import_module(module), cls), name


def test_the_demo_built_at_startup_keeps_the_event_loop_turning(qtbot: QtBot, tmp_path: Path) -> None:
    """``--demo`` before any window: the shop is built on a worker while a progress dialog turns
    (timers keep firing), and only the complete file appears (no half shop after a failure)."""
    from PySide6.QtCore import QTimer

    from ui.app import ensure_demo_database

    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    path = tmp_path / "demo.sqlite3"
    assert ensure_demo_database(str(path), clock=FakeClock()) == str(path)
    timer.stop()
    assert path.exists() and not Path(str(path) + ".part").exists()
    assert len(ticks) >= 5  # the GUI thread handled events while the shop was written
    db = open_database(str(path))
    assert Services(db).shop.info().is_demo
    db.dispose()
    # used as it is the second time: no build, no dialog
    before = path.stat().st_mtime_ns
    assert ensure_demo_database(str(path), clock=FakeClock()) == str(path)
    assert path.stat().st_mtime_ns == before


def test_welcome_encrypts_a_new_shop_and_shows_its_recovery_key(
    qtbot: QtBot, tmp_path: Path, keystore: Path, monkeypatch: object
) -> None:
    """Where this computer can keep a key, Set up my shop encrypts the new shop by default: the
    recovery key is shown once, the shop opens again with its key and the owner signs in."""
    import pytest

    from desk_app.db import cipher
    from ui.settings import backup as settings_backup

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    shown: list[str] = []
    monkeypatch.setattr(settings_backup.RecoveryKeyDialog, "exec", lambda self: shown.append(self.key.text()) or 1)
    path = tmp_path / "new.sqlite3"
    shell = Shell(str(path), False, _app())
    qtbot.addWidget(shell)
    page = shell.pages.currentWidget()
    assert isinstance(page, WelcomePage) and page.encrypt.isChecked() and page.encrypt.isEnabled()
    page.name.setText("My Salon")
    page.owner.setText("Ann")
    page.pin.setText("123456")
    page.pin2.setText("123456")
    qtbot.mouseClick(page.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shell.sign_in is not None and shell.pages.currentWidget() is shell.sign_in, timeout=10000)
    assert len(shown) == 1 and cipher.parse_recovery(shown[0]) in cipher.known_keys()
    assert cipher.is_encrypted(path) and b"My Salon" not in path.read_bytes()
    _sign_in(qtbot, shell, "Ann", "123456")
    assert shell.services.shop.info().name == "My Salon" and shell.services.db.key is not None


def test_welcome_without_a_password_store_does_not_offer_encryption(qtbot: QtBot, tmp_path: Path) -> None:
    import keyring
    from keyring.backends import fail

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        shell = Shell(str(tmp_path / "new.sqlite3"), False, _app())
        qtbot.addWidget(shell)
        page = shell.pages.currentWidget()
        assert isinstance(page, WelcomePage)
        assert not page.encrypt.isChecked() and not page.encrypt.isEnabled()
    finally:
        keyring.set_keyring(before)


def test_signing_in_marks_missed_bookings_without_opening_the_calendar(qtbot: QtBot, tmp_path: Path) -> None:
    """Issue 15: no-shows were marked only when someone opened the calendar on today. The shell marks
    them on signing in and every few minutes after, on its worker."""
    from desk_app.db.models import Appointment
    from tests.integration.test_calendar_support import new_client

    path = tmp_path / "s.sqlite3"
    _shop(path)
    clock = FakeClock()
    db = open_database(str(path))
    s = Services(db, clock=clock)
    leo = next(st.id for st in s.auth.list_staff() if st.name == "Leo")
    cid = new_client(db, "Ann")
    start = clock() + timedelta(hours=1)
    with db.uow() as uow:
        a = Appointment(branch_id=1, client_id=cid, staff_id=leo, start_at=start, end_at=start + timedelta(hours=1),
                        block_end_at=start + timedelta(hours=1), status="booked")
        uow.session.add(a)
        uow.session.flush()
        appt = a.id
        uow.commit()
    db.dispose()
    clock.advance(hours=3)  # the client never came
    shell = Shell(str(path), False, _app(), clock=clock)
    qtbot.addWidget(shell)
    _sign_in(qtbot, shell, "Mia", "1234")

    def status() -> str:
        with shell.services.db.uow(write=False) as uow:
            a = uow.session.get(Appointment, appt)
            return a.status if a is not None else ""

    qtbot.waitUntil(lambda: status() == "no_show", timeout=5000)
    assert shell._no_show_timer.isActive() and shell._no_show_timer.interval() <= 5 * 60 * 1000
