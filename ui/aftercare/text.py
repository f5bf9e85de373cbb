"""Words (translated at call time) and tones for the after-care codes shown on screen."""

from __future__ import annotations

from desk_app.domain.aftercare import ComplaintStatus, FollowUpStatus
from desk_app.i18n import _

_FOLLOWUP_TONES = {
    FollowUpStatus.PENDING: "info",
    FollowUpStatus.NO_ANSWER: "warn",
    FollowUpStatus.CALL_BACK: "warn",
    FollowUpStatus.DONE: "ok",
    FollowUpStatus.WRONG_NUMBER: "neutral",
    FollowUpStatus.GAVE_UP: "neutral",
}
_COMPLAINT_TONES = {
    ComplaintStatus.OPEN: "warn",
    ComplaintStatus.RESPONDED: "info",
    ComplaintStatus.RESOLVED: "ok",
    ComplaintStatus.CLOSED: "neutral",
}


def followup_status(status: str) -> tuple[str, str]:
    """The word (from the one label table, desk_app/domain/aftercare.py) and its tone."""
    try:
        st = FollowUpStatus(status)
    except ValueError:
        return status, "neutral"
    return st.label, _FOLLOWUP_TONES[st]


def followup_state(state: str) -> tuple[str, str]:
    return {
        "due": (_("Due"), "info"),
        "overdue": (_("Overdue"), "bad"),
        "later": (_("Later"), "neutral"),
        "done": (_("Done"), "ok"),
    }.get(state, (state, "neutral"))


def outcome_label(outcome: str) -> str:
    return {
        "reached": _("Reached"),
        "no_answer": _("No answer"),
        "call_back": _("Call back later"),
        "wrong_number": _("Wrong number"),
    }[outcome]


def score_label(key: str) -> str:
    return {
        "timeliness": _("Timeliness"),
        "professionalism": _("Professionalism"),
        "effectiveness": _("Effectiveness"),
        "attitude": _("Staff attitude"),
    }[key]


def complaint_status(status: str, overdue: bool = False) -> tuple[str, str]:
    if overdue:
        return _("Overdue"), "bad"
    try:
        st = ComplaintStatus(status)
    except ValueError:
        return status, "neutral"
    return st.label, _COMPLAINT_TONES[st]


def level_label(level: str) -> str:
    return {"general": _("General"), "special": _("Special (owner)")}.get(level, level)


def severity_label(sev: str) -> tuple[str, str]:
    return {"low": (_("Low"), "neutral"), "medium": (_("Medium"), "warn"), "high": (_("High"), "bad")}.get(
        sev, (sev, "neutral")
    )


def category_label(cat: str) -> str:
    return {
        "service": _("Service result"),
        "wait": _("Waiting time"),
        "price": _("Price / bill"),
        "attitude": _("Staff attitude"),
        "product": _("Product"),
        "other": _("Other"),
    }.get(cat, cat)


def channel_label(ch: str) -> str:
    return {"phone": _("Phone"), "in_person": _("In person"), "message": _("Message")}.get(ch, ch)


def kind_label(kind: str) -> str:
    return {
        "inquiry": _("Inquiry"),
        "service_request": _("Service request"),
        "complaint": _("Complaint"),
    }.get(kind, kind)


def compensation_label(kind: str) -> str:
    return {
        "": _("None"),
        "refund": _("Refund"),
        "voucher": _("Voucher"),
        "discount": _("Discount next time"),
        "redo": _("Redo"),
    }.get(kind, kind)


def checklist_label(key: str) -> str:
    return {
        "greeting": _("Greeted the caller and said who we are"),
        "listen": _("Listened without interrupting"),
        "confirm": _('Confirmed: "Your concern is mainly ...?"'),
        "answer": _("Answered or agreed what happens next"),
        "anything_else": _('Asked: "Is there anything else?"'),
    }[key]


def stars(score: int | None) -> str:
    if score is None:
        return "–"
    return "★" * score + "☆" * (5 - score)
