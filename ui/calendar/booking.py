"""Book an appointment: client, stylist, time, one or more services, duration and buffer.

On a lost race (``SlotTaken``) the nearest free times appear as buttons; one click picks one.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desk_app.calendar.views import AppointmentView, BookingRequest, ClientAlreadyBooked, FreeSlot, SlotTaken
from desk_app.core.service import ValidationError
from desk_app.domain.money import currency_exponent, from_minor
from desk_app.i18n import _, format_date, format_duration_minutes, format_money, format_time
from desk_app.settings import S
from ui.clients.new_client import create_client
from ui.clients.search import ClientSearchBox
from ui.context import UiContext
from ui.runner import Latest
from ui.shared.widgets import DIALOG_MAX_HEIGHT, Button, Dialog, ErrorLabel, FormScroll, confirm, show_error


class BookingDialog(Dialog):
    booked = Signal(object)  # AppointmentView

    def __init__(
        self,
        ctx: UiContext,
        start: datetime,
        staff_id: int | None = None,
        client_id: int | None = None,
        parent: QWidget | None = None,
        branch_id: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.cal = ctx.services.calendar
        # the branch of the calendar shown (the owner may look at another), else the desk's
        self.branch_id = branch_id if branch_id is not None else (ctx.actor.branch_id if ctx.actor else None)
        self.setWindowTitle(_("Book an appointment"))
        self.setMinimumWidth(1060)
        self.tz = ZoneInfo(ctx.shop.timezone)
        self.client_id: int | None = None
        self.result_view: AppointmentView | None = None
        self._services: list[Any] = []  # read on a worker with the stylists (see _load)
        self._loaded = False
        self._pending_services: list[int] = []
        self._want_staff = staff_id
        self._slot = 15  # the calendar's slot step, read with the lists
        self._auto_duration = True
        self._client_latest = Latest()

        lay = QVBoxLayout(self)
        lay.setSpacing(10)
        title = QLabel(_("Book an appointment"))
        title.setObjectName("pageTitle")
        lay.addWidget(title)
        form = left = QFormLayout()  # who, with whom, when; the services beside (``right``)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setVerticalSpacing(10)

        self.client_label = QLabel(_("No client chosen yet"))
        self.client_label.setObjectName("muted")
        self.search = ClientSearchBox(ctx)
        self.search.client_chosen.connect(self.set_client)
        self.search.new_client_requested.connect(self._new_client)
        self.change_client = Button(_("Change client"), kind="ghost")
        self.change_client.clicked.connect(self._change_client)
        self.change_client.hide()
        chosen = QHBoxLayout()
        chosen.addWidget(self.client_label, 1)
        chosen.addWidget(self.change_client)
        box = QVBoxLayout()
        box.addLayout(chosen)
        box.addWidget(self.search)
        self.warning = QLabel()
        self.warning.setObjectName("warningText")
        self.warning.setWordWrap(True)
        self.warning.hide()

        self.staff = QComboBox()
        self.staff.setMinimumHeight(40)
        self.staff.setPlaceholderText(_("Reading the stylists…"))
        form.addRow(_("Stylist"), self.staff)
        # a stylist a complaint's remedy replaced for this client (docs/service-standard.md)
        self._replaced: dict[int, tuple[int, str]] = {}
        self.staff_warning = QLabel()
        self.staff_warning.setObjectName("warningText")
        self.staff_warning.setWordWrap(True)
        self.staff_warning.hide()
        form.addRow("", self.staff_warning)
        self.staff.currentIndexChanged.connect(lambda _i: self._show_staff_warning())

        when = QHBoxLayout()
        self.day = start.astimezone(self.tz).date()
        # a date typed (digits, arrows) or picked from the calendar; never a day already over
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setMinimumHeight(40)
        self.date_edit.setMinimumDate(_qdate(self._today()))
        self.date_edit.setDate(_qdate(self.day))
        self.date_edit.setAccessibleName(_("Date"))
        self.date_edit.dateChanged.connect(self._date_changed)
        self.day_label = QLabel(format_date(self.day, "full"))
        self.day_label.setObjectName("muted")
        self.day_label.setWordWrap(True)
        self.time = QComboBox()
        self.time.setMinimumHeight(40)
        self.time.setAccessibleName(_("Time"))
        self._fill_times(start)
        when.addWidget(self.date_edit)
        when.addWidget(self.time)
        when.addWidget(self.day_label, 1)
        form.addRow(_("When"), when)
        self.past_note = QLabel(_("That time has passed: the first free time from now is chosen."))
        self.past_note.setObjectName("muted")
        self.past_note.setWordWrap(True)
        self.past_note.setVisible(start < self._now())
        form.addRow("", self.past_note)
        # the client last in the column: the search's list folds away once a client is chosen, and
        # nothing below it moves (the stylist and the time jumped up from under the pointer)
        form.addRow(_("Client"), box)
        form.addRow("", self.warning)

        # the services and what follows them in a second column: in one column at 1366x768 they
        # were below the fold, under the client search's list (the newcomer's walk)
        form = right = QFormLayout()
        right.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        right.setVerticalSpacing(10)
        self.service_list = QListWidget()
        self.service_list.setObjectName("serviceList")
        self.service_list.setMinimumHeight(150)
        self.service_list.setMinimumWidth(300)
        self.service_list.setWordWrap(True)  # a long name takes two lines, never a sideways scroll
        self.service_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
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
        body = QWidget()
        columns = QHBoxLayout(body)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.setSpacing(20)
        columns.addLayout(left, 11)
        columns.addLayout(right, 9)
        self.body = FormScroll(body)
        lay.addWidget(self.body, 1)
        self.setMaximumHeight(DIALOG_MAX_HEIGHT)
        # as tall as a counter screen allows from the start: the lists fill in after it opens and
        # a dialog never resizes on screen (``Dialog``), so a height from the empty lists' hint left
        # the notes below the fold
        self.resize(1060, DIALOG_MAX_HEIGHT)

        self.error = ErrorLabel()
        lay.addWidget(self.error)
        self.alt_row = QGridLayout()  # the nearest free times, three to a row: never clipped
        self.alt_row.setSpacing(8)
        lay.addLayout(self.alt_row)

        buttons = QHBoxLayout()
        buttons.addStretch()
        cancel = Button(_("Cancel"), kind="ghost")
        cancel.clicked.connect(self.reject)
        self.book_button = Button(_("Book"), "calendar", kind="primary")
        self.book_button.setDefault(True)
        self.book_button.clicked.connect(lambda: self.submit())
        buttons.addWidget(cancel)
        buttons.addWidget(self.book_button)
        lay.addLayout(buttons)
        QShortcut(QKeySequence("Ctrl+Return"), self).activated.connect(lambda: self.submit())
        self._start = start
        self._load()
        if client_id is not None:
            self.set_client(client_id)

    def _load(self) -> None:
        """The services, the stylists and the slot step, read on a worker; Book waits for them."""
        cal, settings, branch = self.cal, self.ctx.services.settings, self.branch_id
        self.book_button_ready()
        self.ctx.runner.run(
            self,
            lambda: (cal.booking_services(), cal.bookable_staff(branch), settings.get(S.CALENDAR_SLOT_MINUTES)),
            on_done=self._lists_read,
            on_error=lambda exc: show_error(self, exc),
        )

    def _lists_read(self, read: tuple[Any, Any, int]) -> None:
        services, staff, slot = read
        self._services, self._slot = list(services), int(slot)
        for s in staff:
            self.staff.addItem(s.name, s.id)
        if self._want_staff is not None:
            self.staff.setCurrentIndex(max(0, self.staff.findData(self._want_staff)))
        cur = self.ctx.shop.currency
        self.service_list.blockSignals(True)
        for sv in self._services:
            it = QListWidgetItem(
                f"{sv.name}  ·  {format_duration_minutes(sv.duration_min)}  ·  "
                f"{format_money(from_minor(sv.price_minor, cur), cur)}"
            )
            it.setData(Qt.ItemDataRole.UserRole, sv.id)
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(Qt.CheckState.Unchecked)
            self.service_list.addItem(it)
        self.service_list.blockSignals(False)
        self._loaded = True
        current = self.time.currentData()
        self._fill_times(current if isinstance(current, datetime) else self._start)
        if self._pending_services:
            self.select_services(self._pending_services)

    # ----------------------------------------------------------------- fields
    def _now(self) -> datetime:
        return self.ctx.services.clock().astimezone(self.tz)

    def _today(self) -> date:
        return self._now().date()

    def _fill_times(self, start: datetime) -> None:
        """The day's times, every slot step; today only from the slot now running (a time already
        over is never offered, the service would refuse it)."""
        self.time.clear()
        step = self._slot
        t = datetime.combine(self.day, time(0, 0), tzinfo=self.tz)
        end = t + timedelta(days=1)
        earliest = self._now() - timedelta(minutes=step - 1)  # the slot that began a moment ago
        want = max(start.astimezone(self.tz), earliest)
        while t < end:
            if t >= earliest:
                self.time.addItem(format_time(t), t)
            t += timedelta(minutes=step)
        idx = next((i for i in range(self.time.count()) if self.time.itemData(i) >= want), 0)
        self.time.setCurrentIndex(idx)
        self.book_button_ready()

    def book_button_ready(self) -> None:
        """Book waits while the chosen day has no time left (today, late in the evening)."""
        button = getattr(self, "book_button", None)
        if button is not None:
            button.setEnabled(self.time.count() > 0 and getattr(self, "_loaded", False))

    def _date_changed(self, d: QDate) -> None:
        self.day = date(d.year(), d.month(), d.day())
        self.day_label.setText(format_date(self.day, "full"))
        current = self.time.currentData()
        keep = current.astimezone(self.tz).time() if isinstance(current, datetime) else time(9, 0)
        self._fill_times(datetime.combine(self.day, keep, tzinfo=self.tz))
        self.past_note.hide()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self.client_id is None:  # typing goes to the client search at once (it was lost)
            self.search.focus_search()

    def set_client(self, client_id: int) -> None:
        """The client for this booking: named (and warned about no-shows) once read on a worker."""
        cid = int(client_id)
        self.client_id = cid
        self.client_label.setText(_("Reading the client…"))
        actor, clients, cal = self.ctx.require_actor(), self.ctx.services.clients, self.cal
        seq = self._client_latest.next()
        self.ctx.runner.run(
            self,
            lambda: (clients.get(actor, cid), cal.no_show_warning(cid), cal.replaced_staff(cid)),
            on_done=self._client_latest.guard(seq, self._show_client),
            on_error=self._client_latest.guard(seq, lambda exc: show_error(self, exc)),
        )

    def _show_staff_warning(self) -> None:
        hit = self._replaced.get(self.staff.currentData()) if self.staff.currentData() is not None else None
        if hit is None:
            self.staff_warning.hide()
            return
        complaint_id, name = hit
        self.staff_warning.setText(
            _("! Since complaint #{id} this client is served by {name}: choose {name} unless the client asks.").format(
                id=complaint_id, name=name
            )
        )
        self.staff_warning.show()

    def _show_client(self, read: tuple[Any, Any, dict[int, tuple[int, str]]]) -> None:
        view, warn, replaced = read
        self._replaced = dict(replaced)
        self._show_staff_warning()
        self.client_label.setText(f"{view.name}  ·  {view.client_number}")
        self.client_label.setObjectName("sectionTitle")
        self.client_label.style().polish(self.client_label)
        self.search.hide()  # chosen: the list folds away, the rest of the booking comes up
        self.change_client.show()
        self.warning.setVisible(warn.warn)
        self.warning.setText(warn.message)
        self.deposit.setVisible(bool(warn.deposit_required_minor))
        self.deposit_row_label.setVisible(bool(warn.deposit_required_minor))
        self.deposit.setValue(-(-warn.deposit_required_minor // self._unit))

    def _change_client(self) -> None:
        self.client_id = None
        self._replaced = {}
        self.staff_warning.hide()
        self._client_latest.next()  # a reading still on its way is for the client given up
        self.client_label.setText(_("No client chosen yet"))
        self.client_label.setObjectName("muted")
        self.client_label.style().polish(self.client_label)
        self.change_client.hide()
        self.warning.hide()
        self.deposit.hide()
        self.deposit_row_label.hide()
        self.search.show()
        self.search.clear()
        self.search.focus_search()

    def _new_client(self, text: str) -> None:
        cid = create_client(self.ctx, self, text)
        if cid:
            self.set_client(cid)

    def select_services(self, ids: list[int]) -> None:
        if not self._loaded:  # asked before the lists arrived: applied when they do
            self._pending_services = list(ids)
            return
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

    def start_at(self) -> datetime | None:
        t = self.time.currentData()
        return t if isinstance(t, datetime) else None

    def set_start(self, start: datetime, staff_id: int) -> None:
        day = start.astimezone(self.tz).date()
        self.date_edit.blockSignals(True)
        self.date_edit.setDate(_qdate(day))
        self.date_edit.blockSignals(False)
        self.day = day
        self.day_label.setText(format_date(self.day, "full"))
        self._fill_times(start)
        self.past_note.hide()
        self.staff.setCurrentIndex(max(0, self.staff.findData(staff_id)))

    # ----------------------------------------------------------------- submit
    def submit(self, allow_overlap: bool = False) -> None:
        """Book; ``allow_overlap``: the desk said yes to the client's second booking at the same time."""
        self._clear_alternatives()
        if not self._loaded or self.staff.currentData() is None:
            return  # the lists are still being read (Book waits; Ctrl+Enter too)
        if self.client_id is None:
            self.error.show_error(_("Choose the client first: search by name, phone or number."))
            return
        start = self.start_at()
        if start is None:
            self.error.show_error(_("No time is left on that day: choose another date."))
            return
        req = BookingRequest(
            client_id=self.client_id,
            staff_id=int(self.staff.currentData()),
            start_at=start,
            service_ids=self.service_ids(),
            duration_min=self.duration.value(),
            buffer_min=self.buffer.value(),
            notes=self.notes.text().strip(),
            deposit_minor=self.deposit.value() * self._unit if self.deposit.isVisible() else 0,
            branch_id=self.branch_id,
            allow_client_overlap=allow_overlap,
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
        if isinstance(exc, ClientAlreadyBooked):  # nothing written: both on purpose, or another time
            if confirm(
                self,
                _("Book this client twice at once?"),
                exc.message + "\n" + _("Book this one as well (e.g. a manicure while a colour sets)?"),
                yes=_("Book both"),
                no=_("Choose another time"),
                default_yes=False,
            ):
                self.submit(allow_overlap=True)
            else:
                self.error.show_error(exc.message)
        elif isinstance(exc, SlotTaken):
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

    def alternatives(self) -> list[QWidget]:
        items = (self.alt_row.itemAt(i) for i in range(self.alt_row.count()))
        return [w for it in items if it is not None and (w := it.widget()) is not None]

    def _show_alternatives(self, alts: tuple[FreeSlot, ...]) -> None:
        made: list[Button] = []
        for a in alts[:6]:
            # two lines, the date in words on another day: "12/8/26 10:00 · Oliver Wong" was cut at
            # both ends in a third of the dialog ("2/8/26 10:00 · Oliver Won", read as February)
            when = format_time(a.start_at)
            if a.start_at.astimezone(self.tz).date() != self.day:
                when = f"{format_date(a.start_at, 'medium')} {when}"
            b = Button(f"{when}\n{a.staff_name}", kind="secondary")
            b.setObjectName("altSlot")
            b.setMinimumHeight(56)
            b.setToolTip(f"{format_date(a.start_at, 'full')} {format_time(a.start_at)} · {a.staff_name}")
            b.clicked.connect(lambda _=False, s=a: self.set_start(s.start_at, s.staff_id))
            made.append(b)
        # three to a row when each fits a third of the dialog, else two (long names): never cut
        lay = self.layout()
        margins = lay.contentsMargins() if lay is not None else None
        room = self.width() - (margins.left() + margins.right() if margins is not None else 0)
        widest = max((b.sizeHint().width() for b in made), default=0)
        per_row = 3 if 3 * widest + 2 * self.alt_row.spacing() <= room else 2
        for n, b in enumerate(made):
            self.alt_row.addWidget(b, n // per_row, n % per_row)


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)
