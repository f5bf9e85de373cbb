"""Messages: what was queued, sent and failed for the clients (everyone with follow-ups), the
templates and the channels (the owner). docs/messages.md.

The owner's tabs are built the first time they are opened; a tab holding typed but unsaved
changes is asked (ui/shared/unsaved.py) before another tab is shown or the screen is left."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from desk_app.domain.permissions import Perm
from desk_app.i18n import _
from ui.context import UiContext
from ui.messages.channels import ChannelsTab
from ui.messages.outbox import OutboxTab
from ui.messages.templates import TemplatesTab
from ui.shared.unsaved import may_leave
from ui.shared.widgets import PageHeader
from ui.theme import icon

TABS = ("outbox", "templates", "channels")


class MessagesScreen(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("screenPage")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 20, 24, 16)
        lay.setSpacing(10)
        self.header = PageHeader(
            _("Messages"),
            _("Confirmations, reminders and feedback requests to clients: what went out, what is waiting, what failed"),
        )
        lay.addWidget(self.header)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("messagesTabs")
        self.outbox = OutboxTab(ctx)
        self.templates = TemplatesTab(ctx)
        self.channels = ChannelsTab(ctx)
        self.tabs.addTab(self.outbox, icon("message"), _("Outbox"))
        self.tabs.addTab(self.templates, icon("edit"), _("Templates"))
        self.tabs.addTab(self.channels, icon("settings"), _("Channels && timing"))
        self._index = 0
        self.tabs.currentChanged.connect(self._tab_changed)
        lay.addWidget(self.tabs, 1)
        for i in range(len(TABS)):
            QShortcut(QKeySequence(f"Alt+{i + 1}"), self).activated.connect(
                lambda i=i: self.tabs.setCurrentIndex(i)
            )
        ctx.signals.data_changed.connect(self._changed)
        ctx.signals.actor_changed.connect(self._actor_changed)
        self._apply_permissions()

    def _apply_permissions(self) -> None:
        owner = self.ctx.can(Perm.SETTINGS)
        for i in (1, 2):
            self.tabs.setTabVisible(i, owner)
        if not owner and self.tabs.currentIndex() != 0:
            self.tabs.setCurrentIndex(0)

    def _actor_changed(self) -> None:
        self._apply_permissions()
        if self.isVisible():
            self.refresh()

    def _tab_changed(self, index: int) -> None:
        old = self.tabs.widget(self._index)
        if index != self._index and old is not None and not may_leave(old, self):
            self.tabs.blockSignals(True)
            self.tabs.setCurrentIndex(self._index)
            self.tabs.blockSignals(False)
            return
        self._index = index
        self.refresh()

    def tab(self, key: str) -> QWidget:
        self.tabs.setCurrentIndex(TABS.index(key))
        w = self.tabs.currentWidget()
        assert w is not None
        return w

    def unsaved_changes(self) -> str | None:
        w = self.tabs.currentWidget()
        fn = getattr(w, "unsaved_changes", None)
        return fn() if callable(fn) else None

    def discard_changes(self) -> None:
        fn = getattr(self.tabs.currentWidget(), "discard_changes", None)
        if callable(fn):
            fn()

    def open(self, tab: str = "", client_id: int | None = None, day: date | None = None, **_params: Any) -> None:
        self._apply_permissions()
        if tab in TABS and (tab == "outbox" or self.ctx.can(Perm.SETTINGS)):
            self.tabs.setCurrentIndex(TABS.index(tab))
        if client_id is not None or day is not None:
            self.tabs.setCurrentIndex(0)
            self.outbox.open_for(client_id, day)
            return
        self.refresh()

    def refresh(self) -> None:
        w = self.tabs.currentWidget()
        refresh = getattr(w, "refresh", None)
        if callable(refresh):
            refresh()

    def _changed(self, kind: str, _ident: int) -> None:
        # a booking, a payment or the sender wrote outbox rows: the list on show follows
        if kind in ("outbox", "message") and self.isVisible() and self.tabs.currentWidget() is self.outbox:
            self.outbox.refresh()
