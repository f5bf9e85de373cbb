"""Settings (owner only): the shop, its catalog, staff, branches, chairs and rooms, questions, rules.

Tabs are built the first time they are opened. Backups, Import and the Audit log are the
trust and clients areas' widgets, shown here. A tab holding typed but unsaved changes is asked
(ui/shared/unsaved.py) before another tab is shown, and through the screen before Settings is left.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from desk_app.domain.permissions import Perm
from desk_app.i18n import _
from ui.context import UiContext
from ui.shared.unsaved import HoldsUnsaved, may_leave
from ui.shared.widgets import EmptyState, PageHeader

log = logging.getLogger(__name__)


def _tabs() -> list[tuple[str, str, Callable[[UiContext], QWidget]]]:
    from ui.settings import catalog as sc
    from ui.settings.backup import BackupPanel
    from ui.settings.branches import BranchesPanel
    from ui.settings.commission import CommissionPanel
    from ui.settings.desk import ThisDeskPanel
    from ui.settings.opening_import import ImportArea
    from ui.settings.safety import SafetyPanel
    from ui.settings.shop import RulesPanel, ShopDetailsPanel
    from ui.settings.staff import StaffPanel
    from ui.trust.audit import AuditScreen

    return [
        # short names: fifteen tabs fit beside the side bar at 1366 px in both languages
        ("shop", _("Shop"), ShopDetailsPanel),
        ("services", _("Services"), sc.services_editor),
        ("categories", _("Categories"), sc.categories_editor),
        ("products", _("Products"), sc.products_editor),
        ("packages", _("Packages"), sc.packages_editor),
        ("staff", _("Staff"), StaffPanel),
        ("commission", _("Pay"), CommissionPanel),  # commission rates (a short name: sixteen tabs fit)
        ("branches", _("Branches"), BranchesPanel),
        ("resources", _("Rooms"), sc.resources_editor),
        ("questions", _("Questions"), sc.QuestionsEditor),
        ("safety", _("Safety"), SafetyPanel),
        ("rules", _("Standards"), RulesPanel),
        ("desk", _("This desk"), ThisDeskPanel),
        ("backups", _("Backups"), BackupPanel),
        ("import", _("Import"), ImportArea),
        ("audit", _("Audit log"), AuditScreen),
    ]


class SettingsScreen(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.setObjectName("screenPage")
        self.ctx = ctx
        root = QVBoxLayout(self)
        root.setContentsMargins(24, 20, 24, 20)
        root.setSpacing(12)
        self.header = PageHeader(
            _("Settings"), _("Set up the shop: what you sell, who works here and the rules.")
        )
        root.addWidget(self.header)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("settingsTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.setUsesScrollButtons(True)
        root.addWidget(self.tabs, 1)
        self.denied = EmptyState(
            "lock",
            _("Only the owner changes settings"),
            _("Ask the owner to sign in (Switch user) to change the shop's setup."),
        )
        root.addWidget(self.denied)
        self._specs = _tabs()
        self._built: dict[str, QWidget] = {}
        self._holders: dict[str, QVBoxLayout] = {}
        for key, title, _build in self._specs:
            holder = QWidget()
            hl = QVBoxLayout(holder)
            hl.setContentsMargins(0, 12, 0, 0)
            self._holders[key] = hl
            self.tabs.addTab(holder, title)
        self._index = self.tabs.currentIndex()
        self.tabs.currentChanged.connect(self._tab_changed)
        ctx.signals.actor_changed.connect(self.refresh)
        self.refresh()

    def _current_tab(self) -> QWidget | None:
        if self._index < 0:
            return None
        return self._built.get(self._specs[self._index][0])

    def _tab_changed(self, index: int) -> None:
        old = self._current_tab()
        if index != self._index and isinstance(old, HoldsUnsaved) and old.unsaved_changes():
            # show the tab being edited while the person answers; stay there on "Keep editing"
            self._show_index(self._index)
            if not may_leave(old, self):
                return
            self._show_index(index)
        self._index = index
        self._ensure(index)

    def _show_index(self, index: int) -> None:
        self.tabs.blockSignals(True)
        self.tabs.setCurrentIndex(index)
        self.tabs.blockSignals(False)

    def unsaved_changes(self) -> str | None:
        """The guard's question for the whole screen: the tab on show (only it can hold edits,
        since leaving a tab asks)."""
        tab = self._current_tab()
        return tab.unsaved_changes() if isinstance(tab, HoldsUnsaved) else None

    def discard_changes(self) -> None:
        discard = getattr(self._current_tab(), "discard_changes", None)
        if callable(discard):
            discard()

    def _ensure(self, index: int) -> None:
        if not self.ctx.can(Perm.SETTINGS) or index < 0:
            return
        key, _title, build = self._specs[index]
        if key in self._built:
            return
        try:
            widget = build(self.ctx)
        except Exception as exc:  # one broken tab must not take Settings down
            log.exception("settings tab %s failed", key, exc_info=exc)
            widget = QLabel(_("This part of Settings could not be opened. Details are in the log."))
            widget.setObjectName("muted")
        self._built[key] = widget
        self._holders[key].addWidget(widget, 1)

    def tab(self, key: str) -> QWidget:
        """Show a tab by key ("services", "staff"...) and return its content."""
        index = [k for k, _t, _b in self._specs].index(key)
        self.tabs.setCurrentIndex(index)
        if self.tabs.currentIndex() != index:  # unsaved edits on the tab on show: the person stayed
            key = self._specs[self.tabs.currentIndex()][0]
        else:
            self._ensure(index)
        return self._built[key]

    def refresh(self) -> None:
        allowed = self.ctx.can(Perm.SETTINGS)
        self.tabs.setVisible(allowed)
        self.denied.setVisible(not allowed)
        if allowed:
            self._ensure(self.tabs.currentIndex())

    def open(self, tab: str | None = None, **_kw: Any) -> None:
        self.refresh()
        if tab and self.ctx.can(Perm.SETTINGS):
            self.tab(tab)
