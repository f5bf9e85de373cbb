"""Step 1: find or create the client, greet them; a new client sees the service menu."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.permissions import Actor
from desk_app.i18n import _, format_date, format_duration_minutes, format_time
from desk_app.visits.views import ClientSummary, MenuService, VisitView
from ui.clients.new_client import create_client
from ui.clients.search import ClientSearchBox
from ui.context import UiContext
from ui.shared.widgets import Button, Card, show_error
from ui.visits.common import money_text, muted


class ServiceMenuTable(QTableWidget):
    """The service menu with prices and durations: the new client's introduction."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(0, 4, parent)
        self.ctx = ctx
        self.setHorizontalHeaderLabels([_("Category"), _("Service"), _("Price"), _("Time")])
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(34)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAlternatingRowColors(True)
        h = self.horizontalHeader()
        h.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col in (0, 2, 3):
            h.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)

    def load(self) -> None:
        """The service menu, read off the GUI thread."""
        consultation = self.ctx.services.consultation
        self.ctx.runner.run(
            self, consultation.menu, on_done=self._show_menu, on_error=lambda exc: show_error(self, exc)
        )

    def _show_menu(self, menu: list[MenuService]) -> None:
        cur = self.ctx.shop.currency
        self.setRowCount(len(menu))
        last_cat = ""
        for r, m in enumerate(menu):
            cat = m.category if m.category != last_cat else ""
            last_cat = m.category
            price = QTableWidgetItem(money_text(m.price_minor, cur))
            price.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            for c, item in enumerate(
                (
                    QTableWidgetItem(cat),
                    QTableWidgetItem(m.name),
                    price,
                    QTableWidgetItem(format_duration_minutes(m.duration_min)),
                )
            ):
                self.setItem(r, c, item)


