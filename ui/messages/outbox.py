"""The Outbox tab: what is queued, sent and failed, by state, day and client; resend, cancel,
view, and the client's reply to a feedback request entered as the visit's feedback.

Every read and write goes through the runner; the counts and the rows are read together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.messages import MessageKind, MessageState
from desk_app.domain.permissions import Perm
from desk_app.i18n import _, format_date, format_time, format_when, local
from desk_app.messages.views import MessageCounts, MessageRow
from ui.context import UiContext
from ui.messages.reply_dialog import ReplyDialog
from ui.messages.text import channel_label, fail_words, kind_label, state_cell, when_text
from ui.runner import Latest, debounce_timer
from ui.shared.table import Cell, RowsTable
from ui.shared.widgets import Button, Dialog, EmptyState, confirm, error_text

# the state filters: the service's state value ("failed" lists the unsure ones too), None = all
FILTERS: tuple[tuple[str, str | None], ...] = (
    ("queued", MessageState.QUEUED.value),
    ("sent", MessageState.SENT.value),
    ("failed", MessageState.FAILED.value),
    ("all", None),
)


class OutboxTab(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rows: list[MessageRow] = []
        self.counts: MessageCounts | None = None
        self.state_key = "all"
        self.client_id: int | None = None  # opened for one client (from the client's profile)
        self._loads = Latest()
        self._busy = False
        self.dialog: Dialog | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        lay.setSpacing(8)

        bar = QHBoxLayout()
        self.group = QButtonGroup(self)
        self.filter_buttons: dict[str, Button] = {}
        for key, _state in FILTERS:
            b = Button("")
            b.setCheckable(True)
            b.clicked.connect(lambda _c=False, k=key: self.set_state(k))
            self.group.addButton(b)
            self.filter_buttons[key] = b
            bar.addWidget(b)
        bar.addStretch()
        self.day = QDateEdit()
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setMinimumHeight(44)
        self.day.setToolTip(_("The day the messages were due or sent"))
        self._set_today()
        self.day.dateChanged.connect(lambda _d: self.refresh())
        bar.addWidget(self.day)
        self.any_day = QCheckBox(_("Any day"))
        self.any_day.toggled.connect(self._any_day)
        bar.addWidget(self.any_day)
        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Client name or number"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumHeight(44)
        self.search.setFixedWidth(200)
        self._search_timer = debounce_timer(self, self._apply)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        bar.addWidget(self.search)
        refresh = Button(_("Refresh"), "refresh", kind="ghost")
        refresh.clicked.connect(self.refresh)
        bar.addWidget(refresh)
        lay.addLayout(bar)

        self.summary = QLabel()
        self.summary.setObjectName("muted")
        lay.addWidget(self.summary)

        self.stack = QStackedWidget()
        self.table = RowsTable(
            [_("Time"), _("Client"), _("Kind of message"), _("Channel"), _("State"), _("Why not sent")], stretch=5
        )
        self.table.activated_row.connect(lambda _r: self.view_selected())
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._update_buttons())
        self.empty = EmptyState("message", _("No messages here"), "")
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        lay.addWidget(self.stack, 1)

        actions = QHBoxLayout()
        self.note = QLabel()
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        actions.addWidget(self.note, 1)
        self.view_btn = Button(_("View"), "file")
        self.view_btn.setToolTip(_("The text that was (or will be) sent (Enter)"))
        self.view_btn.clicked.connect(self.view_selected)
        self.reply_btn = Button(_("Enter reply…"), "star")
        self.reply_btn.setToolTip(_("The client answered the feedback request: record it as the visit's feedback"))
        self.reply_btn.clicked.connect(self.reply_selected)
        self.cancel_btn = Button(_("Cancel message"), "x", kind="secondary")
        self.cancel_btn.clicked.connect(self.cancel_selected)
        self.resend_btn = Button(_("Resend"), "refresh", kind="primary")
        self.resend_btn.setToolTip(_("Queue the same message again, to go now"))
        self.resend_btn.clicked.connect(self.resend_selected)
        for b in (self.view_btn, self.reply_btn, self.cancel_btn, self.resend_btn):
            actions.addWidget(b)
        lay.addLayout(actions)
        QShortcut(QKeySequence("Ctrl+R"), self).activated.connect(self.resend_selected)
        self.filter_buttons["all"].setChecked(True)
        self._show_counts()
        self._update_buttons()

    # ------------------------------------------------------------------ loading
    def _set_today(self) -> None:
        today = local(self.ctx.services.clock()).date()
        self.day.blockSignals(True)
        self.day.setDate(QDate(today.year, today.month, today.day))
        self.day.blockSignals(False)

    def _any_day(self, on: bool) -> None:
        self.day.setEnabled(not on)
        self.refresh()

    def selected_day(self) -> date | None:
        if self.any_day.isChecked():
            return None
        d = self.day.date()
        return date(d.year(), d.month(), d.day())

    def set_state(self, key: str) -> None:
        self.state_key = key
        self.filter_buttons[key].setChecked(True)
        self.refresh()

    def open_for(self, client_id: int | None = None, day: date | None = None) -> None:
        """Show one client's messages (every day) or one day's."""
        self.client_id = client_id
        if day is not None:
            self.day.blockSignals(True)
            self.day.setDate(QDate(day.year, day.month, day.day))
            self.day.blockSignals(False)
        self.any_day.blockSignals(True)
        self.any_day.setChecked(client_id is not None and day is None)
        self.day.setEnabled(not self.any_day.isChecked())
        self.any_day.blockSignals(False)
        self.refresh()

    def loading(self) -> bool:
        return self._loads.pending

    def refresh(self) -> None:
        if self.ctx.actor is None or not self.ctx.can(Perm.FOLLOWUP):
            return
        actor, messages = self.ctx.actor, self.ctx.services.messages
        state = dict(FILTERS)[self.state_key]
        day, client_id = self.selected_day(), self.client_id

        def work() -> tuple[list[MessageRow], MessageCounts]:
            rows = messages.outbox(actor, state=state, day=day, client_id=client_id)
            return rows, messages.counts(actor, day)

        seq = self._loads.next()
        self.ctx.runner.run(
            self, work, on_done=self._loads.guard(seq, self._loaded), on_error=self._load_failed
        )

    def _load_failed(self, exc: Exception) -> None:
        self._loads.cancel()
        self.note.setText(error_text(exc))

    def _loaded(self, result: tuple[list[MessageRow], MessageCounts]) -> None:
        self.rows, self.counts = result
        self._show_counts()
        self._apply()

    def _show_counts(self) -> None:
        c = self.counts
        labels = {
            "queued": _("Queued ({n})").format(n=c.queued if c else 0),
            "sent": _("Sent ({n})").format(n=c.sent if c else 0),
            "failed": _("Failed ({n})").format(n=c.failed if c else 0),
            "all": _("All ({n})").format(n=(c.queued + c.sent + c.failed + c.cancelled) if c else 0),
        }
        for key, b in self.filter_buttons.items():
            b.setText(labels[key])
        failed = self.filter_buttons["failed"]
        failed.setProperty("kind", "danger" if c and c.failed else "secondary")
        failed.style().unpolish(failed)
        failed.style().polish(failed)
        if c is None:
            self.summary.setText("")
            return
        when = _("any day") if self.any_day.isChecked() else format_date(date(self.day.date().year(), self.day.date().month(), self.day.date().day()))
        text = _("{when}: {sent} sent · {queued} waiting · {failed} failed or unsure · {cancelled} cancelled").format(
            when=when, sent=c.sent, queued=c.queued, failed=c.failed, cancelled=c.cancelled
        )
        if self.ctx.demo_mode:  # 1,948 "sent" beside channels not set up puzzled a newcomer
            text += "  ·  " + _("The demo shop's messages were made up with it: none was sent to anyone.")
        self.summary.setText(text)

    def visible_rows(self) -> list[MessageRow]:
        text = self.search.text().strip().lower()
        if not text:
            return list(self.rows)
        return [r for r in self.rows if text in r.client_name.lower() or text in r.client_number.lower()]

    def _apply(self) -> None:
        # a reload (the sender's pass, a booking, another desk) keeps the message the desk chose:
        # the table would select its first row, and Resend or Cancel act on whatever is selected
        chosen = self.current()
        items = self.visible_rows()
        cells: list[list[Cell]] = []
        one_day = not self.any_day.isChecked()  # the day is chosen above: the time is enough
        for r in items:
            at = r.sent_at or r.due_at
            # the app's words in the list; the provider's own ("isv.MOBILE_NUMBER_ILLEGAL", "550 …")
            # in the message's view, where there is room for them
            why = (fail_words(r.error_code, "") or r.error) if r.state != MessageState.SENT else ""
            cells.append(
                [
                    format_time(at) if one_day else when_text(at),
                    f"{r.client_name} ({r.client_number})" if r.client_number else r.client_name,
                    kind_label(r.kind),
                    channel_label(r.channel),
                    state_cell(r.state),
                    (why, "bad") if why and r.state in (MessageState.FAILED, MessageState.UNKNOWN) else why,
                ]
            )
        self.table.set_rows(cells, items, widths=(80 if one_day else 150, 190, 180, 100, 130, 200))
        # as wide as what they show ("Text message", "2026年12月4日 13:30" were cut beside a wide,
        # often empty "Why not sent")
        self.table.fit_columns({0: 200, 1: 240, 2: 220, 3: 160, 4: 150})
        if chosen is not None:
            self.select(chosen.id)
        self.empty = self._replace_empty()
        self.stack.setCurrentWidget(self.table if items else self.empty)
        self._update_buttons()

    def _replace_empty(self) -> EmptyState:
        c = self.counts
        nothing = c is None or not any((c.queued, c.sent, c.failed, c.cancelled))
        if self.search.text().strip():
            title, hint = _("No messages for this client"), _("Check the name, or tick \"Any day\".")
        elif nothing and self.any_day.isChecked():
            title, hint = (
                _("No messages yet"),
                _("No messages yet. Set up email or text messages in the Channels tab (the owner); "
                  "confirmations, reminders and feedback requests then go out by themselves to the clients "
                  "who agreed to get them."),
            )
        elif nothing:
            title, hint = (
                _("No messages on this day"),
                _("Pick another day or tick \"Any day\". No messages at all? Set up email or text messages "
                  "in the Channels tab (the owner)."),
            )
        else:
            title, hint = _("No messages in this list"), _("Choose \"All\" to see every message of the day.")
        old = self.empty
        new = EmptyState("message", title, hint)
        self.stack.insertWidget(1, new)
        self.stack.removeWidget(old)
        old.deleteLater()
        return new

    def _update_buttons(self) -> None:
        r = self.current()
        self.view_btn.setEnabled(r is not None)
        self.resend_btn.setEnabled(r is not None and r.can_resend and not self._busy)
        self.cancel_btn.setEnabled(r is not None and r.can_cancel and not self._busy)
        self.reply_btn.setVisible(r is not None and r.kind == MessageKind.FEEDBACK)
        self.reply_btn.setEnabled(r is not None and r.can_answer and not self._busy)

    def current(self) -> MessageRow | None:
        r = self.table.current()
        return r if isinstance(r, MessageRow) else None

    def select(self, message_id: int) -> None:
        for i, r in enumerate(self.table.model_.payloads):
            if r.id == message_id:
                self.table.selectRow(i)
                return

    # ------------------------------------------------------------------ actions
    def busy(self) -> bool:
        return self._busy

    def _write(self, fn: object, done_text: str | Callable[[MessageRow], str]) -> None:
        assert callable(fn)
        self._busy = True
        self._update_buttons()

        def done(row: MessageRow) -> None:
            self._busy = False
            self.note.setText(done_text(row) if callable(done_text) else done_text)
            self.refresh()

        def failed(exc: Exception) -> None:
            self._busy = False
            self.note.setText("✕ " + error_text(exc))
            self._update_buttons()

        self.ctx.runner.run(self, fn, on_done=done, on_error=failed, in_order=True)

    def resend_selected(self) -> None:
        r = self.current()
        if r is None or not r.can_resend or self._busy:
            return
        what = kind_label(r.kind)
        if r.state == MessageState.SENT.value and not confirm(  # the client has it: twice is a choice
            self,
            _("Send this message again?"),
            _("{what} already went to {client} on {when}. They will get it a second time.").format(
                what=what, client=r.client_name, when=format_when(r.sent_at or r.due_at)
            ),
            yes=_("Send again"),
            no=_("Don't send"),
            default_yes=False,
        ):
            return
        actor, messages, mid, clock = self.ctx.require_actor(), self.ctx.services.messages, r.id, self.ctx.services.clock

        def said(row: MessageRow) -> str:
            if row.due_at > clock() + timedelta(minutes=1):  # the shop's quiet hours hold it
                return "✓ " + _("{what} to {client} is queued again; it goes out at {when}, after the quiet hours.").format(
                    what=what, client=r.client_name, when=format_when(row.due_at)
                )
            return "✓ " + _("{what} to {client} is queued again and goes out shortly.").format(
                what=what, client=r.client_name
            )

        self._write(lambda: messages.resend(actor, mid), said)

    def cancel_selected(self) -> None:
        r = self.current()
        if r is None or not r.can_cancel or self._busy:
            return
        if not confirm(
            self,
            _("Cancel this message?"),
            _("{what} to {client} will not be sent.").format(what=kind_label(r.kind), client=r.client_name),
        ):
            return
        actor, messages, mid = self.ctx.require_actor(), self.ctx.services.messages, r.id
        self._write(
            lambda: messages.cancel(actor, mid),
            "✓ " + _("Cancelled: {what} to {client} will not be sent.").format(
                what=kind_label(r.kind), client=r.client_name
            ),
        )

    def view_selected(self) -> None:
        r = self.current()
        if r is None:
            return
        self.dialog = MessageTextDialog(r, self)
        self.dialog.open()

    def reply_selected(self) -> None:
        r = self.current()
        if r is None or not r.can_answer or self._busy:
            return
        dlg = ReplyDialog(self.ctx, r, self)
        dlg.accepted.connect(lambda: self._replied(dlg))
        self.dialog = dlg
        dlg.open()

    def _replied(self, dlg: ReplyDialog) -> None:
        self.note.setText(dlg.done_text())
        self.refresh()


class MessageTextDialog(Dialog):
    """The text of one message as the client got it (or will)."""

    def __init__(self, row: MessageRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Message to {client}").format(client=row.client_name))
        self.setMinimumWidth(560)
        lay = QVBoxLayout(self)
        head = QLabel(
            " · ".join(
                x for x in (kind_label(row.kind), channel_label(row.channel), row.to_address, state_cell(row.state)[0]) if x
            )
        )
        head.setObjectName("sectionTitle")
        head.setWordWrap(True)
        lay.addWidget(head)
        if row.subject:
            subj = QLabel(_("Subject: {subject}").format(subject=row.subject))
            subj.setWordWrap(True)
            subj.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            lay.addWidget(subj)
        body = QPlainTextEdit(row.body)
        body.setReadOnly(True)
        body.setMinimumHeight(160)
        lay.addWidget(body)
        why = fail_words(row.error_code, row.error)
        if why and row.state != MessageState.SENT:
            err = QLabel("✕ " + why)
            err.setObjectName("fieldError")
            err.setWordWrap(True)
            lay.addWidget(err)
        facts = [_("Due {when}").format(when=when_text(row.due_at))]
        if row.sent_at:
            facts.append(_("Sent {when}").format(when=when_text(row.sent_at)))
        if row.attempts:
            facts.append(_("Attempts: {n}").format(n=row.attempts))
        info = QLabel(" · ".join(facts))
        info.setObjectName("muted")
        lay.addWidget(info)
        row_ = QHBoxLayout()
        row_.addStretch()
        close = Button(_("Close"), kind="primary")
        close.clicked.connect(self.accept)
        row_.addWidget(close)
        lay.addLayout(row_)
