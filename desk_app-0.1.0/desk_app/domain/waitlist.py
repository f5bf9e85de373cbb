"""A waitlist entry's status, and the one word shown for each.

waiting → offered (the desk offered the client a freed time) → booked (by hand, or by itself when
the client books a time inside their window); or removed. The label table is the only place these
words are written.
"""

from __future__ import annotations

from enum import StrEnum

from desk_app.i18n import N_, _


class WaitlistStatus(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    BOOKED = "booked"
    REMOVED = "removed"

    @property
    def label(self) -> str:
        return _(LABELS[self])


# still on the list: a freed time is offered to these clients
STILL_WAITING: tuple[WaitlistStatus, ...] = (WaitlistStatus.WAITING, WaitlistStatus.OFFERED)

LABELS: dict[WaitlistStatus, str] = {  # N_() marked, translated where shown
    WaitlistStatus.WAITING: N_("Waiting"),
    WaitlistStatus.OFFERED: N_("Offered"),
    WaitlistStatus.BOOKED: N_("Booked"),
    WaitlistStatus.REMOVED: N_("Removed"),
}
