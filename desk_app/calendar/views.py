"""Plain frozen dataclasses and errors the calendar service returns and raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from desk_app.core.service import ServiceError
from desk_app.domain.appointment import ACTIVE, INACTIVE, ReminderAnswer, status_label
from desk_app.domain.client import channel_label
from desk_app.domain.slots import Interval
from desk_app.i18n import _, pick

ACTIVE_STATUSES = ACTIVE
INACTIVE_STATUSES = INACTIVE



@dataclass(frozen=True)
class BookingRequest:
    client_id: int | None
    staff_id: int
    start_at: datetime
    service_ids: tuple[int, ...] | list[int]
    duration_min: int | None = None  # None: the catalog durations added up
    resource_id: int | None = None  # None: a free chair/room is picked when a service needs one
    notes: str = ""
    source: str = "desk"
    deposit_minor: int = 0
    buffer_min: int | None = None  # None: the catalog buffer (the largest of the services)
    branch_id: int | None = None  # None: the desk's branch (the actor's), see CalendarCore.book_in
    # the client already booked at an overlapping time (a pedicure while a colour sets is real; a
    # booking made twice by mistake is not): refused with ClientAlreadyBooked unless allowed
    allow_client_overlap: bool = False


@dataclass(frozen=True)
class ServiceOption:
    id: int
    name_zh: str
    name_en: str
    duration_min: int
    buffer_min: int
    resource_kind: str
    return_interval_days: int
    price_minor: int

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)


@dataclass(frozen=True)
class StaffOption:
    id: int
    name: str
    color: str
    role: str


@dataclass(frozen=True)
class ApptService:
    service_id: int
    name_zh: str
    name_en: str
    duration_min: int

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)


@dataclass(frozen=True)
class AppointmentView:
    id: int
    branch_id: int
    client_id: int | None
    client_name: str
    client_number: str
    staff_id: int
    staff_name: str
    resource_id: int | None
    resource_name: str
    start_at: datetime
    end_at: datetime
    block_end_at: datetime
    status: str
    source: str
    notes: str
    services: tuple[ApptService, ...]
    reminder_status: str
    deposit_minor: int
    late_cancel: bool
    cancel_reason: str
    version: int
    client_no_shows: int = 0

    @property
    def service_names(self) -> str:
        return ", ".join(s.name for s in self.services)

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def duration_min(self) -> int:
        return int((self.end_at - self.start_at).total_seconds() // 60)

    @property
    def buffer_min(self) -> int:
        return int((self.block_end_at - self.end_at).total_seconds() // 60)

    @property
    def is_active(self) -> bool:
        return self.status not in INACTIVE_STATUSES


@dataclass(frozen=True)
class FreeSlot:
    staff_id: int
    staff_name: str
    start_at: datetime
    end_at: datetime
    resource_id: int | None = None


@dataclass(frozen=True)
class StaffColumn:
    id: int
    name: str
    color: str
    role: str
    shifts: tuple[Interval, ...]  # working time including breaks
    breaks: tuple[Interval, ...]
    planned: bool = False  # the rota plans this day differently from the standard hours


@dataclass(frozen=True)
class ResourceColumn:
    id: int
    name: str
    kind: str


@dataclass(frozen=True)
class DayView:
    day: date
    timezone: str
    branch_id: int
    bounds: Interval  # the local day in UTC
    display_from: datetime  # first hour drawn (UTC), from the earliest opening
    display_to: datetime
    staff: tuple[StaffColumn, ...]
    resources: tuple[ResourceColumn, ...]
    appointments: tuple[AppointmentView, ...]
    slot_minutes: int

    def for_staff(self, staff_id: int) -> list[AppointmentView]:
        return [a for a in self.appointments if a.staff_id == staff_id]

    def for_resource(self, resource_id: int) -> list[AppointmentView]:
        return [a for a in self.appointments if a.resource_id == resource_id]


@dataclass(frozen=True)
class WeekView:
    staff_id: int
    staff_name: str
    start: date
    days: tuple[DayView, ...]


@dataclass(frozen=True)
class ReminderRow:
    appointment_id: int
    start_at: datetime
    client_id: int | None
    client_name: str
    client_number: str
    channel: str
    contact: str
    staff_name: str
    services: str
    reminder_status: str
    status: str

    @property
    def channel_label(self) -> str:
        return channel_label(self.channel)

    @property
    def reminder_label(self) -> str:
        answer = self.reminder_status
        return ReminderAnswer(answer).label if answer in ReminderAnswer._value2member_map_ else answer


@dataclass(frozen=True)
class WaitlistView:
    id: int
    client_id: int
    client_name: str
    client_number: str
    phone: str
    service_id: int | None
    service_name: str
    staff_id: int | None
    staff_name: str
    window_start: datetime
    window_end: datetime
    notes: str
    status: str
    created_at: datetime


@dataclass(frozen=True)
class NoShowWarning:
    client_id: int
    no_shows: int
    late_cancels: int
    warn: bool
    deposit_required_minor: int
    available_prepaid_minor: int

    @property
    def message(self) -> str:
        if not self.warn:
            return ""
        text = _("This client missed {n} appointments without notice.").format(n=self.no_shows)
        if self.deposit_required_minor:
            text += " " + _("A deposit from the prepaid balance is required to book.")
        return text


@dataclass(frozen=True)
class RebookProposal:
    visit_id: int
    client_id: int | None
    client_name: str
    staff_id: int | None
    staff_name: str
    service_ids: tuple[int, ...]
    service_names: str
    duration_min: int
    interval_days: int
    target_date: date
    same_staff: tuple[FreeSlot, ...]
    other_staff: tuple[FreeSlot, ...]
    already_booked: AppointmentView | None = None


@dataclass(frozen=True)
class RebookingRate:
    paid_visits: int
    rebooked: int

    @property
    def rate(self) -> Decimal:
        if not self.paid_visits:
            return Decimal(0)
        return (Decimal(self.rebooked) / Decimal(self.paid_visits)).quantize(Decimal("0.0001"))


class SlotTaken(ServiceError):
    """The stylist, chair or room is already booked then; ``alternatives`` are the nearest free slots."""

    def __init__(
        self, message: str, alternatives: tuple[FreeSlot, ...] = (), field: str | None = "start_at"
    ) -> None:
        super().__init__(message, field)
        self.alternatives = alternatives


class ClientAlreadyBooked(ServiceError):
    """The client has another booking at an overlapping time: nothing was written; the desk books
    again with ``allow_client_overlap`` when both are wanted."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "start_at")


@dataclass(frozen=True)
class _Blocked:
    """Internal: what collided (raised inside a unit of work, turned into SlotTaken outside it)."""

    staff_id: int
    start: datetime
    duration_min: int
    buffer_min: int
    resource_kind: str
    branch_id: int
    exclude_id: int | None = None
    what: str = "staff"  # staff | resource
    extra: dict[str, str] = field(default_factory=dict)
