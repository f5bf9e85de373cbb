"""Settings › Safety: the owner key unattended scripts pass in DESK_APP_OWNER_KEY
(desk_app/trust/owner_key.py): whether one is in use, and revoking it. The key is made on the
command line (``desk-app owner-key new``), where it is shown once to the script's author."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel

from desk_app.i18n import _, format_when
from desk_app.trust.owner_key import OwnerKeyStatus
from ui.context import UiContext
from ui.runner import Latest
from ui.shared.widgets import Button, Card, StatusChip, confirm, show_error, show_info


class OwnerKeyCard(Card):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__(_("Owner key for scripts"))
        self.ctx = ctx
        self._latest = Latest()
        row = QHBoxLayout()
        self.status = StatusChip()
        row.addWidget(self.status)
        self.label = QLabel()
        self.label.setObjectName("muted")
        self.label.setWordWrap(True)
        row.addWidget(self.label, 1)
        self.revoke_button = Button(_("Revoke the key…"), "lock", "danger")
        self.revoke_button.setToolTip(_("Scripts that pass this key are refused from now on."))
        self.revoke_button.clicked.connect(self.ask_revoke)
        row.addWidget(self.revoke_button)
        self.body.addLayout(row)
        hint = QLabel(
            _(
                "A nightly backup or export runs without anyone at the desk: it passes the owner key in "
                "DESK_APP_OWNER_KEY and acts as the owner, and the audit log marks what it did. Make or "
                "replace the key on the command line: desk-app owner-key new (the owner's PIN is asked)."
            )
        )
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        self.body.addWidget(hint)
        self.refresh()

    def refresh(self) -> None:
        seq = self._latest.next()
        svc = self.ctx.services.owner_key
        self.ctx.runner.run(
            self,
            svc.status,
            on_done=self._latest.guard(seq, self._show),
            on_error=self._latest.guard(seq, lambda exc: show_error(self, exc)),
        )

    def _show(self, key: OwnerKeyStatus | None) -> None:
        self.revoke_button.setVisible(key is not None)
        if key is None:
            self.status.set_status(_("No owner key"), "neutral")
            self.label.setText(_("No script can act as the owner. Make a key only for a script that needs one."))
            return
        self.status.set_status(_("Owner key in use"), "warn")
        self.label.setText(
            _("Made by {name} on {when} (it begins {hint}…). Anyone holding it acts as {name}.").format(
                name=key.owner_name, when=format_when(key.created_at), hint=key.hint
            )
        )

    def ask_revoke(self) -> None:
        if not confirm(
            self,
            _("Revoke the owner key"),
            _("Scripts that pass this key (backups, exports) are refused from now on. Revoke it?"),
        ):
            return
        self.revoke()

    def revoke(self) -> None:
        actor, svc = self.ctx.actor, self.ctx.services.owner_key
        if actor is None:
            return
        self.revoke_button.setEnabled(False)

        def done(_revoked: bool) -> None:
            self.revoke_button.setEnabled(True)
            show_info(self, _("The owner key was revoked: scripts that pass it are refused from now on."))
            self.refresh()

        def failed(exc: Exception) -> None:
            self.revoke_button.setEnabled(True)
            show_error(self, exc)

        self.ctx.runner.run(self, lambda: svc.revoke(actor), on_done=done, on_error=failed, in_order=True)
