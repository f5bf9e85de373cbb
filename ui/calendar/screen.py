"""Calendar screen: day view (one column per stylist, and per chair/room) and week view (one stylist).

Book by clicking a free time, move by dragging (or Ctrl+arrows, or "Change time"), cancel with a
reason (Delete). Side panels: the selected appointment, the waitlist (who to call when a time frees)
and tomorrow's reminders. T = today, PgUp/PgDn = previous/next day (week in week view).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desk_app.calendar.views import (
    INACTIVE_STATUSES,
    AppointmentView,
    DayView,
    SlotTaken,
    StaffOption,
    WeekView,
)
from desk_app.i18n import _, format_date, format_time
from ui.calendar.booking import BookingDialog
from ui.calendar.booking_extra import MoveDialog, WaitlistDialog
from ui.calendar.grid import CalendarGrid, columns_for_day, columns_for_week, working_at
from ui.calendar.rota import RotaDialog
from ui.calendar.side import AppointmentPanel, RemindersPanel, WaitlistPanel
from ui.context import UiContext
from ui.runner import Latest
from ui.shared.branch_picker import BranchPicker
from ui.shared.widgets import Button, PageHeader, ask_reason, error_text, show_error, show_info


def save_bytes(parent: QWidget, title: str, name: str, data: bytes, pattern: str) -> Path | None:
    """Ask where to save and write ``data``; None when cancelled."""
    path, _sel = QFileDialog.getSaveFileName(parent, title, str(Path.home() / name), pattern)
    if not path:
        return None
    Path(path).write_bytes(data)
    return Path(path)


class CalendarScreen(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.cal = ctx.services.calendar
        self.tz = ZoneInfo(ctx.shop.timezone)
        self.day: date = ctx.services.clock().astimezone(self.tz).date()
        self.mode = "day"
        self.client_id: int | None = None
        self.view: DayView | WeekView | None = None
        self._view_latest = Latest()  # paging through days quickly: only the newest day is shown
        self._lists_latest = Latest()
        self._client_latest = Latest()
        self.dialog: BookingDialog | None = None
        self.last_freed: list[Any] = []

        root = QVBoxLayout(self)
        root.setContentsMargins(20, 16, 20, 16)
        root.setSpacing(10)
        self.header = PageHeader(_("Calendar"), "")
        root.addWidget(self.header)
        bar = QHBoxLayout()
        prev_b = Button("", "chevron-left", kind="ghost")
        prev_b.setToolTip(_("Previous (PgUp)"))
        prev_b.clicked.connect(lambda: self.step(-1))
        today_b = Button(_("Today"), kind="secondary")
        today_b.setToolTip("T")
        today_b.clicked.connect(self.go_today)
        next_b = Button("", "chevron-right", kind="ghost")
        next_b.setToolTip(_("Next (PgDn)"))
        next_b.clicked.connect(lambda: self.step(1))
        self.date_label = QLabel()
        self.date_label.setObjectName("sectionTitle")
        self.date_label.setMinimumWidth(220)
        for w in (prev_b, today_b, next_b, self.date_label):
            bar.addWidget(w)
        bar.addStretch()
        self.mode_group = QButtonGroup(self)
        self.day_b = Button(_("Day"), kind="secondary")
        self.week_b = Button(_("Week"), kind="secondary")
        for i, b in enumerate((self.day_b, self.week_b)):
            b.setCheckable(True)
            self.mode_group.addButton(b, i)
            bar.addWidget(b)
        self.day_b.setChecked(True)
        self.mode_group.idClicked.connect(lambda i: self.set_mode("day" if i == 0 else "week"))
        self.branch = BranchPicker(ctx, self._branch_chosen, with_all=False)  # the owner: another branch's diary
        bar.addWidget(self.branch)
        self.staff_box = QComboBox()
        self.staff_box.setMinimumHeight(44)
        self.staff_box.setMinimumWidth(150)
        self.staff_box.currentIndexChanged.connect(lambda _i: self.refresh() if self.mode == "week" else None)
        bar.addWidget(self.staff_box)
        self.res_box = QCheckBox(_("Chairs and rooms"))
        self.res_box.setChecked(False)  # the desk books by stylist; chairs are given out by themselves
        self.res_box.toggled.connect(lambda _c: self._show(self.view) if self.view else None)
        bar.addWidget(self.res_box)
        rota_b = Button(_("Rota"), "users", kind="ghost")
        rota_b.setToolTip(_("The week's working hours of everyone (R)"))
        rota_b.clicked.connect(self.open_rota)
        bar.addWidget(rota_b)
        feed = Button(_("Stylist .ics"), "download", kind="ghost")
        feed.clicked.connect(self.export_feed)
        bar.addWidget(feed)
        root.addLayout(bar)
        self.banner = QLabel()
        self.banner.setObjectName("infoBanner")
        self.banner.setStyleSheet("background: #E4EDFC; color: #1F56B8; border-radius: 8px; padding: 8px;")
        self.banner.hide()
        root.addWidget(self.banner)

        body = QHBoxLayout()
        self.grid = CalendarGrid()
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setWidget(self.grid)
        self.scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        body.addWidget(self.scroller, 1)
        self.tabs = QTabWidget()
        self.tabs.setFixedWidth(300)
        self.details = AppointmentPanel(ctx.shop.currency)
        self.waitlist = WaitlistPanel()
        self.reminders = RemindersPanel()
        self.tabs.addTab(self.details, _("Selected"))
        self.tabs.addTab(self.waitlist, _("Waitlist"))
        self.tabs.addTab(self.reminders, _("Reminders"))
        body.addWidget(self.tabs)
        root.addLayout(body, 1)

        self.grid.slot_activated.connect(self.book_at)
        self.grid.appointment_selected.connect(self._selected)
        self.grid.appointment_activated.connect(lambda _i: self.tabs.setCurrentWidget(self.details))
        self.grid.appointment_dropped.connect(self.drop)
        self.grid.delete_requested.connect(self.cancel_appt)
        self.details.action.connect(self._action)
        self.waitlist.add_requested.connect(self.add_waitlist)
        self.waitlist.remove_requested.connect(self._remove_waitlist)
        self.reminders.mark.connect(self._mark_reminder)
        self.reminders.export_requested.connect(self.export_reminders)
        for key, fn in (
            ("T", self.go_today),
            ("PgUp", lambda: self.step(-1)),
            ("PgDown", lambda: self.step(1)),
            ("D", lambda: self.set_mode("day")),
            ("W", lambda: self.set_mode("week")),
            ("R", self.open_rota),
            ("Ctrl+N", self.book_cursor),
        ):
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(fn)
        ctx.signals.data_changed.connect(self._elsewhere_changed)
        ctx.signals.actor_changed.connect(self._actor_changed)
        self.branch.load()
        self._fill_staff()
        self.refresh()

    def open_rota(self) -> None:
        """The week's rota of the branch shown, from the week of the day shown."""
        RotaDialog(self.ctx, self, self.day, self.branch.branch_id()).exec()
        self.refresh()

    def _elsewhere_changed(self, kind: str, _ident: int) -> None:
        """A visit arrived/finished or a client changed on another screen: redraw (our own writes refresh)."""
        if kind in ("visit", "client", "staff") and self.isVisible():
            self.refresh()

    # ----------------------------------------------------------------- navigation
    def open(self, client_id: int | None = None, date: date | None = None, **_kw: Any) -> None:
        self.client_id = client_id
        if date is not None:
            self.day = date
        self.banner.setVisible(False)  # shown with the client's name when it arrives
        if client_id is not None:
            actor, clients = self.ctx.require_actor(), self.ctx.services.clients
            seq = self._client_latest.next()
            self.ctx.runner.run(
                self,
                lambda: clients.get(actor, client_id).name,
                on_done=self._client_latest.guard(seq, self._show_banner),
                on_error=self._client_latest.guard(seq, self._error),
            )
        else:
            self._client_latest.cancel()
        self.refresh()
        self.grid.setFocus()

    def _show_banner(self, name: str) -> None:
        self.banner.setText(
            _("Booking for {name}: click a free time (or move with the arrows and press Enter).").format(
                name=name
            )
        )
        self.banner.setVisible(self.client_id is not None)

    def _actor_changed(self) -> None:
        self.branch.load()  # someone else at this desk: back to the desk's branch
        self._fill_staff()
        self.refresh()

    def _branch_chosen(self) -> None:
        self._fill_staff()
        self.refresh()

    def _fill_staff(self) -> None:
        self.staff_box.setVisible(self.mode == "week")
        cal, branch = self.cal, self.branch.branch_id()
        self.ctx.runner.run(self, lambda: cal.bookable_staff(branch), on_done=self._show_staff, on_error=self._error)

    def _show_staff(self, staff: list[StaffOption]) -> None:
        self.staff_box.blockSignals(True)
        self.staff_box.clear()
        for s in staff:
            self.staff_box.addItem(s.name, s.id)
        self.staff_box.blockSignals(False)
        if self.mode == "week":  # the week was waiting for a stylist to show
            self.refresh()

    def go_today(self) -> None:
        self.day = self.ctx.services.clock().astimezone(self.tz).date()
        self.refresh()

    def step(self, n: int) -> None:
        self.day += timedelta(days=n * (7 if self.mode == "week" else 1))
        self.refresh()

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        (self.day_b if mode == "day" else self.week_b).setChecked(True)
        sel = self.grid.selected()
        if mode == "week" and sel is not None:
            self.staff_box.setCurrentIndex(max(0, self.staff_box.findData(sel.staff_id)))
        self.staff_box.setVisible(mode == "week")
        self.res_box.setVisible(mode == "day")
        self.refresh()

    def refresh(self) -> None:
        today = self.ctx.services.clock().astimezone(self.tz).date()
        if self.day == today and self.ctx.actor is not None:  # past the grace period: mark no-shows
            self.ctx.runner.run(self, self.cal.auto_no_shows, on_error=self._error)
        cal, actor, branch = self.cal, self.ctx.actor, self.branch.branch_id()
        if self.mode == "day":
            d = self.day
            seq = self._view_latest.next()
            self.ctx.runner.run(
                self,
                lambda: cal.day(d, branch),
                on_done=self._view_latest.guard(seq, self._show),
                on_error=self._view_latest.guard(seq, self._error),
            )
        elif self.staff_box.count():
            start = self.day - timedelta(days=self.day.weekday())
            sid = int(self.staff_box.currentData())
            seq = self._view_latest.next()
            self.ctx.runner.run(
                self,
                lambda: cal.week(start, sid),
                on_done=self._view_latest.guard(seq, self._show),
                on_error=self._view_latest.guard(seq, self._error),
            )
        seq = self._lists_latest.next()
        waitlist = self.ctx.services.waitlist
        self.ctx.runner.run(
            self,
            lambda: (waitlist.entries(actor), cal.reminders(None, actor)),
            on_done=self._lists_latest.guard(seq, self._show_lists),
            on_error=self._lists_latest.guard(seq, self._error),
        )

    def _error(self, exc: Exception) -> None:
        show_error(self, exc)

    def _show(self, view: DayView | WeekView | None) -> None:
        if view is None:
            return
        self.view = view
        now = self.ctx.services.clock()
        if isinstance(view, DayView):
            cols = columns_for_day(view, self.res_box.isChecked())
            minutes = int((view.display_to - view.display_from).total_seconds() // 60)
            self.date_label.setText(format_date(view.day, "full"))
            slot = view.slot_minutes
        else:
            cols = columns_for_week(view)
            d0 = view.days[0]
            minutes = int((d0.display_to - d0.display_from).total_seconds() // 60)
            self.date_label.setText(
                _("Week of {day} · {name}").format(
                    day=format_date(view.start, "medium"), name=view.staff_name
                )
            )
            slot = d0.slot_minutes
        self.grid.set_columns(cols, self.tz, slot, minutes, now)
        self._selected(self.grid.selected_id)

    def _show_lists(self, data: tuple[Any, Any]) -> None:
        wl, rem = data
        self.waitlist.set_entries(wl)
        tomorrow = self.ctx.services.clock().astimezone(self.tz).date() + timedelta(days=1)
        self.reminders.set_rows(format_date(tomorrow, "full"), rem)

    # ----------------------------------------------------------------- selection and actions
    def _selected(self, appt_id: int) -> None:
        a = self.grid.appointment(appt_id) if appt_id else None
        slot_text = ""
        start = self.grid.cursor_start()
        past = False
        off = ""
        if a is None and start is not None and self.grid.columns:
            col = self.grid.columns[self.grid.cursor_col]
            # a time a booking covers is that booking, never "a free time" (the first selection on
            # opening said so of 10:00 with a client booked there)
            a = next(
                (x for x in col.appts if x.status not in INACTIVE_STATUSES and x.start_at <= start < x.end_at), None
            )
        if a is None and start is not None and self.grid.columns:
            col = self.grid.columns[self.grid.cursor_col]
            if col.droppable:
                slot_text = f"{format_date(start, 'medium')} {format_time(start)} · {col.title}"
                # the slot that began less than a slot ago is still bookable (the dialog starts it now)
                past = start + timedelta(minutes=self.grid.slot_minutes) <= self.ctx.services.clock()
                if not working_at(col, start):
                    off = col.title
        self.details.show_appointment(a, slot_text, past, off)

    def _action(self, key: str, appt_id: int) -> None:
        if key == "book":
            self.book_cursor()
        elif key == "confirm":
            cal = self.cal
            self._run(lambda actor: cal.confirm(actor, appt_id))
        elif key == "move":
            self.edit_time(appt_id)
        elif key == "cancel":
            self.cancel_appt(appt_id)
        elif key == "no_show":
            cal = self.cal
            self._run(lambda actor: cal.mark_no_show(actor, appt_id))
        elif key == "ics":
            ics = self.ctx.services.calendar_ics
            self.ctx.runner.run(
                self,
                lambda: ics.appointment(appt_id),
                on_done=lambda data: self._save_appointment(appt_id, data),
                on_error=self._error,
            )

    def _save_appointment(self, appt_id: int, data: bytes) -> None:
        path = save_bytes(
            self,
            _("Save the appointment"),
            f"appointment-{appt_id}.ics",
            data,
            _("Calendar files (*.ics)"),
        )
        if path:
            show_info(
                self, _("Saved {path}. Send it to the client to add to their calendar.").format(path=path)
            )

    def _run(self, fn: Any, after: Any = None) -> None:
        """Run a write off the GUI thread; refresh (and call ``after(result)``) when it is done."""
        actor = self.ctx.require_actor()

        def done(result: Any) -> None:
            self.refresh()
            if after is not None:
                after(result)

        self.ctx.runner.run(self, lambda: fn(actor), on_done=done, on_error=self._error, in_order=True)

    def book_cursor(self) -> None:
        start = self.grid.cursor_start()
        if start is not None and self.grid.columns[self.grid.cursor_col].droppable:
            self.book_at(self.grid.cursor_col, start)

    def book_at(self, col: int, start: datetime) -> None:
        c = self.grid.columns[col]
        dlg = BookingDialog(self.ctx, start, staff_id=c.ident, client_id=self.client_id, parent=self,
                            branch_id=self.branch.branch_id())
        dlg.booked.connect(self._booked)
        self.dialog = dlg
        dlg.open()

    def _booked(self, view: AppointmentView) -> None:
        self.client_id = None
        self.banner.hide()
        self.refresh()
        self.grid.select(view.id)

    def drop(self, appt_id: int, col: int, new_start: datetime) -> None:
        old = self.grid.appointment(appt_id)
        if old is None:
            return
        c = self.grid.columns[col]
        staff_id = c.ident if c.kind in ("staff", "day") else old.staff_id
        self._move(old, new_start, staff_id)

    def edit_time(self, appt_id: int) -> None:
        old = self.grid.appointment(appt_id)
        if old is None:
            return
        dlg = MoveDialog(self.ctx, old, self)
        if dlg.exec():
            self._move(old, dlg.new_start(), dlg.new_staff_id())

    def _move(self, old: AppointmentView, new_start: datetime, staff_id: int) -> None:
        actor = self.ctx.require_actor()

        def done(moved: AppointmentView) -> None:
            self.refresh()
            self.grid.select(moved.id)
            self._offer_freed(old)

        def failed(exc: Exception) -> None:
            text = error_text(exc)
            if isinstance(exc, SlotTaken) and exc.alternatives:
                alts = ", ".join(f"{format_time(a.start_at)} {a.staff_name}" for a in exc.alternatives[:5])
                text += "\n" + _("Free: {times}").format(times=alts)
            show_error(self, text)
            self.refresh()

        cal = self.cal
        self.ctx.runner.run(
            self,
            lambda: cal.move(actor, old.id, new_start, new_staff_id=staff_id, expected_version=old.version),
            on_done=done,
            on_error=failed,
            in_order=True,
        )

    def cancel_appt(self, appt_id: int) -> None:
        a = self.grid.appointment(appt_id)
        if a is None or a.status not in ("booked", "confirmed"):
            return
        reason = ask_reason(
            self,
            _("Cancel appointment"),
            _("Why is {name}'s appointment at {time} cancelled?").format(
                name=a.client_name or _("the client"), time=format_time(a.start_at)
            ),
        )
        if not reason:
            return
        cal = self.cal
        self._run(lambda actor: cal.cancel(actor, appt_id, reason), after=lambda _r: self._offer_freed(a))

    def _offer_freed(self, freed: AppointmentView) -> None:
        when = f"{format_date(freed.start_at, 'medium')} {format_time(freed.start_at)} · {freed.staff_name}"

        def show(matches: list[Any]) -> None:
            self.last_freed = matches
            self.waitlist.show_freed(when, matches)
            if matches:
                self.tabs.setCurrentWidget(self.waitlist)

        waitlist, actor = self.ctx.services.waitlist, self.ctx.actor
        self.ctx.runner.run(
            self,
            lambda: waitlist.matches_for_freed_slot(freed, actor=actor),
            on_done=show,
            on_error=self._error,
        )

    # ----------------------------------------------------------------- waitlist, reminders, exports
    def add_waitlist(self) -> None:
        sel = self.grid.columns[self.grid.cursor_col] if self.grid.columns else None
        dlg = WaitlistDialog(self.ctx, self.day, sel.ident if sel and sel.kind != "resource" else None, self)
        if dlg.exec():
            self.refresh()

    def _remove_waitlist(self, entry_id: int) -> None:
        waitlist = self.ctx.services.waitlist
        self._run(lambda actor: waitlist.remove(actor, entry_id))

    def _mark_reminder(self, appt_id: int, result: str) -> None:
        cal = self.cal
        self._run(lambda actor: cal.set_reminder_status(actor, appt_id, result))

    def export_reminders(self) -> None:
        cal, actor = self.cal, self.ctx.actor
        self.ctx.runner.run(
            self,
            lambda: cal.reminders_csv(None, actor),
            on_done=self._save_reminders,
            on_error=self._error,
        )

    def _save_reminders(self, data: bytes) -> None:
        save_bytes(self, _("Export reminders"), "reminders.csv", data, _("CSV files (*.csv)"))

    def export_feed(self) -> None:
        sid = self.staff_box.currentData() if self.mode == "week" else None
        sel = self.grid.columns[self.grid.cursor_col] if self.grid.columns else None
        if sid is None and sel is not None and sel.kind != "resource":
            sid = sel.ident
        if sid is None:
            show_error(self, _("Choose a stylist's column first."))
            return
        start = datetime.combine(self.day, datetime.min.time(), tzinfo=self.tz)
        ics, staff_id = self.ctx.services.calendar_ics, int(sid)
        self.ctx.runner.run(
            self,
            lambda: ics.staff_feed(staff_id, start, start + timedelta(days=56)),
            on_done=lambda data: self._save_feed(staff_id, data),
            on_error=self._error,  # shown to the person
        )

    def _save_feed(self, staff_id: int, data: bytes) -> None:
        save_bytes(
            self,
            _("Save the stylist's schedule"),
            f"schedule-{staff_id}.ics",
            data,
            _("Calendar files (*.ics)"),
        )
