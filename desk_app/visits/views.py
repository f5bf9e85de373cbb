"""The plain frozen dataclasses the visit service returns, and their labels."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from desk_app.clients.formulas import FormulaView
from desk_app.domain.appointment import status_label as appointment_status_label
from desk_app.domain.pricing import PricedLine
from desk_app.domain.standards import Check
from desk_app.domain.visit import Priority
from desk_app.i18n import N_, _, pick

PRIORITIES: tuple[Priority, ...] = tuple(Priority)

# the questions a new shop starts with that ask what the client wants (catalog_defaults: General's
# "What the client wants", Hair's "Desired result"): one answer with the consultation's own field
# for it ("goals"), so the form asks once (it asked "What the client wants *" and then "Goals *")
WANTS_KEYS = ("request", "desired_result")

_CHECK_LABELS = {
    "greet": N_("Greeted within {limit}"),
    "reception": N_("Reception finished within {limit}"),
    "service_start": N_("Service started within {limit}"),
}
_CHECK_SHORT = {
    "greet": N_("greet late"),
    "reception": N_("reception slow"),
    "service_start": N_("start late"),
}


def check_short_label(check: Check) -> str:
    return _(_CHECK_SHORT.get(check.key, check.key))


def appt_status_label(status: str) -> str:
    return appointment_status_label(status)


def _limit_text(limit: timedelta) -> str:
    secs = int(limit.total_seconds())
    if secs < 120:
        return _("{n} s").format(n=secs)
    return _("{n} min").format(n=secs // 60)


def check_label(check: Check) -> str:
    return _(_CHECK_LABELS.get(check.key, check.key)).format(limit=_limit_text(check.limit))


# ---------------------------------------------------------------- catalog and form data


@dataclass(frozen=True)
class ChoiceOption:
    key: str
    zh: str
    en: str

    @property
    def label(self) -> str:
        return pick(self.zh, self.en)


@dataclass(frozen=True)
class Question:
    key: str
    label_zh: str
    label_en: str
    answer_type: str  # text | choice | multi | yesno
    choices: tuple[ChoiceOption, ...]
    required: bool

    @property
    def label(self) -> str:
        return pick(self.label_zh, self.label_en)


@dataclass(frozen=True)
class MenuService:
    id: int
    name_zh: str
    name_en: str
    category_zh: str
    category_en: str
    consultation_kind: str
    price_minor: int
    duration_min: int
    care_advice_zh: str
    care_advice_en: str

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)

    @property
    def category(self) -> str:
        return pick(self.category_zh, self.category_en)


@dataclass(frozen=True)
class ProductChoice:
    id: int
    name_zh: str
    name_en: str
    price_minor: int
    stock_qty: int
    unit: str
    is_retail: bool
    is_backbar: bool
    usage_zh: str
    usage_en: str

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)


@dataclass(frozen=True)
class StaffChoice:
    id: int
    name: str
    role: str


@dataclass(frozen=True)
class ResourceChoice:
    id: int
    name: str
    kind: str


# ---------------------------------------------------------------- plan and estimate


@dataclass(frozen=True)
class PlanItemIn:
    """One line of the plan as the desk builds it; prices come from the catalog."""

    kind: str  # service | product | fee
    service_id: int | None = None
    product_id: int | None = None
    quantity: int = 1
    suggested_only: bool = False  # a product only suggested: shown apart, not in the estimate
    staff_id: int | None = None
    description: str = ""  # fee only
    unit_price_minor: int | None = None  # fee only


@dataclass(frozen=True)
class EstimateLine:
    kind: str
    plan_item_id: int
    ref_id: int | None
    name_zh: str
    name_en: str
    quantity: int
    unit_price_minor: int
    gross_minor: int
    discount_minor: int
    member_discount_minor: int
    tax_rate_bp: int
    tax_minor: int
    total_minor: int

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)

    @classmethod
    def of(cls, kind: str, plan_item_id: int, names: tuple[str, str], p: PricedLine) -> EstimateLine:
        return cls(
            kind=kind,
            plan_item_id=plan_item_id,
            ref_id=p.line.ref_id,
            name_zh=names[0],
            name_en=names[1],
            quantity=p.line.quantity,
            unit_price_minor=p.line.unit_price_minor,
            gross_minor=p.gross_minor,
            discount_minor=p.discount_minor,
            member_discount_minor=p.member_discount_minor,
            tax_rate_bp=p.tax_rate_bp,
            tax_minor=p.tax_minor,
            total_minor=p.line_total_minor,
        )


@dataclass(frozen=True)
class Estimate:
    visit_id: int
    currency: str
    lines: tuple[EstimateLine, ...]
    suggestions: tuple[EstimateLine, ...]  # suggested products, priced, not in the total
    subtotal_minor: int
    discount_minor: int
    member_discount_minor: int
    tax_minor: int
    total_minor: int
    prices_include_tax: bool
    is_member: bool
    member_percent: Decimal
    duration_min: int
    confirmed_minor: int | None  # what the client confirmed (visits.estimate_minor)
    confirmed_at: datetime | None

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


# ---------------------------------------------------------------- client and visit


@dataclass(frozen=True)
class HistoryEntry:
    visit_id: int
    arrived_at: datetime
    services: tuple[tuple[str, str], ...]  # (zh, en)
    staff_name: str
    spend_minor: int
    satisfaction: int | None
    notes: str

    @property
    def service_names(self) -> str:
        return ", ".join(pick(zh, en) for zh, en in self.services)


@dataclass(frozen=True)
class ClientSummary:
    id: int
    client_number: str
    name: str
    phone: str
    allergies: str
    contraindications: str
    skin_type: str
    hair_type: str
    preferences: tuple[str, ...]
    membership_tier: str
    visit_count: int
    first_visit_at: datetime | None
    last_visit_at: datetime | None
    notes: str
    favourite_staff_name: str
    history: tuple[HistoryEntry, ...]
    last_formula: FormulaView | None

    @property
    def has_alert(self) -> bool:
        return bool(self.allergies.strip() or self.contraindications.strip())

    @property
    def alert_text(self) -> str:
        """Allergies and contraindications in one line (the banner names them already)."""
        return " · ".join(x.strip() for x in (self.allergies, self.contraindications) if x.strip())


@dataclass(frozen=True)
class AssessmentView:
    kind: str
    answers: dict[str, Any]
    goals: str
    expectations: str
    priority: str
    skin_type: str
    hair_type: str
    allergies: str
    contraindications: str
    created_at: datetime
    by_name: str


@dataclass(frozen=True)
class PlanItemView:
    id: int
    kind: str
    service_id: int | None
    product_id: int | None
    name_zh: str
    name_en: str
    quantity: int
    unit_price_minor: int
    suggested_only: bool
    staff_id: int | None

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)

    def as_input(self) -> PlanItemIn:
        return PlanItemIn(
            kind=self.kind,
            service_id=self.service_id,
            product_id=self.product_id,
            quantity=self.quantity,
            suggested_only=self.suggested_only,
            staff_id=self.staff_id,
            description=self.name_en if self.kind == "fee" else "",
            unit_price_minor=self.unit_price_minor if self.kind == "fee" else None,
        )


@dataclass(frozen=True)
class ServiceLogView:
    id: int
    service_id: int
    name_zh: str
    name_en: str
    staff_name: str
    started_at: datetime | None
    ended_at: datetime | None
    price_minor: int
    notes: str
    problem: str

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)


@dataclass(frozen=True)
class ProductUsedView:
    product_id: int
    name_zh: str
    name_en: str
    quantity: int
    unit: str
    at: datetime
    staff_name: str

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)


@dataclass(frozen=True)
class CareAdvice:
    service_id: int
    name_zh: str
    name_en: str
    advice_zh: str
    advice_en: str

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)

    @property
    def advice(self) -> str:
        return pick(self.advice_zh, self.advice_en)


@dataclass(frozen=True)
class VisitEventView:
    at: datetime
    from_step: str
    to_step: str
    action: str
    reason: str
    staff_name: str


@dataclass(frozen=True)
class VisitView:
    id: int
    kind: str
    step: str
    status: str
    client: ClientSummary | None
    appointment_id: int | None
    booked_start_at: datetime | None
    arrived_at: datetime
    greeted_at: datetime | None
    assessed_at: datetime | None
    service_started_at: datetime | None
    service_ended_at: datetime | None
    paid_at: datetime | None
    rebooked_at: datetime | None
    left_at: datetime | None
    staff_id: int | None
    staff_name: str
    resource_id: int | None
    resource_name: str
    is_new_client: bool
    consultation_kind: str
    assessment: AssessmentView | None
    plan: tuple[PlanItemView, ...]
    estimate: Estimate
    estimate_confirmed_by_name: str
    service_logs: tuple[ServiceLogView, ...]
    products_used: tuple[ProductUsedView, ...]
    formulas: tuple[FormulaView, ...]  # every version, oldest first
    care_advice: tuple[CareAdvice, ...]
    skipped_steps: dict[str, str]
    notes: str
    problem: str
    checks: tuple[Check, ...]
    events: tuple[VisitEventView, ...] = field(default=())
    next_appointment_at: datetime | None = None  # the visit booked at rebooking
    next_appointment_staff: str = ""

    @property
    def breached(self) -> bool:
        return any(c.met is False for c in self.checks)

    @property
    def client_name(self) -> str:
        return self.client.name if self.client else _("Walk-in client")

    @property
    def current_formulas(self) -> tuple[FormulaView, ...]:
        return tuple(f for f in self.formulas if f.is_current)


# ---------------------------------------------------------------- Today and My clients


@dataclass(frozen=True)
class TodayAppointment:
    id: int
    start_at: datetime
    end_at: datetime
    client_id: int | None
    client_name: str
    staff_id: int
    staff_name: str
    services: tuple[tuple[str, str], ...]
    status: str  # booked | arrived | in_service | done | no_show | cancelled
    visit_id: int | None
    visit_step: str | None
    has_alert: bool
    branch_code: str = ""  # set when the list covers every branch of a shop with several

    @property
    def service_names(self) -> str:
        return ", ".join(pick(zh, en) for zh, en in self.services)


@dataclass(frozen=True)
class OpenVisitRow:
    visit_id: int
    kind: str
    client_id: int | None
    client_name: str
    step: str
    status: str  # waiting | in_service | delayed | done
    staff_id: int | None
    staff_name: str
    arrived_at: datetime
    booked_start_at: datetime | None
    waited: timedelta  # arrival to service start (or to now while waiting)
    checks: tuple[Check, ...]
    has_alert: bool
    alert_text: str
    branch_code: str = ""  # set when the list covers every branch of a shop with several

    @property
    def breached(self) -> bool:
        return any(c.met is False for c in self.checks)

    @property
    def breaches(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.met is False)


@dataclass(frozen=True)
class TodayView:
    now: datetime
    appointments: tuple[TodayAppointment, ...]
    walk_ins: tuple[OpenVisitRow, ...]  # walk-ins not yet in service
    in_progress: tuple[OpenVisitRow, ...]  # every open visit
    done_today: int

    @property
    def breaches(self) -> int:
        return sum(1 for r in self.in_progress if r.breached)


@dataclass(frozen=True)
class MyVisit:
    row: OpenVisitRow
    client: ClientSummary | None
    plan: tuple[PlanItemView, ...]
    assessment_goals: str
