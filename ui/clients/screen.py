"""Clients: find anyone as you type, open the profile, add a new client; Lists: clients chosen by
filters, saved lists, their CSV and a message to them (ui/clients/lists.py)."""

from __future__ import annotations

from typing import Any, cast

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from desk_app.domain.permissions import Perm
from desk_app.i18n import _, format_number
from ui.clients.lists import ClientListsPanel
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
        # the search (the default) or the lists, each a toggle beside the other (Alt+1, Alt+2)
        self.search_button = Button(_("Search"), "search")
        self.search_button.setToolTip(_("Find one client as you type (Alt+1)"))
        self.lists_button = Button(_("Lists"), "filter")
        self.lists_button.setToolTip(
            _("Clients by last visit, spend, services, VIP, birthday, consent, stylist or no-shows (Alt+2)")
        )
        self.view_group = QButtonGroup(self)
        for b in (self.search_button, self.lists_button):
            b.setCheckable(True)
            self.view_group.addButton(b)
            cast(QHBoxLayout, self.header.actions).addWidget(b)
        self.search_button.setChecked(True)
        self.search_button.clicked.connect(lambda: self.show_view("search"))
        self.lists_button.clicked.connect(lambda: self.show_view("lists"))
        QShortcut(QKeySequence("Alt+1"), self).activated.connect(lambda: self.show_view("search"))
        QShortcut(QKeySequence("Alt+2"), self).activated.connect(lambda: self.show_view("lists"))
        # the owner's review of profiles that may be one person (ui/clients/duplicates.py)
        self.duplicates_button = Button(_("Possible duplicates"), "users", "ghost")
        self.duplicates_button.setToolTip(_("Profiles that may be one person, to merge (the owner)"))
        self.duplicates_button.clicked.connect(lambda: ctx.navigate("duplicates"))
        cast(QHBoxLayout, self.header.actions).addWidget(self.duplicates_button)
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
        self.lists: ClientListsPanel | None = None  # built when first shown
        self.view = "search"
        self._count = 0
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
        self.duplicates_button.setVisible(self.ctx.can(Perm.CLIENT_MERGE))
        self.search.refresh()
        if self.lists is not None:
            self.lists.apply_rights()  # another person may have signed in

    def show_view(self, view: str) -> None:
        """"search" (find one client) or "lists" (clients by filters)."""
        self.view = view if view in ("search", "lists") else "search"
        (self.lists_button if self.view == "lists" else self.search_button).setChecked(True)
        if self.view == "lists" and self.lists is None:
            self.lists = ClientListsPanel(self.ctx)
            self.lists.client_chosen.connect(self.open_client)
            self.stack.addWidget(self.lists)
            self.lists.refresh()
        self._place()
        if self.view == "search" and self.stack.currentWidget() is self.list_card:
            self.search.focus_search()
        elif self.lists is not None and self.stack.currentWidget() is self.lists:
            self.lists.last_mode.setFocus()

    def _place(self) -> None:
        if not self._count:
            self.stack.setCurrentWidget(self.empty)
        elif self.view == "lists" and self.lists is not None:
            self.stack.setCurrentWidget(self.lists)
        else:
            self.stack.setCurrentWidget(self.list_card)

    def _show_count(self, n: int) -> None:
        was_empty = self.stack.currentWidget() is self.empty
        self._count = n
        self._place()
        if n and was_empty and self.isVisible() and self.view == "search":
            self.search.focus_search()  # the list appears: typing goes to its search, as on open()
        self.header.set_subtitle(
            _("{n} clients. Type a name, pinyin, phone digits or client number.").format(n=format_number(n))
            if n
            else ""
        )

    def open(self, view: str = "", **_kw: Any) -> None:
        self.refresh()
        if view:
            self.show_view(view)
        elif self.lists is not None and self.view == "lists":
            self.lists.refresh()
        elif self.view == "search":
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
            if self.lists is not None and self.view == "lists":
                self.lists.reload()
