"""Process one feedback record: the improvement action and who is responsible."""

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
from desk_app.i18n import _, format_datetime
from ui.aftercare.text import stars
from ui.context import UiContext
from ui.shared.widgets import Button, Dialog, ErrorLabel, error_text


class FeedbackHandleDialog(Dialog):
    def __init__(self, ctx: UiContext, fb: FeedbackView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.fb = fb
        self.setWindowTitle(_("Process feedback"))
        self.setMinimumWidth(560)
        lay = QVBoxLayout(self)
        head = QLabel(f"{fb.client_name or '–'} · {fb.service or '–'} · {stars(fb.score)}")
        head.setObjectName("sectionTitle")
        lay.addWidget(head)
        body = QLabel(fb.content or _("(no comment)"))
        body.setWordWrap(True)
        lay.addWidget(body)
        due = QLabel(_("Process by {when}").format(when=format_datetime(fb.process_due_at, "short")))
        due.setObjectName("dangerText" if fb.overdue else "muted")
        lay.addWidget(due)
        form = QFormLayout()
        self.action = QPlainTextEdit(fb.improvement_action)
        self.action.setPlaceholderText(_("What we will do better"))
        self.action.setFixedHeight(80)
        form.addRow(_("Improvement action"), self.action)
        self.responsible = QComboBox()
        self.responsible.setMinimumHeight(44)
        for s in ctx.services.auth.list_staff():
            self.responsible.addItem(s.name, s.id)
        start = fb.responsible_id or (ctx.actor.staff_id if ctx.actor else None)
        if start is not None and self.responsible.findData(start) >= 0:
            self.responsible.setCurrentIndex(self.responsible.findData(start))
        form.addRow(_("Responsible"), self.responsible)
        lay.addLayout(form)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        row = QHBoxLayout()
        row.addStretch()
        cancel = Button(_("Cancel"), kind="ghost")
        cancel.clicked.connect(self.reject)
        ok = Button(_("Mark handled"), "check", kind="primary")
        ok.setDefault(True)
        ok.clicked.connect(self.save)
        row.addWidget(cancel)
        row.addWidget(ok)
        lay.addLayout(row)
        QShortcut(QKeySequence("Ctrl+Return"), self).activated.connect(self.save)

    def save(self) -> None:
        try:
            self.ctx.services.aftercare.handle_feedback(
                self.ctx.require_actor(),
                self.fb.id,
                self.action.toPlainText(),
                self.responsible.currentData(),
            )
        except Exception as exc:
            self.error.show_error(error_text(exc))
            return
        self.accept()
