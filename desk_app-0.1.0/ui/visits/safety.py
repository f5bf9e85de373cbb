"""Safety before a service (docs/safety.md): what a rule stops, a patch test recorded on the spot,
or going ahead with a reason that is recorded with who decided.

``resolve_safety(widget, ctx, client_id, exc, retry)`` is what the confirm and start buttons call
when their write answers :class:`SafetyCheckNeeded`: it asks, then calls ``retry(reason)`` (an
override) or records the patch test and calls ``retry(None)`` to check again.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.safety import PatchResult
from desk_app.i18n import _
from desk_app.visits.safety import SafetyCheckNeeded
from ui.context import UiContext
from ui.shared.widgets import Button, Dialog, ErrorLabel, show_error


class SafetyDialog(Dialog):
    """Lists what the rules stop. Three ways on: record a patch test, go back, or go ahead with a
    reason (the button waits for one)."""

    PATCH_TEST = 2

    def __init__(self, parent: QWidget | None, exc: SafetyCheckNeeded) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Safety check"))
        self.setMinimumWidth(560)
        lay = QVBoxLayout(self)
        title = QLabel("⚠ " + _("Check before this service"))
        title.setObjectName("sectionTitle")
        lay.addWidget(title)
        for h in exc.hits:
            hit = QLabel(f"• <b>{h.service_name}</b> — {h.rule_label}<br>{h.reason}")
            hit.setWordWrap(True)
            lay.addWidget(hit)
        lay.addWidget(QLabel(_("To go ahead without a patch test, say why (kept with your name):")))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(_("e.g. client tested at another salon last week, card seen"))
        self.reason.textChanged.connect(self._update)
        lay.addWidget(self.reason)
        row = QHBoxLayout()
        self.patch_btn = Button(_("Record a patch test…"), "plus")
        self.patch_btn.clicked.connect(lambda: self.done(self.PATCH_TEST))
        row.addWidget(self.patch_btn)
        row.addStretch(1)
        self.back_btn = Button(_("Go back"), kind="secondary")
        self.back_btn.clicked.connect(self.reject)
        row.addWidget(self.back_btn)
        self.ahead_btn = Button(_("Go ahead: record the override"), kind="danger")
        self.ahead_btn.clicked.connect(self.accept)
        row.addWidget(self.ahead_btn)
        lay.addLayout(row)
        self.back_btn.setDefault(True)
        self._update()

    def _update(self) -> None:
        self.ahead_btn.setEnabled(bool(self.reason.text().strip()))


class PatchTestDialog(Dialog):
    """A patch test done now: the product, and whether the skin reacted. Saved on the runner."""

    def __init__(self, parent: QWidget | None, ctx: UiContext, client_id: int) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.client_id = client_id
        self.setWindowTitle(_("Record a patch test"))
        self.setMinimumWidth(480)
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.product = QLineEdit()
        self.product.setPlaceholderText(_("The colour or product tested, e.g. Koleston 7/1"))
        form.addRow(_("Product"), self.product)
        res_row = QHBoxLayout()
        self.results = QButtonGroup(self)
        self.result_buttons: dict[PatchResult, QRadioButton] = {}
        for r in PatchResult:
            b = QRadioButton(r.label)
            self.results.addButton(b)
            self.result_buttons[r] = b
            res_row.addWidget(b)
        res_row.addStretch(1)
        form.addRow(_("Result"), res_row)
        self.notes = QPlainTextEdit()
        self.notes.setFixedHeight(60)
        form.addRow(_("Notes"), self.notes)
        lay.addLayout(form)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_btn = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_btn.setText(_("Save"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def save(self) -> None:
        chosen = next((r for r, b in self.result_buttons.items() if b.isChecked()), None)
        actor = self.ctx.require_actor()
        safety, cid = self.ctx.services.safety, self.client_id
        product, notes = self.product.text(), self.notes.toPlainText()
        self.save_btn.setEnabled(False)

        def failed(exc: Exception) -> None:
            self.save_btn.setEnabled(True)
            from desk_app.core.service import ValidationError

            if isinstance(exc, ValidationError):
                self.error.show_error("\n".join(exc.errors.values()))
            else:
                show_error(self, exc)

        self.ctx.runner.run(
            self,
            lambda: safety.record_patch_test(actor, cid, product, chosen.value if chosen else "", notes),
            on_done=lambda _id: self.accept(),
            on_error=failed,
            in_order=True,
        )


def resolve_safety(
    parent: QWidget,
    ctx: UiContext,
    client_id: int | None,
    exc: SafetyCheckNeeded,
    retry: Callable[[str | None], None],
) -> None:
    """Ask what to do about ``exc``; then ``retry(reason)`` or, after a patch test, ``retry(None)``."""
    dlg = SafetyDialog(parent, exc)
    outcome = dlg.exec()
    if outcome == dlg.DialogCode.Accepted:
        retry(dlg.reason.text().strip())
    elif outcome == SafetyDialog.PATCH_TEST and client_id is not None:
        if PatchTestDialog(parent, ctx, client_id).exec() == PatchTestDialog.DialogCode.Accepted:
            retry(None)  # checked again: a test with no reaction lets it through
