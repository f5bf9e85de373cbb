"""The five steps of a visit in one row: done ✓, current (highlighted), skipped (!), to do."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from desk_app.domain.visit import GUIDED_STEPS, ORDER, step_label
from desk_app.i18n import _


class VisitStepper(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 4, 0, 4)
        row.setSpacing(6)
        self.labels: dict[str, QLabel] = {}
        for i, step in enumerate(GUIDED_STEPS):
            if i:
                arrow = QLabel("›")
                arrow.setObjectName("muted")
                row.addWidget(arrow)
            lbl = QLabel()
            lbl.setMinimumHeight(32)
            lbl.setAlignment(Qt.AlignmentFlag.AlignCenter)
            row.addWidget(lbl)
            self.labels[step.value] = lbl
        row.addStretch()
        self.state: dict[str, str] = {}

    def set_step(self, current: str, skipped: dict[str, str] | None = None) -> None:
        skipped = skipped or {}
        order = [s.value for s in ORDER]
        cur_idx = order.index(current) if current in order else -1
        for i, step in enumerate(s.value for s in GUIDED_STEPS):
            lbl = self.labels[step]
            n = i + 1
            if current == "cancelled":
                state, text = "todo", f"{n}. {step_label(step)}"
            elif step in skipped:
                state, text = "skipped", "! " + _("{step} (skipped)").format(step=step_label(step))
                lbl.setToolTip(skipped[step])
            elif i < cur_idx:
                state, text = "done", "✓ " + step_label(step)
            elif i == cur_idx:
                state, text = "current", f"{n}. {step_label(step)}"
            else:
                state, text = "todo", f"{n}. {step_label(step)}"
            lbl.setText(text)
            lbl.setObjectName(
                {"done": "stepDone", "current": "stepCurrent", "skipped": "stepSkipped"}.get(
                    state, "stepTodo"
                )
            )
            lbl.style().unpolish(lbl)
            lbl.style().polish(lbl)
            # the current step is a bold pill with padding: make room for it
            bold = QFont(lbl.font())
            bold.setBold(True)
            lbl.setMinimumWidth(
                QFontMetrics(bold).horizontalAdvance(text) + (30 if state == "current" else 4)
            )
            lbl.updateGeometry()
            self.state[step] = state
