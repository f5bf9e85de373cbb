"""The Templates tab (owner): the wording of each kind of message in each language, its
placeholders as chips that insert at the cursor, and a live preview with the SMS part count.

The templates, the preview, Save and Reset go through the runner; the preview is asked ~300 ms
after the last keystroke and only the newest answer is shown."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.messages import MessageKind
from desk_app.domain.permissions import Perm
from desk_app.i18n import _, ngettext
from desk_app.messages.views import Rendered, TemplateView
from ui.context import UiContext
from ui.messages.text import LANGUAGES
from ui.runner import Latest, debounce_timer
from ui.shared.widgets import Button, Card, ErrorLabel, confirm, error_text

CHIPS_PER_ROW = 4



class _TextBox(QPlainTextEdit):
    """The template's text: it takes the room the page has and gives some up to a refusal's lines.
    Qt's own size for it (about 190 px) made the page taller than the window when a refusal
    showed: a scroll bar appeared and Save moved under the pointer."""

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), 96)

class TemplatesTab(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.templates: dict[tuple[str, str], TemplateView] = {}
        self.current: TemplateView | None = None
        self.rendered: Rendered | None = None
        self._loads = Latest()
        self._previews = Latest()
        self._saving = False
        self._shown: tuple[str, str] = ("", "")
        root = QHBoxLayout(self)
        root.setContentsMargins(0, 8, 0, 0)
        root.setSpacing(16)

        # left: which template, its wording, the placeholders
        left = QVBoxLayout()
        pick = QHBoxLayout()
        self.kind = QComboBox()
        self.kind.setMinimumHeight(40)
        for k in MessageKind:
            self.kind.addItem(k.label, k.value)
        self.language = QComboBox()
        self.language.setMinimumHeight(40)
        for code, name in LANGUAGES:
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(self.language.findData(ctx.shop.locale), 0))  # the shop's first
        self.kind.currentIndexChanged.connect(lambda _i: self._pick())
        self.language.currentIndexChanged.connect(lambda _i: self._pick())
        pick.addWidget(QLabel(_("Kind of message")))
        pick.addWidget(self.kind, 2)
        pick.addWidget(QLabel(_("Language")))
        pick.addWidget(self.language, 1)
        left.addLayout(pick)
        self.state = QLabel()
        self.state.setObjectName("muted")
        left.addWidget(self.state)
        form = QFormLayout()
        form.setSpacing(6)
        self.subject = QLineEdit()
        self.subject.setMinimumHeight(40)
        self.subject.setPlaceholderText(_("The email's subject (text messages have none)"))
        form.addRow(_("Subject"), self.subject)
        self.body = _TextBox()
        self.body.setMinimumHeight(96)
        self.body.setPlaceholderText(_("What the client reads. Click a placeholder below to insert it."))
        form.addRow(_("Text"), self.body)
        left.addLayout(form, 1)  # the text grows with the window
        chips_title = QLabel(_("Placeholders (click to insert at the cursor)"))
        chips_title.setObjectName("muted")
        left.addWidget(chips_title)
        self.chips = QGridLayout()  # the buttons sit on the page itself, no box of their own
        self.chips.setContentsMargins(0, 0, 0, 0)
        self.chips.setSpacing(6)
        self.chip_buttons: dict[str, QPushButton] = {}
        left.addLayout(self.chips)
        self.error = ErrorLabel()
        left.addWidget(self.error)
        buttons = QHBoxLayout()
        self.status = QLabel()
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        buttons.addWidget(self.status, 1)
        self.reset_btn = Button(_("Reset to default"), "refresh", kind="ghost")
        self.reset_btn.clicked.connect(self.reset)
        self.save_btn = Button(_("Save template"), "check", kind="primary")
        self.save_btn.clicked.connect(self.save)
        buttons.addWidget(self.reset_btn)
        buttons.addWidget(self.save_btn)
        left.addLayout(buttons)
        root.addLayout(left, 3)

        # right: the preview
        card = Card(_("Preview: as the client gets it"))
        self.preview_subject = QLabel()
        self.preview_subject.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.preview_subject.setObjectName("sectionTitle")
        self.preview_subject.setWordWrap(True)
        card.body.addWidget(self.preview_subject)
        self.preview_body = QLabel()
        self.preview_body.setWordWrap(True)
        self.preview_body.setObjectName("scriptText")
        self.preview_body.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.preview_body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        card.body.addWidget(self.preview_body)
        self.parts = QLabel()
        self.parts.setObjectName("muted")
        self.parts.setWordWrap(True)
        card.body.addWidget(self.parts)
        card.body.addStretch(1)
        root.addWidget(card, 2)

        self._preview_timer = debounce_timer(self, self.update_preview, 300)
        self.subject.textChanged.connect(self._edited)
        self.body.textChanged.connect(self._edited)
        self._set_enabled(False)

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        if not self.ctx.can(Perm.SETTINGS):
            return
        actor, messages = self.ctx.require_actor(), self.ctx.services.messages
        seq = self._loads.next()
        self.ctx.runner.run(
            self, lambda: messages.templates(actor), on_done=self._loads.guard(seq, self._loaded),
            on_error=self._load_failed,
        )

    def loading(self) -> bool:
        return self._loads.pending

    def _load_failed(self, exc: Exception) -> None:
        self._loads.cancel()
        self.status.setText("✕ " + error_text(exc))

    def _loaded(self, views: list[TemplateView]) -> None:
        self.templates = {(v.kind, v.language): v for v in views}
        self._set_enabled(True)
        if not self.unsaved_changes():
            self._show(self._key())

    def _key(self) -> tuple[str, str]:
        return str(self.kind.currentData()), str(self.language.currentData())

    def _pick(self) -> None:
        key = self._key()
        if key == self._shown:
            return
        if self.unsaved_changes() and not confirm(
            self, _("Leave this template without saving?"), _("The changes to this template are lost.")
        ):
            back_kind, back_lang = self._shown
            for combo, value in ((self.kind, back_kind), (self.language, back_lang)):
                combo.blockSignals(True)
                combo.setCurrentIndex(combo.findData(value))
                combo.blockSignals(False)
            return
        self._show(key)

    def select(self, kind: str, language: str) -> None:
        """Show one template (tests, links from elsewhere)."""
        self.kind.setCurrentIndex(self.kind.findData(kind))
        self.language.setCurrentIndex(self.language.findData(language))
        self._show((kind, language))

    def _show(self, key: tuple[str, str]) -> None:
        self._shown = key
        v = self.templates.get(key)
        self.current = v
        for w in (self.subject, self.body):
            w.blockSignals(True)
        self.subject.setText(v.subject if v else "")
        self.body.setPlainText(v.body if v else "")
        for w in (self.subject, self.body):
            w.blockSignals(False)
        self.error.show_error(None)
        self._fill_chips(v.placeholders if v else ())
        self.state.setText(
            "" if v is None else (_("The app's own wording.") if v.is_default else _("Your shop's own wording."))
        )
        self.reset_btn.setEnabled(v is not None and not v.is_default)
        self.update_preview()

    def _fill_chips(self, names: tuple[str, ...]) -> None:
        for b in self.chip_buttons.values():
            self.chips.removeWidget(b)
            b.hide()  # gone now, not only when the event loop deletes it
            b.deleteLater()
        self.chip_buttons = {}
        for i, name in enumerate(names):
            b = QPushButton("{" + name + "}")
            b.setObjectName("chip")
            b.setMinimumHeight(32)
            b.setToolTip(_("Insert {placeholder} at the cursor").format(placeholder="{" + name + "}"))
            b.clicked.connect(lambda _c=False, n=name: self.insert(n))
            self.chips.addWidget(b, i // CHIPS_PER_ROW, i % CHIPS_PER_ROW)
            self.chip_buttons[name] = b

    def insert(self, name: str) -> None:
        """Put ``{name}`` where the cursor is in the subject or the text (the one last typed in)."""
        token = "{" + name + "}"
        if self.subject.hasFocus():
            self.subject.insert(token)
            return
        self.body.insertPlainText(token)
        self.body.setFocus()

    def _set_enabled(self, on: bool) -> None:
        for w in (self.subject, self.body, self.save_btn, self.kind, self.language):
            w.setEnabled(on and not self._saving)
        self.reset_btn.setEnabled(on and not self._saving and self.current is not None and not self.current.is_default)

    # ------------------------------------------------------------------ the preview
    def _edited(self) -> None:
        self.status.setText("")
        self._preview_timer.start()

    def update_preview(self) -> None:
        if self.current is None or self.ctx.actor is None:
            return
        actor, messages = self.ctx.actor, self.ctx.services.messages
        kind, language = self._shown
        subject, body = self.subject.text(), self.body.toPlainText()
        seq = self._previews.next()
        self.ctx.runner.run(
            self,
            lambda: messages.preview(actor, kind, language, subject, body),
            on_done=self._previews.guard(seq, self._previewed),
            on_error=self._previews.guard(seq, self._preview_failed),
        )

    def previewing(self) -> bool:
        return self._previews.pending or self._preview_timer.isActive()

    def _previewed(self, r: Rendered) -> None:
        self.rendered = r
        self.error.show_error(None)
        self.preview_subject.setText(r.subject)
        self.preview_subject.setVisible(bool(r.subject))
        self.preview_body.setText(r.body)
        self.parts.setText(
            ngettext("As a text message: {n} part", "As a text message: {n} parts", r.sms_parts).format(
                n=r.sms_parts
            )
            + " · "
            + ngettext("{n} character", "{n} characters", len(r.body)).format(n=len(r.body))
        )

    def _preview_failed(self, exc: Exception) -> None:
        self.rendered = None
        self.preview_body.setText("")
        self.parts.setText("")
        self.error.show_error(error_text(exc))

    # ------------------------------------------------------------------ saving
    def unsaved_changes(self) -> str | None:
        v = self.current
        if v is None or self._saving:
            return None
        if self.subject.text() == v.subject and self.body.toPlainText() == v.body:
            return None
        return _("the wording of a message template")

    def discard_changes(self) -> None:
        self._show(self._shown)

    def saving(self) -> bool:
        return self._saving

    def save(self) -> None:
        if self._saving or self.current is None:
            return
        actor, messages = self.ctx.require_actor(), self.ctx.services.messages
        kind, language = self._shown
        subject, body = self.subject.text(), self.body.toPlainText()
        self._write(lambda: messages.save_template(actor, kind, language, subject, body), _("Saved. New messages use this wording."))

    def reset(self) -> None:
        if self._saving or self.current is None or self.current.is_default:
            return
        if not confirm(self, _("Go back to the app's wording?"), _("Your shop's wording of this message is removed.")):
            return
        actor, messages = self.ctx.require_actor(), self.ctx.services.messages
        kind, language = self._shown
        self._write(lambda: messages.reset_template(actor, kind, language), _("Back to the app's own wording."))

    def _write(self, fn: object, done_text: str) -> None:
        assert callable(fn)
        self._saving = True
        self._set_enabled(False)

        def done(v: TemplateView) -> None:
            self._saving = False
            self.templates[(v.kind, v.language)] = v
            self._set_enabled(True)
            self._show((v.kind, v.language))
            self.status.setText("✓ " + done_text)

        def failed(exc: Exception) -> None:
            self._saving = False
            self._set_enabled(True)
            self.error.show_error(error_text(exc))

        self.ctx.runner.run(self, fn, on_done=done, on_error=failed, in_order=True)
