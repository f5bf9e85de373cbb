"""The client answered a feedback request (by text or email): the score and their words, recorded
as the visit's feedback (``AftercareService.record_message_reply``), whether or not the follow-up
call was made; a low score opens a complaint as at checkout or on the phone. One tap, one write."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desk_app.aftercare.views import FeedbackView
from desk_app.core.service import ServiceError
from desk_app.i18n import _
from desk_app.messages.views import MessageRow
from ui.context import UiContext
from ui.messages.text import channel_label, when_text
from ui.shared.score import ScorePicker
from ui.shared.widgets import Button, Dialog, ErrorLabel, error_text


def record_reply(ctx: UiContext, row: MessageRow, score: int, words: str) -> FeedbackView:
    """On a worker: the reply as the visit's feedback (the after-care service's one action)."""
    if row.ref_kind != "visit" or row.ref_id is None:
        raise ServiceError(_("This message is not about a visit, so a reply cannot be recorded for one."))
    return ctx.services.aftercare.record_message_reply(ctx.require_actor(), row.ref_id, score, words)


class ReplyDialog(Dialog):
    def __init__(self, ctx: UiContext, row: MessageRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.row = row
        self.result_: FeedbackView | None = None
        self._saving = False
        self.setWindowTitle(_("Reply from {client}").format(client=row.client_name))
        self.setMinimumWidth(520)
        lay = QVBoxLayout(self)
        head = QLabel(
            _("{client} answered the feedback request sent by {channel} on {when}.").format(
                client=row.client_name, channel=channel_label(row.channel), when=when_text(row.sent_at or row.due_at)
            )
        )
        head.setObjectName("sectionTitle")
        head.setWordWrap(True)
        lay.addWidget(head)
        lay.addWidget(QLabel(_("How happy was the client? (1 = very unhappy, 5 = very happy)")))
        scores = QHBoxLayout()
        self.scores = ScorePicker()
        scores.addWidget(self.scores)
        scores.addStretch()
        lay.addLayout(scores)
        hint = QLabel(_("A 1 or 2 opens a complaint ticket, as a low score at checkout does."))
        hint.setObjectName("muted")
        lay.addWidget(hint)
        self.words = QPlainTextEdit()
        self.words.setPlaceholderText(_("The client's words"))
        self.words.setFixedHeight(90)
        lay.addWidget(self.words)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch()
        cancel = Button(_("Cancel"), kind="ghost")
        cancel.clicked.connect(self.reject)
        self.save_btn = Button(_("Save reply"), "check", kind="primary")
        self.save_btn.setDefault(True)
        self.save_btn.clicked.connect(self.save)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_btn)
        lay.addLayout(buttons)
        QShortcut(QKeySequence("Ctrl+Return"), self).activated.connect(self.save)

    def choose(self, score: int, words: str = "") -> None:
        """Pick a score and type the words as a person would (also used by tests)."""
        self.scores.choose(score)
        self.words.setPlainText(words)

    def saving(self) -> bool:
        return self._saving

    def save(self) -> None:
        if self._saving:
            return
        score = self.scores.value()
        if score is None:
            self.error.show_error(_("Choose the client's score from 1 to 5."))
            return
        ctx, row, words = self.ctx, self.row, self.words.toPlainText()
        self._saving = True
        self.save_btn.setEnabled(False)
        self.ctx.runner.run(
            self,
            lambda: record_reply(ctx, row, score, words),
            on_done=self._saved,
            on_error=self._not_saved,
            in_order=True,
        )

    def _saved(self, result: FeedbackView) -> None:
        self._saving = False
        self.result_ = result
        self.accept()

    def _not_saved(self, exc: Exception) -> None:
        self._saving = False
        self.save_btn.setEnabled(True)
        self.error.show_error(error_text(exc))

    def done_text(self) -> str:
        res = self.result_
        if res is not None and res.complaint_id is not None:
            return "⚠ " + _(
                "Reply saved as the visit's feedback. The low score opened complaint ticket #{id}."
            ).format(id=res.complaint_id)
        return "✓ " + _("Reply saved as the visit's feedback for {client}.").format(client=self.row.client_name)



