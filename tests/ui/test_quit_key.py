"""The system's quit keys close the window (Ctrl+Q here; Cmd+Q on macOS)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from ui.app import Shell


def test_the_quit_keys_close_the_window(qtbot: QtBot, tmp_path: Path) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    shell = Shell(str(tmp_path / "new.sqlite3"), False, app)  # a new shop: the welcome page
    qtbot.addWidget(shell)
    shell.show()
    qtbot.waitExposed(shell)
    shell.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is shell)
    assert [s.key() for s in shell._quit] == (QKeySequence.keyBindings(QKeySequence.StandardKey.Quit)
                                              or [QKeySequence("Ctrl+Q")])
    qtbot.keyClick(QApplication.focusWidget() or shell, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not shell.isVisible())
