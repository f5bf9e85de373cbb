"""Every screen the main window can show, by name, imported when first opened.

``NAV`` entries appear in the side bar (in this order) for roles that may use
them; ``ROUTES`` are all screens ``ctx.navigate(name, **params)`` can open.
Each value is "module:Class"; the class is built as ``Class(ctx)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from desk_app.domain.permissions import Perm
from desk_app.i18n import N_


@dataclass(frozen=True)
class NavItem:
    name: str
    label: str  # N_() marked; translated when shown
    icon: str  # resources/icons/<icon>.svg
    shortcut: str  # e.g. "F1"
    perm: Perm | None = None
    roles: tuple[str, ...] = ()  # when set, only these roles see it (e.g. My clients: who serves)


NAV: list[NavItem] = [
    NavItem("today", N_("Today"), "home", "F1"),
    NavItem("my_clients", N_("My clients"), "scissors", "F2", Perm.SERVICE_LOG, ("stylist", "owner")),
    NavItem("clients", N_("Clients"), "users", "F3", Perm.CLIENT_VIEW),
    NavItem("calendar", N_("Calendar"), "calendar", "F4", Perm.BOOK),
    NavItem("followups", N_("Follow-ups"), "phone", "F5", Perm.FOLLOWUP),
    NavItem("cash", N_("Cash drawer"), "cash", "F6", Perm.CASH_DRAWER),
    NavItem("reports", N_("Reports"), "chart", "F7", Perm.REPORTS),
    NavItem("settings", N_("Settings"), "settings", "F8", Perm.SETTINGS),
]

ROUTES: dict[str, str] = {
    "today": "ui.screens.today:TodayScreen",
    "my_clients": "ui.screens.my_clients:MyClientsScreen",
    "clients": "ui.screens.clients:ClientsScreen",
    "client": "ui.screens.client_profile:ClientProfileScreen",
    "visit": "ui.screens.visit:VisitScreen",
    "checkout": "ui.screens.checkout:CheckoutScreen",
    "calendar": "ui.screens.calendar:CalendarScreen",
    "followups": "ui.screens.followups:FollowUpsScreen",
    "cash": "ui.screens.cash_drawer:CashDrawerScreen",
    "reports": "ui.screens.reports:ReportsScreen",
    "settings": "ui.screens.settings:SettingsScreen",
    "audit": "ui.screens.audit:AuditScreen",
}
