"""The start's shape (issue 20), not its speed: the sign-in page shows before SQLAlchemy, the
models, the services and the screens are imported; the shop opens on a worker meanwhile and the
page then takes a PIN; once signed in, only the first screen is built.

The subprocess test runs the app as ``python main.py --demo`` with the start-up bench's hook
(``DESK_APP_BENCH_STARTUP=1``, ui/app.py ``_bench_startup``), which says which modules were
imported when the window was first painted and when the main window was."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desk_app.bootstrap import open_database
from desk_app.container import Services
from desk_app.demo.shop import generate
from ui.app import Shell
from ui.shell.sign_in import SignInPage
from ui.shell.welcome import WelcomePage

ROOT = Path(__file__).resolve().parents[2]
START = date(2025, 3, 14)  # the demo's history ends here (tests never depend on today)


def _app() -> QApplication:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    return app


def _lines(out: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line and not line.startswith(" "))


def test_the_sign_in_page_shows_before_sqlalchemy_and_the_screens_load(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    generate(str(home / "demo.sqlite3"), clients=30, months=1, staff=4, seed=3, lang="en", today=START, force=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DESK_APP_HOME": str(home),
           "DESK_APP_BENCH_STARTUP": "1", "DESK_APP_LANG": "en"}
    env.pop("DESK_APP_T0", None)
    env.pop("DESK_APP_DB", None)
    res = subprocess.run([sys.executable, str(ROOT / "main.py"), "--demo"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    said = _lines(res.stdout)
    assert said["first_page"] == "SignInPage"
    assert said["modules_first_window"] == ""  # no sqlalchemy, models, services, main area, screens
    assert not said["ready_ms"].startswith("nan")
    signed_in = set(said["modules_signed_in"].split(","))
    assert {"sqlalchemy", "ui.main_window", "ui.today.screen"} <= signed_in
    # the screens nobody opened yet are not imported (built, and imported, when first opened)
    assert not signed_in & {"ui.reports.screen", "ui.settings.screen", "ui.calendar.screen"}


def _shop(path: Path, language: str = "en") -> None:
    db = open_database(str(path))
    s = Services(db)
    s.shop.create_shop(name="Lotus", currency="CNY", language=language, owner_name="Mia", owner_pin="1234")
    db.dispose()


def test_the_page_waits_for_the_shop_then_takes_a_pin(qtbot: QtBot, tmp_path: Path) -> None:
    _shop(tmp_path / "s.sqlite3")
    shell = Shell(str(tmp_path / "s.sqlite3"), False, _app(), open_now=False)
    qtbot.addWidget(shell)
    page = shell.sign_in
    assert isinstance(page, SignInPage) and shell.pages.currentWidget() is page
    assert page.staff_loading() and page.title.text() == ""
    assert not page.key_buttons["OK"].isEnabled()
    page.type_pin("1234")  # nothing is typed into a page that cannot check it yet
    assert page.dots.text() == ""
    shell.open_at_start(lambda exc: pytest_fail(exc))
    qtbot.waitUntil(lambda: not page.staff_loading())
    assert shell.sign_in is page and page.title.text() == "Lotus"
    assert page.key_buttons["OK"].isEnabled()
    (mia,) = page.staff
    page.select(mia.id)
    page.type_pin("1234")
    page.submit()
    qtbot.waitUntil(lambda: shell.main is not None and shell.pages.currentWidget() is shell.main)


def test_a_new_shop_opened_at_start_gets_the_welcome(qtbot: QtBot, tmp_path: Path) -> None:
    shell = Shell(str(tmp_path / "new.sqlite3"), False, _app(), open_now=False)
    qtbot.addWidget(shell)
    shell.open_at_start(lambda exc: pytest_fail(exc))
    qtbot.waitUntil(lambda: isinstance(shell.pages.currentWidget(), WelcomePage))
    assert shell.sign_in is None


def test_the_page_shown_at_start_is_remade_in_the_shops_language(qtbot: QtBot, tmp_path: Path) -> None:
    from desk_app import i18n

    _shop(tmp_path / "s.sqlite3", language="zh_CN")
    i18n.set_language("en")
    try:
        shell = Shell(str(tmp_path / "s.sqlite3"), False, _app(), use_shop_language=True, open_now=False)
        qtbot.addWidget(shell)
        first = shell.sign_in
        shell.open_at_start(lambda exc: pytest_fail(exc))
        qtbot.waitUntil(lambda: shell.sign_in is not first and shell.sign_in is not None
                        and not shell.sign_in.staff_loading())
        assert shell.sign_in is not None and shell.pages.currentWidget() is shell.sign_in
        assert shell.sign_in.key_buttons["OK"].text() != "OK"  # in Chinese
    finally:
        i18n.set_language("en")


def test_a_file_that_cannot_be_opened_at_start_is_reported(qtbot: QtBot, tmp_path: Path) -> None:
    bad = tmp_path / "not-a-shop.sqlite3"
    bad.write_bytes(b"this is not a database" * 100)
    failures: list[Exception] = []
    shell = Shell(str(bad), False, _app(), open_now=False)
    qtbot.addWidget(shell)
    shell.open_at_start(failures.append)
    qtbot.waitUntil(lambda: bool(failures))
    assert shell.sign_in is not None and shell.sign_in.staff_loading()  # the page never took a PIN


def pytest_fail(exc: Exception) -> None:
    raise AssertionError(f"the shop did not open: {exc!r}")
