"""Connecting a desk to the shop's server from the welcome screen and from Settings > This desk,
against the real PostgreSQL server the tests start. The connection test runs on the real
(threaded) runner: the dialog says in words what it found, and saves only a connection that works."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desk_app.bootstrap import open_database
from desk_app.container import Services
from desk_app.db.server import load_password, parse_address
from desk_app.desk import load_desk
from desk_app.domain.permissions import Actor
from tests.conftest import FakeClock
from ui.app import Shell
from ui.context import UiContext
from ui.main_window import MainArea
from ui.runner import TaskRunner
from ui.settings.desk import ThisDeskPanel
from ui.settings.server import ServerDialog
from ui.shell.welcome import WelcomePage


def _app() -> QApplication:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    return app


def _fill(dlg: ServerDialog, url: str, password: str) -> None:
    address = parse_address(url)[0]
    dlg.host.setText(address.host)
    dlg.port.setValue(address.port)
    dlg.database.setText(address.database)
    dlg.user.setText(address.user)
    dlg.password_edit.setText(password)


def test_the_dialog_tests_in_the_background_and_saves_only_what_works(
    qtbot: QtBot, pg_password_login: tuple[str, str], keystore: Path
) -> None:
    url, password = pg_password_login
    runner = TaskRunner()
    dlg = ServerDialog(runner)
    qtbot.addWidget(dlg)
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)  # nothing typed: said, nothing run
    assert "missing" in dlg.error.text() and not dlg.busy()
    _fill(dlg, url, password + "-wrong")
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.last is not None, timeout=10_000)
    assert dlg.last is not None and not dlg.last.ok
    assert "refused the user" in dlg.outcome_label.text() and dlg.result() != ServerDialog.DialogCode.Accepted
    assert load_desk().server == ""  # a connection that does not work is not saved
    dlg.password_edit.setText(password)
    dlg.last = None
    qtbot.keyClick(dlg.test_button, Qt.Key.Key_Space)  # the keyboard path
    qtbot.waitUntil(lambda: dlg.last is not None, timeout=10_000)
    assert "database is empty" in dlg.outcome_label.text()
    qtbot.keyClick(dlg.password_edit, Qt.Key.Key_Return)  # Enter saves (after testing again)
    qtbot.waitUntil(lambda: dlg.result() == ServerDialog.DialogCode.Accepted, timeout=10_000)
    address = parse_address(url)[0]
    assert load_desk().server == address.saved and password not in load_desk().server
    assert load_password(address) == password
    runner.wait_for_done()


def test_connect_from_the_welcome_then_set_the_shop_up_on_the_server(
    qtbot: QtBot, tmp_path: Path, pg_password_login: tuple[str, str], keystore: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, password = pg_password_login
    monkeypatch.delenv("DESK_APP_DB", raising=False)
    shell = Shell(str(tmp_path / "new.sqlite3"), False, _app(), clock=FakeClock())
    qtbot.addWidget(shell)
    page = shell.pages.currentWidget()
    assert isinstance(page, WelcomePage)

    def fill_and_save() -> None:
        dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, ServerDialog) and w.isVisible()]
        if not dialogs:
            QTimer.singleShot(50, fill_and_save)
            return
        _fill(dialogs[0], url, password)
        qtbot.mouseClick(dialogs[0].save_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, fill_and_save)
    qtbot.mouseClick(page.server_button, Qt.MouseButton.LeftButton)  # the dialog runs until saved
    # the server is empty: the app opens it and shows the first-start setup, now on the server
    qtbot.waitUntil(lambda: not shell.database.is_sqlite and isinstance(shell.pages.currentWidget(), WelcomePage)
                    and shell.pages.currentWidget() is not page, timeout=30_000)
    welcome = shell.pages.currentWidget()
    assert isinstance(welcome, WelcomePage)
    welcome.name.setText("Lotus on the server")
    welcome.owner.setText("Ann")
    welcome.pin.setText("135790")
    welcome.pin2.setText("135790")
    welcome.encrypt.setChecked(False)
    qtbot.mouseClick(welcome.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(shell.pages.currentWidget(), MainArea), timeout=30_000)
    db = open_database(parse_address(url)[0].url(password), run_migrations=False)
    try:
        assert Services(db).shop.info().name == "Lotus on the server"
    finally:
        db.dispose()
    shell.runner.wait_for_done()
    shell.database.dispose()


def test_this_desk_says_where_the_shop_is_and_who_may_move_it(qtbot: QtBot, ctx: UiContext, owner: Actor,
                                                               services: Services) -> None:
    panel = ThisDeskPanel(ctx)
    qtbot.addWidget(panel)
    card = panel.server_card
    assert "in a file on this computer" in card.where.text()
    assert str(services.db.sqlite_file) in card.where.text()
    assert card.move_button.isVisibleTo(panel)  # the owner, on a file: may move it onto a server
    assert not card.disconnect_button.isEnabled()  # nothing to disconnect from
    desk_staff = services.auth.save_staff(owner, staff_id=None, name="Leo", role="receptionist", pin="3333")
    ctx.actor = services.auth.sign_in(desk_staff.id, "3333")
    card.show_state()
    assert not card.move_button.isVisibleTo(panel)


def test_the_owner_moves_a_one_desk_shop_onto_the_server_from_this_desk(
    qtbot: QtBot, tmp_path: Path, pg_password_login: tuple[str, str], keystore: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PySide6.QtWidgets import QMessageBox, QProgressDialog

    from ui.settings.server import ServerCard
    from ui.shared.widgets import PinDialog
    from ui.shell.sign_in import SignInPage

    url, password = pg_password_login
    monkeypatch.delenv("DESK_APP_DB", raising=False)
    path = tmp_path / "shop.sqlite3"
    db = open_database(str(path))
    services = Services(db)
    owner = services.shop.create_shop(name="Lotus", currency="CNY", language="en", owner_name="Mia",
                                      owner_pin="135790")
    services.clients.create(owner, {"name": "Wang Fang", "phone": "138 1234 5678"})
    db.dispose()
    shell = Shell(str(path), False, _app(), clock=FakeClock())
    qtbot.addWidget(shell)
    page = shell.sign_in
    assert page is not None
    qtbot.waitUntil(lambda: not page.staff_loading())
    page.select(next(s.id for s in page._staff if s.name == "Mia"))
    page.type_pin("135790")
    page.submit()
    qtbot.waitUntil(lambda: shell.ctx is not None and isinstance(shell.pages.currentWidget(), MainArea))
    assert shell.ctx is not None
    card = ServerCard(shell.ctx)
    qtbot.addWidget(card)
    assert card.move_button.isVisibleTo(card)
    said: list[str] = []

    def answer() -> None:  # the dialogs, in the order a person meets them
        w = QApplication.activeModalWidget()
        if isinstance(w, ServerDialog) and not w.busy() and not w.host.text():
            _fill(w, url, password)
            qtbot.mouseClick(w.save_button, Qt.MouseButton.LeftButton)
        elif isinstance(w, PinDialog):
            w.edit.setText("135790")
            w.accept()
        elif isinstance(w, QMessageBox) and not isinstance(w, QProgressDialog):
            said.append(f"{w.text()}\n{w.informativeText()}")  # the question, then what it means
            button = w.defaultButton() or w.buttons()[0]
            button.click()
        if not said or "on the server now" not in said[-1]:
            QTimer.singleShot(30, answer)

    QTimer.singleShot(0, answer)
    card.move_shop()
    qtbot.waitUntil(lambda: bool(said) and "on the server now" in said[-1], timeout=60_000)
    assert "copied onto" in said[0]  # asked before anything was copied
    # the desk now works on the server: the same owner signs in there
    qtbot.waitUntil(lambda: not shell.database.is_sqlite and isinstance(shell.pages.currentWidget(), SignInPage),
                    timeout=30_000)
    assert not path.exists() and (tmp_path / "shop.moved-to-server.sqlite3").exists()
    address = parse_address(url)[0]
    assert load_desk().server == address.saved and load_password(address) == password
    server = Services(shell.database)
    assert server.client_search.count() == 1 and server.shop.info().name == "Lotus"
    shell.runner.wait_for_done()
    shell.database.dispose()


def test_a_desk_whose_server_is_gone_says_why_and_may_disconnect(qtbot: QtBot, keystore: Path) -> None:
    import socket
    from dataclasses import replace

    from PySide6.QtWidgets import QMessageBox

    from desk_app.db.server import ServerAddress
    from desk_app.desk import save_desk
    from ui.app import ask_disconnect

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    save_desk(replace(load_desk(), server=ServerAddress("127.0.0.1", "salon", "desk", port).saved))
    said: list[str] = []

    def answer(choice: str) -> None:
        w = QApplication.activeModalWidget()
        if not isinstance(w, QMessageBox):
            QTimer.singleShot(30, lambda: answer(choice))
            return
        said.append(w.text())
        next(b for b in w.buttons() if b.text() == choice).click()

    QTimer.singleShot(0, lambda: answer("Quit"))
    assert not ask_disconnect(load_desk().server)
    assert f"Nothing answers at 127.0.0.1:{port}" in said[-1] and load_desk().server  # kept
    QTimer.singleShot(0, lambda: answer("Disconnect this desk"))
    assert ask_disconnect(load_desk().server)
    assert load_desk().server == ""  # the desk opens its own file from now on


def test_moving_is_offered_only_into_an_empty_database(qtbot: QtBot, pg_app_login: str, clock: FakeClock) -> None:
    db = open_database(pg_app_login, clock=clock)
    try:
        Services(db, clock=clock).shop.create_shop(name="Other", currency="CNY", language="en",
                                                   owner_name="Zoe", owner_pin="246810")
    finally:
        db.dispose()
    runner = TaskRunner()
    dlg = ServerDialog(runner, mode="move")
    qtbot.addWidget(dlg)
    assert dlg.save_button.text() == "Move the shop here"
    _fill(dlg, pg_app_login, "")
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.last is not None, timeout=10_000)
    assert "already holds a shop" in dlg.outcome_label.text()
    assert dlg.result() != ServerDialog.DialogCode.Accepted and dlg.address is None
    runner.wait_for_done()


def test_connecting_a_file_shop_to_an_empty_server_says_it_is_not_moved(
    qtbot: QtBot, pg_password_login: tuple[str, str], keystore: Path
) -> None:
    """Walk: Settings › This desk › Connect, on an empty server, said only that a new shop would be
    set up there; an owner whose shop is in a file could take that for moving it."""
    url, password = pg_password_login
    runner = TaskRunner()
    for can_move in (False, True):
        dlg = ServerDialog(runner, can_move=can_move)
        qtbot.addWidget(dlg)
        _fill(dlg, url, password)
        qtbot.mouseClick(dlg.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda d=dlg: d.last is not None, timeout=10_000)
        assert "database is empty" in dlg.outcome_label.text()
        assert ("Move this shop onto the server" in dlg.outcome_label.text()) is can_move
    runner.wait_for_done()



def test_a_server_that_cannot_be_opened_after_connecting_leaves_the_desk_on_its_file(
    qtbot: QtBot, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Walk: Settings › This desk › Save and connect on a computer with no password store; the app
    then switched to the server, which refused it (no password), said a raw error advising --db,
    and left a blank window with nothing to press."""
    path = tmp_path / "shop.sqlite3"
    db = open_database(str(path), clock=clock)
    Services(db, clock=clock).shop.create_shop(name="Lotus", currency="CNY", language="en", owner_name="Mia",
                                               owner_pin="135790")
    db.dispose()
    monkeypatch.delenv("DESK_APP_DB", raising=False)
    shell = Shell(str(path), False, _app(), clock=FakeClock())
    qtbot.addWidget(shell)
    page = shell.sign_in
    assert page is not None
    qtbot.waitUntil(lambda: not page.staff_loading())
    page.select(page._staff[0].id)
    page.type_pin("135790")
    page.submit()
    qtbot.waitUntil(lambda: shell.ctx is not None and isinstance(shell.pages.currentWidget(), MainArea))
    said: list[str] = []
    monkeypatch.setattr("ui.app.QMessageBox.critical", lambda _p, _t, text, *_a: said.append(text))
    monkeypatch.setattr("desk_app.db.server.saved_url", lambda _s: "postgresql+psycopg://desk@127.0.0.1:1/shop?connect_timeout=2")
    shell.switch_database()
    qtbot.waitUntil(lambda: bool(said) and shell.sign_in is not None
                    and shell.pages.currentWidget() is shell.sign_in, timeout=20_000)
    assert "could not open the shop's server" in said[0] and "--db" not in said[0]
    assert shell.database.is_sqlite and shell.db_str == str(path)
    shell.runner.wait_for_done()
