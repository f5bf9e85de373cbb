"""Book an appointment: client, stylist, time, one or more services, duration and buffer.

On a lost race (``SlotTaken``) the nearest free times appear as buttons; one click picks one.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desk_app.calendar.views import AppointmentView, BookingRequest, FreeSlot, SlotTaken
from desk_app.core.service import ValidationError
from desk_app.domain.money import currency_exponent, from_minor
from desk_app.i18n import _, format_date, format_duration_minutes, format_money, format_time
from desk_app.settings import S
from ui.clients.new_client import create_client
from ui.clients.search import ClientSearchBox
from ui.context import UiContext
from ui.shared.widgets import Button, Dialog, ErrorLabel, show_error


class BookingDialog(Dialog):
    booked = Signal(object)  # AppointmentView

    def __init__(
        self,
        ctx: UiContext,
        start: datetime,
        staff_id: int | None = None,
        client_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.cal = ctx.services.calendar
        self.setWindowTitle(_("Book an appointment"))
        self.setMinimumWidth(620)
        self.tz = ZoneInfo(ctx.shop.timezone)
        self.client_id: int | None = None
        self.result_view: AppointmentView | None = None
        self._services = self.cal.booking_services()
        self._auto_duration = True

        lay = QVBoxLayout(self)
        lay.setSpacing(10)
        title = QLabel(_("Book an appointment"))
        title.setObjectName("pageTitle")
        lay.addWidget(title)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setVerticalSpacing(10)

        self.client_label = QLabel(_("No client chosen yet"))
        self.client_label.setObjectName("muted")
        self.search = ClientSearchBox(ctx)
        self.search.client_chosen.connect(self.set_client)
        self.search.new_client_requested.connect(self._new_client)
        box = QVBoxLayout()
        box.addWidget(self.client_label)
        box.addWidget(self.search)
        form.addRow(_("Client"), box)
        self.warning = QLabel()
        self.warning.setObjectName("warnText")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #B7791F; font-weight: 600;")
        self.warning.hide()
        form.addRow("", self.warning)

        self.staff = QComboBox()
        self.staff.setMinimumHeight(40)
        for s in self.cal.bookable_staff():
            self.staff.addItem(s.name, s.id)
        if staff_id is not None:
            self.staff.setCurrentIndex(max(0, self.staff.findData(staff_id)))
        form.addRow(_("Stylist"), self.staff)

        when = QHBoxLayout()
        self.day = start.astimezone(self.tz).date()
        self.day_label = QLabel(format_date(self.day, "full"))
        self.time = QComboBox()
        self.time.setMinimumHeight(40)
        self._fill_times(start)
        when.addWidget(self.day_label, 1)
        when.addWidget(self.time)
        form.addRow(_("When"), when)

        self.service_list = QListWidget()
        self.service_list.setObjectName("serviceList")
        self.service_list.setMinimumHeight(150)
        cur = ctx.shop.currency
        for sv in self._services:
            it = QListWidgetItem(
                f"{sv.name}  ·  {format_duration_minutes(sv.duration_min)}  ·  "
                f"{format_money(from_minor(sv.price_minor, cur), cur)}"
            )
            it.setData(Qt.ItemDataRole.UserRole, sv.id)
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(Qt.CheckState.Unchecked)
            self.service_list.addItem(it)
        self.service_list.itemChanged.connect(self._services_changed)
        form.addRow(_("Services"), self.service_list)

        dur = QHBoxLayout()
        self.duration = QSpinBox()
        self.duration.setRange(5, 720)
        self.duration.setSingleStep(5)
        self.duration.setSuffix(" " + _("min"))
        self.duration.setValue(60)
        self.duration.setMinimumHeight(40)
        self.duration.valueChanged.connect(self._duration_edited)
        self.buffer = QSpinBox()
        self.buffer.setRange(0, 240)
        self.buffer.setSingleStep(5)
        self.buffer.setSuffix(" " + _("min"))
        self.buffer.setMinimumHeight(40)
        dur.addWidget(self.duration)
        dur.addWidget(QLabel(_("Buffer after")))
        dur.addWidget(self.buffer)
        dur.addStretch()
        form.addRow(_("Duration"), dur)

        # whole currency units on screen (never a float), minor units to the service
        self._unit = 10 ** currency_exponent(ctx.shop.currency)
        self.deposit = QSpinBox()
        self.deposit.setRange(0, 1_000_000)
        self.deposit.setSuffix(" " + ctx.shop.currency)
        self.deposit.setMinimumHeight(40)
        self.deposit_row_label = QLabel(_("Deposit from prepaid"))
        form.addRow(self.deposit_row_label, self.deposit)
        self.deposit.hide()
        self.deposit_row_label.hide()

        self.notes = QLineEdit()
        self.notes.setPlaceholderText(_("Anything the stylist should know"))
        self.notes.setMinimumHeight(40)
        form.addRow(_("Notes"), self.notes)
        lay.addLayout(form)

        self.error = ErrorLabel()
        lay.addWidget(self.error)
        self.alt_row = QHBoxLayout()
        lay.addLayout(self.alt_row)

        buttons = QHBoxLayout()
        buttons.addStretch()
        cancel = Button(_("Cancel"), kind="ghost")
        cancel.clicked.connect(self.reject)
        self.book_button = Button(_("Book"), "calendar", kind="primary")
        self.book_button.setDefault(True)
        self.book_button.clicked.connect(self.submit)
        buttons.addWidget(cancel)
        buttons.addWidget(self.book_button)
        lay.addLayout(buttons)
        QShortcut(QKeySequence("Ctrl+Return"), self).activated.connect(self.submit)
        if client_id is not None:
            self.set_client(client_id)

    # ----------------------------------------------------------------- fields
    def _fill_times(self, start: datetime) -> None:
        self.time.clear()
        step = self.ctx.services.settings.get(S.CALENDAR_SLOT_MINUTES)
        t = datetime.combine(self.day, time(0, 0), tzinfo=self.tz)
        end = t + timedelta(days=1)
        want = start.astimezone(self.tz)
        while t < end:
            self.time.addItem(format_time(t), t)
            t += timedelta(minutes=step)
        idx = next((i for i in range(self.time.count()) if self.time.itemData(i) >= want), 0)
        self.time.setCurrentIndex(idx)

    def set_client(self, client_id: int) -> None:
        self.client_id = int(client_id)
        view = self.ctx.services.clients.get(self.ctx.require_actor(), self.client_id)
        self.client_label.setText(f"{view.name}  ·  {view.client_number}")
        self.client_label.setObjectName("")
        warn = self.cal.no_show_warning(self.client_id)
        self.warning.setVisible(warn.warn)
        self.warning.setText(warn.message)
        self.deposit.setVisible(bool(warn.deposit_required_minor))
        self.deposit_row_label.setVisible(bool(warn.deposit_required_minor))
        self.deposit.setValue(-(-warn.deposit_required_minor // self._unit))

    def _new_client(self, text: str) -> None:
        cid = create_client(self.ctx, self, text)
        if cid:
            self.set_client(cid)

    def select_services(self, ids: list[int]) -> None:
        for i in range(self.service_list.count()):
            it = self.service_list.item(i)
            it.setCheckState(
                Qt.CheckState.Checked if it.data(Qt.ItemDataRole.UserRole) in ids else Qt.CheckState.Unchecked
            )

    def service_ids(self) -> list[int]:
        return [
            int(self.service_list.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.service_list.count())
            if self.service_list.item(i).checkState() == Qt.CheckState.Checked
        ]

    def _services_changed(self, _item: QListWidgetItem) -> None:
        chosen = [s for s in self._services if s.id in self.service_ids()]
        if chosen and self._auto_duration:
            self.duration.blockSignals(True)
            self.duration.setValue(sum(s.duration_min for s in chosen))
            self.duration.blockSignals(False)
        self.buffer.setValue(max((s.buffer_min for s in chosen), default=0))

    def _duration_edited(self, _v: int) -> None:
        self._auto_duration = False

    def start_at(self) -> datetime:
        t = self.time.currentData()
        assert isinstance(t, datetime)
        return t

    def set_start(self, start: datetime, staff_id: int) -> None:
        self.day = start.astimezone(self.tz).date()
        self.day_label.setText(format_date(self.day, "full"))
        self._fill_times(start)
        self.staff.setCurrentIndex(max(0, self.staff.findData(staff_id)))

    # ----------------------------------------------------------------- submit
    def submit(self) -> None:
        self._clear_alternatives()
        if self.client_id is None:
            self.error.show_error(_("Choose the client first: search by name, phone or number."))
            return
        req = BookingRequest(
            client_id=self.client_id,
            staff_id=int(self.staff.currentData()),
            start_at=self.start_at(),
            service_ids=self.service_ids(),
            duration_min=self.duration.value(),
            buffer_min=self.buffer.value(),
            notes=self.notes.text().strip(),
            deposit_minor=self.deposit.value() * self._unit if self.deposit.isVisible() else 0,
        )
        actor = self.ctx.require_actor()
        self.book_button.setEnabled(False)
        self.ctx.runner.run(self, lambda: self.cal.book(actor, req), on_done=self._done, on_error=self._failed)

    def _done(self, view: AppointmentView) -> None:
        self.book_button.setEnabled(True)
        self.result_view = view
        self.booked.emit(view)
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self.book_button.setEnabled(True)
        if isinstance(exc, SlotTaken):
            self.error.show_error(exc.message)
            self._show_alternatives(exc.alternatives)
        elif isinstance(exc, ValidationError):
            self.error.show_error("\n".join(exc.errors.values()))
        else:
            show_error(self, exc)

    def _clear_alternatives(self) -> None:
        self.error.show_error(None)
        while self.alt_row.count():
            item = self.alt_row.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()

    def _show_alternatives(self, alts: tuple[FreeSlot, ...]) -> None:
        for a in alts[:6]:
            label = f"{format_time(a.start_at)} · {a.staff_name}"
            if a.start_at.astimezone(self.tz).date() != self.day:
                label = f"{format_date(a.start_at, 'short')} {label}"
            b = Button(label, kind="secondary")
            b.setObjectName("altSlot")
            b.clicked.connect(lambda _=False, s=a: self.set_start(s.start_at, s.staff_id))
            self.alt_row.addWidget(b)
        self.alt_row.addStretch()
