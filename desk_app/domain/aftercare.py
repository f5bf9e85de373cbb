"""The statuses of a complaint, a follow-up call and a feedback record, and the one word shown
for each (docs/product.md §2 steps 6-7). The label tables are the only place these words are
written; screens add a tone (colour) and a symbol, never the colour alone.
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
