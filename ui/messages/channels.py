"""The Channels & timing tab (owner): the mail server and the text message provider, their
secrets (kept by the OS password store, never shown back), a test send, and which messages go
out when. The settings are saved through the settings store one by one as Settings does; the
secrets through ``MessageService.set_secret`` (the owner's, audited); everything on the runner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desk_app.core.service import ServiceError, ValidationError
from desk_app.domain.messages import AUTOMATIC_KINDS, MessageChannel, MessageKind
from desk_app.domain.permissions import Perm
from desk_app.i18n import _
from desk_app.messages.views import ChannelStatus
from desk_app.settings import DEFS
from ui.context import UiContext
from ui.shared.widgets import Button, Card, Dialog, ErrorLabel, error_text

SMTP, SMS = "smtp", "sms"  # the secrets' names (desk_app.messages.channels.secrets)

EMAIL_KEYS = (
    "messages.email.host",
    "messages.email.port",
    "messages.email.security",
    "messages.email.user",
    "messages.email.from_address",
    "messages.email.from_name",
)
SMS_KEYS = (
    "messages.sms.provider",
    "messages.sms.account",
    "messages.sms.sender",
    "messages.sms.sign_name",
    "messages.sms.region",
)
SMS_TEMPLATES = "messages.sms.templates"
KINDS = "messages.kinds"
HOURS_KEYS = (
    "messages.reminder_hours",
    "messages.feedback_delay_hours",
    "messages.quiet_start_hour",
    "messages.quiet_end_hour",
    "messages.max_attempts",
)


@dataclass(frozen=True)
class ChannelsState:
    values: dict[str, Any]
    status: list[ChannelStatus]
    secret_saved: dict[str, bool]


@dataclass(frozen=True)
class SaveResult:
    saved: list[str]
    errors: dict[str, str]
    state: ChannelsState


def read_state(ctx: UiContext) -> ChannelsState:
    """On a worker: the settings, each channel's readiness and whether its secret is kept."""
    actor = ctx.require_actor()
    values = ctx.services.shop_details.setting_values()
    status = ctx.services.messages.channels(actor)
    return ChannelsState(values, status, ctx.services.messages.secret_saved(actor))


