"""The after-care codes (docs/product.md §2 steps 6-7) and the one word shown for each: the
statuses of a complaint, a follow-up call and a feedback record; a follow-up's list and a call's
outcome and scores; a contact's channel and kind; a complaint's level, severity, category and
compensation; the phone-handling checklist. The values are what the database stores. The label
tables are the only place these words are written; screens add a tone (colour) and a symbol,
never the colour alone.
"""

from __future__ import annotations

from enum import StrEnum

from desk_app.i18n import N_, _


class ComplaintStatus(StrEnum):
    OPEN = "open"  # no first response yet (the 24-hour clock runs)
    RESPONDED = "responded"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return _(COMPLAINT_LABELS[self])


COMPLAINT_LABELS: dict[ComplaintStatus, str] = {
    ComplaintStatus.OPEN: N_("Open"),
    ComplaintStatus.RESPONDED: N_("Responded"),
    ComplaintStatus.RESOLVED: N_("Resolved"),
    ComplaintStatus.CLOSED: N_("Closed"),
}
COMPLAINT_UNANSWERED: tuple[ComplaintStatus, ...] = (ComplaintStatus.OPEN,)
COMPLAINT_ACTIVE: tuple[ComplaintStatus, ...] = (ComplaintStatus.OPEN, ComplaintStatus.RESPONDED)
COMPLAINT_FINISHED: tuple[ComplaintStatus, ...] = (ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED)


class CallbackResult(StrEnum):
    """The call after a resolution: is the client satisfied with how it was resolved?"""

    SATISFIED = "satisfied"  # the complaint is closed
    NOT_SATISFIED = "not_satisfied"  # the complaint is reopened, its resolve deadline runs again

    @property
    def label(self) -> str:
        return _(CALLBACK_LABELS[self])


CALLBACK_LABELS: dict[CallbackResult, str] = {
    CallbackResult.SATISFIED: N_("Satisfied"),
    CallbackResult.NOT_SATISFIED: N_("Not satisfied"),
}


class FollowUpStatus(StrEnum):
    PENDING = "pending"
    NO_ANSWER = "no_answer"
    CALL_BACK = "call_back"
    DONE = "done"
    WRONG_NUMBER = "wrong_number"
    GAVE_UP = "gave_up"

    @property
    def label(self) -> str:
        return _(FOLLOWUP_LABELS[self])


FOLLOWUP_LABELS: dict[FollowUpStatus, str] = {
    FollowUpStatus.PENDING: N_("To call"),
    FollowUpStatus.NO_ANSWER: N_("No answer"),
    FollowUpStatus.CALL_BACK: N_("Call back"),
    FollowUpStatus.DONE: N_("Done"),
    FollowUpStatus.WRONG_NUMBER: N_("Wrong number"),
    FollowUpStatus.GAVE_UP: N_("Gave up"),
}
# a follow-up that needs no more calls
FOLLOWUP_CLOSED: frozenset[FollowUpStatus] = frozenset(
    {FollowUpStatus.DONE, FollowUpStatus.WRONG_NUMBER, FollowUpStatus.GAVE_UP}
)


class FeedbackStatus(StrEnum):
    PENDING = "pending"
    HANDLED = "handled"

    @property
    def label(self) -> str:
        return _(FEEDBACK_LABELS[self])


FEEDBACK_LABELS: dict[FeedbackStatus, str] = {
    FeedbackStatus.PENDING: N_("Pending"),
    FeedbackStatus.HANDLED: N_("Handled"),
}


class FeedbackSource(StrEnum):
    """Where a feedback record came from."""

    CHECKOUT = "checkout"  # the score given when paying
    FOLLOWUP = "followup"  # the follow-up call's scores
    CONTACT = "contact"  # said on a call or at the desk
    MESSAGE = "message"  # the client's reply to the feedback request message

    @property
    def label(self) -> str:
        return _(FEEDBACK_SOURCE_LABELS[self])


FEEDBACK_SOURCE_LABELS: dict[FeedbackSource, str] = {
    FeedbackSource.CHECKOUT: N_("Checkout"),
    FeedbackSource.FOLLOWUP: N_("Follow-up call"),
    FeedbackSource.CONTACT: N_("Contact"),
    FeedbackSource.MESSAGE: N_("Reply to a message"),
}


class ComplaintSource(StrEnum):
    """What opened a complaint (stored; a low score opens one by itself, once per visit)."""

    CONTACT = "contact"  # a call, visit or message at the desk
    CHECKOUT_SCORE = "checkout_score"  # a low score at checkout
    FOLLOWUP_SCORE = "followup_score"  # a low score on the follow-up call
    MESSAGE_SCORE = "message_score"  # a low score in the reply to the feedback request message


