"""The calendar's side panels: the selected appointment, the waitlist, tomorrow's reminders."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.calendar.views import AppointmentView, ReminderRow, WaitlistView
from desk_app.domain.appointment import ReminderAnswer
from desk_app.domain.money import from_minor
from desk_app.i18n import _, format_date, format_money, format_time
from ui.shared.widgets import Button, StatusChip
from ui.theme import STATUS_TONE


def _wrapping(lst: QListWidget) -> QListWidget:
    lst.setWordWrap(True)
    lst.setResizeMode(QListWidget.ResizeMode.Adjust)
    lst.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    lst.setTextElideMode(Qt.TextElideMode.ElideRight)
    return lst


def _muted(text: str = "") -> QLabel:
    lbl = QLabel(text)
    lbl.setObjectName("muted")
    lbl.setWordWrap(True)
    return lbl


class AppointmentPanel(QWidget):
    """What is selected on the grid, with every action a button (and a key on the grid)."""

    action = Signal(str, int)  # confirm | move | cancel | no_show | ics | book

    def __init__(self, currency: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.currency = currency
        self.appt: AppointmentView | None = None
        lay = QVBoxLayout(self)
        lay.setSpacing(8)
        self.title = QLabel()
        self.title.setObjectName("cardTitle")
        self.title.setWordWrap(True)
        self.chip = StatusChip()
        self.details = _muted()
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.title)
        lay.addWidget(self.chip)
        lay.addWidget(self.details)
        self.buttons: dict[str, Button] = {}
        for key, text, icon, kind in (
            ("book", _("Book this time (Enter)"), "plus", "primary"),
            ("confirm", _("Mark confirmed"), "check", "secondary"),
            ("move", _("Change time or stylist"), "edit", "secondary"),
            ("no_show", _("Mark no-show"), "alert", "secondary"),
            ("ics", _("Export .ics for the client"), "download", "ghost"),
            ("cancel", _("Cancel appointment (Delete)"), "x", "danger"),
        ):
            b = Button(text, icon, kind=kind)
            b.setObjectName("apptAction_" + key)
            b.clicked.connect(lambda _=False, k=key: self.action.emit(k, self.appt.id if self.appt else 0))
            self.buttons[key] = b
            lay.addWidget(b)
        lay.addStretch()
        self.hint = _muted(
            _(
                "Click a free time to book it, or an appointment to see it. Drag an appointment to "
                "move it. Keys: arrows, Enter, Delete, Ctrl+arrows, T, PgUp/PgDn, R (the rota)."
            )
        )
        lay.addWidget(self.hint)
        self.show_appointment(None, "")

    def show_appointment(self, a: AppointmentView | None, slot_text: str, past: bool = False, off: str = "") -> None:
        """``past``: the empty time chosen is already over (not offered as free, no Book). ``off``: the
        stylist named does not work then (said as such; Book stays: the booking offers the nearest
        free times)."""
        self.appt = a
        for k, b in self.buttons.items():
            b.setVisible(k == "book" if a is None else k != "book")
        if a is None:
            self.title.setText(slot_text or _("Nothing selected"))
            self.chip.hide()
            if past:
                self.details.setText(_("That time has passed. Choose a time from now on."))
            elif off:
                self.details.setText(_(
                    "{name} is not working at this time. Choose a time in their working hours (the white "
                    "part of the column), or another stylist."
                ).format(name=off))
            else:
                self.details.setText(_("A free time. Press Enter or click Book to book it.") if slot_text else "")
            self.buttons["book"].setVisible(bool(slot_text) and not past)
            return
        self.chip.show()
        self.chip.set_status(a.status_label, STATUS_TONE.get(a.status, "info"))
        self.title.setText(
            f"{format_time(a.start_at)}–{format_time(a.end_at)}  {a.client_name or _('Walk-in')}"
        )
        lines = [
            a.service_names,
            _("With {name}").format(name=a.staff_name) + (f" · {a.resource_name}" if a.resource_name else ""),
            format_date(a.start_at, "full"),
        ]
        if a.client_number:
            lines.append(_("Client number {n}").format(n=a.client_number))
        if a.client_no_shows:
            lines.append(_("No-shows so far: {n}").format(n=a.client_no_shows))
        if a.deposit_minor:
            lines.append(
                _("Deposit held: {amount}").format(
                    amount=format_money(from_minor(a.deposit_minor, self.currency), self.currency)
                )
            )
        if a.notes:
            lines.append(a.notes)
        if a.cancel_reason:
            lines.append(_("Reason: {reason}").format(reason=a.cancel_reason))
        self.details.setText("\n".join(x for x in lines if x))
        active = a.status in ("booked", "confirmed")
        self.buttons["confirm"].setVisible(a.status == "booked")
        self.buttons["move"].setVisible(active)
        self.buttons["cancel"].setVisible(active)
        self.buttons["no_show"].setVisible(active)


class WaitlistPanel(QWidget):
    """Clients waiting for a time; after a cancellation or a move, who to call first."""

    add_requested = Signal()
    remove_requested = Signal(int)
    book_requested = Signal(int)  # waitlist entry id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        self.freed = QLabel()
        self.freed.setObjectName("freedBanner")
        self.freed.setWordWrap(True)
        self.freed.setStyleSheet(
            "background: #E3F5EC; color: #1E8E5A; border-radius: 8px; padding: 8px; font-weight: 600;"
        )
        self.freed.hide()
        lay.addWidget(self.freed)
        self.matches = QListWidget()
        self.matches.setObjectName("waitlistMatches")
        _wrapping(self.matches)
        self.matches.setMaximumHeight(130)
        self.matches.hide()
        lay.addWidget(self.matches)
        lay.addWidget(_muted(_("Everyone waiting for a time (oldest first):")))
        self.list = QListWidget()
        self.list.setObjectName("waitlist")
        _wrapping(self.list)
        lay.addWidget(self.list, 1)
        self.empty = _muted(
            _(
                "Nobody is waiting. When a client wants an earlier or a fully booked time, add "
                "them here; when a time frees, the calendar shows who to call."
            )
        )
        lay.addWidget(self.empty)
        row = QHBoxLayout()
        add = Button(_("Add to waitlist"), "user-plus", kind="secondary")
        add.clicked.connect(self.add_requested)
        self.remove = Button(_("Remove"), "trash", kind="ghost")
        self.remove.clicked.connect(self._remove)
        row.addWidget(add)
        row.addWidget(self.remove)
        lay.addLayout(row)

    @staticmethod
    def _text(w: WaitlistView) -> str:
        window = f"{format_date(w.window_start, 'short')} {format_time(w.window_start)}–{format_time(w.window_end)}"
        first = "  ·  ".join(p for p in (w.client_name, w.phone) if p)
        rest = "  ·  ".join(p for p in (window, w.service_name, w.staff_name, w.notes) if p)
        return first + "\n" + rest

    def set_entries(self, entries: list[WaitlistView]) -> None:
        self.list.clear()
        for w in entries:
            it = QListWidgetItem(self._text(w))
            it.setData(Qt.ItemDataRole.UserRole, w.id)
            self.list.addItem(it)
        self.empty.setVisible(not entries)

    def show_freed(self, when: str, matches: list[WaitlistView]) -> None:
        self.matches.clear()
        if not matches:
            self.freed.hide()
            self.matches.hide()
            return
        self.freed.setText(_("Time freed ({when}): call these clients").format(when=when))
        self.freed.show()
        self.matches.show()
        for w in matches:
            it = QListWidgetItem("☎ " + self._text(w))
            it.setData(Qt.ItemDataRole.UserRole, w.id)
            self.matches.addItem(it)

    def _remove(self) -> None:
        it = self.list.currentItem()
        if it is not None:
            self.remove_requested.emit(int(it.data(Qt.ItemDataRole.UserRole)))


class RemindersPanel(QWidget):
    """Tomorrow's appointments to confirm, with each client's channel and number."""

    mark = Signal(int, str)  # appointment id, confirmed | no_answer
    export_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        self.title = _muted()
        lay.addWidget(self.title)
        self.list = QListWidget()
        self.list.setObjectName("reminders")
        _wrapping(self.list)
        lay.addWidget(self.list, 1)
        row = QHBoxLayout()
        ok = Button(_("Confirmed"), "check", kind="secondary")
        ok.clicked.connect(lambda: self._mark("confirmed"))
        na = Button(_("No answer"), "phone", kind="secondary")
        na.clicked.connect(lambda: self._mark(ReminderAnswer.NO_ANSWER))
        row.addWidget(ok)
        row.addWidget(na)
        lay.addLayout(row)
        exp = Button(_("Export CSV"), "download", kind="ghost")
        exp.clicked.connect(self.export_requested)
        lay.addWidget(exp)

    def set_rows(self, day_text: str, rows: list[ReminderRow]) -> None:
        self.title.setText(
            _(
                "To confirm for {day}. Clients who agreed to texts or email get the app's reminder "
                "(Messages shows what went out); call or message the others, then mark the answer."
            ).format(day=day_text)
        )
        self.list.clear()
        for r in rows:
            marks: dict[str, str] = {ReminderAnswer.CONFIRMED: "✓", ReminderAnswer.NO_ANSWER: "✕"}
            mark = marks.get(r.reminder_status, "○")
            text = (
                f"{mark} {format_time(r.start_at)}  {r.client_name}  ·  {r.channel_label} {r.contact}\n"
                f"    {r.services} · {r.staff_name} · {r.reminder_label}"
            )
            it = QListWidgetItem(text)
            it.setData(Qt.ItemDataRole.UserRole, r.appointment_id)
            self.list.addItem(it)
        if not rows:
            self.list.addItem(QListWidgetItem(_("No appointments to confirm.")))

    def _mark(self, result: str) -> None:
        it = self.list.currentItem()
        if it is not None and it.data(Qt.ItemDataRole.UserRole):
            self.mark.emit(int(it.data(Qt.ItemDataRole.UserRole)), result)
