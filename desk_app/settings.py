"""Every owner setting, declared once: key, type, default, translatable label.

Values live in the ``settings`` table (JSON). ``SettingsStore`` reads and writes
them through a unit of work; an undeclared key is an error (tests check that
every key used in the code is declared here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import select

from desk_app.db.engine import Database
from desk_app.db.models import Setting as SettingRow
from desk_app.domain.appraisal import AppraisalRules
from desk_app.domain.client_filter import parse_segments, segments_json
from desk_app.domain.messages import AUTOMATIC_KINDS
from desk_app.domain.points import PointsRule
from desk_app.domain.segments import SegmentRule, near_vip_minor
from desk_app.domain.standards import Standards, parse_dates
from desk_app.domain.vip import VipRule
from desk_app.i18n import N_, _

T = TypeVar("T")

MESSAGE_KINDS = tuple(k.value for k in AUTOMATIC_KINDS)  # a one-off message to a list is not switched here

MONEY = "money"
PERCENT = "percent"
DATES = "dates"  # a str of YYYY-MM-DD dates, checked and written back in order
# a provider's web address that carries credentials: empty, https://, or http:// to this computer only
ENDPOINT = "endpoint"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
SEGMENTS = "segments"  # a list of named client filters ({"name": ..., "filter": {...}}), checked as such


@dataclass(frozen=True)
class SettingDef(Generic[T]):
    """One setting: read it as ``store.get(S.NAME)``, typed ``T`` for mypy and the reader."""

    key: str
    type: type
    default: T
    label: str  # marked with N_(), translated where shown
    group: str = "general"
    minimum: float | None = None
    maximum: float | None = None
    # what the number means to the person, so the settings screen picks the input from it:
    # MONEY (an ``int`` is minor units, a ``Decimal`` currency units) is typed as "100.50";
    # PERCENT (an ``int`` is basis points, a ``Decimal`` percent) is typed as "6.5 %".
    # Storage never changes: only the input converts.
    kind: str = ""
    # the values allowed: a str setting is one of them, a list setting's items are among them
    choices: tuple[str, ...] = ()


class S:
    """Every owner setting, declared once. Read ``store.get(S.VIP_DISCOUNT_PERCENT)`` (a Decimal).

    A typo fails at import and mypy knows each value's type; no call site casts.
    """

    # VIP (docs/product.md §4)
    VIP_SINGLE_PURCHASE_THRESHOLD = SettingDef("vip.single_purchase_threshold", Decimal, Decimal("3000"), N_("VIP: one purchase of at least"), "membership", 0, kind=MONEY)
    VIP_CUMULATIVE_THRESHOLD = SettingDef("vip.cumulative_threshold", Decimal, Decimal("5000"), N_("VIP: full-price purchases in total of at least"), "membership", 0, kind=MONEY)
    VIP_DISCOUNT_PERCENT = SettingDef("vip.discount_percent", Decimal, Decimal("12"), N_("VIP discount (%)"), "membership", 0, 100, kind=PERCENT)
    # client value segments (docs/service-standard.md, "Client value")
    SEGMENT_HIGH_VALUE = SettingDef("segments.high_value", Decimal, Decimal("3000"), N_("High current value: spent in the last 12 months at least"), "membership", 0, kind=MONEY)
    SEGMENT_NEW_DAYS = SettingDef("segments.new_days", int, 90, N_("High potential: a new client for (days)"), "membership", 1, 3650)
    SEGMENT_NEAR_VIP_PERCENT = SettingDef("segments.near_vip_percent", Decimal, Decimal("80"), N_("High potential: full-price spend of at least (% of the VIP total)"), "membership", 0, 100, kind=PERCENT)
    # time standards (docs/product.md §5)
    STANDARDS_GREET_SECONDS = SettingDef("standards.greet_seconds", int, 30, N_("Greet a client within (seconds)"), "standards", 1)
    STANDARDS_RECEPTION_MINUTES = SettingDef("standards.reception_minutes", int, 10, N_("Finish the first reception within (minutes)"), "standards", 1)
    STANDARDS_HOLIDAYS = SettingDef("standards.holidays", str, "", N_("Public holidays, not working days (e.g. 2027-01-01, 2027-02-17)"), "standards", kind=DATES)
    STANDARDS_LATER_RECEPTION_MINUTES = SettingDef("standards.later_reception_minutes", int, 5, N_("Finish a later reception (a returning client) within (minutes)"), "standards", 1)
    STANDARDS_SERVICE_START_MINUTES = SettingDef("standards.service_start_minutes", int, 15, N_("Start the service within (minutes of the booked time)"), "standards", 1)
    STANDARDS_COMPLAINT_RESPONSE_HOURS = SettingDef("standards.complaint_response_hours", int, 24, N_("Answer a complaint within (hours)"), "standards", 1)
    STANDARDS_COMPLAINT_URGENT_RESPONSE_HOURS = SettingDef("standards.complaint_urgent_response_hours", int, 2, N_("Answer an urgent (high) complaint within (hours)"), "standards", 1)
    STANDARDS_COMPLAINT_RESOLVE_HIGH_HOURS = SettingDef("standards.complaint_resolve_high_hours", int, 24, N_("Resolve a high-severity complaint within (hours)"), "standards", 1)
    STANDARDS_COMPLAINT_RESOLVE_MEDIUM_HOURS = SettingDef("standards.complaint_resolve_medium_hours", int, 72, N_("Resolve a medium-severity complaint within (hours)"), "standards", 1)
    STANDARDS_COMPLAINT_RESOLVE_LOW_HOURS = SettingDef("standards.complaint_resolve_low_hours", int, 168, N_("Resolve a low-severity complaint within (hours)"), "standards", 1)
    STANDARDS_INQUIRY_REPLY_HOURS = SettingDef("standards.inquiry_reply_hours", int, 4, N_("Answer an inquiry within (hours)"), "standards", 1)
    STANDARDS_REQUEST_REPLY_HOURS = SettingDef("standards.request_reply_hours", int, 24, N_("Answer a service request within (hours)"), "standards", 1)
    STANDARDS_CALL_PROBLEM_WORKING_DAYS = SettingDef("standards.call_problem_working_days", int, 5, N_("Reply to a problem raised on a follow-up call within (working days)"), "standards", 1, 30)
    STANDARDS_PHONE_RINGS = SettingDef("standards.phone_rings", int, 3, N_("Pick up the phone within (rings)"), "standards", 1, 20)
    STANDARDS_COMPLAINT_CALLBACK_DAYS = SettingDef("standards.complaint_callback_days", int, 2, N_("Call back after a resolution to ask if the client is satisfied (days)"), "standards", 0)
    STANDARDS_FOLLOWUP_MIN_DAYS = SettingDef("standards.followup_min_days", int, 2, N_("Follow-up call from (days after the visit)"), "standards", 0)
    STANDARDS_FOLLOWUP_MAX_DAYS = SettingDef("standards.followup_max_days", int, 3, N_("Follow-up call by (days after the visit)"), "standards", 0)
    STANDARDS_FEEDBACK_RECORD_HOURS = SettingDef("standards.feedback_record_hours", int, 24, N_("Record feedback within (hours)"), "standards", 1)
    STANDARDS_FEEDBACK_PROCESS_HOURS = SettingDef("standards.feedback_process_hours", int, 72, N_("Process feedback within (hours)"), "standards", 1)
    # visit
    VISIT_REQUIRED_STEPS: SettingDef[list[str]] = SettingDef("visit.required_steps", list, ["greeting", "needs", "service", "checkout"], N_("Steps that cannot be skipped"), "visit")
    # money
    MONEY_PRICES_INCLUDE_TAX = SettingDef("money.prices_include_tax", bool, True, N_("Prices include tax"), "money")
    MONEY_TAX_RATE_SERVICE_BP = SettingDef("money.tax_rate_service_bp", int, 0, N_("Tax rate on services"), "money", 0, 10000, kind=PERCENT)
    MONEY_TAX_RATE_PRODUCT_BP = SettingDef("money.tax_rate_product_bp", int, 0, N_("Tax rate on products"), "money", 0, 10000, kind=PERCENT)
    MONEY_CASH_ROUNDING = SettingDef("money.cash_rounding", Decimal, Decimal("0"), N_("Round cash totals to (0 = no rounding)"), "money", 0, kind=MONEY)
    MONEY_DISCOUNT_LIMIT_PERCENT = SettingDef("money.discount_limit_percent", Decimal, Decimal("20"), N_("Discounts above this percent need the owner's PIN"), "money", 0, 100, kind=PERCENT)
    PREPAID_TOPUP_BONUS_PERCENT = SettingDef("prepaid.topup_bonus_percent", Decimal, Decimal("0"), N_("Bonus on prepaid top-ups (%)"), "money", 0, 100, kind=PERCENT)
    PREPAID_VALIDITY_DAYS = SettingDef("prepaid.validity_days", int, 730, N_("Prepaid balance valid for (days)"), "money", 0)
    VOUCHER_VALIDITY_DAYS = SettingDef("voucher.validity_days", int, 365, N_("Gift vouchers valid for (days, 0 = no end)"), "money", 0, 3650)
    # loyalty points (docs/loyalty.md)
    POINTS_RATE_SERVICE = SettingDef("loyalty.rate_service", Decimal, Decimal("1"), N_("Points earned per 1.00 spent on services (0 = none)"), "loyalty", 0, 100)
    POINTS_RATE_PRODUCT = SettingDef("loyalty.rate_product", Decimal, Decimal("1"), N_("Points earned per 1.00 spent on retail products (0 = none)"), "loyalty", 0, 100)
    POINTS_RATE_PACKAGE = SettingDef("loyalty.rate_package", Decimal, Decimal("1"), N_("Points earned per 1.00 spent on packages (0 = none)"), "loyalty", 0, 100)
    POINTS_CATEGORY_RATES: SettingDef[dict[str, str]] = SettingDef("loyalty.category_rates", dict, {}, N_("Points per 1.00 on a service category of its own (empty: as services)"), "loyalty")
    POINTS_PER_UNIT = SettingDef("loyalty.points_per_unit", int, 100, N_("Points that pay 1.00 (0 = points cannot pay)"), "loyalty", 0, 100000)
    POINTS_LAPSE_DAYS = SettingDef("loyalty.lapse_days", int, 365, N_("Points lapse after this many days with nothing earned or spent (0 = never)"), "loyalty", 0, 3650)
    # calendar
    CALENDAR_SLOT_MINUTES = SettingDef("calendar.slot_minutes", int, 15, N_("Calendar slot length (minutes)"), "calendar", 5, 120)
    CALENDAR_NO_SHOW_GRACE_MINUTES = SettingDef("calendar.no_show_grace_minutes", int, 30, N_("Mark no-show after (minutes late)"), "calendar", 0)
    CALENDAR_LATE_CANCEL_HOURS = SettingDef("calendar.late_cancel_hours", int, 24, N_("A cancellation is late within (hours)"), "calendar", 0)
    CALENDAR_NO_SHOW_WARN_THRESHOLD = SettingDef("calendar.no_show_warn_threshold", int, 2, N_("Warn when a client has this many no-shows"), "calendar", 0)
    CALENDAR_NO_SHOW_DEPOSIT_MINOR = SettingDef("calendar.no_show_deposit_minor", int, 0, N_("Deposit to require above the threshold (0 = none)"), "calendar", 0, kind=MONEY)
    # after care
    SPOTCHECK_PER_KIND = SettingDef("spotcheck.per_kind", int, 3, N_("Spot checks a week, of each kind (visits, calls, complaints)"), "aftercare", 0, 50)
    FOLLOWUP_MAX_ATTEMPTS = SettingDef("followup.max_attempts", int, 3, N_("Follow-up call attempts before giving up"), "aftercare", 1)
    OUTREACH_EXPIRY_REMINDERS_DAYS: SettingDef[list[int]] = SettingDef("outreach.expiry_reminders_days", list, [60, 7, 3], N_("Remind before expiry (days)"), "aftercare")
    OUTREACH_LOW_BALANCE_MINOR = SettingDef("outreach.low_balance_minor", int, 10000, N_("Low prepaid balance below"), "aftercare", 0, kind=MONEY)
    # messages to clients (docs/messages.md): which kinds are sent, when, and the quiet hours
    MESSAGES_KINDS: SettingDef[list[str]] = SettingDef("messages.kinds", list, list(MESSAGE_KINDS), N_("Messages the shop sends"), "messages", choices=MESSAGE_KINDS)
    MESSAGES_REMINDER_HOURS = SettingDef("messages.reminder_hours", int, 24, N_("Send the appointment reminder (hours before)"), "messages", 1, 168)
    MESSAGES_FEEDBACK_DELAY_HOURS = SettingDef("messages.feedback_delay_hours", int, 2, N_("Ask for feedback (hours after the visit is paid)"), "messages", 0, 23)
    MESSAGES_QUIET_START_HOUR = SettingDef("messages.quiet_start_hour", int, 21, N_("Quiet hours start (hour, 0-23)"), "messages", 0, 23)
    MESSAGES_QUIET_END_HOUR = SettingDef("messages.quiet_end_hour", int, 9, N_("Quiet hours end (hour, 0-23; the same as the start = none)"), "messages", 0, 23)
    MESSAGES_MAX_ATTEMPTS = SettingDef("messages.max_attempts", int, 6, N_("Attempts before a message is given up"), "messages", 1, 20)
    # the time clock (docs/payroll.md "Time clock")
    TIMECLOCK_ASK_AT_SIGN_IN = SettingDef("timeclock.ask_at_sign_in", bool, True, N_("Ask staff (not owners) who are not clocked in to clock in when they sign in"), "timeclock")
    # staff appraisal (docs/service-standard.md): the source's example as defaults
    APPRAISAL_WEIGHT_QUALITY = SettingDef("appraisal.weight_quality", int, 50, N_("Weight of service quality (checkout score)"), "appraisal", 0, 100)
    APPRAISAL_WEIGHT_SALES = SettingDef("appraisal.weight_sales", int, 20, N_("Weight of sales against the target"), "appraisal", 0, 100)
    APPRAISAL_WEIGHT_REBOOKING = SettingDef("appraisal.weight_rebooking", int, 20, N_("Weight of rebooking"), "appraisal", 0, 100)
    APPRAISAL_WEIGHT_STANDARDS = SettingDef("appraisal.weight_standards", int, 10, N_("Weight of time standards met"), "appraisal", 0, 100)
    APPRAISAL_COMPLAINT_PENALTY = SettingDef("appraisal.complaint_penalty", int, 5, N_("Points off per complaint"), "appraisal", 0, 100)
    APPRAISAL_PASS_MARK = SettingDef("appraisal.pass_mark", int, 80, N_("Pass mark"), "appraisal", 0, 100)
    APPRAISAL_SALES_TARGET = SettingDef("appraisal.sales_target", Decimal, Decimal("20000"), N_("Monthly sales target per stylist"), "appraisal", 0, kind=MONEY)
    APPRAISAL_PERFORMANCE_SHARE = SettingDef("appraisal.performance_share", Decimal, Decimal("20"), N_("Performance share of pay (% of base pay)"), "appraisal", 0, 100, kind=PERCENT)
    APPRAISAL_BONUS = SettingDef("appraisal.bonus", Decimal, Decimal("5"), N_("Bonus for a pass (% of base pay)"), "appraisal", 0, 100, kind=PERCENT)
    # security
    SECURITY_IDLE_LOCK_MINUTES = SettingDef("security.idle_lock_minutes", int, 5, N_("Lock the screen after idle (minutes)"), "security", 1)
    SECURITY_PIN_MAX_ATTEMPTS = SettingDef("security.pin_max_attempts", int, 5, N_("Wrong PINs before a pause"), "security", 1)
    SECURITY_PIN_LOCK_SECONDS = SettingDef("security.pin_lock_seconds", int, 60, N_("Pause after too many wrong PINs (seconds)"), "security", 1)
    # backups
    BACKUP_FOLDER = SettingDef("backup.folder", str, "", N_("Backup folder"), "backup")
    BACKUP_KEEP = SettingDef("backup.keep", int, 14, N_("Backups to keep"), "backup", 1)
    BACKUP_PG_BIN = SettingDef("backup.pg_bin", str, "", N_("Folder of PostgreSQL's pg_dump (server mode)"), "backup")
    # printing
    PRINTING_RECEIPT_LAYOUT = SettingDef("printing.receipt_layout", str, "80mm", N_("Receipt paper"), "printing")
    PRINTING_ESCPOS_TARGET = SettingDef("printing.escpos_target", str, "", N_("ESC/POS printer (tcp://host:9100 or usb:VID:PID)"), "printing")
    # messages to clients (docs/messages.md, "Channels"): the passwords are in the OS password store, never here
    MESSAGES_EMAIL_HOST = SettingDef("messages.email.host", str, "", N_("Email: mail server (SMTP host)"), "messages")
    MESSAGES_EMAIL_PORT = SettingDef("messages.email.port", int, 587, N_("Email: mail server port"), "messages", 1, 65535)
    MESSAGES_EMAIL_SECURITY = SettingDef("messages.email.security", str, "starttls", N_("Email: connection security (starttls, ssl, or none for a relay on this computer)"), "messages", choices=("starttls", "ssl", "none"))
    MESSAGES_EMAIL_USER = SettingDef("messages.email.user", str, "", N_("Email: sign-in name at the mail server (empty: no sign-in)"), "messages")
    MESSAGES_EMAIL_FROM_ADDRESS = SettingDef("messages.email.from_address", str, "", N_("Email: the shop's address clients see and answer"), "messages")
    MESSAGES_EMAIL_FROM_NAME = SettingDef("messages.email.from_name", str, "", N_("Email: the name clients see as the sender"), "messages")
    MESSAGES_SMS_PROVIDER = SettingDef("messages.sms.provider", str, "", N_("Text messages: provider (aliyun, tencent or twilio; empty: none)"), "messages", choices=("", "aliyun", "tencent", "twilio"))
    MESSAGES_SMS_ACCOUNT = SettingDef("messages.sms.account", str, "", N_("Text messages: account (Aliyun AccessKey ID, Tencent SecretId or Twilio Account SID)"), "messages")
    MESSAGES_SMS_SENDER = SettingDef("messages.sms.sender", str, "", N_("Text messages: sender (Aliyun signature name, Tencent SMS app ID, or Twilio number or Messaging Service SID)"), "messages")
    MESSAGES_SMS_SIGN_NAME = SettingDef("messages.sms.sign_name", str, "", N_("Text messages: Tencent signature name"), "messages")
    MESSAGES_SMS_REGION = SettingDef("messages.sms.region", str, "", N_("Text messages: Tencent region (empty: ap-guangzhou)"), "messages")
    MESSAGES_SMS_ENDPOINT = SettingDef("messages.sms.endpoint", str, "", N_("Text messages: provider address (empty: the provider's own)"), "messages", kind=ENDPOINT)
    MESSAGES_SMS_TEMPLATES: SettingDef[dict[str, str]] = SettingDef("messages.sms.templates", dict, {}, N_("Text messages: the provider's approved template for each kind of message"), "messages")
    # the owner's saved client lists (docs/clients.md, "Lists and segments"): [{"name": ..., "filter": {...}}]
    CLIENTS_SEGMENTS: SettingDef[list[dict[str, Any]]] = SettingDef("clients.segments", list, [], N_("Saved client lists"), "clients", kind=SEGMENTS)
    # demo shop: {staff_id: pin} shown on the sign-in screen of a demo database only
    DEMO_PINS: SettingDef[dict[str, str]] = SettingDef("demo.pins", dict, {}, N_("Demo staff PINs"), "demo")


_DEFS: list[SettingDef[Any]] = [
    S.VIP_SINGLE_PURCHASE_THRESHOLD,
    S.VIP_CUMULATIVE_THRESHOLD,
    S.VIP_DISCOUNT_PERCENT,
    S.SEGMENT_HIGH_VALUE,
    S.SEGMENT_NEW_DAYS,
    S.SEGMENT_NEAR_VIP_PERCENT,
    S.STANDARDS_GREET_SECONDS,
    S.STANDARDS_RECEPTION_MINUTES,
    S.STANDARDS_LATER_RECEPTION_MINUTES,
    S.STANDARDS_HOLIDAYS,
    S.STANDARDS_SERVICE_START_MINUTES,
    S.STANDARDS_COMPLAINT_RESPONSE_HOURS,
    S.STANDARDS_COMPLAINT_URGENT_RESPONSE_HOURS,
    S.STANDARDS_COMPLAINT_RESOLVE_HIGH_HOURS,
    S.STANDARDS_COMPLAINT_RESOLVE_MEDIUM_HOURS,
    S.STANDARDS_COMPLAINT_RESOLVE_LOW_HOURS,
    S.STANDARDS_COMPLAINT_CALLBACK_DAYS,
    S.STANDARDS_INQUIRY_REPLY_HOURS,
    S.STANDARDS_REQUEST_REPLY_HOURS,
    S.STANDARDS_PHONE_RINGS,
    S.STANDARDS_CALL_PROBLEM_WORKING_DAYS,
    S.STANDARDS_FOLLOWUP_MIN_DAYS,
    S.STANDARDS_FOLLOWUP_MAX_DAYS,
    S.STANDARDS_FEEDBACK_RECORD_HOURS,
    S.STANDARDS_FEEDBACK_PROCESS_HOURS,
    S.VISIT_REQUIRED_STEPS,
    S.MONEY_PRICES_INCLUDE_TAX,
    S.MONEY_TAX_RATE_SERVICE_BP,
    S.MONEY_TAX_RATE_PRODUCT_BP,
    S.MONEY_CASH_ROUNDING,
    S.MONEY_DISCOUNT_LIMIT_PERCENT,
    S.PREPAID_TOPUP_BONUS_PERCENT,
    S.PREPAID_VALIDITY_DAYS,
    S.VOUCHER_VALIDITY_DAYS,
    S.POINTS_RATE_SERVICE,
    S.POINTS_RATE_PRODUCT,
    S.POINTS_RATE_PACKAGE,
    S.POINTS_CATEGORY_RATES,
    S.POINTS_PER_UNIT,
    S.POINTS_LAPSE_DAYS,
    S.CALENDAR_SLOT_MINUTES,
    S.CALENDAR_NO_SHOW_GRACE_MINUTES,
    S.CALENDAR_LATE_CANCEL_HOURS,
    S.CALENDAR_NO_SHOW_WARN_THRESHOLD,
    S.CALENDAR_NO_SHOW_DEPOSIT_MINOR,
    S.FOLLOWUP_MAX_ATTEMPTS,
    S.MESSAGES_KINDS,
    S.MESSAGES_REMINDER_HOURS,
    S.MESSAGES_FEEDBACK_DELAY_HOURS,
    S.MESSAGES_QUIET_START_HOUR,
    S.MESSAGES_QUIET_END_HOUR,
    S.MESSAGES_MAX_ATTEMPTS,
    S.SPOTCHECK_PER_KIND,
    S.APPRAISAL_WEIGHT_QUALITY,
    S.APPRAISAL_WEIGHT_SALES,
    S.APPRAISAL_WEIGHT_REBOOKING,
    S.APPRAISAL_WEIGHT_STANDARDS,
    S.APPRAISAL_COMPLAINT_PENALTY,
    S.APPRAISAL_PASS_MARK,
    S.APPRAISAL_SALES_TARGET,
    S.APPRAISAL_PERFORMANCE_SHARE,
    S.APPRAISAL_BONUS,
    S.TIMECLOCK_ASK_AT_SIGN_IN,
    S.OUTREACH_EXPIRY_REMINDERS_DAYS,
    S.OUTREACH_LOW_BALANCE_MINOR,
    S.SECURITY_IDLE_LOCK_MINUTES,
    S.SECURITY_PIN_MAX_ATTEMPTS,
    S.SECURITY_PIN_LOCK_SECONDS,
    S.BACKUP_FOLDER,
    S.BACKUP_KEEP,
    S.BACKUP_PG_BIN,
    S.PRINTING_RECEIPT_LAYOUT,
    S.PRINTING_ESCPOS_TARGET,
    S.MESSAGES_EMAIL_HOST,
    S.MESSAGES_EMAIL_PORT,
    S.MESSAGES_EMAIL_SECURITY,
    S.MESSAGES_EMAIL_USER,
    S.MESSAGES_EMAIL_FROM_ADDRESS,
    S.MESSAGES_EMAIL_FROM_NAME,
    S.MESSAGES_SMS_PROVIDER,
    S.MESSAGES_SMS_ACCOUNT,
    S.MESSAGES_SMS_SENDER,
    S.MESSAGES_SMS_SIGN_NAME,
    S.MESSAGES_SMS_REGION,
    S.MESSAGES_SMS_ENDPOINT,
    S.MESSAGES_SMS_TEMPLATES,
    S.CLIENTS_SEGMENTS,
    S.DEMO_PINS,
]

DEFS: dict[str, SettingDef[Any]] = {d.key: d for d in _DEFS}


class UnknownSetting(KeyError):
    pass


def _encode(d: SettingDef[Any], value: Any) -> Any:
    if d.type is Decimal:
        return str(Decimal(value))
    return d.type(value) if d.type in (int, bool, str) else value


def _decode(d: SettingDef[Any], raw: Any) -> Any:
    if raw is None:
        return d.default
    if d.type is Decimal:
        return Decimal(str(raw))
    if d.type in (int, bool, str):
        return d.type(raw)
    return raw


def validate(key: str, value: Any) -> Any:
    """Return the value coerced to the setting's type or raise ValueError with a reason."""
    d = definition(key)
    try:
        if d.type is Decimal:
            v: Any = Decimal(str(value))
        elif d.type is bool:
            v = bool(value)
        elif d.type is int:
            v = int(value)
        elif d.type is list:
            v = list(value)
        elif d.type is dict:
            v = dict(value)
        else:
            v = str(value)
    except Exception as exc:
        raise ValueError(f"{key}: {value!r} is not a valid {d.type.__name__}") from exc
    if d.key == "loyalty.category_rates":
        rates: dict[str, str] = {}
        for code, rate in v.items():
            try:
                r = Decimal(str(rate).strip())
            except ArithmeticError:
                r = Decimal(-1)
            if not (0 <= r <= 100):
                why = _("Points per 1.00 for {category} must be a number from 0 to 100.")
                raise ValueError(f"{key}: " + why.format(category=code))
            rates[str(code)] = str(r)
        v = rates
    if d.kind == SEGMENTS:
        try:
            v = segments_json(parse_segments(v))
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from None
    if d.kind == DATES:
        try:
            v = ", ".join(x.isoformat() for x in parse_dates(str(v)))
        except ValueError as exc:
            why = _("Write the dates as YYYY-MM-DD with commas between (e.g. 2027-01-01, 2027-02-17): {bad} is not one.")
            raise ValueError(f"{key}: " + why.format(bad=str(exc))) from None
    if d.kind == ENDPOINT and str(v).strip():
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(str(v).strip())
            host = parts.hostname or ""
        except ValueError:
            parts, host = None, ""
        if parts is None or not (
            (parts.scheme == "https" and host) or (parts.scheme == "http" and host in LOOPBACK)
        ):
            why = _("the provider's address must start with https:// (http:// only to this computer): {url}")
            raise ValueError(f"{key}: " + why.format(url=str(v).strip()))
    if d.choices:
        if d.type is list:
            bad = [x for x in v if str(x) not in d.choices]
            if bad:
                raise ValueError(f"{key}: {', '.join(map(str, bad))} is not one of {', '.join(d.choices)}")
            v = [str(x) for x in v]
        else:
            v = v.strip().lower()
            if v not in d.choices:
                allowed = ", ".join(repr(c) for c in d.choices)
                why = _("{value} is not one of: {allowed}")
                raise ValueError(f"{key}: " + why.format(value=repr(v), allowed=allowed))
    if d.minimum is not None and d.type in (int, Decimal) and v < d.minimum:
        raise ValueError(f"{key}: must be at least {_bound(d, d.minimum)}")
    if d.maximum is not None and d.type in (int, Decimal) and v > d.maximum:
        raise ValueError(f"{key}: must be at most {_bound(d, d.maximum)}")
    return v