class FollowUpState(StrEnum):
    """Which list a follow-up call is in today (computed, never stored)."""

    DUE = "due"
    OVERDUE = "overdue"  # nobody tried to call and the last day is over
    LATER = "later"  # its window has not opened, or a call-back is planned for later
    DONE = "done"

    @property
    def label(self) -> str:
        return _(FOLLOWUP_STATE_LABELS[self])


FOLLOWUP_STATE_LABELS: dict[FollowUpState, str] = {
    FollowUpState.DUE: N_("Due"),
    FollowUpState.OVERDUE: N_("Overdue"),
    FollowUpState.LATER: N_("Later"),
    FollowUpState.DONE: N_("Done"),
}


class CallOutcome(StrEnum):
    """What happened on a follow-up call."""

    REACHED = "reached"
    NO_ANSWER = "no_answer"
    CALL_BACK = "call_back"
    WRONG_NUMBER = "wrong_number"

    @property
    def label(self) -> str:
        return _(CALL_OUTCOME_LABELS[self])


CALL_OUTCOME_LABELS: dict[CallOutcome, str] = {
    CallOutcome.REACHED: N_("Reached"),
    CallOutcome.NO_ANSWER: N_("No answer"),
    CallOutcome.CALL_BACK: N_("Call back later"),
    CallOutcome.WRONG_NUMBER: N_("Wrong number"),
}


class ScoreDimension(StrEnum):
    """The four 1-5 scores asked on a follow-up call, in the order they are asked."""

    TIMELINESS = "timeliness"
    PROFESSIONALISM = "professionalism"
    EFFECTIVENESS = "effectiveness"
    ATTITUDE = "attitude"

    @property
    def label(self) -> str:
        return _(SCORE_LABELS[self])

    @property
    def word(self) -> str:
        """The lower-case word inside a sentence ("low score for timeliness, attitude")."""
        return _(SCORE_WORDS[self])


SCORE_LABELS: dict[ScoreDimension, str] = {
    ScoreDimension.TIMELINESS: N_("Timeliness"),
    ScoreDimension.PROFESSIONALISM: N_("Professionalism"),
    ScoreDimension.EFFECTIVENESS: N_("Effectiveness"),
    ScoreDimension.ATTITUDE: N_("Staff attitude"),
}
# the same scores named inside a sentence (written into a complaint's description)
SCORE_WORDS: dict[ScoreDimension, str] = {
    ScoreDimension.TIMELINESS: N_("timeliness"),
    ScoreDimension.PROFESSIONALISM: N_("professionalism"),
    ScoreDimension.EFFECTIVENESS: N_("effectiveness"),
    ScoreDimension.ATTITUDE: N_("attitude"),
}


class ComplaintLevel(StrEnum):
    GENERAL = "general"  # handled at the desk
    SPECIAL = "special"  # escalated: an owner handles and resolves it

    @property
    def label(self) -> str:
        return _(COMPLAINT_LEVEL_LABELS[self])


COMPLAINT_LEVEL_LABELS: dict[ComplaintLevel, str] = {
    ComplaintLevel.GENERAL: N_("General"),
    ComplaintLevel.SPECIAL: N_("Special (owner)"),
}


