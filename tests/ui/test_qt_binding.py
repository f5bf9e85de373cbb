"""Guard against the PySide6 6.12.0 bug on CPython 3.11: every Qt call returning nothing dropped a
reference to None, and the app aborted after a few thousand calls ("deallocating None")."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot


def test_qt_calls_do_not_leak_references_to_none(qtbot: QtBot) -> None:
    w = QWidget()
    qtbot.addWidget(w)
    before = sys.getrefcount(None)
    for _ in range(2000):
        w.setEnabled(True)
    assert abs(sys.getrefcount(None) - before) < 100