class ClientCard(Card):
    """Who the client is: number, contact, preferences, recent history."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Client"), parent)
        self.name = QLabel()
        self.name.setObjectName("sectionTitle")
        self.body.addWidget(self.name)
        self.details = muted()
        self.body.addWidget(self.details)
        self.prefs = QLabel()
        self.prefs.setWordWrap(True)
        self.body.addWidget(self.prefs)
        self.history = QLabel()
        self.history.setWordWrap(True)
        self.history.setTextFormat(Qt.TextFormat.PlainText)
        self.body.addWidget(self.history)
        self.body.addStretch(1)  # the lines stay together at the top when the card is tall

    def show_client(self, c: ClientSummary | None) -> None:
        if c is None:
            self.name.setText(_("No profile yet"))
            self.details.setText(_("Find the client above, or create a new profile with name and phone."))
            self.prefs.setText("")
            self.history.setText("")
            return
        self.name.setText(c.name)
        bits = [_("No. {n}").format(n=c.client_number)]
        if c.phone:
            bits.append(c.phone)
        if c.membership_tier == "vip":
            bits.append(_("VIP member"))
        if c.favourite_staff_name:
            bits.append(_("Favourite stylist: {name}").format(name=c.favourite_staff_name))
        self.details.setText(" · ".join(bits))
        self.prefs.setText(_("Preferences: {p}").format(p=", ".join(c.preferences)) if c.preferences else "")
        if c.history:
            lines = [_("Recent visits:")]
            for hentry in c.history[:5]:
                line = (
                    f"• {format_date(hentry.arrived_at)}  {hentry.service_names or _('(no service logged)')}"
                )
                if hentry.staff_name:
                    line += f"  — {hentry.staff_name}"
                lines.append(line)
            self.history.setText("\n".join(lines))
        else:
            self.history.setText(_("First visit: welcome them and introduce the menu."))


class GreetingPage(QWidget):
    changed = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view: VisitView | None = None
        self.chosen: int | None = None
        root = QHBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(16)

        left = QVBoxLayout()
        left.setSpacing(12)
        # the 30-second greeting standard: say hello first, find or create the profile after
        self.hello_box = QFrame()
        self.hello_box.setObjectName("infoBanner")
        hb = QHBoxLayout(self.hello_box)
        hb.setContentsMargins(12, 8, 12, 8)
        self.hello_btn = Button(_("Greeted ✓ (Ctrl+G)"), kind="primary")
        self.hello_btn.setMinimumHeight(52)
        self.hello_btn.setToolTip(_("Press as soon as you have said hello (Ctrl+G, also while typing; G when not typing)"))
        self.hello_btn.clicked.connect(self.mark_greeted)
        hb.addWidget(self.hello_btn)
        self.hello_text = QLabel(
            _("Say hello within 30 seconds of arrival, then find or create the profile.")
        )
        self.hello_text.setWordWrap(True)
        hb.addWidget(self.hello_text, 1)
        left.addWidget(self.hello_box)
        self.hello_keys: list[QShortcut] = []
        for seq in ("G", "Ctrl+G"):
            sc = QShortcut(QKeySequence(seq), self)
            sc.activated.connect(self.mark_greeted)
            self.hello_keys.append(sc)
        self.find_card = find = Card(_("Find the client"))
        self.search = ClientSearchBox(ctx)  # with its own "New client" (Ctrl+N)
        self.search.client_chosen.connect(self._chosen)
        self.search.new_client_requested.connect(self._new_client)
        find.body.addWidget(self.search)
        left.addWidget(find, 1)
        self.client_card = ClientCard()
        self.change_btn = Button(_("Change client"), "search", "ghost")
        self.change_btn.clicked.connect(self._change_client)
        self.client_card.body.addWidget(self.change_btn)
        left.addWidget(self.client_card)
        actions = QHBoxLayout()
        # moves on (the greeting itself is the button above): it said "Greeted" a second time
        self.greet_btn = Button(_("Continue to needs"), "check", "primary")
        self.greet_btn.setShortcut("Ctrl+Return")
        self.greet_btn.setToolTip(_("Records the greeting time (Ctrl+Enter)"))
        self.greet_btn.clicked.connect(self.greet)
        actions.addWidget(self.greet_btn)
        self.anon_btn = Button(_("Greet without a profile"), kind="ghost")
        self.anon_btn.clicked.connect(self.greet_anonymous)
        actions.addWidget(self.anon_btn)
        actions.addStretch()
        left.addLayout(actions)
        root.addLayout(left, 5)

        self.menu_card = Card(_("Introduce our services"))
        self.menu_card.body.addWidget(muted(_("A new client: walk them through the menu, prices and times.")))
        self.menu = ServiceMenuTable(ctx)
        self.menu_card.body.addWidget(self.menu)
        root.addWidget(self.menu_card, 6)
        self._menu_loaded = False

    def set_view(self, view: VisitView) -> None:
        first = self.view is None or self.view.id != view.id
        self.view = view
        self.chosen = view.client.id if view.client else None
        self._show(view.client)
        if first and view.client is None:
            # a walk-in: the desk types the name straight away (Ctrl+N works from there)
            self.search.focus_search()

    def _show_hello(self) -> None:
        """Greeted or not, the box keeps its place (nothing below moves under the pointer): once
        greeted it says when."""
        greeted_at = self.view.greeted_at if self.view is not None else None
        self.hello_btn.setEnabled(greeted_at is None)
        known = self.view is not None and self.view.client is not None
        if greeted_at is None:
            self.hello_btn.setText(_("Greeted ✓ (Ctrl+G)"))
            self.hello_text.setText(
                _("Say hello within 30 seconds of arrival.")  # their profile is on screen already
                if known
                else _("Say hello within 30 seconds of arrival, then find or create the profile.")
            )
        else:
            self.hello_btn.setText(_("Greeted at {t} ✓").format(t=format_time(greeted_at)))
            self.hello_text.setText(
                _("Their profile is here: continue to their needs.")
                if known
                else _("Now find or create the client's profile.")
            )
        for sc in self.hello_keys:
            sc.setEnabled(greeted_at is None)

    def _show(self, client: ClientSummary | None) -> None:
        self._show_hello()
        self.client_card.show_client(client)
        # once the client is known the search gives way to their profile
        self.find_card.setVisible(client is None)
        self.client_card.setVisible(client is not None)
        self.change_btn.setVisible(client is not None)
        is_new = client is None or not client.history
        self.menu_card.setVisible(is_new)
        if is_new and not self._menu_loaded:
            self.menu.load()
            self._menu_loaded = True
        self.greet_btn.setEnabled(client is not None)
        self.anon_btn.setVisible(client is None)
        if client is not None:
            self.greet_btn.setText(_("Continue to needs with {name}").format(name=client.name))
        else:
            self.greet_btn.setText(_("Continue to needs"))

    def mark_greeted(self) -> None:
        """Record the greeting time now (the client may not have a profile yet); stays on this step."""
        if self.view is None or self.view.greeted_at is not None:
            return
        visits = self.ctx.services.visits

        def greeted(vid: int) -> None:
            self.changed.emit()

        self._write(lambda actor, vid: visits.mark_greeted(actor, vid), greeted)

    def _change_client(self) -> None:
        self.find_card.setVisible(True)
        self.search.focus_search()

    def _chosen(self, client_id: int) -> None:
        if self.view is None:
            return
        visits = self.ctx.services.visits

        def linked(vid: int) -> None:
            self.chosen = client_id
            self.changed.emit()

        self._write(lambda actor, vid: visits.link_client(actor, vid, client_id), linked)

    def _new_client(self, text: str) -> None:
        cid = create_client(self.ctx, self, text)
        if cid is not None:
            self._chosen(cid)

    def greet(self) -> None:
        if self.view is None:
            return
        visits, chosen = self.ctx.services.visits, self.chosen

        def greeted(vid: int) -> None:
            self.changed.emit()

        self._write(lambda actor, vid: visits.greet(actor, vid, chosen), greeted)

    def _write(self, fn: Callable[[Actor, int], object], done: Callable[[int], None]) -> None:
        """Save on the runner (signed-in person, this visit); ``done(visit id)`` once saved."""
        if self.view is None:
            return
        try:
            actor = self.ctx.require_actor()
        except Exception as exc:
            show_error(self, exc)
            return
        vid = self.view.id
        self.ctx.runner.run(
            self,
            lambda: fn(actor, vid),
            on_done=lambda _r: done(vid),
            on_error=lambda e: show_error(self, e),
            in_order=True,
        )

    def greet_anonymous(self) -> None:
        self.chosen = None
        self.greet()
