"""A row of 1-5 score buttons (the client's satisfaction), one tap each: checkable buttons of a
group, reached with Tab and pressed with Space like any button. Used where a score is typed in
for the client: the follow-up call's four scores (ui/aftercare/call_dialog.py) and a reply to a
feedback message (ui/messages/reply_dialog.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QButtonGroup, QHBoxLayout, QPushButton, QWidget

SCORES = range(1, 6)


class ScorePicker(QWidget):
    def __init__(self, tooltip: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.group = QButtonGroup(self)
        for n in SCORES:
            b = QPushButton(str(n))
            b.setCheckable(True)
            b.setMinimumSize(56, 44)
            if tooltip:
                b.setToolTip(tooltip)
            self.group.addButton(b, n)
            lay.addWidget(b)
        self.setMinimumHeight(44)  # as tall as its buttons even where the dialog is short of room

    def button(self, score: int) -> QAbstractButton:
        return self.group.button(score)

    def value(self) -> int | None:
        """The score chosen, or None before one is."""
        n = self.group.checkedId()
        return n if n > 0 else None

    def choose(self, score: int) -> None:
        """Tap ``score`` as a person would (also used by tests)."""
        self.button(score).click()
