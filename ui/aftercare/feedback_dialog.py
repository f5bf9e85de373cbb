"""Process one feedback record: the improvement action and who is responsible.

The staff list is read and the record written through the runner; "Mark handled" waits for both."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desk_app.aftercare.views import FeedbackView
from desk_app.i18n import _, format_when
from desk_app.trust.auth import StaffView
from ui.aftercare.text import stars
from ui.context import UiContext
from ui.shared.widgets import Button, Dialog, ErrorLabel, error_text


class FeedbackHandleDialog(Dialog):
    def __init__(self, ctx: UiContext, fb: FeedbackView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.fb = fb
        self._saving = False
        self._staff_loaded = False
        self.setWindowTitle(_("Process feedback"))
        self.setMinimumWidth(560)
        lay = QVBoxLayout(self)
        head = QLabel(f"{fb.client_name or '–'} · {fb.service or '–'} · {stars(fb.score)}")
        head.setObjectName("sectionTitle")
        lay.addWidget(head)
        body = QLabel(fb.content or _("(no comment)"))
        body.setWordWrap(True)
        lay.addWidget(body)
        due = QLabel(_("Process by {when}").format(when=format_when(fb.process_due_at)))
        due.setObjectName("dangerText" if fb.overdue else "muted")
        lay.addWidget(due)
        form = QFormLayout()
        self.action = QPlainTextEdit(fb.improvement_action)
        self.action.setPlaceholderText(_("What we will do better"))
        self.action.setFixedHeight(80)
        form.addRow(_("Improvement action"), self.action)
        self.responsible = QComboBox()
        self.responsible.setMinimumHeight(44)  # filled by _load_staff
        form.addRow(_("Responsible"), self.responsible)
        lay.addLayout(form)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        row = QHBoxLayout()
        row.addStretch()
        cancel = Button(_("Cancel"), kind="ghost")
        cancel.clicked.connect(self.reject)
        self.ok_btn = Button(_("Mark handled"), "check", kind="primary")
        self.ok_btn.setDefault(True)
        self.ok_btn.clicked.connect(self.save)
        row.addWidget(cancel)
        row.addWidget(self.ok_btn)
        lay.addLayout(row)
        QShortcut(QKeySequence("Ctrl+Return"), self).activated.connect(self.save)
        self._load_staff()

    def _load_staff(self) -> None:
        """Who can be responsible, read off the GUI thread ("Mark handled" waits for it)."""
        auth = self.ctx.services.auth
        self.ok_btn.setEnabled(False)
        self.ctx.runner.run(
            self,
            lambda: auth.list_staff(),
            on_done=self._got_staff,
            on_error=lambda exc: self.error.show_error(error_text(exc)),
        )

    def _got_staff(self, staff: list[StaffView]) -> None:
        for s in staff:
            self.responsible.addItem(s.name, s.id)
        start = self.fb.responsible_id or (self.ctx.actor.staff_id if self.ctx.actor else None)
        if start is not None and self.responsible.findData(start) >= 0:
            self.responsible.setCurrentIndex(self.responsible.findData(start))
        self._staff_loaded = True
        self.ok_btn.setEnabled(not self._saving)

    def saving(self) -> bool:
        """True while the record is being written ("Mark handled" waits)."""
        return self._saving

    def _set_saving(self, on: bool) -> None:
        self._saving = on
        self.ok_btn.setEnabled(not on and self._staff_loaded)
        self.action.setReadOnly(on)
        self.responsible.setEnabled(not on)

    def save(self) -> None:
        if self._saving or not self._staff_loaded:  # one tap (or Ctrl+Enter) is one write
            return
        actor, feedback_id = self.ctx.require_actor(), self.fb.id
        action, responsible = self.action.toPlainText(), self.responsible.currentData()
        aftercare = self.ctx.services.aftercare
        self._set_saving(True)
        self.ctx.runner.run(
            self,
            lambda: aftercare.handle_feedback(actor, feedback_id, action, responsible),
            on_done=self._saved,
            on_error=self._not_saved,
            in_order=True,
        )

    def _saved(self, _result: object) -> None:
        self._set_saving(False)
        self.accept()

    def _not_saved(self, exc: Exception) -> None:
        self._set_saving(False)
        self.error.show_error(error_text(exc))
