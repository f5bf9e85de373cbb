"""Roles and what each may do (docs/product.md §7). Enforced in the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from desk_app.i18n import N_, _


class Role(StrEnum):
    RECEPTIONIST = "receptionist"
    STYLIST = "stylist"
    OWNER = "owner"


ROLE_WORDS = {"owner": N_("Owner"), "receptionist": N_("Receptionist"), "stylist": N_("Stylist")}


def role_label(role: str) -> str:
    """A role in words, as the side bar, the sign-in tiles, the staff list and the rota show it."""
    return _(ROLE_WORDS[role]) if role in ROLE_WORDS else role


class Perm(StrEnum):
    CLIENT_VIEW = "client_view"
    CLIENT_EDIT = "client_edit"
    SEE_PHONE = "see_phone"
    VISIT_RUN = "visit_run"
    SERVICE_LOG = "service_log"
    CHECKOUT = "checkout"
    REFUND = "refund"
    VOID = "void"
    DISCOUNT_ABOVE_LIMIT = "discount_above_limit"
    CASH_DRAWER = "cash_drawer"
    BOOK = "book"
    FOLLOWUP = "followup"
    COMPLAINT_HANDLE = "complaint_handle"
    REPORTS = "reports"
    EXPORT = "export"
    SETTINGS = "settings"
    STAFF_MANAGE = "staff_manage"
    ERASE = "erase"
    AUDIT_VIEW = "audit_view"
    BACKUP = "backup"
    IMPORT = "import"
    PURCHASE = "purchase"  # suppliers, purchase orders, closing a stock count (docs/stock.md)
    STOCK = "stock"  # receive a delivery, count stock
    CLIENT_MERGE = "client_merge"  # possible duplicates: merge two profiles, or say they are two people


ROLE_PERMS: dict[Role, frozenset[Perm]] = {
    Role.OWNER: frozenset(Perm),
    Role.RECEPTIONIST: frozenset(
        {
            Perm.CLIENT_VIEW,
            Perm.CLIENT_EDIT,
            Perm.SEE_PHONE,
            Perm.VISIT_RUN,
            Perm.SERVICE_LOG,
            Perm.CHECKOUT,
            Perm.CASH_DRAWER,
            Perm.BOOK,
            Perm.FOLLOWUP,
            Perm.COMPLAINT_HANDLE,
            Perm.STOCK,
        }
    ),
    Role.STYLIST: frozenset(
        {
            Perm.CLIENT_VIEW,
            Perm.VISIT_RUN,
            Perm.SERVICE_LOG,
            Perm.BOOK,
        }
    ),
}


@dataclass(frozen=True)
class Actor:
    """Who is doing something: the signed-in staff member."""

    staff_id: int
    name: str
    role: Role
    branch_id: int
    overrides: dict[str, bool] = field(default_factory=dict, hash=False, compare=False)
    # how they proved who they are, when not at a desk: "cli" (PIN at a terminal) or "owner_key"
    # (a script's owner key); every audit row they write carries it as "via"
    via: str = field(default="", compare=False)

    def can(self, perm: Perm) -> bool:
        if perm.value in self.overrides:
            return bool(self.overrides[perm.value])
        return perm in ROLE_PERMS[self.role]


def perm_label(perm: Perm) -> str:
    """The right in words (Settings › Staff, refusals), translated."""
    from desk_app.i18n import _

    labels = {
        Perm.CLIENT_VIEW: _("See clients"),
        Perm.CLIENT_EDIT: _("Edit clients"),
        Perm.SEE_PHONE: _("See full phone numbers"),
        Perm.VISIT_RUN: _("Run visits"),
        Perm.SERVICE_LOG: _("Log services"),
        Perm.CHECKOUT: _("Take payments"),
        Perm.REFUND: _("Refund"),
        Perm.VOID: _("Void a sale"),
        Perm.DISCOUNT_ABOVE_LIMIT: _("Discount above the limit"),
        Perm.CASH_DRAWER: _("Cash drawer"),
        Perm.BOOK: _("Book appointments"),
        Perm.FOLLOWUP: _("Follow-up calls"),
        Perm.COMPLAINT_HANDLE: _("Handle complaints"),
        Perm.REPORTS: _("See reports"),
        Perm.EXPORT: _("Export data"),
        Perm.SETTINGS: _("Change settings"),
        Perm.STAFF_MANAGE: _("Manage staff"),
        Perm.ERASE: _("Erase a client"),
        Perm.CLIENT_MERGE: _("Merge clients"),
        Perm.AUDIT_VIEW: _("See the audit log"),
        Perm.BACKUP: _("Back up and restore"),
        Perm.IMPORT: _("Import data"),
        Perm.PURCHASE: _("Order stock"),
        Perm.STOCK: _("Receive and count stock"),
    }
    return labels[perm]


class NotAllowed(PermissionError):
    """Raised by a service when the actor's role does not allow the action."""

    def __init__(self, perm: Perm, actor: Actor) -> None:
        super().__init__(f"{actor.name} ({actor.role}) is not allowed to {perm.value}")
        self.perm = perm
        self.actor = actor


def mask_phone(phone: str) -> str:
    """138****5678 style: keep the first 3 and last 4 digits."""
    digits = [c for c in phone if c.isdigit()]
    if len(digits) <= 4:
        return "*" * len(digits)
    if len(digits) <= 7:
        return "*" * (len(digits) - 4) + "".join(digits[-4:])
    keep_head = 3 if not phone.startswith("+") else 0
    if phone.startswith("+86") and len(digits) == 13:
        digits = digits[2:]
        keep_head = 3
    head = "".join(digits[:keep_head])
    tail = "".join(digits[-4:])
    return head + "*" * (len(digits) - keep_head - 4) + tail
