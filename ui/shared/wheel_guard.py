"""The mouse wheel scrolls the form, never silently changes a value.

A combo box, spin box or date field under the pointer while the wheel scrolls a form used to take
the wheel and change its value (a consultation's priority went from Normal to Urgent). With the
guard installed on the application, such an input only reacts to the wheel when it has the
keyboard focus (the person clicked or tabbed into it); otherwise the wheel goes to the scroll area
around it, as the person meant.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QApplication, QComboBox, QWidget

_GUARDED = (QComboBox, QAbstractSpinBox)


class WheelGuard(QObject):
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(obj, _GUARDED):  # first: it sees every event of the app, and this is cheap
            return False
        kind = event.type()
        if kind == QEvent.Type.Polish:
            # Qt gives an input with "wheel focus" the focus as the wheel reaches it; a click or
            # Tab still does
            if obj.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                obj.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            return False
        if kind != QEvent.Type.Wheel or obj.hasFocus():
            return False
        scroll = _scroll_area_of(obj)
        if scroll is not None:
            QCoreApplication.sendEvent(scroll.viewport(), event)
        return True  # the input does not take it


def _scroll_area_of(w: QWidget) -> QAbstractScrollArea | None:
    p = w.parentWidget()
    while p is not None:
        if isinstance(p, QAbstractScrollArea) and not isinstance(p, QComboBox):
            return p
        p = p.parentWidget()
    return None


def install_wheel_guard(app: QApplication) -> None:
    """Once per application (later calls do nothing)."""
    if app.property("wheelGuard"):
        return
    guard = WheelGuard(app)
    app.installEventFilter(guard)
    app.setProperty("wheelGuard", True)
