"""Clients: find anyone as you type, open the profile, add a new client."""

from __future__ import annotations

from typing import Any, cast

from PySide6.QtWidgets import QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from desk_app.domain.permissions import Perm
from desk_app.i18n import _, format_number
from ui.clients.new_client import NewClientDialog
from ui.clients.search import ClientSearchBox
from ui.context import UiContext
from ui.runner import Latest
from ui.shared.widgets import Button, Card, EmptyState, PageHeader, show_error


class ClientsScreen(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.setObjectName("screenPage")
        self.ctx = ctx
        root = QVBoxLayout(self)
        root.setContentsMargins(24, 20, 24, 20)
        root.setSpacing(12)
        self.header = PageHeader(_("Clients"), _("Type a name, pinyin, phone digits or client number."))
        self.new_button = Button(_("New client"), "user-plus", "primary")
        self.new_button.clicked.connect(self._new_from_search)
        cast(QHBoxLayout, self.header.actions).addWidget(self.new_button)
        root.addWidget(self.header)

        self.stack = QStackedWidget()
        root.addWidget(self.stack, 1)
        self.list_card = card = Card()
        self.search = ClientSearchBox(ctx, show_new_button=False)
        self.search.client_chosen.connect(self.open_client)
        self.search.new_client_requested.connect(self.new_client)
        card.body.addWidget(self.search)
        self.stack.addWidget(card)
        self.empty = EmptyState(
            "users",
            _("No clients yet"),
            _("Add a client when they arrive (name and phone are enough), or import your list in Settings."),
            _("Add the first client"),
        )
        self.empty.action.connect(lambda: self.new_client(""))
        self.stack.addWidget(self.empty)
        self._counting = Latest()
        ctx.signals.data_changed.connect(self._changed)
        self.refresh()

    def refresh(self) -> None:
        """Count the clients on the runner (the newest count wins); the list or the empty state
        follows when it is known."""
        client_search = self.ctx.services.client_search
        seq = self._counting.next()
        self.ctx.runner.run(
            self,
            client_search.count,
            on_done=self._counting.guard(seq, self._show_count),
            on_error=self._counting.guard(seq, lambda exc: show_error(self, exc)),
        )
        self.new_button.setVisible(self.ctx.can(Perm.CLIENT_EDIT))
        self.search.refresh()

    def _show_count(self, n: int) -> None:
        was_empty = self.stack.currentWidget() is self.empty
        self.stack.setCurrentWidget(self.list_card if n else self.empty)
        if n and was_empty and self.isVisible():
            self.search.focus_search()  # the list appears: typing goes to its search, as on open()
        self.header.set_subtitle(
            _("{n} clients. Type a name, pinyin, phone digits or client number.").format(n=format_number(n))
            if n
            else ""
        )

    def open(self, **_kw: Any) -> None:
        self.refresh()
        self.search.focus_search()

    def _new_from_search(self) -> None:
        self.new_client(self.search.text())

    def open_client(self, client_id: int) -> None:
        self.ctx.navigate("client", client_id=client_id)

    def new_client(self, text: str) -> None:
        if not self.ctx.can(Perm.CLIENT_EDIT):
            return
        dlg = NewClientDialog(self.ctx, text, self)
        if dlg.exec() and dlg.client_id:
            self.refresh()
            self.open_client(dlg.client_id)

    def _changed(self, kind: str, _ident: int) -> None:
        if kind == "client" and self.isVisible():
            self.refresh()
