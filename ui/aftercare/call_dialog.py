"""The follow-up call: the script, "Call" (reveals the number, audited), outcome, four 1-5 scores, comments.

The script is read, the number revealed and the call saved through the runner; "Call" and
"Save call" wait (disabled) while theirs runs, and the dialog closes when the call is saved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QByteArray, QDateTime, Qt, QTimeZone
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateTimeEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.aftercare.views import CallResult, FollowUpView
from desk_app.domain.aftercare import CallOutcome, ScoreDimension
from desk_app.i18n import _, format_date
from ui.context import UiContext
from ui.shared.score import SCORES, ScorePicker
from ui.shared.widgets import Button, Card, Dialog, ErrorLabel, error_text


class FollowUpCallDialog(Dialog):
    def __init__(self, ctx: UiContext, followup: FollowUpView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.fu = followup
        self.result_: CallResult | None = None
        self._saving = False
        self.setWindowTitle(_("Follow-up call: {client}").format(client=followup.client_name))
        self.setMinimumWidth(760)
        lay = QVBoxLayout(self)
        lay.setSpacing(10)

        # who, what, when + Call
        top = QHBoxLayout()
        who = QLabel(
            _("{client} ({number}) · {services} by {stylist} on {date}").format(
                client=followup.client_name,
                number=followup.client_number,
                services=", ".join(followup.services) or _("visit"),
                stylist=followup.served_by or "–",
                date=format_date(followup.visit_at) if followup.visit_at else "–",
            )
        )
        who.setObjectName("sectionTitle")
        who.setWordWrap(True)
        top.addWidget(who, 1)
        self.phone = QLabel(followup.phone_masked or _("no number"))
        self.phone.setObjectName("bigNumber")
        self.phone.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.phone)
        self.call_btn = Button(_("Call"), "phone", kind="primary")
        self.call_btn.setToolTip(_("Shows the full number (the look is logged)"))
        self.call_btn.clicked.connect(self._reveal)
        top.addWidget(self.call_btn)
        lay.addLayout(top)

        # the script
        script = Card(_("Call script"))
        self.script = QLabel()  # filled by _load_script
        self.script.setWordWrap(True)
        self.script.setObjectName("scriptText")
        script.body.addWidget(self.script)
        lay.addWidget(script)

        # outcome
        lay.addWidget(QLabel(_("What happened?")))
        row = QHBoxLayout()
        self.outcomes = QButtonGroup(self)
        self.outcome_buttons: dict[str, QPushButton] = {}
        for i, outcome in enumerate(CallOutcome, 1):
            b = Button(f"&{i} " + outcome.label)
            b.setCheckable(True)
            self.outcomes.addButton(b)
            self.outcome_buttons[outcome.value] = b
            row.addWidget(b)
        self.outcomes.buttonToggled.connect(self._outcome_changed)
        self.when = QDateTimeEdit()
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        tz = QTimeZone(QByteArray(ctx.shop.timezone.encode()))
        self.when.setTimeZone(tz)  # shown and typed in the shop's time
        self.when.setDateTime(
            QDateTime.fromSecsSinceEpoch(int((ctx.services.clock() + timedelta(hours=2)).timestamp()), tz)
        )
        self.when.setMinimumHeight(44)
        self.when.hide()
        row.addWidget(self.when)
        lay.addLayout(row)

        # scores: one tap each
        self.scores_box = QWidget()
        grid = QGridLayout(self.scores_box)
        grid.setContentsMargins(0, 0, 0, 0)
        self.scores: dict[str, ScorePicker] = {}
        for r, dim in enumerate(ScoreDimension):
            grid.addWidget(QLabel(dim.label), r, 0)
            self.scores[dim.value] = picker = ScorePicker(_("1 = very unhappy, 5 = very happy"))
            grid.addWidget(picker, r, 1)
        hint = QLabel(_("1 = very unhappy · 5 = very happy. A 1 or 2 opens a complaint ticket."))
        hint.setObjectName("muted")
        grid.addWidget(hint, len(ScoreDimension), 0, 1, 2)
        grid.setColumnStretch(0, 1)  # the labels as wide as one score button, as when each had its column
        grid.setColumnStretch(1, len(SCORES))
        lay.addWidget(self.scores_box)
        self.scores_box.setEnabled(False)

        self.comments = QPlainTextEdit()
        self.comments.setPlaceholderText(_("Comments: what the client said"))
        self.comments.setFixedHeight(70)
        # a problem the client wants sorted out: answered within the shop's working days (side by
        # side with the comments, so the dialog keeps its height)
        self.problem = QPlainTextEdit()
        self.problem.setPlaceholderText(_("A problem to sort out for the client (we reply within the working days set)"))
        self.problem.setFixedHeight(70)
        texts = QHBoxLayout()
        texts.addWidget(self.comments, 1)
        texts.addWidget(self.problem, 1)
        lay.addLayout(texts)
        self.error = ErrorLabel()
        lay.addWidget(self.error)

        buttons = QHBoxLayout()
        buttons.addStretch()
        cancel = Button(_("Cancel"), kind="ghost")
        cancel.clicked.connect(self.reject)
        self.save_btn = Button(_("Save call"), "check", kind="primary")
        self.save_btn.setDefault(True)
        self.save_btn.clicked.connect(self.save)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_btn)
        lay.addLayout(buttons)
        QShortcut(QKeySequence("Ctrl+Return"), self).activated.connect(self.save)
        self._load_script()

    def _load_script(self) -> None:
        actor, followup_id, aftercare = self.ctx.require_actor(), self.fu.id, self.ctx.services.aftercare
        self.ctx.runner.run(
            self,
            lambda: aftercare.call_script(actor, followup_id),
            on_done=lambda lines: self.script.setText("\n".join(f"{i}. {t}" for i, t in enumerate(lines, 1))),
            on_error=lambda exc: self.error.show_error(error_text(exc)),
        )

    def _reveal(self) -> None:
        """Show the full number; the look is audited, so it is a write (one per tap)."""
        if not self.call_btn.isEnabled():
            return
        actor, followup_id, aftercare = self.ctx.require_actor(), self.fu.id, self.ctx.services.aftercare
        self.call_btn.setEnabled(False)

        def failed(exc: Exception) -> None:  # shown in the dialog, what to do included
            self.call_btn.setEnabled(True)
            self.error.show_error(error_text(exc))

        self.ctx.runner.run(
            self,
            lambda: aftercare.reveal_phone(actor, followup_id),
            on_done=self.phone.setText,
            on_error=failed,
            in_order=True,
        )

    def _outcome_changed(self) -> None:
        key = self.outcome()
        self.scores_box.setEnabled(key == CallOutcome.REACHED)
        self.when.setVisible(key == CallOutcome.CALL_BACK)

    def outcome(self) -> str | None:
        for key, b in self.outcome_buttons.items():
            if b.isChecked():
                return key
        return None

    def choose(self, outcome: str, **scores: int) -> None:
        """Pick an outcome and scores as a person would (also used by tests)."""
        self.outcome_buttons[outcome].click()
        for key, n in scores.items():
            self.scores[key].choose(n)

    def saving(self) -> bool:
        """True while the call is being written ("Save call" waits)."""
        return self._saving

    def _set_saving(self, on: bool) -> None:
        self._saving = on
        self.save_btn.setEnabled(not on)
        for b in self.outcome_buttons.values():
            b.setEnabled(not on)
        self.scores_box.setEnabled(not on and self.outcome() == CallOutcome.REACHED)
        self.when.setEnabled(not on)
        self.comments.setReadOnly(on)
        self.problem.setReadOnly(on)

    def save(self) -> None:
        if self._saving:  # one tap (or Ctrl+Enter) is one call
            return
        outcome = self.outcome()
        if outcome is None:
            self.error.show_error(_("Choose what happened: reached, no answer, call back or wrong number."))
            return
        scores: dict[str, int | None] = {
            key: picker.value() if outcome == CallOutcome.REACHED else None for key, picker in self.scores.items()
        }
        callback = None
        if outcome == CallOutcome.CALL_BACK:
            callback = datetime.fromtimestamp(self.when.dateTime().toSecsSinceEpoch(), UTC)
        actor, followup_id, comments = self.ctx.require_actor(), self.fu.id, self.comments.toPlainText()
        problem = self.problem.toPlainText() if outcome == CallOutcome.REACHED else ""
        aftercare = self.ctx.services.aftercare
        self._set_saving(True)
        self.ctx.runner.run(
            self,
            lambda: aftercare.record_call(
                actor, followup_id, outcome, callback_at=callback, comments=comments, problem=problem, **scores
            ),
            on_done=self._saved,
            on_error=self._not_saved,
            in_order=True,
        )

    def _saved(self, result: CallResult) -> None:
        self._set_saving(False)
        self.result_ = result
        self.accept()

    def _not_saved(self, exc: Exception) -> None:
        self._set_saving(False)
        self.error.show_error(error_text(exc))
