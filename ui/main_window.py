"""The signed-in area: a side bar of screens and a stack that holds them.

Screens are created on first use (ui/navigation.py) and kept, so a visit in
progress stays exactly as it was when the screen locks or the user switches.
"""

from __future__ import annotations

import importlib
import logging
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.permissions import Actor, role_label
from desk_app.i18n import _
from desk_app.shop.branches import BranchView
from desk_app.shop.service import ShopInfo
from desk_app.trust.timeclock import ClockStatus
from ui.checkout.display_feed import DisplayFeed
from ui.context import NoDisplay, UiContext
from ui.navigation import NAV, ROUTES, SECTION
from ui.shared.unsaved import HoldsUnsaved, may_leave
from ui.shared.wheel_guard import install_wheel_guard
from ui.shared.widgets import show_error
from ui.theme import icon

log = logging.getLogger(__name__)


class MainArea(QWidget):
    lock_requested = Signal()
    switch_user_requested = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        ctx.navigate = self.navigate
        app = QApplication.instance()
        if isinstance(app, QApplication):
            install_wheel_guard(app)
        self._screens: dict[str, QWidget] = {}
        self._holders: dict[str, QScrollArea] = {}
        self._current = ""

        root = QHBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)

        self.side = QFrame()
        self.side.setObjectName("sideBar")
        self.side.setFixedWidth(212)
        side = QVBoxLayout(self.side)
        side.setContentsMargins(12, 16, 12, 16)
        side.setSpacing(2)
        brand = QLabel(ctx.shop.name)
        brand.setObjectName("brand")
        brand.setWordWrap(True)
        side.addWidget(brand)
        if ctx.demo_mode:
            demo = QLabel(_("DEMO SHOP"))
            demo.setObjectName("demoBadge")
            demo.setAlignment(Qt.AlignmentFlag.AlignCenter)
            side.addWidget(demo)
            side.addSpacing(8)

        self.nav_group = QButtonGroup(self)
        self.nav_group.setExclusive(True)
        self.nav_buttons: dict[str, QPushButton] = {}
        for item in NAV:
            b = QPushButton("  " + _(item.label))
            b.setObjectName("navButton")
            b.setCheckable(True)
            b.setIcon(icon(item.icon, "#C9D4EA"))
            b.setToolTip(f"{_(item.label)} ({item.shortcut})")
            b.setCursor(Qt.CursorShape.PointingHandCursor)
            b.clicked.connect(lambda _c=False, n=item.name: self.navigate(n))
            self.nav_group.addButton(b)
            self.nav_buttons[item.name] = b
            side.addWidget(b)
            sc = QShortcut(QKeySequence(item.shortcut), self)
            sc.activated.connect(lambda n=item.name: self._nav_if_allowed(n))
        side.addStretch()
        side.addWidget(self._build_pin_notice())

        self.user_label = QLabel()
        self.user_label.setObjectName("userBadge")
        self.role_label = QLabel()
        self.role_label.setObjectName("userRole")
        self.role_label.setWordWrap(True)  # "Receptionist · a long branch name" wraps inside the side bar
        side.addWidget(self.user_label)
        side.addWidget(self.role_label)
        # the time clock: where the signed-in person stands, one tap (or Ctrl+K) to clock in or out
        self.clock_btn = QPushButton("  " + _("Time clock"))
        self.clock_btn.setObjectName("navButton")
        self.clock_btn.setIcon(icon("clock", "#C9D4EA"))
        self.clock_btn.setToolTip(_("Time clock: clock in, breaks, clock out (Ctrl+K)"))
        self.clock_btn.clicked.connect(lambda: self.open_clock())
        side.addWidget(self.clock_btn)
        self.clock_shortcut = QShortcut(QKeySequence("Ctrl+K"), self)
        self.clock_shortcut.activated.connect(self.open_clock)
        self.clock_status: ClockStatus | None = None
        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(60_000)  # "On the clock · 3:12" moves on by the minute
        self._clock_timer.timeout.connect(self.refresh_clock)
        self._clock_timer.start()
        switch = QPushButton("  " + _("Switch user"))
        switch.setObjectName("navButton")
        switch.setIcon(icon("switch-user", "#C9D4EA"))
        switch.setToolTip(_("Switch user (Ctrl+L)"))
        switch.clicked.connect(self.switch_user_requested)
        side.addWidget(switch)
        QShortcut(QKeySequence("Ctrl+L"), self).activated.connect(self.switch_user_requested.emit)
        root.addWidget(self.side)

        ctx.signals.data_changed.connect(lambda kind, _id: self._shop_changed(brand) if kind == "shop" else None)

        self.stack = QStackedWidget()
        self.stack.setObjectName("screens")
        holder = QWidget()
        holder.setObjectName("screenPage")
        pad = QVBoxLayout(holder)
        pad.setContentsMargins(24, 18, 24, 18)  # every screen gets the same outer spacing
        pad.addWidget(self.stack)
        root.addWidget(holder, 1)
        self._display: DisplayFeed | None = None
        self.apply_desk()
        ctx.signals.desk_changed.connect(self.apply_desk)
        self.apply_actor()

    def _build_pin_notice(self) -> QFrame:
        """The owner's note about their own PIN (wrong PINs typed for them, a short PIN), in the
        side bar above their name: not a banner above the screens (it took the height the
        checkout needs at 1366x768) and not a second window at sign-in (it covered the
        overdue-complaints alert)."""
        self.pin_notice = QFrame()
        self.pin_notice.setObjectName("pinNote")
        box = QVBoxLayout(self.pin_notice)
        box.setContentsMargins(10, 8, 10, 8)
        box.setSpacing(6)
        self.pin_notice_text = QLabel()
        self.pin_notice_text.setObjectName("pinNoteText")
        self.pin_notice_text.setWordWrap(True)
        box.addWidget(self.pin_notice_text)
        row = QHBoxLayout()
        change = QPushButton(_("Change PIN"))
        change.setObjectName("pinNoteButton")
        change.clicked.connect(self._change_pin)
        row.addWidget(change, 1)
        close = QPushButton("✕")
        close.setObjectName("pinNoteButton")
        close.setToolTip(_("Hide"))
        close.setFixedWidth(44)
        close.clicked.connect(self.pin_notice.hide)
        row.addWidget(close)
        box.addLayout(row)
        self.pin_notice.hide()
        return self.pin_notice

    def _change_pin(self) -> None:
        self.pin_notice.hide()
        self.navigate("settings", tab="staff")

    def show_pin_notice(self, text: str) -> None:
        self.pin_notice_text.setText(text)
        self.pin_notice.setVisible(bool(text))

    def _shop_changed(self, brand: QLabel) -> None:
        shop = self.ctx.services.shop
        self.ctx.runner.run(
            self,
            shop.info,
            on_done=lambda info: self._show_shop(brand, info),
            on_error=lambda exc: log.warning("could not read the shop's details: %s", exc),
        )

    def _show_shop(self, brand: QLabel, info: ShopInfo) -> None:
        from desk_app import i18n

        self.ctx.shop = info
        brand.setText(self.ctx.shop.name)
        i18n.set_currency(self.ctx.shop.currency)
        i18n.set_timezone(self.ctx.shop.timezone)

    # ------------------------------------------------------------------ customer display
    def apply_desk(self) -> None:
        """This desk's customer display: made (on its screen) when it is on, closed when it is off;
        the checkout talks to ``ctx.display`` either way."""
        desk = self.ctx.desk
        feed = self._display
        if feed is not None and desk.customer_display and feed.on_screen and feed.window.screen_index == desk.display_screen:
            return
        self.close_display()
        if desk.customer_display:
            self._display = DisplayFeed(self.ctx, self)
            self.ctx.display = self._display

    def close_display(self) -> None:
        """No customer display any more (turned off, or this main area is being replaced)."""
        if self._display is not None:
            self._display.close()
            self._display.deleteLater()
            self._display = None
        self.ctx.display = NoDisplay()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt's name
        """Locked or switching user: the client's screen shows the shop's welcome, not the bill."""
        super().hideEvent(event)
        if not event.spontaneous():
            self.ctx.display.idle()

    # ------------------------------------------------------------------ actor
    def apply_actor(self) -> None:
        actor = self.ctx.actor
        for item in NAV:
            self.nav_buttons[item.name].setVisible(self._allowed(item.name))
        if actor is not None:
            self.user_label.setText(actor.name)
            self.role_label.setText(role_label(actor.role.value))
            branches = self.ctx.services.branches  # with several branches: where this desk works
            self.ctx.runner.run(self, branches.list, on_done=partial(self._show_branch, actor),
                                on_error=lambda _e: None)
        self.refresh_clock()
        if self._current and not self._allowed(self._current):
            self.navigate("today")
        # build the visit screen while the desk is idle after sign-in, so "Walk-in" or
        # "Arrived" opens it without the GUI thread stopping to build its pages
        QTimer.singleShot(250, self, self._warm_up)

    # ------------------------------------------------------------------ time clock
    def refresh_clock(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        svc = self.ctx.services.timeclock
        self.ctx.runner.run(self, lambda: svc.status(actor), on_done=partial(self.show_clock, actor),
                            on_error=lambda e: log.warning("could not read the time clock: %s", e))  # fmt: skip

    def show_clock(self, actor: Actor | None, status: ClockStatus) -> None:
        from ui.trust.timeclock import button_text

        if actor is not None and self.ctx.actor is not actor:
            return  # read for someone who has since switched out
        self.clock_status = status
        self.clock_btn.setText("  " + button_text(status))
        self.clock_btn.setProperty("clocked", status.state)
        self.clock_btn.style().unpolish(self.clock_btn)
        self.clock_btn.style().polish(self.clock_btn)

    def open_clock(self, prompt: bool = False) -> None:
        """The person's clock; read first (on the runner), then shown."""
        actor = self.ctx.actor
        if actor is None:
            return
        svc = self.ctx.services.timeclock
        self.ctx.runner.run(self, lambda: svc.status(actor), on_done=lambda st: self.clock_dialog(actor, st, prompt),
                            on_error=lambda e: show_error(self, e))  # fmt: skip

    def clock_dialog(self, actor: Actor, status: ClockStatus, prompt: bool = False) -> None:
        """The clock, window-modal and opened without blocking (``open()``, like the owner's
        sign-in alerts); it deletes itself when closed."""
        from ui.trust.timeclock import ClockDialog

        if self.ctx.actor is not actor:
            return
        self.show_clock(actor, status)
        dlg = ClockDialog(self.ctx, status, self, prompt=prompt)
        dlg.punched.connect(lambda st: self.show_clock(actor, st))
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.open()

    def _show_branch(self, actor: Actor, rows: list[BranchView]) -> None:
        """"Stylist · Lotus East" under the name when the shop has more than one branch."""
        if self.ctx.actor is not actor or len(rows) < 2:
            return
        here = next((b.name for b in rows if b.id == actor.branch_id), "")
        if here:
            self.role_label.setText(f"{role_label(actor.role.value)} · {here}")

    def _warm_up(self) -> None:
        if self.ctx.actor is None:
            return
        if self._allowed("visit") and "visit" not in self._screens:
            self.screen_widget("visit")

    def _allowed(self, name: str) -> bool:
        actor = self.ctx.actor
        for item in NAV:
            if item.name == name:
                if item.roles and (actor is None or actor.role.value not in item.roles):
                    return False
                return item.perm is None or self.ctx.can(item.perm)
        return True

    def _nav_if_allowed(self, name: str) -> None:
        if self._allowed(name):
            self.navigate(name)

    # ------------------------------------------------------------------ navigation
    def screen_widget(self, name: str) -> QWidget:
        if name not in self._screens:
            widget = self._build(name)
            self._screens[name] = widget
            # Each screen sits in its own scroll area, so one tall screen never forces the whole
            # window past a 1366x768 counter screen; a screen that fits never shows a scroll bar.
            holder = QScrollArea()
            holder.setWidgetResizable(True)
            holder.setFrameShape(QFrame.Shape.NoFrame)
            holder.setWidget(widget)
            self._holders[name] = holder
            self.stack.addWidget(holder)
        return self._screens[name]

    def _check_nav(self, name: str) -> None:
        place = SECTION.get(name, name)  # a screen outside the side bar lights its section's button
        self.nav_group.setExclusive(False)
        for n, b in self.nav_buttons.items():
            b.setChecked(n == place)
        self.nav_group.setExclusive(True)

    def unsaved_changes(self) -> str | None:
        """What the screen on show would lose (for the window's close and sign-out)."""
        current = self._screens.get(self._current) if self._current else None
        return current.unsaved_changes() if isinstance(current, HoldsUnsaved) else None

    def _build(self, name: str) -> QWidget:
        target = ROUTES.get(name)
        if target is None:
            raise KeyError(name)
        module_name, cls_name = target.split(":")
        # a route that does not import is a bug: it fails loudly (tests/ui/test_shell.py builds
        # every route), never a friendly empty page
        cls: Any = getattr(importlib.import_module(module_name), cls_name)
        widget: QWidget = cls(self.ctx)
        widget.setObjectName(widget.objectName() or "screenPage")
        return widget

    def navigate(self, name: str, **params: Any) -> None:
        current = self._screens.get(self._current) if self._current else None
        if current is not None and (name != self._current or params) and not may_leave(current, self):
            self._check_nav(self._current)  # stay: the side bar shows where the person still is
            return
        widget = self.screen_widget(name)
        self.stack.setCurrentWidget(self._holders[name])
        self._current = name
        self._check_nav(name)
        opener = getattr(widget, "open", None)
        if callable(opener):
            opener(**params)
        else:
            refresher = getattr(widget, "refresh", None)
            if callable(refresher):
                refresher()

    def current_screen(self) -> QWidget | None:
        return self._screens.get(self._current)

    @property
    def current(self) -> str:
        return self._current