class Severity(StrEnum):
    """How serious a complaint is."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def label(self) -> str:
        return _(SEVERITY_LABELS[self])


SEVERITY_LABELS: dict[Severity, str] = {
    Severity.LOW: N_("Low"),
    Severity.MEDIUM: N_("Medium"),
    Severity.HIGH: N_("High"),
}


class ComplaintCategory(StrEnum):
    SERVICE = "service"
    WAIT = "wait"
    PRICE = "price"
    ATTITUDE = "attitude"
    PRODUCT = "product"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _(COMPLAINT_CATEGORY_LABELS[self])


COMPLAINT_CATEGORY_LABELS: dict[ComplaintCategory, str] = {
    ComplaintCategory.SERVICE: N_("Service result"),
    ComplaintCategory.WAIT: N_("Waiting time"),
    ComplaintCategory.PRICE: N_("Price / bill"),
    ComplaintCategory.ATTITUDE: N_("Staff attitude"),
    ComplaintCategory.PRODUCT: N_("Product"),
    ComplaintCategory.OTHER: N_("Other"),
}


class ContactChannel(StrEnum):
    """How a client contacted the shop."""

    PHONE = "phone"
    IN_PERSON = "in_person"
    MESSAGE = "message"

    @property
    def label(self) -> str:
        return _(CONTACT_CHANNEL_LABELS[self])


CONTACT_CHANNEL_LABELS: dict[ContactChannel, str] = {
    ContactChannel.PHONE: N_("Phone"),
    ContactChannel.IN_PERSON: N_("In person"),
    ContactChannel.MESSAGE: N_("Message"),
}


class ContactKind(StrEnum):
    """What an inbound contact is; a complaint also opens a complaint ticket."""

    INQUIRY = "inquiry"
    SERVICE_REQUEST = "service_request"
    COMPLAINT = "complaint"

    @property
    def label(self) -> str:
        return _(CONTACT_KIND_LABELS[self])


CONTACT_KIND_LABELS: dict[ContactKind, str] = {
    ContactKind.INQUIRY: N_("Inquiry"),
    ContactKind.SERVICE_REQUEST: N_("Service request"),
    ContactKind.COMPLAINT: N_("Complaint"),
}


class Compensation(StrEnum):
    """What a resolved complaint gave the client ("" is none)."""

    NONE = ""
    REFUND = "refund"  # through checkout
    VOUCHER = "voucher"
    DISCOUNT = "discount"  # next time
    REDO = "redo"  # booked in the calendar

    @property
    def label(self) -> str:
        return _(COMPENSATION_LABELS[self])


COMPENSATION_LABELS: dict[Compensation, str] = {
    Compensation.NONE: N_("None"),
    Compensation.REFUND: N_("Refund"),
    Compensation.VOUCHER: N_("Voucher"),
    Compensation.DISCOUNT: N_("Discount next time"),
    Compensation.REDO: N_("Redo"),
}
# a compensation with an amount typed at the desk
COMPENSATION_WITH_AMOUNT: tuple[Compensation, ...] = (Compensation.VOUCHER, Compensation.DISCOUNT)


class ChecklistItem(StrEnum):
    """The phone-handling standard, in the order it is done."""

    GREETING = "greeting"
    LISTEN = "listen"
    CONFIRM = "confirm"
    ANSWER = "answer"
    ANYTHING_ELSE = "anything_else"

    @property
    def label(self) -> str:
        return _(CHECKLIST_LABELS[self])


CHECKLIST_LABELS: dict[ChecklistItem, str] = {
    ChecklistItem.GREETING: N_("Greeted the caller and said who we are"),
    ChecklistItem.LISTEN: N_("Listened without interrupting"),
    ChecklistItem.CONFIRM: N_('Confirmed: "Your concern is mainly ...?"'),
    ChecklistItem.ANSWER: N_("Answered or agreed what happens next"),
    ChecklistItem.ANYTHING_ELSE: N_('Asked: "Is there anything else?"'),
}


class OutreachKind(StrEnum):
    """A keeping-in-touch task (docs/product.md: birthdays, balances and packages to remind)."""

    BIRTHDAY = "birthday"
    PREPAID_EXPIRY = "prepaid_expiry"
    PACKAGE_EXPIRY = "package_expiry"
    LOW_BALANCE = "low_balance"
    PACKAGE_LOW = "package_low"

    @property
    def label(self) -> str:
        return _(OUTREACH_LABELS[self])


OUTREACH_LABELS: dict[OutreachKind, str] = {
    OutreachKind.BIRTHDAY: N_("Birthday"),
    OutreachKind.PREPAID_EXPIRY: N_("Prepaid balance expires"),
    OutreachKind.PACKAGE_EXPIRY: N_("Package expires"),
    OutreachKind.LOW_BALANCE: N_("Low prepaid balance"),
    OutreachKind.PACKAGE_LOW: N_("Package almost used up"),
}


class IncidentCategory(StrEnum):
    """What kind of thing went wrong (the incident log)."""

    SERVICE = "service"
    SAFETY = "safety"
    PRODUCT = "product"
    EQUIPMENT = "equipment"
    CONDUCT = "conduct"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _(INCIDENT_CATEGORY_LABELS[self])


INCIDENT_CATEGORY_LABELS: dict[IncidentCategory, str] = {
    IncidentCategory.SERVICE: N_("Service quality"),
    IncidentCategory.SAFETY: N_("Safety or injury"),
    IncidentCategory.PRODUCT: N_("Product"),
    IncidentCategory.EQUIPMENT: N_("Equipment"),
    IncidentCategory.CONDUCT: N_("Staff conduct"),
    IncidentCategory.OTHER: N_("Other"),
}
