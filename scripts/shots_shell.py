"""Screenshots of the shell (sign-in, main window on Today) in English and Chinese.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/shots_shell.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from desk_app import i18n  # noqa: E402
from desk_app.demo.shop import generate  # noqa: E402
from desk_app.settings import S  # noqa: E402
from scripts.shots_common import file_keyring, wait  # noqa: E402
from ui.app import Shell  # noqa: E402
from ui.theme import apply_theme  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    apply_theme(app)
    tmp = Path(tempfile.mkdtemp())
    # the welcome on an empty database, where this computer can keep a key (a file keyring here)
    file_keyring(tmp)
    for lang in ("en", "zh_CN"):
        i18n.set_language(lang)
        welcome = Shell(str(tmp / f"empty-{lang}.sqlite3"), False, app)
        welcome.resize(1366, 768)
        welcome.show()
        for _ in range(5):
            app.processEvents()
        welcome.grab().save(str(OUT / f"welcome-{'en' if lang == 'en' else 'zh'}.png"))
        welcome.close()
    for lang in ("en", "zh_CN"):
        i18n.set_language(lang)
        db = tmp / f"demo-{lang}.sqlite3"
        generate(str(db), clients=300, months=3, staff=6, seed=7, lang=lang)
        shell = Shell(str(db), True, app)
        shell.resize(1366, 768)
        shell.show()
        app.processEvents()
        suffix = "en" if lang == "en" else "zh"
        page = shell.sign_in
        assert page is not None
        wait(app, lambda page=page: not page.staff_loading())  # the staff list comes from a worker
        for _ in range(20):  # the tiles are laid out and painted before the picture
            app.processEvents()
            time.sleep(0.01)
        shell.grab().save(str(OUT / f"sign-in-{suffix}.png"))
        pins = dict(shell.services.settings.get(S.DEMO_PINS) or {})
        owner = next(s for s in page._staff if s.role == "owner")
        page.select(owner.id)
        page.type_pin(str(pins.get(str(owner.id)) or "1111"))
        page.submit()
        wait(app, lambda shell=shell: shell.main is not None)  # the PIN is checked on a worker
        for _ in range(5):
            app.processEvents()
        shell.grab().save(str(OUT / f"main-{suffix}.png"))
        # Today's search: the list opens over the day (the tables below stay where they are)
        from ui.today.screen import TodayScreen

        today = shell.findChild(TodayScreen)
        assert today is not None
        from PySide6.QtWidgets import QDialog

        for w in app.topLevelWidgets():  # the owner's overdue-complaints reminder, if it came up
            if isinstance(w, QDialog) and w.isVisible():
                w.close()
        shell.activateWindow()
        today.search.edit.setFocus()
        today.search.set_text("wang" if lang != "en" else "an")
        wait(app, lambda today=today: bool(today.search.hits()))
        today.search._place_results()  # as the next key would, once the reminder has gone
        wait(app, today.search.results.isVisible)
        for _ in range(5):
            app.processEvents()
        shell.grab().save(str(OUT / f"today-search-{suffix}.png"))
        shell.close()
        shell.database.dispose()
    print("saved to", OUT)


if __name__ == "__main__":
    main()
