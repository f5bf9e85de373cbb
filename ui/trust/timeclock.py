"""The time clock on screen (docs/payroll.md, "Time clock").

- ``ClockDialog``: the signed-in person's clock (the side bar's clock button, Ctrl+K, and the
  prompt after signing in when they are not on the clock): clock in, a break, back, clock out.
The owner's time sheets and corrections are ``ui/reports/timesheet.py`` (Reports > Pay).

Every read and punch runs on the runner; the GUI thread never waits on the database.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from desk_app import i18n
from desk_app.domain import timesheet as ts
from desk_app.domain.permissions import Perm
from desk_app.i18n import _
from desk_app.trust.timeclock import ClockStatus, kind_word
from ui.context import UiContext
from ui.shared.widgets import Button, Dialog, ErrorLabel, StatusChip, error_text


def state_text(st: ClockStatus) -> tuple[str, str]:
    """(words, tone) of where the person stands: "On the clock since 09:02", "On a break since
    12:30", "Not clocked in"."""
    if st.state == ts.ON and st.since is not None:
        return _("On the clock since {time}").format(time=_when(st.since, st.at)), "ok"
    if st.state == ts.ON_BREAK and st.since is not None:
        return _("On a break since {time}").format(time=_when(st.since, st.at)), "warn"
    return _("Not clocked in"), "neutral"


def button_text(st: ClockStatus | None) -> str:
    """The side bar's clock button: what a glance needs."""
    if st is None:
        return _("Time clock")
    if st.state == ts.ON:
        return _("On the clock · {hours}").format(hours=ts.hours_text(st.worked_today_seconds))
    if st.state == ts.ON_BREAK:
        return _("On a break")
    return _("Clock in")


def unclosed_text(st: ClockStatus) -> str:
    if not st.unclosed:
        return ""
    days = _(", ").join(i18n.format_date(d) for d in st.unclosed)
    return _("No clock-out on {days}: ask the owner to correct the time sheet (until then it counts no hours).").format(
        days=days
    )


def _when(moment: datetime, now: datetime) -> str:
    """09:02 today; "Dec 3 20:00" for an earlier day (a late shift past midnight)."""
    local = i18n.local(moment)
    if local.date() == i18n.local(now).date():
        return i18n.format_time(local)
    return f"{i18n.format_month_day(local)} {i18n.format_time(local)}"


class ClockDialog(Dialog):
    """The person's own clock. ``prompt``: opened at sign-in because they are not clocked in
    (it says so and offers "Not now")."""

    punched = Signal(object)  # ClockStatus after the punch

    def __init__(self, ctx: UiContext, status: ClockStatus, parent: QWidget | None = None, prompt: bool = False) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.status = status
        self.setWindowTitle(_("Time clock"))
        self.setMinimumWidth(460)
        lay = QVBoxLayout(self)
        lay.setSpacing(10)
        hello = QLabel(
            _("{name}, you are not clocked in. Clock in now?").format(name=status.name) if prompt else status.name
        )
        hello.setObjectName("sectionTitle")
        hello.setWordWrap(True)
        lay.addWidget(hello)
        words, tone = state_text(status)
        self.chip = StatusChip(words, tone)
        lay.addWidget(self.chip)
        today = QLabel(_("Worked today: {hours}").format(
            hours=i18n.format_duration_minutes(status.worked_today_seconds // 60)))
        today.setObjectName("muted")
        lay.addWidget(today)
        note = unclosed_text(status)
        if note:
            warn = QLabel(note)
            warn.setWordWrap(True)
            warn.setObjectName("warningText")
            lay.addWidget(warn)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        row = QHBoxLayout()
        self.buttons: dict[str, Button] = {}
        for i, kind in enumerate(self._offered(status.state)):
            b = Button(kind_word(kind) if kind != ts.BREAK else _("Start a break"),
                       "coffee" if kind in (ts.BREAK, ts.BACK) else "clock", "primary" if i == 0 else "secondary")
            b.clicked.connect(lambda _c=False, k=kind: self.punch(k))
            row.addWidget(b)
            self.buttons[kind] = b
            # Enter clocks in, or ends a break; it never clocks anyone out (opened for a break, it did)
            b.setAutoDefault(False)
            if kind in (ts.IN, ts.BACK):
                b.setDefault(True)
        row.addStretch(1)
        if ctx.can(Perm.REPORTS) and ctx.can(Perm.STAFF_MANAGE):
            sheets = Button(_("Time sheets"), "list", "ghost")
            sheets.setToolTip(_("Everyone's punches, and corrections with a reason"))
            sheets.setAutoDefault(False)  # Enter is the clock's, never "open the time sheets"
            sheets.clicked.connect(self._sheets)
            row.addWidget(sheets)
        close = Button(_("Not now") if prompt else _("Close"), None, "ghost")
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        # where the keyboard starts once shown: Clock in / Back from break (Enter), or, on the
        # clock, Close (a stray Space on a focused "Clock out" clocked people out)
        self._first_focus = close if status.state == ts.ON else next(
            (b for k, b in self.buttons.items() if k in (ts.IN, ts.BACK)), close)
        row.addWidget(close)
        lay.addLayout(row)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._first_focus.setFocus(Qt.FocusReason.OtherFocusReason)

    @staticmethod
    def _offered(state: str) -> list[str]:
        if state == ts.ON:
            return [ts.OUT, ts.BREAK]
        if state == ts.ON_BREAK:
            return [ts.BACK, ts.OUT]
        return [ts.IN]

    def punch(self, kind: str) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        for b in self.buttons.values():
            b.setEnabled(False)
        svc = self.ctx.services.timeclock
        self.ctx.runner.run(self, lambda: svc.punch(actor, kind), on_done=self._done, on_error=self._failed,
                            in_order=True)  # fmt: skip

    def _done(self, status: ClockStatus) -> None:
        self.status = status
        self.punched.emit(status)
        self.accept()

    def _failed(self, exc: Exception) -> None:
        for b in self.buttons.values():
            b.setEnabled(True)
        self.error.show_error(error_text(exc))

    def _sheets(self) -> None:
        """The owner's time sheets are on Reports > Pay (one person, one day, with corrections)."""
        self.reject()
        self.ctx.navigate("reports", time_sheet=self.status.staff_id)
