"""The Contacts & complaints tab: complaint tickets (overdue first), respond/resolve/close, recent contacts.

The ticket a person chose stays chosen, by its number, whatever a reload does to the order (an
answered ticket is no longer overdue and moves down): "Answer…" then "Resolve…" act on one ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from desk_app.aftercare.views import ComplaintView, ContactView
from desk_app.domain.aftercare import (
    COMPLAINT_ACTIVE,
    CallbackResult,
    Compensation,
    ComplaintCategory,
    ComplaintLevel,
    ComplaintStatus,
    ContactChannel,
    ContactKind,
)
from desk_app.i18n import _, format_money, format_when
from ui.aftercare.complaint_dialogs import (
    ComplaintCallbackDialog,
    ComplaintResolveDialog,
    ComplaintRespondDialog,
    ContactAnswerDialog,
)
from ui.aftercare.contact_dialog import ContactLogDialog
from ui.aftercare.text import complaint_status, severity, word
from ui.context import UiContext
from ui.shared.table import Cell, RowsTable
from ui.shared.widgets import Button, EmptyState, StatusChip, show_error


def complaint_row(c: ComplaintView) -> list[Cell]:
    st, tone = complaint_status(c.status, c.overdue or c.resolve_overdue)
    if c.callback_due:
        st, tone = _("Call back"), "warn"
    elif c.reopened_count and c.status in COMPLAINT_ACTIVE and not (c.overdue or c.resolve_overdue):
        st, tone = _("Reopened"), "warn"
    sym = {"bad": "✕", "warn": "!", "ok": "✓", "info": "•"}.get(tone, "•")
    sev, sev_tone = severity(c.severity)
    due, due_tone = next_deadline(c)
    comp = word(Compensation, c.compensation_kind) if c.compensation_kind else ""
    if c.compensation:
        comp += " " + format_money(c.compensation)
    if c.replacement_staff:
        comp = " · ".join(x for x in (comp, _("now {name}").format(name=c.replacement_staff)) if x)
    return [
        f"#{c.id}",
        format_when(c.opened_at),
        c.client_name or "–",
        word(ComplaintLevel, c.level),
        word(ComplaintCategory, c.category),
        (sev, sev_tone),
        (f"{sym} {st}", tone),
        c.handler or "–",
        (due, due_tone),
        c.description.splitlines()[0] if c.description else "",
        comp,
    ]


def contact_answer(c: ContactView) -> Cell:
    """An inquiry's or request's answer: done (✓), waiting until its deadline, or late (✕)."""
    if c.reply_due_at is None:
        return ""
    if c.replied_at is not None:
        late = c.replied_at > c.reply_due_at
        return ("✓ " + (_("answered late") if late else _("answered")), "warn" if late else "ok")
    text = _("Answer by {when}").format(when=format_when(c.reply_due_at))
    return ("✕ " + text, "bad") if c.reply_overdue else ("! " + text, "warn")


def next_deadline(c: ComplaintView) -> tuple[str, str]:
    """What the ticket waits for next and by when: the first answer, the resolution, the call-back
    after it; ✕ when it is late (a word and a symbol, not the colour alone)."""

    def when(t: datetime) -> str:
        return format_when(t)

    if c.status in COMPLAINT_ACTIVE:
        if c.first_response_at is None:
            late = c.overdue
            text = _("Answer by {when}").format(when=when(c.first_response_due_at))
        else:
            late = c.resolve_overdue
            text = _("Resolve by {when}").format(when=when(c.resolve_due_at)) if c.resolve_due_at else "–"
        return ("✕ " + text if late else text), ("bad" if late else "")
    if c.status == ComplaintStatus.RESOLVED and c.callback_due_at is not None:
        text = _("Call back {when}").format(when=when(c.callback_due_at))
        return ("! " + text if c.callback_due else text), ("warn" if c.callback_due else "")
    if c.callback_result:
        return "✓ " + word(CallbackResult, c.callback_result), "ok"
    return "✓", "ok"


class ContactsComplaintsTab(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialog: QDialog | None = None
        self.items: list[ComplaintView] = []
        self.selected_id: int | None = None  # the chosen ticket, kept across reloads
        self._closing = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        bar = QHBoxLayout()
        self.chip = StatusChip("", "neutral")
        bar.addWidget(self.chip)
        bar.addStretch()
        log_btn = Button(_("Log a contact…"), "message", kind="primary")
        log_btn.setToolTip(_("Every call, visit or message: inquiry, service request or complaint (Ctrl+N)"))
        log_btn.clicked.connect(lambda: self.log_contact())
        bar.addWidget(log_btn)
        self.respond_btn = Button(_("Answer…"), "message")
        self.respond_btn.clicked.connect(self.respond)
        self.resolve_btn = Button(_("Resolve…"), "check")
        self.resolve_btn.clicked.connect(self.resolve)
        self.callback_btn = Button(_("Call back…"), "phone")
        self.callback_btn.setToolTip(_("Ask the client whether they are satisfied with the resolution"))
        self.callback_btn.clicked.connect(self.callback)
        self.close_btn = Button(_("Close ticket"), "x", kind="ghost")
        self.close_btn.clicked.connect(self.close_ticket)
        for b in (self.respond_btn, self.resolve_btn, self.callback_btn, self.close_btn):
            bar.addWidget(b)
        lay.addLayout(bar)
        QShortcut(QKeySequence("Ctrl+N"), self).activated.connect(lambda: self.log_contact())

        split = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        title = QLabel(_("Complaint tickets"))
        title.setObjectName("sectionTitle")
        tl.addWidget(title)
        self.stack = QStackedWidget()
        self.table = RowsTable(
            [
                _("No."),
                _("Opened"),
                _("Client"),
                _("Level"),
                _("Category"),
                _("Severity"),
                _("Status"),
                _("Handler"),
                _("Next deadline"),
                _("What happened"),
                _("Compensation"),
            ],
            stretch=9,
        )
        self.table.activated_row.connect(lambda _c: self.respond_or_resolve())
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._current_changed())
        self.empty = EmptyState(
            "shield",
            _("No complaints"),
            _('Log a phone or counter complaint with "Log a contact"; low scores open one by themselves.'),
        )
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        tl.addWidget(self.stack)
        split.addWidget(top)
        bottom = QWidget()
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        t2 = QLabel(_("Recent contacts"))
        t2.setObjectName("sectionTitle")
        cbar = QHBoxLayout()
        cbar.addWidget(t2)
        cbar.addStretch()
        self.answer_contact_btn = Button(_("Answered…"), "check")
        self.answer_contact_btn.setToolTip(_("Record the answer to the chosen inquiry or service request"))
        self.answer_contact_btn.clicked.connect(self.answer_contact)
        cbar.addWidget(self.answer_contact_btn)
        bl.addLayout(cbar)
        self.contacts = RowsTable(
            [_("When"), _("How"), _("What"), _("Who"), _("Summary"), _("Answer"), _("Checklist"), _("Logged by")],
            stretch=4,
        )
        self.contacts.selectionModel().currentRowChanged.connect(lambda *_a: self._update_buttons())
        bl.addWidget(self.contacts)
        split.addWidget(bottom)
        split.setSizes([380, 200])
        lay.addWidget(split, 1)

    def refresh(self) -> None:
        actor = self.ctx.actor
        svc = self.ctx.services.complaints

        def load() -> tuple[list[ComplaintView], list[ContactView]]:
            return svc.complaints(), svc.contacts(actor=actor)

        self.ctx.runner.run(self, load, on_done=self._loaded, on_error=lambda e: show_error(self, e))

    def _loaded(self, data: Any) -> None:
        complaints, contacts = data
        keep = self.selected_id  # set_rows selects the first row; the chosen ticket is put back below
        self.items = complaints
        overdue = sum(1 for c in complaints if c.overdue)
        open_n = sum(1 for c in complaints if c.status in COMPLAINT_ACTIVE)
        if overdue:
            self.chip.set_status(_("{n} overdue · {m} open").format(n=overdue, m=open_n), "bad")
        else:
            self.chip.set_status(_("{m} open").format(m=open_n), "warn" if open_n else "ok")
        self.table.set_rows(
            [complaint_row(c) for c in complaints],
            complaints,
            widths=(55, 135, 75, 80, 90, 65, 105, 70, 190),
        )
        self.stack.setCurrentWidget(self.table if complaints else self.empty)
        self.selected_id = keep
        if not self._select_kept():  # none chosen yet, or it left the list: the first row is
            self._current_changed()
        rows: list[list[Cell]] = []
        for c in contacts:
            done = sum(c.checklist.values())
            rows.append(
                [
                    format_when(c.at),
                    word(ContactChannel, c.channel),
                    (word(ContactKind, c.kind), "bad" if c.kind == ContactKind.COMPLAINT else ""),
                    c.client_name or c.caller_name,
                    c.summary,
                    contact_answer(c),
                    (f"{done}/{len(c.checklist)}", "ok" if done == len(c.checklist) else "warn"),
                    c.staff,
                ]
            )
        self.contacts.set_rows(rows, contacts, widths=(150, 90, 130, 110, 300, 210, 80))
        self._update_buttons()

    def select(self, complaint_id: int) -> None:
        """Choose a ticket by its number; when the list is still loading, it is chosen on arrival."""
        self.selected_id = complaint_id
        self._select_kept()

    def _select_kept(self) -> bool:
        """Select the chosen ticket's row; False when it is not in the list (yet)."""
        for i, c in enumerate(self.items):
            if c.id == self.selected_id:
                self.table.selectRow(i)
                return True
        return False

    def _current_changed(self) -> None:
        c = self.current()
        if c is not None:
            self.selected_id = c.id
        self._update_buttons()

    def current(self) -> ComplaintView | None:
        c = self.table.current()
        return c if isinstance(c, ComplaintView) else None

    def _update_buttons(self) -> None:
        c = self.current()
        idle = not self._closing
        self.respond_btn.setEnabled(idle and c is not None and c.status in COMPLAINT_ACTIVE)
        self.resolve_btn.setEnabled(idle and c is not None and c.status in COMPLAINT_ACTIVE)
        self.callback_btn.setEnabled(idle and c is not None and c.status == ComplaintStatus.RESOLVED)
        ct = self.contacts.current()
        self.answer_contact_btn.setEnabled(
            idle and isinstance(ct, ContactView) and ct.reply_due_at is not None and ct.replied_at is None
        )
        self.close_btn.setEnabled(idle and c is not None and c.status == ComplaintStatus.RESOLVED)

    def _open(self, dlg: QDialog) -> None:
        self.dialog = dlg
        dlg.accepted.connect(self.refresh)
        dlg.open()

    def log_contact(self, kind: str = ContactKind.INQUIRY) -> None:
        self._open(ContactLogDialog(self.ctx, self, kind))

    def respond_or_resolve(self) -> None:
        c = self.current()
        if c is not None and c.status == ComplaintStatus.OPEN:
            self.respond()
        elif c is not None and c.status == ComplaintStatus.RESOLVED:
            self.callback()
        else:
            self.resolve()

    def answer_contact(self) -> None:
        ct = self.contacts.current()
        if isinstance(ct, ContactView) and ct.reply_due_at is not None and ct.replied_at is None:
            self._open(ContactAnswerDialog(self.ctx, ct, self))

    def callback(self) -> None:
        c = self.current()
        if c is not None and c.status == ComplaintStatus.RESOLVED:
            self._open(ComplaintCallbackDialog(self.ctx, c, self))

    def respond(self) -> None:
        c = self.current()
        if c is not None and c.status in COMPLAINT_ACTIVE:
            self._open(ComplaintRespondDialog(self.ctx, c, self))

    def resolve(self) -> None:
        c = self.current()
        if c is not None and c.status in COMPLAINT_ACTIVE:
            self._open(ComplaintResolveDialog(self.ctx, c, self))

    def close_ticket(self) -> None:
        c = self.current()
        if c is None or self._closing:
            return
        actor, complaint_id = self.ctx.require_actor(), c.id
        complaints = self.ctx.services.complaints
        self._set_closing(True)

        def failed(exc: Exception) -> None:
            self._set_closing(False)
            show_error(self, exc)

        def closed(_view: ComplaintView) -> None:
            self._set_closing(False)
            self.refresh()

        self.ctx.runner.run(
            self,
            lambda: complaints.close(actor, complaint_id),
            on_done=closed,
            on_error=failed,
            in_order=True,
        )

    def _set_closing(self, on: bool) -> None:
        """While a ticket is being closed the ticket buttons wait (one tap is one close)."""
        self._closing = on
        self._update_buttons()
