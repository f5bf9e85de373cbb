"""The frozen views the messages service hands to screens and commands (never ORM rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class MessageRow:
    """One outbox row as the Messages screen shows it."""

    id: int
    client_id: int
    client_name: str
    client_number: str
    kind: str  # domain.messages.MessageKind
    channel: str  # email|sms
    language: str
    state: str  # domain.messages.MessageState
    due_at: datetime
    planned_at: datetime
    sent_at: datetime | None
    attempts: int
    error_code: str  # channels.base.FailCode value, "" when none
    error: str  # the provider's words
    to_address: str  # masked unless the viewer may see phone numbers
    subject: str
    body: str
    ref_kind: str
    ref_id: int | None
    branch_code: str
    resend_of_id: int | None = None
    can_resend: bool = False  # sent, failed, unsure or cancelled: a new row can be queued
    can_cancel: bool = False  # queued
    can_answer: bool = False  # a sent feedback request whose visit has no answer yet


@dataclass(frozen=True)
class MessageCounts:
    queued: int
    sent: int
    failed: int  # failed + unsure
    cancelled: int


@dataclass(frozen=True)
class TemplateView:
    kind: str
    language: str
    subject: str  # the email's subject ("" allowed for SMS-only shops)
    body: str
    is_default: bool  # no owner wording saved: the app's default
    placeholders: tuple[str, ...]  # the {names} this kind may use


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    sms_parts: int  # how many SMS segments the body takes (70 UCS-2 / 160 GSM-7 characters)


@dataclass(frozen=True)
class ChannelStatus:
    channel: str  # email|sms
    provider: str  # "smtp" | aliyun | tencent | twilio | ""
    ready: bool
    reason: str  # in words, "" when ready


@dataclass(frozen=True)
class RunResult:
    """What one pass of the sender did."""

    planned: int  # rows the planner queued (birthdays, rebook nudges, balances)
    sent: int
    retrying: int  # failed this time, queued again for later
    failed: int  # given up
    cancelled: int  # no longer wanted (booking gone, consent withdrawn)
    deferred: int  # quiet hours
    errors: tuple[str, ...] = field(default=())  # one line per failure, in words


@dataclass(frozen=True)
class SentBrief:
    """What was already sent to a client (the follow-up list shows it)."""

    kind: str
    channel: str
    sent_at: datetime


@dataclass(frozen=True)
class MessageStats:
    """The month's messages, for the owner's monthly report."""

    sent_by_kind: dict[str, int]
    sent_by_channel: dict[str, int]
    failed: int
    appointments_with_reminder: int
    no_shows_with_reminder: int
    appointments_without_reminder: int
    no_shows_without_reminder: int
    day_from: date
    day_to: date
