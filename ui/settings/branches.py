"""Settings > Branches (owner only): the shop's branches, with add, edit, close and reopen
(desk_app.shop.branches.BranchService). A desk chooses its branch in Settings > This desk; staff
are given branches in Settings > Staff."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desk_app.i18n import _
from desk_app.shop.branches import BranchView
from ui.context import UiContext
from ui.settings.editor import Column, EditorSpec, Field, ItemEditor
from ui.shared.widgets import Button, confirm, error_text, show_info


def _status(b: BranchView) -> str:
    # not the bare "Open": that msgid is the verb of the Open buttons (Chinese 打开, "open a file")
    return "✓ " + _("Open for business") if b.active else "✕ " + _("Closed")


class BranchesPanel(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        svc = ctx.services.branches
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)

        def to_data(b: BranchView) -> dict[str, Any]:
            return {"code": b.code, "name": b.name, "address": b.address, "phone": b.phone,
                    "receipt_header": b.receipt_header}

        def save(actor: Any, bid: int | None, data: dict[str, Any]) -> BranchView:
            return svc.add(actor, data) if bid is None else svc.edit(actor, bid, data)

        spec = EditorSpec(
            title=_("Branches"),
            columns=[
                Column(_("Branch name"), lambda b: b.name),
                Column(_("Code"), lambda b: b.code),
                Column(_("Staff"), lambda b: str(b.staff)),
                Column(_("Status"), _status),
            ],
            fields=[
                Field("name", _("Branch name"), placeholder=_("As receipts print it, e.g. Lotus East")),
                Field("code", _("Code"), placeholder=_("Short, for desks and reports, e.g. EAST")),
                Field("address", _("Address")),
                Field("phone", _("Phone")),
                Field("receipt_header", _("Receipt line"), placeholder=_("Printed under the name, e.g. Open 10:00-21:00")),
            ],
            load=svc.list,
            save=save,
            to_data=to_data,
            new_label=_("New branch"),
            empty_hint=_("Each branch's staff are ticked in Settings › Staff; each desk chooses its branch in "
                         "Settings › This desk. A closed branch keeps its history."),
        )
        self.editor = ItemEditor(ctx, spec)
        self.close_btn = Button(_("Close this branch"), "lock", "secondary")
        self.close_btn.clicked.connect(self.close_branch)
        self.reopen_btn = Button(_("Reopen this branch"), "check", "secondary")
        self.reopen_btn.clicked.connect(self.reopen_branch)
        self.state = QLabel()
        self.state.setObjectName("muted")
        self.state.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.state, 1)
        row.addWidget(self.close_btn)
        row.addWidget(self.reopen_btn)
        body = self.editor.form.layout()
        if isinstance(body, QFormLayout):
            body.addRow(row)
        self.editor.loaded.connect(self._update)
        self.editor.table.itemSelectionChanged.connect(self._update)
        self.editor.new_shown.connect(self._update)
        lay.addWidget(self.editor, 1)
        self._update()

    def current(self) -> BranchView | None:
        bid = self.editor.current_id
        return next((b for b in self.editor.items if b.id == bid), None)

    def _update(self) -> None:
        b = self.current()
        self.close_btn.setVisible(b is not None and b.active)
        self.reopen_btn.setVisible(b is not None and not b.active)
        if b is None:
            self.state.setText("")
        elif b.active:
            self.state.setText(_("Open: desks there can sign in and record."))
        else:
            self.state.setText(_("Closed: its history stays in the reports; no desk works there."))

    def _act(self, fn: Any, done: str) -> None:
        b, actor = self.current(), self.ctx.require_actor()
        if b is None:
            return

        def finished(view: BranchView) -> None:
            self.editor.reload(select_id=view.id)
            show_info(self, done.format(name=view.name))

        self.ctx.runner.run(self, lambda: fn(actor, b.id), on_done=finished,
                            on_error=lambda e: self.editor.error.show_error(error_text(e)), in_order=True)

    def close_branch(self) -> None:
        b = self.current()
        if b is None or not confirm(
            self, _("Close {name}?").format(name=b.name),
            _("Its history stays; nobody signs in there until it is reopened."),
        ):
            return
        self._act(self.ctx.services.branches.close, _("{name} is closed."))

    def reopen_branch(self) -> None:
        self._act(self.ctx.services.branches.reopen, _("{name} is open again."))

    def unsaved_changes(self) -> str | None:
        return self.editor.unsaved_changes()

    def discard_changes(self) -> None:
        self.editor.discard_changes()
