"""An appointment's status, and the one word shown for each (docs/product.md §2, §5).

booked → confirmed (the reminder call reached the client) → arrived → in_service → done;
or cancelled / no_show. The label table is the only place these words are written.
"""

from __future__ import annotations

from enum import StrEnum

from desk_app.i18n import N_, _


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CONFIRMED = "confirmed"
    ARRIVED = "arrived"
    IN_SERVICE = "in_service"
    DONE = "done"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return _(LABELS[self])


# still to come: a client may arrive, be moved, be cancelled or not show up
UPCOMING: tuple[AppointmentStatus, ...] = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)
ACTIVE: tuple[AppointmentStatus, ...] = (
    AppointmentStatus.BOOKED,
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.ARRIVED,
    AppointmentStatus.IN_SERVICE,
    AppointmentStatus.DONE,
)
INACTIVE: tuple[AppointmentStatus, ...] = (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)

LABELS: dict[AppointmentStatus, str] = {  # N_() marked, translated where shown
    AppointmentStatus.BOOKED: N_("Booked"),
    AppointmentStatus.CONFIRMED: N_("Confirmed"),
    AppointmentStatus.ARRIVED: N_("Arrived"),
    AppointmentStatus.IN_SERVICE: N_("In service"),
    AppointmentStatus.DONE: N_("Done"),
    AppointmentStatus.CANCELLED: N_("Cancelled"),
    AppointmentStatus.NO_SHOW: N_("No-show"),
}


def status_label(status: str) -> str:
    """The word for a stored status; an unknown one as it is."""
    try:
        return AppointmentStatus(status).label
    except ValueError:
        return status


class ReminderAnswer(StrEnum):
    """What the reminder call before a booking got (stored on the appointment)."""

    NOT_CALLED = ""
    CONFIRMED = "confirmed"
    NO_ANSWER = "no_answer"

    @property
    def label(self) -> str:
        return _(REMINDER_LABELS[self])


REMINDER_LABELS: dict[ReminderAnswer, str] = {
    ReminderAnswer.NOT_CALLED: N_("Not called yet"),
    ReminderAnswer.CONFIRMED: N_("Confirmed"),
    ReminderAnswer.NO_ANSWER: N_("No answer"),
}
