"""Settings (owner only): the shop, its catalog, staff, branches, chairs and rooms, questions, rules.

Tabs are built the first time they are opened. Backups, Import and the Audit log are the
trust and clients areas' widgets, shown here. A tab holding typed but unsaved changes is asked
(ui/shared/unsaved.py) before another tab is shown, and through the screen before Settings is left.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QVBoxLayout, QWidget

from desk_app.domain.permissions import Perm
from desk_app.i18n import _
from ui.context import UiContext
from ui.settings.subtabs import SubTabs
from ui.shared.widgets import EmptyState, PageHeader

SUB_TABS = {"categories": "services", "suppliers": "products"}  # a part's key -> the Settings tab that holds it


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
        # short names: every tab fits beside the side bar at 1366 px in both languages (the services'
        # categories are a tab inside Services: SUB_TABS)
        ("shop", _("Shop"), ShopDetailsPanel),
        ("services", _("Services"), lambda ctx: SubTabs(ctx, [
            ("services", _("Services"), sc.services_editor),
            ("categories", _("Categories"), sc.categories_editor),
        ])),
        ("products", _("Products"), lambda ctx: SubTabs(ctx, [
            ("products", _("Products"), sc.products_editor),
            ("suppliers", _("Suppliers"), sc.suppliers_editor),
        ])),
        ("packages", _("Packages"), sc.packages_editor),
        ("rewards", _("Rewards"), sc.rewards_editor),
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
        self.parts = SubTabs(ctx, _tabs(), name="settingsTabs", top_margin=12,
                             may_build=lambda: ctx.can(Perm.SETTINGS))
        self.tabs = self.parts.tabs
        root.addWidget(self.parts, 1)
        self.denied = EmptyState(
            "lock",
            _("Only the owner changes settings"),
            _("Ask the owner to sign in (Switch user) to change the shop's setup."),
        )
        root.addWidget(self.denied)
        ctx.signals.actor_changed.connect(self.refresh)
        self.refresh()

    def unsaved_changes(self) -> str | None:
        """The guard's question for the whole screen: the tab on show (only it can hold edits,
        since leaving a tab asks)."""
        return self.parts.unsaved_changes()

    def discard_changes(self) -> None:
        self.parts.discard_changes()

    def tab(self, key: str) -> QWidget:
        """Show a tab by key ("services", "categories", "staff"...) and return its content (a part of
        a tab holding parts: that part)."""
        top = SUB_TABS.get(key, key)
        shown = self.parts.part(top)
        if isinstance(shown, SubTabs) and self.parts.current_key() == top and key in shown.keys():
            return shown.part(key)
        return shown

    def refresh(self) -> None:
        allowed = self.ctx.can(Perm.SETTINGS)
        self.parts.setVisible(allowed)
        self.denied.setVisible(not allowed)
        if allowed:
            self.parts.ensure_current()

    def open(self, tab: str | None = None, **_kw: Any) -> None:
        self.refresh()
        if tab and self.ctx.can(Perm.SETTINGS):
            self.tab(tab)
