"""Small calendar dialogs: change an appointment's time/stylist, put a client on the waitlist."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
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
    QVBoxLayout,
    QWidget,
)

from desk_app.calendar.views import AppointmentView
from desk_app.i18n import _, format_time
from desk_app.settings import S
from ui.clients.search import ClientSearchBox
from ui.context import UiContext
from ui.shared.widgets import Button, Dialog, ErrorLabel


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


def _buttons(dlg: QDialog, ok_text: str) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addStretch()
    cancel = Button(_("Cancel"), kind="ghost")
    cancel.clicked.connect(dlg.reject)
    ok = Button(ok_text, kind="primary")
    ok.setDefault(True)
    ok.clicked.connect(dlg.accept)
    row.addWidget(cancel)
    row.addWidget(ok)
    return row


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
        for s in ctx.services.calendar.bookable_staff():
            self.staff.addItem(s.name, s.id)
        self.staff.setCurrentIndex(max(0, self.staff.findData(appt.staff_id)))
        form.addRow(_("Day"), self.date)
        form.addRow(_("Time"), self.time)
        form.addRow(_("Stylist"), self.staff)
        lay.addLayout(form)
        lay.addLayout(_buttons(self, _("Move")))

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
        for s in ctx.services.calendar.booking_services():
            self.service.addItem(s.name, s.id)
        form.addRow(_("Service"), self.service)
        self.staff = QComboBox()
        self.staff.setMinimumHeight(40)
        self.staff.addItem(_("Any stylist"), None)
        for st in ctx.services.calendar.bookable_staff():
            self.staff.addItem(st.name, st.id)
        if staff_id is not None:
            self.staff.setCurrentIndex(max(0, self.staff.findData(staff_id)))
        form.addRow(_("Stylist"), self.staff)
        self.notes = QLineEdit()
        self.notes.setMinimumHeight(40)
        form.addRow(_("Notes"), self.notes)
        lay.addLayout(form)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        row = _buttons(self, _("Add to waitlist"))
        lay.addLayout(row)

    def _client(self, cid: int) -> None:
        self.client_id = int(cid)
        v = self.ctx.services.clients.get(self.ctx.require_actor(), self.client_id)
        self.client_label.setText(f"{v.name} · {v.client_number}")

    def accept(self) -> None:
        if self.client_id is None:
            self.error.show_error(_("Choose the client first: search by name, phone or number."))
            return
        d = self.date.date()
        day = date(d.year(), d.month(), d.day())
        start = datetime.combine(day, self.t_from.currentData(), tzinfo=self.tz)
        end = datetime.combine(day, self.t_to.currentData(), tzinfo=self.tz)
        try:
            self.ctx.services.waitlist.add(
                self.ctx.require_actor(),
                self.client_id,
                start,
                end,
                service_id=self.service.currentData(),
                staff_id=self.staff.currentData(),
                notes=self.notes.text(),
            )
        except Exception as exc:  # noqa: BLE001 - shown in the dialog
            from ui.shared.widgets import error_text

            self.error.show_error(error_text(exc))
            return
        super().accept()