class ChannelsTab(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.state: ChannelsState | None = None
        self.inputs: dict[str, QWidget] = {}
        self.errors: dict[str, ErrorLabel] = {}
        self._clean: dict[str, Any] | None = None
        self._remove: set[str] = set()  # secrets the owner chose to remove (on Save)
        self._saving = False
        self._testing = False
        self._loading = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 8, 0, 0)
        scroll = QScrollArea()  # only when the window is smaller than a 1366x768 screen
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        cols = QHBoxLayout(inner)
        cols.setContentsMargins(0, 0, 0, 0)
        cols.setSpacing(12)
        scroll.setWidget(inner)
        outer.addWidget(scroll, 1)

        # email
        email = Card(_("Email"))
        self.email_status = QLabel()
        self.email_status.setWordWrap(True)
        email.body.addWidget(self.email_status)
        form = self._form(email)
        self._line(form, "messages.email.host", _("Mail server"), "smtp.example.com")
        self._spin(form, "messages.email.port", _("Port"))
        self._combo(form, "messages.email.security", _("Security"), [
            ("starttls", _("STARTTLS (port 587)")), ("ssl", _("SSL/TLS (port 465)")),
            ("none", _("None (a relay on this computer)")),
        ])
        self._line(form, "messages.email.user", _("Sign-in name"), _("empty: no sign-in"))
        self.smtp_password, self.smtp_secret_state, self.smtp_remove = self._secret(form, SMTP, _("Password"))
        self._line(form, "messages.email.from_address", _("From address"), "hello@myshop.com")
        self._line(form, "messages.email.from_name", _("From name"), _("The shop's name"))
        email.body.addStretch(1)
        cols.addWidget(email, 1)

        # text messages
        sms = Card(_("Text messages"))
        self.sms_status = QLabel()
        self.sms_status.setWordWrap(True)
        sms.body.addWidget(self.sms_status)
        form = self._form(sms)
        self._combo(form, "messages.sms.provider", _("Provider"), [
            ("", _("None")), ("aliyun", _("Aliyun SMS")), ("tencent", _("Tencent Cloud SMS")), ("twilio", "Twilio"),
        ])
        self._line(form, "messages.sms.account", _("Account"), _("AccessKey ID / SID")).setToolTip(
            _("Aliyun AccessKey ID, Tencent SecretId or Twilio Account SID")
        )
        self.sms_secret, self.sms_secret_state, self.sms_remove = self._secret(form, SMS, _("Secret"))
        self._line(form, "messages.sms.sender", _("Sender"), _("Signature / app ID")).setToolTip(
            _("Aliyun: the signature name; Tencent: the SMS app ID; Twilio: the number or Messaging Service SID")
        )
        self._line(form, "messages.sms.sign_name", _("Signature name"), _("Tencent only"))
        self._line(form, "messages.sms.region", _("Region"), "ap-guangzhou")
        # the provider's approved template per kind (Aliyun, Tencent): typed in a dialog of their own
        self.codes_dialog = TemplateCodesDialog(self)
        self.codes = self.codes_dialog.codes
        self.codes_btn = Button(_("Approved template codes…"), "list", kind="secondary")
        self.codes_btn.setToolTip(_("Aliyun and Tencent send only templates they approved: the code of each"))
        self.codes_btn.clicked.connect(self.codes_dialog.open)
        sms.body.addWidget(self.codes_btn)
        self.codes_error = ErrorLabel()
        sms.body.addWidget(self.codes_error)
        sms.body.addStretch(1)
        cols.addWidget(sms, 1)

        # what is sent, and when
        timing = Card(_("What is sent, and when"))
        kinds = QVBoxLayout()
        kinds.setSpacing(0)
        self.kind_boxes: dict[str, QCheckBox] = {}
        for kind in AUTOMATIC_KINDS:  # a message to a client list is sent on request only
            cb = QCheckBox(kind.label)
            kinds.addWidget(cb)
            self.kind_boxes[kind.value] = cb
        timing.body.addLayout(kinds)
        self.kinds_error = ErrorLabel()
        timing.body.addWidget(self.kinds_error)
        hours = QGridLayout()
        hours.setHorizontalSpacing(6)
        hours.setVerticalSpacing(6)
        rows = (
            (_("Reminder, hours before"), ("messages.reminder_hours",)),
            (_("Feedback request, hours after paying"), ("messages.feedback_delay_hours",)),
            (_("Quiet hours (nothing is sent)"), ("messages.quiet_start_hour", "messages.quiet_end_hour")),
            (_("Tries before giving up"), ("messages.max_attempts",)),
        )
        for r, (label, keys) in enumerate(rows):
            lbl = QLabel(label)
            lbl.setWordWrap(True)
            hours.addWidget(lbl, r * 2, 0)
            for i, key in enumerate(keys):
                sb = QSpinBox()
                sb.setMinimumHeight(36)
                sb.setFixedWidth(86)
                d = DEFS.get(key)
                sb.setRange(int(d.minimum or 0) if d else 0, int(d.maximum or 999) if d else 999)
                if key.endswith(("start_hour", "end_hour")):
                    sb.setSuffix(":00")
                sb.setObjectName("field_" + key)
                self.inputs[key] = sb
                self.errors[key] = ErrorLabel()
                if i:
                    hours.addWidget(QLabel("–"), r * 2, 2)
                hours.addWidget(sb, r * 2, 1 + i * 2)
                hours.addWidget(self.errors[key], r * 2 + 1, 0, 1, 4)
        hours.setColumnStretch(0, 1)
        timing.body.addLayout(hours)
        timing.body.addStretch(1)
        cols.addWidget(timing, 1)

        # a test send, then Save
        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.test_channel = QComboBox()
        self.test_channel.setMinimumHeight(40)
        for ch in MessageChannel:
            self.test_channel.addItem(ch.label, ch.value)
        self.test_to = QLineEdit()
        self.test_to.setMinimumHeight(40)
        self.test_to.setFixedWidth(230)
        self.test_to.setPlaceholderText(_("Email address or mobile number"))
        self.test_btn = Button(_("Send a test"), "message", kind="secondary")
        self.test_btn.setToolTip(_("Save first, then send one message now to check the settings (not through the outbox)"))
        self.test_btn.clicked.connect(self.send_test)
        bar.addWidget(self.test_channel)
        bar.addWidget(self.test_to)
        bar.addWidget(self.test_btn)
        answers = QVBoxLayout()
        answers.setSpacing(2)
        self.test_answer = QLabel()
        self.test_answer.setWordWrap(True)
        self.test_answer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        answers.addWidget(self.test_answer)
        self.status = QLabel()
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        answers.addWidget(self.status)
        bar.addLayout(answers, 1)
        self.save_btn = Button(_("Save"), "check", kind="primary")
        self.save_btn.clicked.connect(self.save)
        self.save_btn.setEnabled(False)  # until the values are shown: empty inputs are never saved
        bar.addWidget(self.save_btn)
        outer.addLayout(bar)
        provider = self.inputs["messages.sms.provider"]
        assert isinstance(provider, QComboBox)
        provider.currentIndexChanged.connect(lambda _i: self._provider_changed())
        self._provider_changed()

    # ------------------------------------------------------------------ building
    def _form(self, card: Card) -> QFormLayout:
        form = QFormLayout()
        form.setSpacing(6)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        card.body.addLayout(form)
        return form

    def _row(self, form: QFormLayout, key: str, label: str, w: QWidget) -> None:
        w.setObjectName("field_" + key)
        err = ErrorLabel()
        box = QVBoxLayout()
        box.setSpacing(2)
        box.addWidget(w)
        box.addWidget(err)
        form.addRow(label, box)
        self.inputs[key] = w
        self.errors[key] = err

    def _line(self, form: QFormLayout, key: str, label: str, placeholder: str = "") -> QLineEdit:
        le = QLineEdit()
        le.setMinimumHeight(36)
        le.setPlaceholderText(placeholder)
        self._row(form, key, label, le)
        return le

    def _spin(self, form: QFormLayout, key: str, label: str) -> QSpinBox:
        sb = QSpinBox()
        sb.setMinimumHeight(36)
        d = DEFS.get(key)
        lo = d.minimum if d is not None and d.minimum is not None else 0
        hi = d.maximum if d is not None and d.maximum is not None else 100000
        sb.setRange(int(lo), int(hi))
        self._row(form, key, label, sb)
        return sb

    def _combo(self, form: QFormLayout, key: str, label: str, options: list[tuple[str, str]]) -> QComboBox:
        cb = QComboBox()
        cb.setMinimumHeight(36)
        # the column's width decides, not the longest choice (the three columns share the screen)
        cb.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        cb.setMinimumContentsLength(8)
        for value, text in options:
            cb.addItem(text, value)
        self._row(form, key, label, cb)
        return cb

    def _secret(self, form: QFormLayout, name: str, label: str) -> tuple[QLineEdit, QLabel, Button]:
        """A secret is typed, never shown: the field stays empty and a word says whether one is kept."""
        le = QLineEdit()
        le.setEchoMode(QLineEdit.EchoMode.Password)
        le.setMinimumHeight(36)
        le.setObjectName("secret_" + name)
        state = QLabel()
        state.setObjectName("muted")
        state.setWordWrap(True)
        remove = Button("", "trash", kind="ghost")
        remove.setToolTip(_("Remove the saved one from this computer (on Save)"))
        remove.setAccessibleName(_("Remove"))
        remove.setMinimumHeight(36)
        remove.clicked.connect(lambda: self._remove_secret(name))
        row = QHBoxLayout()
        row.addWidget(le, 1)
        row.addWidget(remove)
        box = QVBoxLayout()
        box.setSpacing(2)
        box.addLayout(row)
        box.addWidget(state)
        err = ErrorLabel()
        box.addWidget(err)
        self.errors["secret_" + name] = err
        form.addRow(label, box)
        return le, state, remove

    def _provider_changed(self) -> None:
        provider = self._value("messages.sms.provider")
        self.codes_btn.setVisible(provider in ("aliyun", "tencent"))

    # ------------------------------------------------------------------ values
    def _value(self, key: str) -> Any:
        w = self.inputs[key]
        if isinstance(w, QComboBox):
            return w.currentData()
        if isinstance(w, QSpinBox):
            return w.value()
        assert isinstance(w, QLineEdit)
        return w.text().strip()

    def values(self) -> dict[str, Any]:
        """What the tab shows, as the settings it saves."""
        out = {key: self._value(key) for key in self.inputs}
        out[KINDS] = [k for k, cb in self.kind_boxes.items() if cb.isChecked()]
        out[SMS_TEMPLATES] = {k: e.text().strip() for k, e in self.codes.items() if e.text().strip()}
        return out

    def _show_values(self, values: dict[str, Any]) -> None:
        for key, w in self.inputs.items():
            v = values.get(key)
            if isinstance(w, QComboBox):
                i = w.findData("" if v is None else v)
                if i < 0 and v not in (None, ""):
                    w.addItem(str(v), v)
                    i = w.count() - 1
                w.setCurrentIndex(max(i, 0))
            elif isinstance(w, QSpinBox):
                w.setValue(int(v) if v is not None else w.minimum())
            elif isinstance(w, QLineEdit):
                w.setText("" if v is None else str(v))
        kinds = values.get(KINDS) or []
        for k, cb in self.kind_boxes.items():
            cb.setChecked(k in kinds)
        codes = values.get(SMS_TEMPLATES) or {}
        for k, e in self.codes.items():
            e.setText(str(codes.get(k, "")))
        self._provider_changed()

    def unsaved_changes(self) -> str | None:
        if self._clean is None or self._saving:
            return None
        if self.values() == self._clean and not self._typed_secrets() and not self._remove:
            return None
        return _("the message channels and timing")

    def discard_changes(self) -> None:
        if self.state is not None:
            self._show_state(self.state)

    def _typed_secrets(self) -> dict[str, str]:
        typed = {SMTP: self.smtp_password.text(), SMS: self.sms_secret.text()}
        return {k: v for k, v in typed.items() if v}

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        if not self.ctx.can(Perm.SETTINGS) or self._saving or self.unsaved_changes():
            return
        ctx = self.ctx
        self._loading = True
        self.ctx.runner.run(self, lambda: read_state(ctx), on_done=self._loaded, on_error=self._load_failed)

    def loading(self) -> bool:
        return self._loading

    def _load_failed(self, exc: Exception) -> None:
        self._loading = False
        self.status.setText("✕ " + error_text(exc))

    def _loaded(self, state: ChannelsState) -> None:
        self._loading = False
        self._show_state(state)
        self.save_btn.setEnabled(True)

    def _show_state(self, state: ChannelsState) -> None:
        self.state = state
        self._show_values(state.values)
        self._remove.clear()
        for le in (self.smtp_password, self.sms_secret):
            le.clear()
        for name, label, le, remove in (
            (SMTP, self.smtp_secret_state, self.smtp_password, self.smtp_remove),
            (SMS, self.sms_secret_state, self.sms_secret, self.sms_remove),
        ):
            saved = state.secret_saved.get(name, False)
            label.setText(_("✓ Saved. Type a new one to replace it.") if saved else _("Not saved yet."))
            le.setPlaceholderText(_("•••••••• (saved)") if saved else "")
            remove.setVisible(saved)
        for st in state.status:
            target = self.email_status if st.channel == MessageChannel.EMAIL else self.sms_status
            if st.ready:
                target.setText("✓ " + _("Ready: messages go out this way."))
                target.setObjectName("okText")
            else:
                target.setText("! " + (st.reason or _("Not set up.")))
                target.setObjectName("warningText")
            target.style().unpolish(target)
            target.style().polish(target)
        for err in self.errors.values():
            err.show_error(None)
        self.kinds_error.show_error(None)
        self.codes_error.show_error(None)
        self._clean = self.values()

    def _remove_secret(self, name: str) -> None:
        self._remove.add(name)
        label, le = (
            (self.smtp_secret_state, self.smtp_password) if name == SMTP else (self.sms_secret_state, self.sms_secret)
        )
        le.clear()
        le.setPlaceholderText("")
        label.setText(_("Removed when you save."))

    # ------------------------------------------------------------------ saving
    def saving(self) -> bool:
        return self._saving

    def save(self) -> None:
        if self._saving or self._clean is None:
            return
        ctx, actor = self.ctx, self.ctx.require_actor()
        changed = {k: v for k, v in self.values().items() if v != self._clean.get(k)}
        typed, remove = self._typed_secrets(), set(self._remove)
        details, messages = ctx.services.shop_details, ctx.services.messages

        def work() -> SaveResult:
            saved: list[str] = []
            errors: dict[str, str] = {}
            for key, value in changed.items():
                try:
                    details.save_setting(actor, key, value)
                    saved.append(key)
                except ValidationError as exc:
                    errors.update(exc.errors)
            changes: dict[str, str | None] = {**{name: None for name in remove - set(typed)}, **typed}
            for name, value in changes.items():
                try:
                    messages.set_secret(actor, name, value)
                    saved.append("secret_" + name)
                except ServiceError as exc:  # not the owner, no password store: said in words
                    errors["secret_" + name] = str(exc)
            return SaveResult(saved, errors, read_state(ctx))

        self._saving = True
        self.save_btn.setEnabled(False)
        self.ctx.runner.run(self, work, on_done=self._saved, on_error=self._not_saved, in_order=True)

    def _saved(self, result: SaveResult) -> None:
        self._saving = False
        self.save_btn.setEnabled(True)
        if result.errors:
            # what was saved is shown as saved; what was refused keeps what the owner typed
            typed = self.values()
            self._show_state(result.state)
            self._show_values({**result.state.values, **{k: typed[k] for k in result.errors if k in typed}})
            self._clean = {**self.values(), **{k: result.state.values.get(k) for k in result.errors}}
            for key, msg in result.errors.items():
                if key == KINDS:
                    self.kinds_error.show_error(msg)
                elif key == SMS_TEMPLATES:
                    self.codes_error.show_error(msg)
                elif key in self.errors:
                    self.errors[key].show_error(msg)
            self.status.setText("✕ " + _("Some values were not saved: see the messages in red."))
            return
        self._show_state(result.state)
        self.status.setText("✓ " + _("Saved.") if result.saved else _("Nothing to save: nothing was changed."))

    def _not_saved(self, exc: Exception) -> None:
        self._saving = False
        self.save_btn.setEnabled(True)
        self.status.setText("✕ " + error_text(exc))

    # ------------------------------------------------------------------ a test send
    def testing(self) -> bool:
        return self._testing

    def send_test(self) -> None:
        if self._testing:
            return
        to = self.test_to.text().strip()
        if not to:
            self.test_answer.setText("✕ " + _("Type an email address or a mobile number to send the test to."))
            return
        actor, messages, channel = self.ctx.require_actor(), self.ctx.services.messages, self.test_channel.currentData()
        self._testing = True
        self.test_btn.setEnabled(False)
        self.test_answer.setText(_("Sending…"))

        def done(provider_id: str) -> None:
            self._testing = False
            self.test_btn.setEnabled(True)
            self.test_answer.setText(
                "✓ " + _("Sent. The provider took it (its reference: {ref}). Check that it arrived.").format(
                    ref=provider_id or "–"
                )
            )

        def failed(exc: Exception) -> None:
            self._testing = False
            self.test_btn.setEnabled(True)
            self.test_answer.setText("✕ " + error_text(exc))

        self.ctx.runner.run(self, lambda: messages.test_send(actor, channel, to), on_done=done, on_error=failed)


class TemplateCodesDialog(Dialog):
    """Aliyun and Tencent send only the templates they approved: the code of each kind of message.
    The codes are saved with the tab's Save."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Approved template codes"))
        self.setMinimumWidth(520)
        lay = QVBoxLayout(self)
        hint = QLabel(
            _("Copy each code from the provider's console (e.g. SMS_123456789). A message without a code "
              "is not sent by text.")
        )
        hint.setWordWrap(True)
        hint.setObjectName("muted")
        lay.addWidget(hint)
        form = QFormLayout()
        form.setSpacing(6)
        self.codes: dict[str, QLineEdit] = {}
        for kind in MessageKind:
            edit = QLineEdit()
            edit.setMinimumHeight(36)
            edit.setObjectName("code_" + kind.value)
            form.addRow(kind.label, edit)
            self.codes[kind.value] = edit
        lay.addLayout(form)
        row = QHBoxLayout()
        row.addStretch()
        done = Button(_("Done"), "check", kind="primary")
        done.clicked.connect(self.accept)
        row.addWidget(done)
        lay.addLayout(row)
