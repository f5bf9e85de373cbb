"""New client in a few seconds: name and phone suffice, everything else later.

Possible duplicates (same phone, or same name and birthday) are shown as you
type and again before saving, each with "Use this profile". Privacy and
marketing consent are asked here and recorded with the date and the staff member.
After ``exec()`` is accepted, ``client_id`` is the new (or chosen existing) client.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.clients.views import CHANNELS, GENDERS, ClientProfile, DuplicateHit
from desk_app.core.service import ValidationError
from desk_app.domain.permissions import Actor
from desk_app.i18n import _, format_date
from ui.context import UiContext
from ui.runner import Latest, debounce_timer
from ui.shared.widgets import (
    DIALOG_MAX_HEIGHT,
    Button,
    Dialog,
    ErrorLabel,
    FormScroll,
    error_text,
    mark_invalid,
)


def split_initial_text(text: str) -> tuple[str, str]:
    """What was typed in the search box becomes the phone (digits) or the name."""
    t = (text or "").strip()
    digits = "".join(c for c in t if c.isdigit())
    if digits and len(digits) >= max(5, len(t.replace(" ", "").replace("-", "").replace("+", "")) - 1):
        return "", t
    return t, ""


class NewClientDialog(Dialog):
    def __init__(self, ctx: UiContext, initial_text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.client_id: int | None = None
        self._duplicates: list[DuplicateHit] = []
        self._dups_latest = Latest()
        self._dup_typing = debounce_timer(self, self._check_duplicates_soon)
        self._duplicates_seen: set[int] = set()
        self._saving = False
        self.setWindowTitle(_("New client"))
        self.setMinimumWidth(560)
        lay = QVBoxLayout(self)
        lay.setSpacing(10)
        title = QLabel(_("New client"))
        title.setObjectName("pageTitle")
        lay.addWidget(title)
        # the form scrolls inside the dialog when "More details" makes it taller than the screen;
        # Save and Cancel below it always stay on screen
        body = QWidget()
        blay = QVBoxLayout(body)
        blay.setContentsMargins(0, 0, 0, 0)
        blay.setSpacing(10)
        hint = QLabel(_("Name and phone are enough. Add the rest now or later on the profile."))
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        blay.addWidget(hint)

        form = QFormLayout()
        form.setSpacing(8)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.fields: dict[str, QWidget] = {}
        self.errors: dict[str, ErrorLabel] = {}
        name, phone = split_initial_text(initial_text)
        self.name = QLineEdit(name)
        self.name.setPlaceholderText(_("e.g. 张三 or Amy Wu"))
        self._add(form, "name", _("Name *"), self.name)
        self.phone = QLineEdit(phone)
        self.phone.setPlaceholderText(_("Mobile number; + and country code for a number abroad"))
        self._add(form, "phone", _("Phone *"), self.phone)
        blay.addLayout(form)

        self.more_button = QPushButton(_("More details (optional) ▸"))
        self.more_button.setCheckable(True)
        self.more_button.setObjectName("moreButton")
        self.more_button.toggled.connect(self._toggle_more)
        blay.addWidget(self.more_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.more = QWidget()
        more_form = QFormLayout(self.more)
        more_form.setContentsMargins(0, 0, 0, 0)
        more_form.setSpacing(8)
        more_form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.birthday = QLineEdit()
        self.birthday.setPlaceholderText(_("YYYY-MM-DD, e.g. 1990-05-31"))
        self._add(more_form, "birthday", _("Birthday"), self.birthday)
        self.gender = QComboBox()
        for key, label in GENDERS.items():
            self.gender.addItem(_(label), key)
        self._add(more_form, "gender", _("Gender"), self.gender)
        self.channel = QComboBox()
        for key, label in CHANNELS.items():
            self.channel.addItem(_(label), key)
        self._add(more_form, "preferred_channel", _("Preferred contact"), self.channel)
        self.email = QLineEdit()
        self._add(more_form, "email", _("E-mail"), self.email)
        self.wechat = QLineEdit()
        self._add(more_form, "wechat_id", _("WeChat ID"), self.wechat)
        self.allergies = QPlainTextEdit()
        self.allergies.setPlaceholderText(_("e.g. PPD hair dye, latex, nuts"))
        self.allergies.setFixedHeight(64)
        self.allergies.setStyleSheet("QPlainTextEdit { min-height: 48px; }")
        self._add(more_form, "allergies", _("Allergies"), self.allergies)
        self.notes = QPlainTextEdit()
        self.notes.setFixedHeight(64)
        self.notes.setStyleSheet("QPlainTextEdit { min-height: 48px; }")
        self._add(more_form, "notes", _("Notes"), self.notes)
        self.more.setVisible(False)
        blay.addWidget(self.more)

        self.privacy = QCheckBox(
            _("The client agrees that we keep these details to serve them (privacy consent)")
        )
        self.marketing = QCheckBox(_("The client agrees to receive offers and reminders (marketing consent)"))
        self.sms = QCheckBox(_("May receive text messages"))
        self.sms.setObjectName("new_sms_consent")
        self.email_ok = QCheckBox(_("May receive email"))
        self.email_ok.setObjectName("new_email_consent")
        for cb in (self.privacy, self.marketing, self.sms, self.email_ok):
            cb.setMinimumHeight(32)
            blay.addWidget(cb)
        consent_note = QLabel(_("Consent is recorded with today's date and your name."))
        consent_note.setObjectName("muted")
        blay.addWidget(consent_note)

        self.dup_frame = QFrame()
        self.dup_frame.setObjectName("warnBanner")
        self.dup_lay = QVBoxLayout(self.dup_frame)
        self.dup_lay.setContentsMargins(14, 10, 14, 10)
        self.dup_frame.setVisible(False)

        self.body = FormScroll(body)
        lay.addWidget(self.body, 1)
        lay.addWidget(self.dup_frame)  # a possible duplicate is never scrolled out of sight
        self.setMaximumHeight(DIALOG_MAX_HEIGHT)

        self.general_error = ErrorLabel()
        lay.addWidget(self.general_error)
        buttons = QHBoxLayout()
        buttons.addStretch()
        self.cancel_button = Button(_("Cancel"), kind="ghost")
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = Button(_("Save new client"), "check", "primary")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        lay.addLayout(buttons)
        QShortcut(QKeySequence("Ctrl+Return"), self).activated.connect(self.save)

        self.phone.editingFinished.connect(self._check_duplicates_soon)
        self.name.editingFinished.connect(self._check_duplicates_soon)
        self.birthday.editingFinished.connect(self._check_duplicates_soon)
        self.phone.textChanged.connect(self._phone_typed)
        (self.phone if name and not phone else self.name).setFocus()

    def _add(self, form: QFormLayout, key: str, label: str, widget: QWidget) -> None:
        box = QVBoxLayout()
        box.setSpacing(2)
        box.addWidget(widget)
        err = ErrorLabel()
        box.addWidget(err)
        form.addRow(label, box)
        if not isinstance(widget, QPlainTextEdit):
            widget.setMinimumHeight(40)
        self.fields[key] = widget
        self.errors[key] = err

    def _toggle_more(self, on: bool) -> None:
        self.more.setVisible(on)
        self.more_button.setText(_("More details (optional) ▾") if on else _("More details (optional) ▸"))
        self.adjustSize()

    def _phone_typed(self, text: str) -> None:
        if sum(c.isdigit() for c in text) >= 8:
            self._dup_typing.start()  # once typing pauses, not per keystroke

    # -- duplicates ---------------------------------------------------------------------
    def _check_duplicates_soon(self) -> None:
        """Look for duplicates on the runner while the person types (the newest answer wins)."""
        self._dup_typing.stop()
        name, phone, birthday = self.name.text(), self.phone.text(), self.birthday.text().strip() or None
        client_search = self.ctx.services.client_search
        seq = self._dups_latest.next()
        self.ctx.runner.run(
            self,
            lambda: client_search.find_duplicates(name, phone, birthday),
            on_done=self._dups_latest.guard(seq, self._show_duplicates),
            on_error=self._dups_latest.guard(seq, lambda exc: self.general_error.show_error(error_text(exc))),
        )

    def _show_duplicates(self, dups: list[DuplicateHit]) -> None:
        self._duplicates = dups
        while self.dup_lay.count():
            item = self.dup_lay.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        if not dups:
            self.dup_frame.setVisible(False)
            self.save_button.setText(_("Save new client"))
            return
        head = QLabel("! " + _("This may be a client we already know:"))
        head.setObjectName("warningText")
        self.dup_lay.addWidget(head)
        for d in dups:
            row = QHBoxLayout()
            why = _("same phone") if d.reason == "phone" else _("same name and birthday")
            text = f"{d.name}  ·  {d.client_number}  ·  {d.phone}"
            if d.birthday:
                text += "  ·  " + format_date(d.birthday)
            lbl = QLabel(text + "  (" + why + ")")
            lbl.setWordWrap(True)
            row.addWidget(lbl, 1)
            use = Button(_("Use this profile"), "user", "primary")
            use.setObjectName("useExisting")
            use.clicked.connect(lambda _c=False, cid=d.id: self.use_existing(cid))
            row.addWidget(use)
            holder = QWidget()
            holder.setLayout(row)
            self.dup_lay.addWidget(holder)
        self.dup_frame.setVisible(True)
        if any(d.id not in self._duplicates_seen for d in dups):
            self.save_button.setText(_("Save new client"))
        else:
            self.save_button.setText(_("Save as a new client anyway"))

    def duplicates(self) -> list[DuplicateHit]:
        return list(self._duplicates)

    def use_existing(self, client_id: int) -> None:
        self.client_id = client_id
        self.accept()

    # -- save ---------------------------------------------------------------------------
    def data(self) -> dict[str, Any]:
        return {
            "name": self.name.text(),
            "phone": self.phone.text(),
            "birthday": self.birthday.text().strip() or None,
            "gender": self.gender.currentData(),
            "preferred_channel": self.channel.currentData(),
            "email": self.email.text(),
            "wechat_id": self.wechat.text(),
            "allergies": self.allergies.toPlainText(),
            "notes": self.notes.toPlainText(),
            "privacy_consent": self.privacy.isChecked(),
            "marketing_consent": self.marketing.isChecked(),
            "sms_consent": self.sms.isChecked(),
            "email_consent": self.email_ok.isChecked(),
        }

    def _clear_errors(self) -> None:
        for key, err in self.errors.items():
            err.show_error(None)
            mark_invalid(self.fields[key], False)
        self.general_error.show_error(None)

    def saving(self) -> bool:
        """True while the new client is being written (Save waits)."""
        return self._saving

    def _set_saving(self, on: bool) -> None:
        self._saving = on
        self.save_button.setEnabled(not on)

    def save(self) -> None:
        """Look for duplicates once more, then write the client, both on the runner; Save waits
        meanwhile. Duplicates not shown before stop the save: a second click saves anyway."""
        if self._saving:
            return
        self._clear_errors()
        actor = self.ctx.actor
        if actor is None:
            self.general_error.show_error(_("Sign in first."))
            return
        self._dup_typing.stop()
        self._dups_latest.cancel()  # an answer still on its way is older than this one
        name, phone, birthday = self.name.text(), self.phone.text(), self.birthday.text().strip() or None
        data = self.data()
        client_search = self.ctx.services.client_search
        self._set_saving(True)
        self.ctx.runner.run(
            self,
            lambda: client_search.find_duplicates(name, phone, birthday),
            on_done=lambda dups: self._checked(actor, data, dups),
            on_error=self._not_saved,
        )

    def _checked(self, actor: Actor, data: dict[str, Any], dups: list[DuplicateHit]) -> None:
        self._show_duplicates(dups)
        unseen = [d for d in dups if d.id not in self._duplicates_seen]
        if unseen:
            # shown before saving: a second click saves anyway
            self._duplicates_seen.update(d.id for d in dups)
            self.save_button.setText(_("Save as a new client anyway"))
            self._set_saving(False)
            return
        clients = self.ctx.services.clients
        self.ctx.runner.run(
            self,
            lambda: clients.create(actor, data),
            on_done=self._saved,
            on_error=self._not_saved,
            in_order=True,
        )

    def _saved(self, profile: ClientProfile) -> None:
        self._set_saving(False)
        self.client_id = profile.id
        self.accept()

    def _not_saved(self, exc: Exception) -> None:
        self._set_saving(False)
        if not isinstance(exc, ValidationError):
            self.general_error.show_error(error_text(exc))  # shown where the person is looking
            return
        first: QWidget | None = None
        for key, msg in exc.errors.items():
            if key in self.errors:
                self.errors[key].show_error(msg)
                mark_invalid(self.fields[key], True)
                if key not in ("name", "phone"):
                    self.more_button.setChecked(True)
                first = first or self.fields[key]
            else:
                self.general_error.show_error(msg)
        if first is not None:
            first.setFocus()


def create_client(ctx: UiContext, parent: QWidget | None, initial_text: str = "") -> int | None:
    """Open the new-client dialog; the new client's id, or None when cancelled."""
    dlg = NewClientDialog(ctx, initial_text, parent)
    if dlg.exec():
        return dlg.client_id
    return None
