"""The editable fields of a client profile, with a message under each bad field."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desk_app.clients.views import CHANNELS, GENDERS, LANGUAGES, SKIN_TYPES, ClientProfile
from desk_app.i18n import _, format_date
from ui.shared.widgets import Button, ErrorLabel, mark_invalid


def field_label(key: str) -> str:
    labels = {
        "name": _("Name"),
        "phone": _("Phone"),
        "email": _("E-mail"),
        "preferred_channel": _("Preferred contact"),
        "wechat_id": _("WeChat ID"),
        "birthday": _("Birthday"),
        "gender": _("Gender"),
        "skin_type": _("Skin type"),
        "hair_type": _("Hair type"),
        "allergies": _("Allergies"),
        "contraindications": _("Contraindications"),
        "preferences": _("Preferences"),
        "favourite_staff_id": _("Favourite stylist"),
        "language": _("Language"),
        "marketing_consent": _("Marketing consent"),
        "privacy_consent": _("Privacy consent"),
        "sms_consent": _("Text messages"),
        "email_consent": _("Email messages"),
        "notes": _("Notes"),
    }
    return labels.get(key, key)


class PreferencesEditor(QWidget):
    """The preferences list: "likes quiet", "usual drink: green tea"..."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        self.list.setFixedHeight(110)
        lay.addWidget(self.list)
        row = QHBoxLayout()
        self.new = QLineEdit()
        self.new.setPlaceholderText(_("e.g. likes quiet, usual drink: green tea"))
        self.new.returnPressed.connect(self._add)
        row.addWidget(self.new, 1)
        add = Button(_("Add"), "plus", "secondary")
        add.clicked.connect(self._add)
        row.addWidget(add)
        remove = Button(_("Remove"), "trash", "ghost")
        remove.clicked.connect(self._remove)
        row.addWidget(remove)
        lay.addLayout(row)
        self.list.itemDoubleClicked.connect(self._edit)

    def set_items(self, items: tuple[str, ...] | list[str]) -> None:
        self.list.clear()
        self.list.addItems(list(items))

    def items(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def _add(self) -> None:
        t = self.new.text().strip()
        if t:
            self.list.addItem(t)
            self.new.clear()
            self.changed.emit()

    def _remove(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.list.takeItem(row)
            self.changed.emit()

    def _edit(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        text, ok = QInputDialog.getText(self, _("Preference"), _("Change the preference"), text=item.text())
        if ok and text.strip():
            item.setText(text.strip())
            self.changed.emit()


class ClientForm(QWidget):
    """Every field of docs/product.md §3 that the desk may change."""

    edited = Signal()

    def __init__(self, staff: list[tuple[int, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profile: ClientProfile | None = None
        self.widgets: dict[str, QWidget] = {}
        self.errors: dict[str, ErrorLabel] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        form.setSpacing(6)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        outer.addLayout(form)

        def line(key: str, placeholder: str = "") -> QLineEdit:
            w = QLineEdit()
            w.setPlaceholderText(placeholder)
            w.textEdited.connect(self.edited)
            self._row(form, key, w)
            return w

        def combo(key: str, options: dict[Any, str]) -> QComboBox:
            w = QComboBox()
            for k, label in options.items():
                w.addItem(_(label), k)
            w.activated.connect(self.edited)
            self._row(form, key, w)
            return w

        def text(key: str, height: int = 60, placeholder: str = "") -> QPlainTextEdit:
            w = QPlainTextEdit()
            w.setFixedHeight(height)
            w.setStyleSheet(f"QPlainTextEdit {{ min-height: {height - 16}px; }}")
            w.setPlaceholderText(placeholder)
            w.textChanged.connect(self._text_changed)
            self._row(form, key, w)
            return w

        self.name = line("name")
        self.phone = line("phone", _("Mobile number"))
        self.email = line("email")
        self.channel = combo("preferred_channel", CHANNELS)
        self.wechat = line("wechat_id")
        self.birthday = line("birthday", _("YYYY-MM-DD"))
        self.gender = combo("gender", GENDERS)
        self.skin = QComboBox()
        self.skin.setEditable(True)
        for k, label in SKIN_TYPES.items():
            self.skin.addItem(_(label), k)
        self.skin.activated.connect(self.edited)
        self._row(form, "skin_type", self.skin)
        self.hair = line("hair_type", _("e.g. fine, coloured, curly"))
        self.allergies = text("allergies", 56, _("Nothing known"))
        self.contra = text("contraindications", 56, _("e.g. pregnancy, recent peel, skin condition"))
        self.prefs = PreferencesEditor()
        self.prefs.changed.connect(self.edited)
        self._row(form, "preferences", self.prefs)
        staff_opts: dict[Any, str] = {0: _("No favourite")}
        staff_opts.update({sid: name for sid, name in staff})
        self.fav = combo("favourite_staff_id", staff_opts)
        self.language = combo("language", LANGUAGES)
        self.privacy = QCheckBox(_("Agrees that we keep these details"))
        self.privacy.toggled.connect(self.edited)
        self._row(form, "privacy_consent", self.privacy)
        self.marketing = QCheckBox(_("Agrees to offers and reminders"))
        self.marketing.toggled.connect(self.edited)
        self._row(form, "marketing_consent", self.marketing)
        self.sms = QCheckBox(_("May receive text messages"))
        self.sms.toggled.connect(self.edited)
        self._row(form, "sms_consent", self.sms)
        self.email_ok = QCheckBox(_("May receive email"))
        self.email_ok.toggled.connect(self.edited)
        self._row(form, "email_consent", self.email_ok)
        self.consent_note = QLabel()
        self.consent_note.setObjectName("muted")
        self.consent_note.setWordWrap(True)
        form.addRow("", self.consent_note)
        self.notes = text("notes", 80)
        self._loading = False

    def set_staff(self, staff: list[tuple[int, str]]) -> None:
        """The favourite-stylist choices (read after the form is built); the loaded profile's
        favourite is chosen again."""
        current = self.fav.currentData()
        if self.profile is not None and not current:
            current = self.profile.favourite_staff_id or 0
        self.fav.clear()
        self.fav.addItem(_("No favourite"), 0)
        for sid, name in staff:
            self.fav.addItem(name, sid)
        _select(self.fav, current)

    def _row(self, form: QFormLayout, key: str, w: QWidget) -> None:
        box = QVBoxLayout()
        box.setSpacing(2)
        box.addWidget(w)
        err = ErrorLabel()
        box.addWidget(err)
        if isinstance(w, (QLineEdit, QComboBox)):
            w.setMinimumHeight(40)
        w.setObjectName("field_" + key)
        form.addRow(field_label(key), box)
        self.widgets[key] = w
        self.errors[key] = err

    def _text_changed(self) -> None:
        if not self._loading:
            self.edited.emit()

    # -- values ---------------------------------------------------------------------------
    def load(self, p: ClientProfile) -> None:
        self._loading = True
        self.profile = p
        self.name.setText(p.name)
        self.phone.setText(p.phone_display if p.can_see_phone else p.phone)
        self.phone.setReadOnly(not p.can_see_phone)
        self.email.setText(p.email)
        _select(self.channel, p.preferred_channel)
        self.wechat.setText(p.wechat_id)
        self.birthday.setText(p.birthday.isoformat() if p.birthday else "")
        _select(self.gender, p.gender)
        i = self.skin.findData(p.skin_type)
        if i >= 0:
            self.skin.setCurrentIndex(i)
        else:
            self.skin.setEditText(p.skin_type)
        self.hair.setText(p.hair_type)
        self.allergies.setPlainText(p.allergies)
        self.contra.setPlainText(p.contraindications)
        self.prefs.set_items(p.preferences)
        _select(self.fav, p.favourite_staff_id or 0)
        _select(self.language, p.language)
        self.privacy.setChecked(p.privacy_consent)
        self.marketing.setChecked(p.marketing_consent)
        self.sms.setChecked(p.sms_consent)
        self.email_ok.setChecked(p.email_consent)
        notes = []
        if p.privacy_consent_at:
            notes.append(
                _("Privacy: {state} on {date}").format(
                    state=_("yes") if p.privacy_consent else _("no"), date=format_date(p.privacy_consent_at)
                )
            )
        if p.marketing_consent_at:
            notes.append(
                _("Marketing: {state} on {date}").format(
                    state=_("yes") if p.marketing_consent else _("no"),
                    date=format_date(p.marketing_consent_at),
                )
            )
        if p.sms_consent_at:
            notes.append(
                _("Text messages: {state} on {date}").format(
                    state=_("yes") if p.sms_consent else _("no"), date=format_date(p.sms_consent_at)
                )
            )
        if p.email_consent_at:
            notes.append(
                _("Email: {state} on {date}").format(
                    state=_("yes") if p.email_consent else _("no"), date=format_date(p.email_consent_at)
                )
            )
        self.consent_note.setText("  ·  ".join(notes))
        self.notes.setPlainText(p.notes)
        self.show_errors({})
        self._loading = False

    def values(self) -> dict[str, Any]:
        skin = (
            self.skin.currentData()
            if self.skin.currentText() == self.skin.itemText(self.skin.currentIndex())
            else self.skin.currentText().strip()
        )
        fav = self.fav.currentData()
        return {
            "name": self.name.text(),
            "phone": self.phone.text(),
            "email": self.email.text().strip(),
            "preferred_channel": self.channel.currentData(),
            "wechat_id": self.wechat.text().strip(),
            "birthday": self.birthday.text().strip() or None,
            "gender": self.gender.currentData(),
            "skin_type": skin or "",
            "hair_type": self.hair.text().strip(),
            "allergies": self.allergies.toPlainText().strip(),
            "contraindications": self.contra.toPlainText().strip(),
            "preferences": self.prefs.items(),
            "favourite_staff_id": fav or None,
            "language": self.language.currentData(),
            "privacy_consent": self.privacy.isChecked(),
            "marketing_consent": self.marketing.isChecked(),
            "sms_consent": self.sms.isChecked(),
            "email_consent": self.email_ok.isChecked(),
            "notes": self.notes.toPlainText().strip(),
        }

    def changes(self) -> dict[str, Any]:
        """Only the fields that differ from the loaded profile."""
        if self.profile is None:
            return {}
        old = self.profile.field_values()
        old["birthday"] = self.profile.birthday.isoformat() if self.profile.birthday else None
        old["preferences"] = list(self.profile.preferences)
        if self.profile.can_see_phone:
            old["phone"] = self.profile.phone_display
        new = self.values()
        out = {k: v for k, v in new.items() if v != old.get(k)}
        if "name" in out and " ".join(str(out["name"]).split()) == old["name"]:
            out.pop("name")
        return out

    def show_errors(self, errors: dict[str, str]) -> None:
        first: QWidget | None = None
        for key, label in self.errors.items():
            msg = errors.get(key)
            label.show_error(msg)
            mark_invalid(self.widgets[key], bool(msg))
            if msg and first is None:
                first = self.widgets[key]
        if first is not None:
            first.setFocus()


def _select(combo: QComboBox, data: Any) -> None:
    i = combo.findData(data)
    combo.setCurrentIndex(i if i >= 0 else 0)
