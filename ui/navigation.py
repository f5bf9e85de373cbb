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
    NavItem("messages", N_("Messages"), "message", "F10", Perm.FOLLOWUP),
    NavItem("cash", N_("Cash drawer"), "cash", "F6", Perm.CASH_DRAWER),
    NavItem("stock", N_("Stock"), "box", "F11", Perm.STOCK),
    NavItem("reports", N_("Reports"), "chart", "F7", Perm.REPORTS),
    NavItem("settings", N_("Settings"), "settings", "F8", Perm.SETTINGS),
]

ROUTES: dict[str, str] = {
    "today": "ui.today.screen:TodayScreen",
    "my_clients": "ui.visits.my_clients:MyClientsScreen",
    "clients": "ui.clients.screen:ClientsScreen",
    "client": "ui.clients.profile:ClientProfileScreen",
    "duplicates": "ui.clients.duplicates:DuplicatesScreen",
    "visit": "ui.visits.screen:VisitScreen",
    "checkout": "ui.checkout.screen:CheckoutScreen",
    "calendar": "ui.calendar.screen:CalendarScreen",
    "followups": "ui.aftercare.screen:FollowUpsScreen",
    "messages": "ui.messages.screen:MessagesScreen",
    "cash": "ui.checkout.cash_drawer:CashDrawerScreen",
    "stock": "ui.stock.screen:StockScreen",
    "reports": "ui.reports.screen:ReportsScreen",
    "settings": "ui.settings.screen:SettingsScreen",
    "audit": "ui.trust.audit:AuditScreen",
}


# the side bar's place for a screen that is not in it: a client's profile is in Clients, a visit
# and a sale are the counter's day (Today), the audit log is in Settings. Without it no button was
# lit on a profile, and after "Keep editing" the side bar showed no place at all.
SECTION: dict[str, str] = {
    "client": "clients", "duplicates": "clients", "visit": "today", "checkout": "today", "audit": "settings",
}


