"""The plain frozen dataclasses the client services return to the screens, and the profile form's label tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from desk_app.clients.points import PointsCard
from desk_app.domain.client import CHANNEL_LABELS
from desk_app.i18n import N_, _

CHANNELS: dict[str, str] = {str(k): v for k, v in CHANNEL_LABELS.items()}  # the profile form's choice
GENDERS: dict[str, str] = {
    "": N_("Not given"),
    "female": N_("Female"),
    "male": N_("Male"),
    "other": N_("Other"),
}
SKIN_TYPES: dict[str, str] = {
    "": N_("Not known"),
    "dry": N_("Dry"),
    "oily": N_("Oily"),
    "combination": N_("Combination"),
    "normal": N_("Normal"),
    "sensitive": N_("Sensitive"),
}
LANGUAGES: dict[str, str] = {"": N_("Shop default"), "zh_CN": "简体中文", "en": "English"}

# the consents a client gives or withdraws, each stamped (``<kind>_consent_at``) and recorded as a
# ConsentRecord of that kind with who and when; sms/email: may the shop send messages on that
# channel (docs/messages.md, "Consent")
CONSENT_KINDS = ("privacy", "marketing", "sms", "email")
CONSENT_FIELDS = tuple(f"{k}_consent" for k in CONSENT_KINDS)

EDITABLE = (
    "name",
    "phone",
    "email",
    "preferred_channel",
    "wechat_id",
    "birthday",
    "gender",
    "skin_type",
    "hair_type",
    "allergies",
    "contraindications",
    "preferences",
    "favourite_staff_id",
    "language",
    "marketing_consent",
    "privacy_consent",
    "sms_consent",
    "email_consent",
    "notes",
)  # the fields a person may change on the profile form, in the form's order


@dataclass(frozen=True)
class ClientHit:
    """One row of a search result list."""

    id: int
    client_number: str
    name: str
    phone: str  # masked unless the actor may see phones
    membership_tier: str
    has_allergy: bool
    last_visit_at: datetime | None
    prepaid_balance: Decimal | None

    @property
    def is_vip(self) -> bool:
        return self.membership_tier == "vip"


@dataclass(frozen=True)
class DuplicateHit:
    id: int
    client_number: str
    name: str
    phone: str
    birthday: date | None
    reason: str  # "phone" | "name_birthday"


@dataclass(frozen=True)
class ConsentView:
    kind: str
    granted: bool
    at: datetime
    staff_name: str
    note: str


@dataclass(frozen=True)
class FormulaView:
    id: int
    version_no: int
    components: tuple[dict[str, Any], ...]
    notes: str
    author_name: str
    created_at: datetime
    superseded: bool


@dataclass(frozen=True)
class HistoryRecord:
    """A past visit from the shop's old system (imported, for reference: not a sale here)."""

    at: datetime
    description: str
    staff_name: str
    amount: Decimal | None
    source: str


@dataclass(frozen=True)
class VisitRecord:
    visit_id: int
    arrived_at: datetime
    staff_name: str
    step: str
    status: str
    services: tuple[str, ...]
    products: tuple[str, ...]
    formulas: tuple[FormulaView, ...]
    notes: str
    problem: str
    spend: Decimal
    satisfaction: int | None


@dataclass(frozen=True)
class ComplaintRecord:
    id: int
    opened_at: datetime
    category: str
    severity: str
    status: str
    description: str
    resolution: str


@dataclass(frozen=True)
class UpcomingAppointment:
    id: int
    start_at: datetime
    end_at: datetime
    staff_name: str
    services: tuple[str, ...]
    status: str


@dataclass(frozen=True)
class PackageHolding:
    id: int
    name: str
    sessions_total: int
    sessions_used: int
    expires_on: date | None

    @property
    def sessions_left(self) -> int:
        return self.sessions_total - self.sessions_used


@dataclass(frozen=True)
class ClientProfile:
    id: int
    version: int
    client_number: str
    name: str
    phone: str  # full (E.164) when the actor may see phones, masked otherwise
    phone_display: str  # readable: national format or masked
    can_see_phone: bool
    email: str
    preferred_channel: str
    wechat_id: str
    birthday: date | None
    gender: str
    skin_type: str
    hair_type: str
    allergies: str
    contraindications: str
    preferences: tuple[str, ...]
    favourite_staff_id: int | None
    favourite_staff_name: str
    language: str
    marketing_consent: bool
    marketing_consent_at: datetime | None
    privacy_consent: bool
    privacy_consent_at: datetime | None
    sms_consent: bool
    sms_consent_at: datetime | None
    email_consent: bool
    email_consent_at: datetime | None
    consents: tuple[ConsentView, ...]
    notes: str
    first_visit_at: datetime | None
    last_visit_at: datetime | None
    registered_by_name: str
    registered_at: datetime
    membership_tier: str
    member_since: datetime | None
    total_spend: Decimal
    visit_count: int
    no_show_count: int
    currency: str
    prepaid_balance: Decimal
    prepaid_expires_on: date | None
    packages: tuple[PackageHolding, ...]
    upcoming: tuple[UpcomingAppointment, ...]
    visits: tuple[VisitRecord, ...]
    complaints: tuple[ComplaintRecord, ...]
    erased: bool
    owed: Decimal = Decimal(0)  # vouchers/discounts promised on complaints, not used yet
    # merged into another profile of the same person (docs/clients.md): the desk opens that one instead
    merged_into_id: int | None = None
    merged_into_number: str = ""
    history: tuple[HistoryRecord, ...] = ()  # past visits brought over from the old system
    segment: str = ""  # the client value segment (desk_app/domain/segments.py)
    segment_why: str = ""  # why the potential is high, in words
    spend_12m: Decimal = Decimal(0)  # net spend in the last 12 months
    points: PointsCard | None = None  # loyalty points (docs/loyalty.md)

    @property
    def has_allergy(self) -> bool:
        return bool(self.allergies.strip() or self.contraindications.strip())

    @property
    def is_vip(self) -> bool:
        return self.membership_tier == "vip"

    def field_values(self) -> dict[str, Any]:
        """The editable fields, as ``update`` takes them."""
        return {k: getattr(self, k) for k in EDITABLE}


def allergy_banner_text(allergies: str, contraindications: str) -> str:
    """The text after the banner's own "Allergies / contraindications:" heading."""
    a, c = allergies.strip(), contraindications.strip()
    if a and c:
        return a + "  ·  " + _("contraindications: {text}").format(text=c)
    return a or c
