"""Log an inbound contact with the phone-handling checklist; a complaint opens its ticket.

Save writes through the runner and waits (disabled) meanwhile; the dialog closes when it is done."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desk_app.aftercare.views import ContactView
from desk_app.domain.aftercare import (
    ChecklistItem,
    ComplaintCategory,
    ComplaintLevel,
    ContactChannel,
    ContactKind,
    Severity,
)
from desk_app.i18n import _
from ui.clients.search import ClientSearchBox
from ui.context import UiContext
from ui.shared.widgets import Button, Card, Dialog, ErrorLabel, error_text


def _search_box(ctx: UiContext) -> ClientSearchBox:
    """The shared client search (``ui.clients.search``), compact, without its "New client" button."""
    box = ClientSearchBox(ctx, show_new_button=False)
    box.setMaximumHeight(190)
    return box


class ContactLogDialog(Dialog):
    def __init__(
        self, ctx: UiContext, parent: QWidget | None = None, kind: str = ContactKind.INQUIRY
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.result_: ContactView | None = None
        self.client_id: int | None = None
        self._saving = False
        self.setWindowTitle(_("Log a contact"))
        self.setMinimumWidth(720)
        lay = QVBoxLayout(self)
        form = QFormLayout()
        form.setVerticalSpacing(10)
        self.channels = self._choices(tuple(ContactChannel), ContactChannel.PHONE)
        how_what = QHBoxLayout()
        how_what.addWidget(self.channels[0])
        how_what.addSpacing(16)
        self.kinds = self._choices(tuple(ContactKind), kind)
        how_what.addWidget(QLabel(_("What")))
        how_what.addWidget(self.kinds[0], 1)
        form.addRow(_("How"), how_what)
        self.kinds[1].buttonToggled.connect(lambda *_a: self._kind_changed())

        self.search = search = _search_box(ctx)
        self.client_label = QLabel(_("No client chosen: enter the caller's name"))
        self.client_label.setObjectName("muted")
        search.client_chosen.connect(self._client_chosen)
        form.addRow(_("Client"), search)
        form.addRow("", self.client_label)
        self.caller_name = QLineEdit()
        self.caller_name.setPlaceholderText(_("Caller's name"))
        self.caller_phone = QLineEdit()
        self.caller_phone.setPlaceholderText(_("Caller's phone (optional)"))
        who = QHBoxLayout()
        who.addWidget(self.caller_name)
        who.addWidget(self.caller_phone)
        form.addRow(_("Caller"), who)
        self.summary = QPlainTextEdit()
        self.summary.setPlaceholderText(_("What the client said, in a few words"))
        self.summary.setFixedHeight(80)
        form.addRow(_("Summary"), self.summary)
        lay.addLayout(form)

        # complaint details
        self.complaint_box = Card(_("Complaint ticket"))
        self.level = QComboBox()
        for lv in ComplaintLevel:
            self.level.addItem(lv.label, lv.value)
        self.severity = QComboBox()
        for sev in Severity:
            self.severity.addItem(sev.label, sev.value)
        self.severity.setCurrentIndex(self.severity.findData(Severity.MEDIUM.value))
        self.category = QComboBox()
        for cat in ComplaintCategory:
            self.category.addItem(cat.label, cat.value)
        for combo in (self.level, self.severity, self.category):
            combo.setMinimumHeight(44)
        crow = QHBoxLayout()
        for label, combo in (
            (_("Level"), self.level),
            (_("Severity"), self.severity),
            (_("Category"), self.category),
        ):
            col = QVBoxLayout()
            col.addWidget(QLabel(label))
            col.addWidget(combo)
            crow.addLayout(col, 1)
        self.complaint_box.body.addLayout(crow)
        lay.addWidget(self.complaint_box)

        check = Card(_("Phone-handling standard"))
        self.checks: dict[str, QCheckBox] = {}
        grid = QGridLayout()
        check.body.addLayout(grid)
        for i, item in enumerate(ChecklistItem):
            cb = QCheckBox(item.label)
            cb.setMinimumHeight(32)
            self.checks[item.value] = cb
            grid.addWidget(cb, i // 2, i % 2)
        # the phone standard (rings before it was picked up) and, for an inquiry or a request,
        # whether it was answered now (else its answer deadline runs: Time standards)
        extra = QHBoxLayout()  # beside the checklist's last item: the dialog fits a 768-pixel screen
        self.rings_label = QLabel(_("Rings before picked up"))
        self.rings = QSpinBox()
        self.rings.setRange(-1, 20)
        self.rings.setSpecialValueText(_("not counted"))
        self.rings.setValue(-1)
        self.rings.setMinimumHeight(40)
        self.answered = QCheckBox()
        self.answered.setChecked(True)
        self.answered.setMinimumHeight(32)
        self.answered.setText(_("Answered now"))
        self.answered.setToolTip(_("Answered now (else: answer by the deadline)"))
        extra.addWidget(self.rings_label)
        extra.addWidget(self.rings)
        extra.addSpacing(12)
        extra.addWidget(self.answered)
        extra.addStretch()
        n = len(ChecklistItem)
        if n % 2:
            grid.addLayout(extra, n // 2, 1)
        else:
            grid.addLayout(extra, n // 2, 0, 1, 2)
        self.channels[1].buttonToggled.connect(lambda *_a: self._kind_changed())
        lay.addWidget(check)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        row = QHBoxLayout()
        row.addStretch()
        cancel = Button(_("Cancel"), kind="ghost")
        cancel.clicked.connect(self.reject)
        self.save_btn = Button(_("Save"), "check", kind="primary")
        self.save_btn.setDefault(True)
        self.save_btn.clicked.connect(self.save)
        row.addWidget(cancel)
        row.addWidget(self.save_btn)
        lay.addLayout(row)
        QShortcut(QKeySequence("Ctrl+Return"), self).activated.connect(self.save)
        self._kind_changed()

    def _choices(
        self, codes: tuple[ContactChannel, ...] | tuple[ContactKind, ...], default: str
    ) -> tuple[QWidget, QButtonGroup]:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        group = QButtonGroup(box)
        for code in codes:
            b = Button(code.label)
            b.setCheckable(True)
            b.setProperty("key", code.value)
            b.setChecked(code == default)
            group.addButton(b)
            row.addWidget(b)
        row.addStretch()
        return box, group

    @staticmethod
    def _picked(group: QButtonGroup) -> str:
        b = group.checkedButton()
        return str(b.property("key")) if b is not None else ""

    def _kind_changed(self) -> None:
        kind = self._picked(self.kinds[1])
        self.complaint_box.setVisible(kind == ContactKind.COMPLAINT)
        self.answered.setVisible(kind != ContactKind.COMPLAINT)
        phone = self._picked(self.channels[1]) == ContactChannel.PHONE
        self.rings_label.setVisible(phone)
        self.rings.setVisible(phone)

    def _client_chosen(self, client_id: int) -> None:
        """Say who was chosen by name and client number (never the internal id)."""
        self.client_id = client_id
        hit = next((h for h in self.search.hits() if h.id == client_id), None)
        if hit is not None:
            self.client_label.setText(
                "✓ " + _("Client: {name} (No. {number})").format(name=hit.name, number=hit.client_number)
            )
            return
        self.client_label.setText("✓ " + _("Client chosen"))
        actor, clients = self.ctx.require_actor(), self.ctx.services.clients
        self.ctx.runner.run(
            self,
            lambda: clients.get(actor, client_id),
            on_done=lambda p: self.client_label.setText(
                "✓ " + _("Client: {name} (No. {number})").format(name=p.name, number=p.client_number)
            )
            if self.client_id == client_id
            else None,
        )

    def fill(
        self,
        *,
        kind: str,
        summary: str,
        caller_name: str = "",
        client_id: int | None = None,
        level: str = ComplaintLevel.GENERAL,
        checks: tuple[str, ...] = tuple(ChecklistItem),
    ) -> None:
        """Fill the form as a person would (also used by tests and screenshots)."""
        for b in self.kinds[1].buttons():
            b.setChecked(b.property("key") == kind)
        self.summary.setPlainText(summary)
        self.caller_name.setText(caller_name)
        if client_id is not None:
            self._client_chosen(client_id)
        self.level.setCurrentIndex(self.level.findData(level))
        for key, cb in self.checks.items():
            cb.setChecked(key in checks)

    def saving(self) -> bool:
        """True while the contact is being written (Save waits)."""
        return self._saving

    def _set_saving(self, on: bool) -> None:
        self._saving = on
        self.save_btn.setEnabled(not on)

    def save(self) -> None:
        if self._saving:  # one tap (or Ctrl+Enter) is one contact, one ticket
            return
        kind = self._picked(self.kinds[1])
        extra: dict[str, Any] = {}
        if kind == ContactKind.COMPLAINT:
            extra = {
                "level": self.level.currentData(),
                "severity": self.severity.currentData(),
                "category": self.category.currentData(),
            }
        actor, channel, client_id = self.ctx.require_actor(), self._picked(self.channels[1]), self.client_id
        if channel == ContactChannel.PHONE and self.rings.value() >= 0:
            extra["rings"] = self.rings.value()
        if kind != ContactKind.COMPLAINT:
            extra["answered"] = self.answered.isChecked()
        fields: dict[str, Any] = {
            "caller_name": self.caller_name.text(),
            "caller_phone": self.caller_phone.text(),
            "summary": self.summary.toPlainText(),
            "checklist": {k: c.isChecked() for k, c in self.checks.items()},
            **extra,
        }
        complaints = self.ctx.services.complaints
        self._set_saving(True)
        self.ctx.runner.run(
            self,
            lambda: complaints.log_contact(actor, channel, kind, client_id, **fields),
            on_done=self._saved,
            on_error=self._not_saved,
            in_order=True,
        )

    def _saved(self, contact: ContactView) -> None:
        self._set_saving(False)
        self.result_ = contact
        self.accept()

    def _not_saved(self, exc: Exception) -> None:
        self._set_saving(False)
        self.error.show_error(error_text(exc))
