"""The Follow-ups tab: due / overdue / later / done calls, and the call dialog."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QButtonGroup, QFrame, QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from desk_app.aftercare.views import FollowUpLists, FollowUpView
from desk_app.domain.aftercare import FollowUpState
from desk_app.i18n import _, format_date, format_month_day, format_when, local, ngettext
from desk_app.messages.views import SentBrief
from ui.aftercare.call_dialog import FollowUpCallDialog
from ui.aftercare.text import followup_state, followup_status, stars
from ui.context import UiContext
from ui.messages.text import sent_line
from ui.shared.table import Cell, RowsTable, segment_cell
from ui.shared.widgets import Button, EmptyState, show_error

SENT_SHOWN = 3  # the newest messages named under the list; the rest are counted


class FollowUpsTab(QWidget):
    call_saved = Signal(object)  # CallResult
    open_complaint = Signal(int)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.lists: FollowUpLists | None = None
        self.sent: dict[int, list[SentBrief]] = {}  # what the messages already told each client
        self.current_list = FollowUpState.DUE
        self._notice_complaint = 0
        self.dialog: FollowUpCallDialog | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        bar = QHBoxLayout()
        self.group = QButtonGroup(self)
        self.filter_buttons: dict[FollowUpState, Button] = {}
        for st in FollowUpState:
            b = Button("")
            b.setCheckable(True)
            b.clicked.connect(lambda _c=False, k=st: self.show_list(k))
            self.group.addButton(b)
            self.filter_buttons[st] = b
            bar.addWidget(b)
        bar.addStretch()
        self.call_btn = Button(_("Call…"), "phone", kind="primary")
        self.call_btn.setToolTip(_("Open the call for the selected client (Enter)"))
        self.call_btn.clicked.connect(self.call_selected)
        bar.addWidget(self.call_btn)
        refresh = Button(_("Refresh"), "refresh", kind="ghost")
        refresh.clicked.connect(self.refresh)
        bar.addWidget(refresh)
        lay.addLayout(bar)

        # what the last call did (a low score opened a complaint, a follow-up was given up)
        self.notice = QFrame()
        self.notice.setObjectName("warnBanner")
        nrow = QHBoxLayout(self.notice)
        nrow.setContentsMargins(12, 8, 12, 8)
        self.notice_text = QLabel()
        self.notice_text.setWordWrap(True)
        nrow.addWidget(self.notice_text, 1)
        self.notice_btn = Button(_("Open the complaint"), kind="secondary")
        self.notice_btn.clicked.connect(lambda: self.open_complaint.emit(self._notice_complaint))
        nrow.addWidget(self.notice_btn)
        self.notice.hide()
        lay.addWidget(self.notice)

        self.stack = QStackedWidget()
        self.table = RowsTable(
            [
                _("Client"),
                _("Client value"),
                _("Phone"),
                _("Visit"),
                _("What was done"),
                _("By"),
                _("Call by"),
                _("Status"),
                _("Result"),
            ],
            stretch=4,
        )
        self.table.activated_row.connect(self.open_call)
        self.empty = EmptyState("phone", _("No calls here"), "")
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        lay.addWidget(self.stack, 1)
        # what the messages already told the selected client, in full (its status shows the latest day)
        self.sent_line = QLabel()
        self.sent_line.setObjectName("muted")
        self.sent_line.setWordWrap(True)
        lay.addWidget(self.sent_line)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._show_sent_line())
        QShortcut(QKeySequence("F9"), self).activated.connect(self.call_selected)
        self.filter_buttons[FollowUpState.DUE].setChecked(True)

    def refresh(self) -> None:
        actor, aftercare, messages = self.ctx.actor, self.ctx.services.aftercare, self.ctx.services.messages

        def work() -> tuple[FollowUpLists, dict[int, list[SentBrief]]]:
            lists = aftercare.followups(actor=actor)
            ids = sorted({f.client_id for b in (lists.due, lists.overdue, lists.later, lists.done)
                          for f in b if f.client_id is not None})
            return lists, messages.sent_to_clients(ids) if ids else {}

        self.ctx.runner.run(
            self,
            work,
            on_done=self._loaded,
            on_error=lambda e: show_error(self, e),
        )

    def _loaded(self, loaded: tuple[FollowUpLists, dict[int, list[SentBrief]]]) -> None:
        lists, self.sent = loaded
        self.lists = lists
        labels = {
            FollowUpState.DUE: _("Due ({n})"),
            FollowUpState.OVERDUE: _("Overdue ({n})"),
            FollowUpState.LATER: _("Later ({n})"),
            FollowUpState.DONE: _("Done ({n})"),
        }
        for key, b in self.filter_buttons.items():
            b.setText(labels[key].format(n=len(getattr(lists, key.value))))
        overdue = self.filter_buttons[FollowUpState.OVERDUE]
        overdue.setProperty("kind", "danger" if lists.overdue else "secondary")
        overdue.style().unpolish(overdue)
        overdue.style().polish(overdue)
        self.show_list(self.current_list)

    def show_list(self, key: str) -> None:
        """Show one of the lists: due, overdue, later or done (a ``FollowUpState``)."""
        state = self.current_list = FollowUpState(key)
        self.filter_buttons[state].setChecked(True)
        items: tuple[FollowUpView, ...] = getattr(self.lists, state.value) if self.lists else ()
        rows: list[list[Cell]] = []
        year = local(self.ctx.services.clock()).year

        def day(at: date | datetime | None) -> str:  # this year's as "Dec 4" (whole dates cut the rest)
            if at is None:
                return ""
            shown = local(at) if isinstance(at, datetime) else at
            return format_month_day(at) if shown.year == year else format_date(at)

        for f in items:
            st_text, st_tone = (
                followup_state(f.state)
                if f.state in (FollowUpState.OVERDUE, FollowUpState.LATER)
                else followup_status(f.status)
            )
            status = st_text
            if f.attempts and f.state != FollowUpState.DONE:
                status += " · " + ngettext("{n} try", "{n} tries", f.attempts).format(n=f.attempts)
            if f.callback_at and f.state != FollowUpState.DONE:
                status += " · " + format_when(f.callback_at)
            sent = self.sent_cell(f.client_id)  # a message already went: the line below says which
            if sent:
                status += " · " + sent
            result = (
                stars(f.satisfaction)
                if f.satisfaction
                else (f.comments.splitlines()[0] if f.comments else "")
            )
            rows.append(
                [
                    f.client_name,
                    segment_cell(f.segment),
                    f.phone_masked,
                    day(f.visit_at),
                    ", ".join(f.services),
                    f.served_by,
                    day(f.due_by),
                    ("● " + status, st_tone),
                    result,
                ]
            )
        # the 5th column (what was done) takes what is left: at 1366 px about 170 px; the result
        # only in the calls made
        done = state == FollowUpState.DONE
        self.table.set_rows(
            rows, list(items), widths=(120, 150, 120, 80, 170, 120, 80, 210 if not done else 150, 120)
        )
        self.table.setColumnHidden(8, not done)
        self.table.fit_columns({0: 170, 1: 160, 3: 130, 5: 160, 6: 130})  # names and days, and their headings
        self._show_sent_line()
        hints = {
            FollowUpState.DUE: _(
                "Nobody is waiting for a call today. Calls appear here two to three days after a visit."
            ),
            FollowUpState.OVERDUE: _("No overdue calls. Well done!"),
            FollowUpState.LATER: _("No calls planned for later."),
            FollowUpState.DONE: _("Calls made in the last two weeks appear here."),
        }
        self.empty = self._replace_empty(hints[state])
        self.stack.setCurrentWidget(self.table if items else self.empty)
        self.call_btn.setEnabled(bool(items) and state != FollowUpState.DONE)

    def _briefs(self, client_id: int | None) -> list[SentBrief]:
        briefs = self.sent.get(client_id, []) if client_id is not None else []
        return sorted(briefs, key=lambda b: b.sent_at, reverse=True)

    def sent_cell(self, client_id: int | None) -> str:
        """The latest message already sent to the client, its day: "✉ Dec 3" ("+1" when more)."""
        briefs = self._briefs(client_id)
        if not briefs:
            return ""
        more = f" +{len(briefs) - 1}" if len(briefs) > 1 else ""
        return "✉ " + format_month_day(briefs[0].sent_at) + more

    def sent_text(self, client_id: int | None) -> str:
        """What the messages already told the client, newest first: "Feedback request · Text message ·
        Dec 3 14:02" (the call need not ask again what a message already asked)."""
        briefs = self._briefs(client_id)
        text = "; ".join(sent_line(b.kind, b.channel, b.sent_at) for b in briefs[:SENT_SHOWN])
        if len(briefs) > SENT_SHOWN:  # a regular's month of messages would push the list off the screen
            text += "; " + _("{n} more in Messages").format(n=len(briefs) - SENT_SHOWN)
        return text

    def _show_sent_line(self) -> None:
        f = self.table.current()
        text = self.sent_text(f.client_id) if isinstance(f, FollowUpView) else ""
        self.sent_line.setText(
            _("Already sent to {client}: {messages}").format(client=f.client_name, messages=text)
            if text and isinstance(f, FollowUpView) else ""
        )

    def _replace_empty(self, hint: str) -> EmptyState:
        old = self.empty
        new = EmptyState("phone", _("No calls here"), hint)
        self.stack.insertWidget(1, new)
        self.stack.removeWidget(old)
        old.deleteLater()
        return new

    def call_selected(self) -> None:
        f = self.table.current()
        if f is not None:
            self.open_call(f)

    def open_call(self, f: FollowUpView) -> None:
        if f.state == FollowUpState.DONE:
            return
        self.dialog = FollowUpCallDialog(self.ctx, f, self)
        self.dialog.accepted.connect(self._call_done)
        self.dialog.open()

    def _call_done(self) -> None:
        dlg = self.dialog
        if dlg is None or dlg.result_ is None:
            return
        res = dlg.result_
        self.call_saved.emit(res)
        self.refresh()
        self.notice_btn.setVisible(res.complaint_id is not None)
        if res.complaint_id is not None:
            self._notice_complaint = res.complaint_id
            self.notice_text.setText(
                "⚠ "
                + _(
                    "Call saved. The low score opened complaint ticket #{id}: answer "
                    "the client within the deadline."
                ).format(id=res.complaint_id)
            )
        elif res.gave_up:
            self.notice_text.setText("• " + _("No answer after the last try: this follow-up is closed."))
        else:
            self.notice_text.setText(
                "✓ " + _("Call saved for {client}.").format(client=res.followup.client_name)
            )
        self.notice.show()

