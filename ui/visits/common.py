"""Small helpers shared by the Today, visit and My clients screens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QStyle, QStyleOptionComboBox, QStylePainter

from desk_app.domain.money import Money
from desk_app.domain.standards import Check
from desk_app.i18n import _, format_money
from desk_app.visits.views import check_label, check_short_label


def money_text(minor: int, currency: str) -> str:
    return format_money(Money.from_minor(minor, currency).amount, currency)


def waited_text(delta: timedelta) -> str:
    mins = int(delta.total_seconds() // 60)
    if mins < 1:
        return _("{n} s").format(n=int(delta.total_seconds()))
    if mins < 60:
        return _("{n} min").format(n=mins)
    return _("{h} h {m} min").format(h=mins // 60, m=mins % 60)


def breach_text(checks: tuple[Check, ...]) -> str:
    """'✕ Greeted within 30 s' for each standard missed; '' when all are met or running."""
    return " · ".join("✕ " + check_label(c) for c in checks if c.met is False)


def breach_short(checks: tuple[Check, ...]) -> str:
    """'✕ greeted late, service started late' (for narrow table cells)."""
    missed = [check_short_label(c) for c in checks if c.met is False]
    return ("✕ " + ", ".join(missed)) if missed else ""


class _Elider(QObject):
    """Paints a compact combo box's current text cut with "…" when it does not fit (Qt clipped it
    mid-word: "Developer 20 vol (back bar) (12 in stock"); the whole text is its tooltip."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() != QEvent.Type.Paint or not isinstance(obj, QComboBox) or obj.isEditable():
            return False
        opt = QStyleOptionComboBox()
        obj.initStyleOption(opt)
        p = QStylePainter(obj)
        p.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, opt)
        field = obj.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, opt, QStyle.SubControl.SC_ComboBoxEditField, obj
        )
        room = field.width() - (opt.iconSize.width() + 4 if not opt.currentIcon.isNull() else 0)
        opt.currentText = obj.fontMetrics().elidedText(opt.currentText, Qt.TextElideMode.ElideRight, room)
        p.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, opt)
        p.end()
        return True


def compact(combo: QComboBox, chars: int = 16) -> QComboBox:
    """A combo box whose long item texts do not widen the whole page: cut with "…" when they do
    not fit (whole in the tooltip and in the list it opens)."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    elider = _Elider(combo)
    combo.installEventFilter(elider)
    combo.currentTextChanged.connect(combo.setToolTip)
    return combo


def select_data(combo: QComboBox, data: Any) -> None:
    i = combo.findData(data)
    if i >= 0:
        combo.setCurrentIndex(i)


def muted(text: str = "") -> QLabel:
    lbl = QLabel(text)
    lbl.setObjectName("muted")
    lbl.setWordWrap(True)
    return lbl