def _bound(d: SettingDef[Any], n: float | Decimal) -> str:
    """A limit as the value is typed: a percentage kept in basis points (10000) is written 100 %."""
    if d.kind == PERCENT:
        pct = Decimal(str(n)).scaleb(-2) if d.type is int else Decimal(str(n))
        return f"{pct.normalize():f} %"
    return str(n)


def definition(key: str) -> SettingDef[Any]:
    try:
        return DEFS[key]
    except KeyError:
        raise UnknownSetting(key) from None


class SettingsStore:
    """Typed access to the settings table. Cheap: values cached per store."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: dict[str, Any] | None = None

    def _load(self) -> dict[str, Any]:
        if self._cache is None:
            with self.db.uow(write=False) as uow:
                rows = uow.session.execute(select(SettingRow.key, SettingRow.value)).all()
            self._cache = {k: v for k, v in rows}
        return self._cache

    def refresh(self) -> None:
        self._cache = None

    def get(self, setting: SettingDef[T]) -> T:
        value: T = _decode(setting, self._load().get(setting.key))
        return value

    def set(self, setting: SettingDef[T], value: object, staff_id: int | None = None) -> T:
        """Check ``value`` against the setting's type and range (ValueError), then store it."""
        stored: T = self.set_key(setting.key, value, staff_id)
        return stored

    def get_key(self, key: str) -> object:
        """A setting by its key, for the settings editor that lists them all (UnknownSetting if none)."""
        d = definition(key)
        value: object = _decode(d, self._load().get(key))
        return value

    def set_key(self, key: str, value: object, staff_id: int | None = None) -> Any:
        d = definition(key)
        v = validate(key, value)
        with self.db.uow() as uow:
            row = uow.session.get(SettingRow, key)
            if row is None:
                uow.session.add(SettingRow(key=key, value=_encode(d, v), updated_by_id=staff_id))
            else:
                row.value = _encode(d, v)
                row.updated_at = self.db.clock()
                row.updated_by_id = staff_id
            uow.commit()
        self.refresh()
        return v

    def all(self) -> dict[str, object]:
        return {k: self.get_key(k) for k in DEFS}

    # typed views ------------------------------------------------------------
    def vip_rule(self) -> VipRule:
        return VipRule(
            single_purchase_threshold=self.get(S.VIP_SINGLE_PURCHASE_THRESHOLD),
            cumulative_threshold=self.get(S.VIP_CUMULATIVE_THRESHOLD),
            discount_percent=self.get(S.VIP_DISCOUNT_PERCENT),
        )

    def points_rule(self, categories: Mapping[str, int] | None = None) -> PointsRule:
        """The owner's loyalty points rule; ``categories``: service category code -> id, for the
        categories' own rates (a code no longer in the catalog is left out)."""
        own = self.get(S.POINTS_CATEGORY_RATES)
        return PointsRule(
            service_rate=self.get(S.POINTS_RATE_SERVICE),
            product_rate=self.get(S.POINTS_RATE_PRODUCT),
            package_rate=self.get(S.POINTS_RATE_PACKAGE),
            category_rates={categories[c]: Decimal(r) for c, r in own.items() if categories and c in categories},
            points_per_unit=self.get(S.POINTS_PER_UNIT),
            lapse_days=self.get(S.POINTS_LAPSE_DAYS),
        )

    def holidays(self) -> frozenset[date]:
        """The shop's public holidays: not working days for the working-day deadlines."""
        try:
            return frozenset(parse_dates(self.get(S.STANDARDS_HOLIDAYS)))
        except ValueError:  # stored before the check: the good ones count
            return frozenset()

    def segment_rule(self, currency: str) -> SegmentRule:
        """The client value rule, amounts in minor units of ``currency``."""
        from desk_app.domain.money import Money

        cumulative = Money.of(self.get(S.VIP_CUMULATIVE_THRESHOLD), currency).minor
        return SegmentRule(
            high_value_minor=Money.of(self.get(S.SEGMENT_HIGH_VALUE), currency).minor,
            new_days=self.get(S.SEGMENT_NEW_DAYS),
            near_vip_minor=near_vip_minor(cumulative, self.get(S.SEGMENT_NEAR_VIP_PERCENT)),
        )

    def appraisal_rules(self) -> AppraisalRules:
        return AppraisalRules(
            weight_quality=self.get(S.APPRAISAL_WEIGHT_QUALITY),
            weight_sales=self.get(S.APPRAISAL_WEIGHT_SALES),
            weight_rebooking=self.get(S.APPRAISAL_WEIGHT_REBOOKING),
            weight_standards=self.get(S.APPRAISAL_WEIGHT_STANDARDS),
            complaint_penalty=self.get(S.APPRAISAL_COMPLAINT_PENALTY),
            pass_mark=self.get(S.APPRAISAL_PASS_MARK),
            sales_target=self.get(S.APPRAISAL_SALES_TARGET),
            performance_share_percent=self.get(S.APPRAISAL_PERFORMANCE_SHARE),
            bonus_percent=self.get(S.APPRAISAL_BONUS),
        )

    def standards(self) -> Standards:
        return Standards(
            greet_within=timedelta(seconds=self.get(S.STANDARDS_GREET_SECONDS)),
            reception_within=timedelta(minutes=self.get(S.STANDARDS_RECEPTION_MINUTES)),
            later_reception_within=timedelta(minutes=self.get(S.STANDARDS_LATER_RECEPTION_MINUTES)),
            service_start_within=timedelta(minutes=self.get(S.STANDARDS_SERVICE_START_MINUTES)),
            complaint_first_response_within=timedelta(hours=self.get(S.STANDARDS_COMPLAINT_RESPONSE_HOURS)),
            followup_after_min=timedelta(days=self.get(S.STANDARDS_FOLLOWUP_MIN_DAYS)),
            followup_after_max=timedelta(days=self.get(S.STANDARDS_FOLLOWUP_MAX_DAYS)),
            feedback_record_within=timedelta(hours=self.get(S.STANDARDS_FEEDBACK_RECORD_HOURS)),
            feedback_process_within=timedelta(hours=self.get(S.STANDARDS_FEEDBACK_PROCESS_HOURS)),
            phone_rings=self.get(S.STANDARDS_PHONE_RINGS),
        )
