"""The plain, frozen views the after-care service hands to screens (never ORM rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from desk_app.domain.aftercare import FollowUpState


@dataclass(frozen=True)
class FollowUpView:
    id: int
    visit_id: int
    client_id: int | None
    client_name: str
    client_number: str
    phone_masked: str  # masked unless the viewer may see phone numbers
    preferred_channel: str
    services: tuple[str, ...]  # what was done
    served_by: str  # who did it
    visit_at: datetime | None
    due_from: datetime
    due_by: datetime
    status: str  # pending|done|no_answer|call_back|wrong_number|gave_up
    state: FollowUpState  # which list it is in
    attempts: int
    callback_at: datetime | None
    scores: dict[str, int | None] = field(hash=False)
    satisfaction: int | None = None
    comments: str = ""
    called_at: datetime | None = None  # the first call attempt
    called_by: str = ""
    completed_at: datetime | None = None
    segment: str = ""  # the client's value segment (desk_app/domain/segments.py): calls go by it
    segment_why: str = ""  # why the potential is high, in words


@dataclass(frozen=True)
class FollowUpLists:
    due: tuple[FollowUpView, ...]
    overdue: tuple[FollowUpView, ...]
    later: tuple[FollowUpView, ...]  # not due yet, or a call-back planned for later
    done: tuple[FollowUpView, ...]


@dataclass(frozen=True)
class CallResult:
    followup: FollowUpView
    feedback_id: int | None
    complaint_id: int | None  # opened by a low score
    gave_up: bool
    problem_contact_id: int | None = None  # a problem the client raised: to answer within working days


@dataclass(frozen=True)
class ComplaintView:
    id: int
    client_id: int | None
    client_name: str
    visit_id: int | None
    staff_involved: str
    staff_involved_id: int | None
    level: str
    category: str
    severity: str
    source: str
    description: str
    handler_id: int | None
    handler: str
    opened_at: datetime
    first_response_due_at: datetime
    first_response_at: datetime | None
    first_response: str
    status: str
    overdue: bool  # no first response and past the deadline
    resolution: str
    compensation_kind: str
    compensation: Decimal  # in the shop's currency (refund total, voucher/discount amount)
    refund_sale_id: int | None
    redo_appointment_id: int | None
    resolved_at: datetime | None
    closed_at: datetime | None
    resolve_due_at: datetime | None = None
    resolve_overdue: bool = False  # still open past the severity's resolve deadline
    callback_due_at: datetime | None = None  # resolved: when to ask if the client is satisfied
    callback_due: bool = False  # resolved, and the call-back is due now
    callback_at: datetime | None = None
    callback_result: str = ""
    reopened_count: int = 0
    replacement_staff_id: int | None = None  # the remedy "another stylist from now on"
    replacement_staff: str = ""


@dataclass(frozen=True)
class ContactView:
    id: int
    at: datetime
    channel: str
    kind: str
    client_id: int | None
    client_name: str
    caller_name: str
    caller_phone: str  # masked unless the viewer may see phone numbers
    summary: str
    checklist: dict[str, bool] = field(hash=False)
    staff: str = ""
    complaint_id: int | None = None
    reply_due_at: datetime | None = None  # an inquiry or service request: answer by
    replied_at: datetime | None = None
    reply: str = ""
    reply_overdue: bool = False  # not answered and past the deadline
    rings: int | None = None  # a phone call: rings before it was picked up


@dataclass(frozen=True)
class FeedbackView:
    id: int
    client_id: int | None
    client_name: str
    visit_id: int | None
    service: str
    staff: str
    source: str
    score: int | None
    content: str
    at: datetime
    status: str  # pending|handled
    improvement_action: str
    responsible_id: int | None
    responsible: str
    handled_at: datetime | None
    process_due_at: datetime
    overdue: bool  # pending and past the processing deadline
    complaint_id: int | None = None


@dataclass(frozen=True)
class OutreachItem:
    kind: str  # birthday|prepaid_expiry|package_expiry|low_balance|package_low
    client_id: int
    client_name: str
    client_number: str
    channel: str  # the client's preferred channel
    contact: str  # phone (masked unless allowed) or WeChat id / e-mail for those channels
    ref_id: int | None
    due_on: date
    detail: str  # translated, e.g. "Birthday on Fri 20 Nov" or "Balance ¥80.00 expires in 7 days"
    status: str  # open|done
    done_at: datetime | None = None


@dataclass(frozen=True)
class OutreachLists:
    birthdays: tuple[OutreachItem, ...]
    expiring: tuple[OutreachItem, ...]
    low_balance: tuple[OutreachItem, ...]


@dataclass(frozen=True)
class RedoSpec:
    """What to book when a complaint is resolved with a redo."""

    staff_id: int
    start_at: datetime
    service_ids: tuple[int, ...]
    notes: str = ""
    resource_id: int | None = None


@dataclass(frozen=True)
class SaleChoice:
    sale_id: int
    receipt_no: str
    sold_at: datetime
    total: Decimal


@dataclass(frozen=True)
class RedoChoices:
    """What the resolve dialog offers for a redo: who, which service, and the defaults from the visit."""

    staff: tuple[tuple[int, str], ...]
    services: tuple[tuple[int, str, int], ...]  # id, name, minutes
    default_staff_id: int | None
    default_service_id: int | None


@dataclass(frozen=True)
class IncidentView:
    id: int
    happened_at: datetime
    place: str
    step: str
    category: str
    severity: str
    description: str
    client_id: int | None
    client_name: str
    staff_involved: str
    action: str
    action_owner_id: int | None
    action_owner: str
    recheck_on: date
    status: str  # open | closed
    rechecks: int
    recheck_note: str
    recorded_by: str
    closed_at: datetime | None
    recheck_due: bool  # open and the re-check day has come
    recheck_overdue: bool  # open and the re-check day is past
