"""The Feedback tab: every score and comment, pending or handled, with the 72-hour processing standard."""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QDialog, QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from desk_app.aftercare.views import FeedbackView
from desk_app.domain.aftercare import FeedbackSource, FeedbackStatus
from desk_app.i18n import _, format_when
from ui.aftercare.feedback_dialog import FeedbackHandleDialog
from ui.aftercare.text import stars
from ui.context import UiContext
from ui.shared.table import Cell, RowsTable
from ui.shared.widgets import Button, EmptyState, show_error

FILTERS = (*(s.value for s in FeedbackStatus), "")


def source_label(src: str) -> str:
    return FeedbackSource(src).label if src in FeedbackSource._value2member_map_ else src


class FeedbackTab(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.status: str = FeedbackStatus.PENDING
        self.dialog: QDialog | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        bar = QHBoxLayout()
        self.group = QButtonGroup(self)
        self.filter_buttons: dict[str, Button] = {}
        for key, label in (*((s.value, s.label) for s in FeedbackStatus), ("", _("All"))):
            b = Button(label)
            b.setCheckable(True)
            b.clicked.connect(lambda _c=False, k=key: self.show_status(k))
            self.group.addButton(b)
            self.filter_buttons[key] = b
            bar.addWidget(b)
        bar.addStretch()
        self.handle_btn = Button(_("Process…"), "edit", kind="primary")
        self.handle_btn.setToolTip(_("Write the improvement action and who is responsible (Enter)"))
        self.handle_btn.clicked.connect(self.handle_selected)
        bar.addWidget(self.handle_btn)
        lay.addLayout(bar)
        self.stack = QStackedWidget()
        self.table = RowsTable(
            [
                _("Date"),
                _("Client"),
                _("Service"),
                _("Staff"),
                _("From"),
                _("Score"),
                _("Comment"),
                _("Status"),
                _("Improvement action"),
                _("Responsible"),
            ],
            stretch=6,
        )
        self.table.activated_row.connect(self.handle)
        self.empty = EmptyState(
            "star",
            _("No feedback to process"),
            _("Scores from checkout and follow-up calls appear here; low ones need an action."),
        )
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        lay.addWidget(self.stack, 1)
        self.filter_buttons[FeedbackStatus.PENDING].setChecked(True)

    def show_status(self, status: str) -> None:
        self.status = status
        self.filter_buttons[status].setChecked(True)
        self.refresh()

    def refresh(self) -> None:
        status, aftercare = self.status or None, self.ctx.services.aftercare
        self.ctx.runner.run(
            self,
            lambda: aftercare.feedback_list(status),
            on_done=self._loaded,
            on_error=lambda e: show_error(self, e),
        )

    def _loaded(self, items: list[FeedbackView]) -> None:
        rows: list[list[Cell]] = []
        for f in items:
            if f.status == FeedbackStatus.HANDLED:
                st: Cell = ("✓ " + FeedbackStatus.HANDLED.label, "ok")
            elif f.overdue:
                st = ("✕ " + _("Overdue"), "bad")
            else:
                st = ("! " + FeedbackStatus.PENDING.label, "warn")
            score: Cell = (stars(f.score), "bad" if (f.score or 5) <= 2 else "")
            rows.append(
                [
                    format_when(f.at),
                    f.client_name or "–",
                    f.service,
                    f.staff,
                    source_label(f.source),
                    score,
                    f.content,
                    st,
                    f.improvement_action,
                    f.responsible,
                ]
            )
        self.table.set_rows(rows, items, widths=(140, 90, 110, 90, 110, 100, 200, 100, 170))
        self.stack.setCurrentWidget(self.table if items else self.empty)
        self.handle_btn.setEnabled(bool(items))

    def handle_selected(self) -> None:
        f = self.table.current()
        if f is not None:
            self.handle(f)

    def handle(self, f: FeedbackView) -> None:
        self.dialog = FeedbackHandleDialog(self.ctx, f, self)
        self.dialog.accepted.connect(self.refresh)
        self.dialog.open()
