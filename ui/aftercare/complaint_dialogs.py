"""Answer a complaint (first response) or resolve it with a compensation: refund, voucher/discount, redo.

Both dialogs read and write through the runner: Save waits (disabled) while the write runs, the
dialog closes when it is done and shows the error otherwise. Each says which ticket and which
client it is for at the top."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from PySide6.QtCore import QByteArray, QDateTime, QTimeZone
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desk_app.aftercare.views import ComplaintView, ContactView, RedoChoices, RedoSpec, SaleChoice
from desk_app.domain.aftercare import COMPENSATION_WITH_AMOUNT, Compensation
from desk_app.domain.money import parse_amount
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import _, format_money, format_when
from desk_app.trust.pins import PinRefused
from ui.aftercare.text import ticket_heading
from ui.context import UiContext
from ui.shared.widgets import Button, Dialog, ErrorLabel, ask_pin, ask_pin_again, error_text


class ComplaintCallbackDialog(Dialog):
    """The call after a resolution: is the client satisfied? Yes closes the ticket; no reopens it
    (with what they are still unhappy about) and its resolve deadline runs again."""

    def __init__(self, ctx: UiContext, complaint: ComplaintView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.complaint = complaint
        self.setWindowTitle(_("Call back about complaint #{id}").format(id=complaint.id))
        self.setMinimumWidth(560)
        self._saving = False
        lay = QVBoxLayout(self)
        self.header = QLabel(ticket_heading(complaint.id, complaint.client_name))
        self.header.setObjectName("sectionTitle")
        lay.addWidget(self.header)
        what = QLabel(_("Resolved: {resolution}").format(resolution=complaint.resolution or "–"))
        what.setWordWrap(True)
        lay.addWidget(what)
        ask = QLabel(_("Ask: “Are you satisfied with how we resolved it?”"))
        ask.setWordWrap(True)
        lay.addWidget(ask)
        row = QHBoxLayout()
        self.answers = QButtonGroup(self)
        self.yes = Button(_("Satisfied (close the ticket)"), "check")
        self.no = Button(_("Not satisfied (reopen)"), "x")
        for i, b in enumerate((self.yes, self.no)):
            b.setCheckable(True)
            self.answers.addButton(b, i)
            row.addWidget(b)
        self.yes.setChecked(True)
        lay.addLayout(row)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText(_("What the client said (needed when not satisfied)"))
        self.note.setMinimumHeight(90)
        lay.addWidget(self.note)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch()
        cancel = Button(_("Cancel"), kind="ghost")
        cancel.clicked.connect(self.reject)
        self.ok_btn = Button(_("Save call-back"), "check", kind="primary")
        self.ok_btn.setDefault(True)
        self.ok_btn.clicked.connect(self.save)
        buttons.addWidget(cancel)
        buttons.addWidget(self.ok_btn)
        lay.addLayout(buttons)
        QShortcut(QKeySequence("Ctrl+Return"), self).activated.connect(self.save)

    def _set_saving(self, on: bool) -> None:
        self._saving = on
        self.ok_btn.setEnabled(not on)
        self.note.setReadOnly(on)

    def save(self) -> None:
        if self._saving:
            return
        actor = self.ctx.require_actor()
        complaint_id, satisfied, note = self.complaint.id, self.yes.isChecked(), self.note.toPlainText()
        complaints = self.ctx.services.complaints
        self._set_saving(True)
        self.ctx.runner.run(
            self,
            lambda: complaints.record_callback(actor, complaint_id, satisfied, note),
            on_done=self._saved,
            on_error=self._not_saved,
            in_order=True,
        )

    def _saved(self, _view: ComplaintView) -> None:
        self._set_saving(False)
        self.accept()

    def _not_saved(self, exc: Exception) -> None:
        self._set_saving(False)
        self.error.show_error(error_text(exc))


class ContactAnswerDialog(Dialog):
    """An inquiry or service request answered after it was logged: what the client was told."""

    def __init__(self, ctx: UiContext, contact: ContactView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.contact = contact
        self.setWindowTitle(_("Answer the client"))
        self.setMinimumWidth(560)
        self._saving = False
        lay = QVBoxLayout(self)
        self.header = QLabel(contact.client_name or contact.caller_name)
        self.header.setObjectName("sectionTitle")
        lay.addWidget(self.header)
        what = QLabel(contact.summary)
        what.setWordWrap(True)
        lay.addWidget(what)
        if contact.reply_due_at is not None:
            due = QLabel(_("Answer by {when}").format(when=format_when(contact.reply_due_at)))
            due.setObjectName("dangerText" if contact.reply_overdue else "muted")
            lay.addWidget(due)
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText(_("What you told the client"))
        self.text.setMinimumHeight(90)
        lay.addWidget(self.text)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        row = QHBoxLayout()
        row.addStretch()
        cancel = Button(_("Cancel"), kind="ghost")
        cancel.clicked.connect(self.reject)
        self.ok_btn = Button(_("Save answer"), "check", kind="primary")
        self.ok_btn.setDefault(True)
        self.ok_btn.clicked.connect(self.save)
        row.addWidget(cancel)
        row.addWidget(self.ok_btn)
        lay.addLayout(row)
        QShortcut(QKeySequence("Ctrl+Return"), self).activated.connect(self.save)

    def save(self) -> None:
        if self._saving:
            return
        actor = self.ctx.require_actor()
        contact_id, text = self.contact.id, self.text.toPlainText()
        complaints = self.ctx.services.complaints
        self._saving = True
        self.ok_btn.setEnabled(False)
        self.ctx.runner.run(
            self,
            lambda: complaints.answer_contact(actor, contact_id, text),
            on_done=self._saved,
            on_error=self._not_saved,
            in_order=True,
        )

    def _saved(self, _view: ContactView) -> None:
        self._saving = False
        self.ok_btn.setEnabled(True)
        self.accept()

    def _not_saved(self, exc: Exception) -> None:
        self._saving = False
        self.ok_btn.setEnabled(True)
        self.error.show_error(error_text(exc))


class ComplaintRespondDialog(Dialog):
    """The first response: what was told to the client."""

    def __init__(self, ctx: UiContext, complaint: ComplaintView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.complaint = complaint
        self.setWindowTitle(_("Answer complaint #{id}").format(id=complaint.id))
        self.setMinimumWidth(560)
        self._saving = False
        lay = QVBoxLayout(self)
        self.header = QLabel(ticket_heading(complaint.id, complaint.client_name))
        self.header.setObjectName("sectionTitle")
        lay.addWidget(self.header)
        what = QLabel(complaint.description)
        what.setWordWrap(True)
        lay.addWidget(what)
        due = QLabel(
            _("Answer by {when}").format(when=format_when(complaint.first_response_due_at))
        )
        due.setObjectName("dangerText" if complaint.overdue else "muted")
        lay.addWidget(due)
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText(_("What you told the client (apology, what happens next)"))
        self.text.setMinimumHeight(100)
        lay.addWidget(self.text)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        row = QHBoxLayout()
        row.addStretch()
        cancel = Button(_("Cancel"), kind="ghost")
        cancel.clicked.connect(self.reject)
        self.ok_btn = Button(_("Save answer"), "check", kind="primary")
        self.ok_btn.setDefault(True)
        self.ok_btn.clicked.connect(self.save)
        row.addWidget(cancel)
        row.addWidget(self.ok_btn)
        lay.addLayout(row)
        QShortcut(QKeySequence("Ctrl+Return"), self).activated.connect(self.save)

    def saving(self) -> bool:
        """True while the answer is being written (Save waits)."""
        return self._saving

    def _set_saving(self, on: bool) -> None:
        self._saving = on
        self.ok_btn.setEnabled(not on)
        self.text.setReadOnly(on)

    def save(self) -> None:
        if self._saving:  # one tap (or Ctrl+Enter) is one answer
            return
        actor = self.ctx.require_actor()
        complaint_id, text = self.complaint.id, self.text.toPlainText()
        complaints = self.ctx.services.complaints
        self._set_saving(True)
        self.ctx.runner.run(
            self,
            lambda: complaints.respond(actor, complaint_id, text),
            on_done=self._saved,
            on_error=self._not_saved,
            in_order=True,
        )

    def _saved(self, _view: ComplaintView) -> None:
        self._set_saving(False)
        self.accept()

    def _not_saved(self, exc: Exception) -> None:
        self._set_saving(False)
        self.error.show_error(error_text(exc))


class ComplaintResolveDialog(Dialog):
    def __init__(self, ctx: UiContext, complaint: ComplaintView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.complaint = complaint
        self.result_: ComplaintView | None = None
        self.setWindowTitle(_("Resolve complaint #{id}").format(id=complaint.id))
        self.setMinimumWidth(640)
        self._saving = False
        self._choices_loaded = False
        lay = QVBoxLayout(self)
        self.header = QLabel(ticket_heading(complaint.id, complaint.client_name))
        self.header.setObjectName("sectionTitle")
        lay.addWidget(self.header)
        what = QLabel(complaint.description)
        what.setWordWrap(True)
        lay.addWidget(what)
        self.resolution = QPlainTextEdit()
        self.resolution.setPlaceholderText(_("How it was resolved, and what the client agreed to"))
        self.resolution.setFixedHeight(80)
        lay.addWidget(self.resolution)

        lay.addWidget(QLabel(_("Compensation")))
        row = QHBoxLayout()
        self.kinds = QButtonGroup(self)
        self.kind_buttons: dict[str, Button] = {}
        for comp in Compensation:
            b = Button(comp.label)
            b.setCheckable(True)
            b.setChecked(comp == Compensation.NONE)
            self.kinds.addButton(b)
            self.kind_buttons[comp.value] = b
            row.addWidget(b)
        row.addStretch()
        lay.addLayout(row)
        self.kinds.buttonToggled.connect(lambda *_a: self._kind_changed())

        self.form = QFormLayout()
        self.sale = QComboBox()  # the sale, the stylists and the services: filled by _load_choices
        self.amount = QLineEdit()
        self.amount.setPlaceholderText(_("Amount, e.g. 50"))
        self.redo_staff = QComboBox()
        self.redo_service = QComboBox()
        self.redo_at = QDateTimeEdit()
        self.redo_at.setCalendarPopup(True)
        self.redo_at.setDisplayFormat("yyyy-MM-dd HH:mm")
        tz = QTimeZone(QByteArray(ctx.shop.timezone.encode()))
        self.redo_at.setTimeZone(tz)
        # tomorrow at the same local hour, on the hour
        start = (ctx.services.clock() + timedelta(days=1, hours=1)).replace(minute=0, second=0, microsecond=0)
        self.redo_at.setDateTime(QDateTime.fromSecsSinceEpoch(int(start.timestamp()), tz))
        for w in (self.sale, self.amount, self.redo_staff, self.redo_service, self.redo_at):
            w.setMinimumHeight(44)
        self.rows: dict[str, list[QWidget]] = {}
        for key, label, w in (
            ("refund", _("Sale to refund"), self.sale),
            ("amount", _("Amount"), self.amount),
            ("redo", _("Stylist"), self.redo_staff),
            ("redo", _("Service"), self.redo_service),
            ("redo", _("When"), self.redo_at),
        ):
            lbl = QLabel(label)
            self.form.addRow(lbl, w)
            self.rows.setdefault(key, []).extend([lbl, w])
        lay.addLayout(self.form)
        # the remedy "replace the staff member": only when the complaint names one
        self.replace = QCheckBox(
            _("Another stylist serves this client from now on, instead of {name}").format(
                name=complaint.staff_involved or "—"
            )
        )
        self.replace.setMinimumHeight(40)
        self.replace_staff = QComboBox()
        self.replace_staff.setMinimumHeight(44)
        self.replace_staff.setAccessibleName(_("Who serves the client from now on"))
        self.replace_staff.setEnabled(False)
        self.replace.toggled.connect(self._replace_toggled)
        replace_row = QHBoxLayout()
        replace_row.addWidget(self.replace, 1)
        replace_row.addWidget(self.replace_staff)
        self.replace_box = QWidget()
        self.replace_box.setLayout(replace_row)
        replace_row.setContentsMargins(0, 0, 0, 0)
        self.replace_box.setVisible(complaint.staff_involved_id is not None)
        lay.addWidget(self.replace_box)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        btns = QHBoxLayout()
        btns.addStretch()
        cancel = Button(_("Cancel"), kind="ghost")
        cancel.clicked.connect(self.reject)
        self.ok_btn = Button(_("Resolve"), "check", kind="primary")
        self.ok_btn.setDefault(True)
        self.ok_btn.clicked.connect(self.save)
        btns.addWidget(cancel)
        btns.addWidget(self.ok_btn)
        lay.addLayout(btns)
        QShortcut(QKeySequence("Ctrl+Return"), self).activated.connect(self.save)
        self._kind_changed()
        self._load_choices()

    def _load_choices(self) -> None:
        """The client's sales (for a refund) and who and what a redo can be: read off the GUI
        thread; Resolve waits for them."""
        complaints, complaint_id = self.ctx.services.complaints, self.complaint.id
        self.ok_btn.setEnabled(False)
        self.ctx.runner.run(
            self,
            lambda: (complaints.sales_for_complaint(complaint_id), complaints.redo_choices(complaint_id)),
            on_done=self._got_choices,
            on_error=lambda exc: self.error.show_error(error_text(exc)),
        )

    def _got_choices(self, answer: tuple[list[SaleChoice], RedoChoices]) -> None:
        sales, choices = answer
        for s in sales:
            self.sale.addItem(
                f"{s.receipt_no} · {format_when(s.sold_at)} · {format_money(s.total)}", s.sale_id
            )
        for sid, name in choices.staff:
            self.redo_staff.addItem(name, sid)
            if sid != self.complaint.staff_involved_id:
                self.replace_staff.addItem(name, sid)
        if choices.default_staff_id is not None and self.redo_staff.findData(choices.default_staff_id) >= 0:
            self.redo_staff.setCurrentIndex(self.redo_staff.findData(choices.default_staff_id))
        for sid, name, minutes in choices.services:
            self.redo_service.addItem(_("{name} ({n} min)").format(name=name, n=minutes), sid)
        if choices.default_service_id is not None:
            self.redo_service.setCurrentIndex(max(0, self.redo_service.findData(choices.default_service_id)))
        self._choices_loaded = True
        self.ok_btn.setEnabled(not self._saving)

    def _replace_toggled(self, on: bool) -> None:
        self.replace_staff.setEnabled(on and not self._saving)
        # the redo is booked with the new stylist: offered first
        if on and self.replace_staff.currentData() is not None:
            i = self.redo_staff.findData(self.replace_staff.currentData())
            if i >= 0 and self.redo_staff.currentData() == self.complaint.staff_involved_id:
                self.redo_staff.setCurrentIndex(i)

    def replacement(self) -> int | None:
        """The stylist chosen to serve the client from now on (None: no replacement)."""
        if not self.replace.isChecked() or self.replace_staff.currentData() is None:
            return None
        return int(self.replace_staff.currentData())

    def saving(self) -> bool:
        """True while the resolution is being written (Resolve waits)."""
        return self._saving

    def _set_saving(self, on: bool) -> None:
        self._saving = on
        self.ok_btn.setEnabled(not on and self._choices_loaded)
        self.resolution.setReadOnly(on)
        inputs = (self.sale, self.amount, self.redo_staff, self.redo_service, self.redo_at, self.replace)
        for w in (*self.kind_buttons.values(), *inputs):
            w.setEnabled(not on)
        self.replace_staff.setEnabled(not on and self.replace.isChecked())

    def kind(self) -> str:
        for key, b in self.kind_buttons.items():
            if b.isChecked():
                return key
        return Compensation.NONE

    def _kind_changed(self) -> None:
        k = self.kind()
        visible = {
            "refund": k == Compensation.REFUND,
            "amount": k in COMPENSATION_WITH_AMOUNT,
            "redo": k == Compensation.REDO,
        }
        for key, widgets in self.rows.items():
            for w in widgets:
                w.setVisible(visible[key])

    def choose(self, kind: str, resolution: str) -> None:
        """Pick a compensation and write the resolution as a person would (also used by tests)."""
        self.kind_buttons[kind].click()
        self.resolution.setPlainText(resolution)

    def _owner_pin(self, actor: Actor) -> str | None:
        """The owner's PIN typed for a refund by someone who may not refund; None when not needed
        or not typed (the service then refuses with its message)."""
        if actor.can(Perm.REFUND):
            return None
        return ask_pin(self, _("A refund needs the owner's PIN")) or None

    def save(self) -> None:
        if self._saving or not self._choices_loaded:  # one tap (or Ctrl+Enter) is one resolution
            return
        k = self.kind()
        amount: Decimal | None = None
        redo: RedoSpec | None = None
        try:
            if k in COMPENSATION_WITH_AMOUNT:
                try:
                    amount = parse_amount(self.amount.text(), self.ctx.shop.currency).amount
                except ValueError:
                    self.error.show_error(_("Enter the amount as a number, e.g. 50 or 49.90."))
                    return
            if k == Compensation.REDO:
                start = datetime.fromtimestamp(self.redo_at.dateTime().toSecsSinceEpoch(), UTC)
                redo = RedoSpec(
                    staff_id=int(self.redo_staff.currentData()),
                    start_at=start,
                    service_ids=(int(self.redo_service.currentData()),),
                )
        except Exception as exc:
            self.error.show_error(error_text(exc))
            return
        actor = self.ctx.require_actor()
        pin = self._owner_pin(actor) if k == Compensation.REFUND else None
        self._write(k, amount, redo, pin)

    def _write(self, k: str, amount: Decimal | None, redo: RedoSpec | None, pin: str | None) -> None:
        """Resolve on the runner, in order; the service checks the owner's ``pin`` itself."""
        actor = self.ctx.require_actor()
        sale_id = self.sale.currentData() if k == Compensation.REFUND else None
        complaint_id, resolution = self.complaint.id, self.resolution.toPlainText()
        complaints = self.ctx.services.complaints
        replace = self.replacement()

        def work() -> ComplaintView:
            return complaints.resolve(
                actor,
                complaint_id,
                resolution,
                k,
                amount=amount,
                refund_sale_id=sale_id,
                approval_pin=pin,
                redo=redo,
                replace_staff_id=replace,
            )

        def refused(exc: Exception) -> None:
            if isinstance(exc, PinRefused):  # a wrong or paused owner's PIN: ask again, saying why
                self._set_saving(False)
                again = ask_pin_again(self, _("A refund needs the owner's PIN"), exc)
                if again:
                    self._write(k, amount, redo, again)
                    return
            self._not_saved(exc)

        self._set_saving(True)
        self.ctx.runner.run(self, work, on_done=self._saved, on_error=refused, in_order=True)

    def _saved(self, view: ComplaintView) -> None:
        self._set_saving(False)
        self.result_ = view
        self.accept()

    def _not_saved(self, exc: Exception) -> None:
        self._set_saving(False)
        self.error.show_error(error_text(exc))
