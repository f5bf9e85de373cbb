"""Tones (colour words) for the after-care codes shown on screen. The words themselves come from
each code's one label table (desk_app/domain/aftercare.py): ``CallOutcome.REACHED.label``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from desk_app.domain.aftercare import ComplaintStatus, FollowUpState, FollowUpStatus, Severity
from desk_app.i18n import _

_FOLLOWUP_TONES = {
    FollowUpStatus.PENDING: "info",
    FollowUpStatus.NO_ANSWER: "warn",
    FollowUpStatus.CALL_BACK: "warn",
    FollowUpStatus.DONE: "ok",
    FollowUpStatus.WRONG_NUMBER: "neutral",
    FollowUpStatus.GAVE_UP: "neutral",
}
_STATE_TONES = {
    FollowUpState.DUE: "info",
    FollowUpState.OVERDUE: "bad",
    FollowUpState.LATER: "neutral",
    FollowUpState.DONE: "ok",
}
_COMPLAINT_TONES = {
    ComplaintStatus.OPEN: "warn",
    ComplaintStatus.RESPONDED: "info",
    ComplaintStatus.RESOLVED: "ok",
    ComplaintStatus.CLOSED: "neutral",
}
_SEVERITY_TONES = {Severity.LOW: "neutral", Severity.MEDIUM: "warn", Severity.HIGH: "bad"}


class _Labelled(Protocol):
    @property
    def label(self) -> str: ...


def word(code: Callable[[str], _Labelled], value: str) -> str:
    """The word for a stored code, e.g. ``word(ComplaintLevel, c.level)``; an unknown one as it is."""
    try:
        return code(value).label
    except ValueError:
        return value


def followup_status(status: str) -> tuple[str, str]:
    """The word and its tone."""
    try:
        st = FollowUpStatus(status)
    except ValueError:
        return status, "neutral"
    return st.label, _FOLLOWUP_TONES[st]


def followup_state(state: str) -> tuple[str, str]:
    try:
        st = FollowUpState(state)
    except ValueError:
        return state, "neutral"
    return st.label, _STATE_TONES[st]


def complaint_status(status: str, overdue: bool = False) -> tuple[str, str]:
    if overdue:
        return _("Overdue"), "bad"  # no first response past the deadline: a flag, not a status
    try:
        st = ComplaintStatus(status)
    except ValueError:
        return status, "neutral"
    return st.label, _COMPLAINT_TONES[st]


def severity(sev: str) -> tuple[str, str]:
    try:
        s = Severity(sev)
    except ValueError:
        return sev, "neutral"
    return s.label, _SEVERITY_TONES[s]


def stars(score: int | None) -> str:
    if score is None:
        return "–"
    return "★" * score + "☆" * (5 - score)


def ticket_heading(number: int, client_name: str) -> str:
    """Which complaint ticket a dialog is for: its number and the client (a complaint dialog's header)."""
    return _("Complaint #{id} · {client}").format(id=number, client=client_name or _("walk-in"))
