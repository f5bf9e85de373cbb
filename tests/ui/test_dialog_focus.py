"""Closing a dialog gives the keyboard back to the window under it: with no window manager (a kiosk,
Xvfb) the keys went nowhere after the clock's sign-in prompt, and F1..F11 did nothing until a click."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from ui.shared.widgets import Dialog


def test_closing_a_dialog_gives_the_keyboard_back_to_its_window(qtbot: Any) -> None:
    main = QWidget()
    qtbot.addWidget(main)
    main.show()
    main.activateWindow()
    dlg = Dialog(main)
    QVBoxLayout(dlg).addWidget(QLabel("x"))
    dlg.open()
    dlg.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dlg)
    other = QWidget()  # something else took the keyboard meanwhile (a window manager would give it back)
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is other)
    dlg.reject()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main)
