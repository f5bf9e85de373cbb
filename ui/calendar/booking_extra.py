"""Small calendar dialogs: change an appointment's time/stylist, put a client on the waitlist.

Their lists (stylists, services) arrive from the runner after the dialog shows, with the OK button
waiting until then; adding to the waitlist is written on the runner, OK waiting meanwhile.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.calendar.views import AppointmentView, ServiceOption, StaffOption
from desk_app.i18n import _, format_time
from desk_app.settings import S
from ui.clients.search import ClientSearchBox
from ui.context import UiContext
from ui.runner import Latest
from ui.shared.widgets import Button, Dialog, ErrorLabel, error_text


def _time_combo(day: date, tz: ZoneInfo, step: int, want: time) -> QComboBox:
    box = QComboBox()
    box.setMinimumHeight(40)
    t = datetime.combine(day, time(0, 0), tzinfo=tz)
    for _i in range(24 * 60 // step):
        box.addItem(format_time(t), t.time())
        t += timedelta(minutes=step)
    idx = next((i for i in range(box.count()) if box.itemData(i) >= want), 0)
    box.setCurrentIndex(idx)
    return box


def _date_edit(day: date) -> QDateEdit:
    e = QDateEdit(QDate(day.year, day.month, day.day))
    e.setCalendarPopup(True)
    e.setMinimumHeight(40)
    return e


def _buttons(dlg: QDialog, ok_text: str) -> tuple[QHBoxLayout, QPushButton]:
    row = QHBoxLayout()
    row.addStretch()
    cancel = Button(_("Cancel"), kind="ghost")
    cancel.clicked.connect(dlg.reject)
    ok = Button(ok_text, kind="primary")
    ok.setDefault(True)
    ok.clicked.connect(dlg.accept)
    row.addWidget(cancel)
    row.addWidget(ok)
    return row, ok


class MoveDialog(Dialog):
    """Move by editing: a new day, time and (optionally) stylist."""

    def __init__(self, ctx: UiContext, appt: AppointmentView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Change time or stylist"))
        self.tz = ZoneInfo(ctx.shop.timezone)
        step = ctx.services.settings.get(S.CALENDAR_SLOT_MINUTES)
        loc = appt.start_at.astimezone(self.tz)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(f"{appt.client_name} · {appt.service_names}"))
        form = QFormLayout()
        self.date = _date_edit(loc.date())
        self.time = _time_combo(loc.date(), self.tz, step, loc.time())
        self.staff = QComboBox()
        self.staff.setMinimumHeight(40)
        form.addRow(_("Day"), self.date)
        form.addRow(_("Time"), self.time)
        form.addRow(_("Stylist"), self.staff)
        lay.addLayout(form)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        row, self.ok = _buttons(self, _("Move"))
        self.ok.setEnabled(False)  # until the stylists are listed
        lay.addLayout(row)
        calendar, staff_id, branch = ctx.services.calendar, appt.staff_id, appt.branch_id
        ctx.runner.run(
            self,
            lambda: calendar.bookable_staff(branch),  # who works at the booking's branch
            on_done=lambda staff: self._show_staff(staff, staff_id),
            on_error=lambda exc: self.error.show_error(error_text(exc)),
        )

    def _show_staff(self, staff: list[StaffOption], current: int) -> None:
        for s in staff:
            self.staff.addItem(s.name, s.id)
        self.staff.setCurrentIndex(max(0, self.staff.findData(current)))
        self.ok.setEnabled(True)

    def new_start(self) -> datetime:
        d = self.date.date()
        t = self.time.currentData()
        return datetime.combine(date(d.year(), d.month(), d.day()), t, tzinfo=self.tz)

    def new_staff_id(self) -> int:
        return int(self.staff.currentData())


class WaitlistDialog(Dialog):
    """Put a client on the waitlist with the window they can come in."""

    def __init__(
        self, ctx: UiContext, day: date, staff_id: int | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Add to waitlist"))
        self.setMinimumWidth(520)
        self.tz = ZoneInfo(ctx.shop.timezone)
        self.client_id: int | None = None
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.client_label = QLabel(_("No client chosen yet"))
        self.search = ClientSearchBox(ctx)
        self.search.client_chosen.connect(self._client)
        box = QVBoxLayout()
        box.addWidget(self.client_label)
        box.addWidget(self.search)
        form.addRow(_("Client"), box)
        self.date = _date_edit(day)
        form.addRow(_("Day"), self.date)
        times = QHBoxLayout()
        self.t_from = _time_combo(day, self.tz, 30, time(10))
        self.t_to = _time_combo(day, self.tz, 30, time(18))
        times.addWidget(self.t_from)
        times.addWidget(QLabel("–"))
        times.addWidget(self.t_to)
        form.addRow(_("Can come"), times)
        self.service = QComboBox()
        self.service.setMinimumHeight(40)
        self.service.addItem(_("Any service"), None)
        form.addRow(_("Service"), self.service)
        self.staff = QComboBox()
        self.staff.setMinimumHeight(40)
        self.staff.addItem(_("Any stylist"), None)
        form.addRow(_("Stylist"), self.staff)
        self.notes = QLineEdit()
        self.notes.setMinimumHeight(40)
        form.addRow(_("Notes"), self.notes)
        lay.addLayout(form)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        row, self.ok = _buttons(self, _("Add to waitlist"))
        lay.addLayout(row)
        self._client_latest = Latest()
        self._adding = False
        self.ok.setEnabled(False)  # until the services and stylists are listed
        calendar = ctx.services.calendar
        branch = ctx.actor.branch_id if ctx.actor is not None else None  # the desk's branch
        ctx.runner.run(
            self,
            lambda: (calendar.booking_services(), calendar.bookable_staff(branch)),
            on_done=lambda lists: self._show_lists(lists[0], lists[1], staff_id),
            on_error=lambda exc: self.error.show_error(error_text(exc)),
        )

    def _show_lists(
        self, services: list[ServiceOption], staff: list[StaffOption], staff_id: int | None
    ) -> None:
        for s in services:
            self.service.addItem(s.name, s.id)
        for st in staff:
            self.staff.addItem(st.name, st.id)
        if staff_id is not None:
            self.staff.setCurrentIndex(max(0, self.staff.findData(staff_id)))
        self.ok.setEnabled(True)

    def _client(self, cid: int) -> None:
        self.client_id = client_id = int(cid)
        actor, clients = self.ctx.require_actor(), self.ctx.services.clients
        seq = self._client_latest.next()

        def show(v: Any) -> None:
            self.client_label.setText(f"{v.name} · {v.client_number}")

        self.ctx.runner.run(
            self,
            lambda: clients.get(actor, client_id),
            on_done=self._client_latest.guard(seq, show),
            on_error=self._client_latest.guard(seq, lambda exc: self.error.show_error(error_text(exc))),
        )

    def adding(self) -> bool:
        """True while the entry is being written (OK waits: one tap is one entry)."""
        return self._adding

    def accept(self) -> None:
        if self._adding or not self.ok.isEnabled():
            return
        if self.client_id is None:
            self.error.show_error(_("Choose the client first: search by name, phone or number."))
            return
        d = self.date.date()
        day = date(d.year(), d.month(), d.day())
        start = datetime.combine(day, self.t_from.currentData(), tzinfo=self.tz)
        end = datetime.combine(day, self.t_to.currentData(), tzinfo=self.tz)
        actor, waitlist, client_id = self.ctx.require_actor(), self.ctx.services.waitlist, self.client_id
        service_id, staff_id, notes = self.service.currentData(), self.staff.currentData(), self.notes.text()
        self._set_adding(True)
        self.ctx.runner.run(
            self,
            lambda: waitlist.add(
                actor, client_id, start, end, service_id=service_id, staff_id=staff_id, notes=notes
            ),
            on_done=self._added,
            on_error=self._not_added,
            in_order=True,
        )

    def _set_adding(self, on: bool) -> None:
        self._adding = on
        self.ok.setEnabled(not on)

    def _added(self, _entry: object) -> None:
        self._set_adding(False)
        super().accept()

    def _not_added(self, exc: Exception) -> None:  # shown in the dialog
        self._set_adding(False)
        self.error.show_error(error_text(exc))
