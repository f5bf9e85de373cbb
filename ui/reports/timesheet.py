"""The owner's time sheets (Reports > Pay, docs/payroll.md "Time clock"): one person and one day,
every punch with its corrections (a corrected one struck through, with the reason); a punch
added, moved or removed with a reason -- a new row, audited, refused when the punches would no
longer make shifts. Reads and corrections run on the runner."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from PySide6.QtCore import QDate
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desk_app import i18n
from desk_app.calendar.rota import RotaCell
from desk_app.domain import timesheet as ts
from desk_app.domain.permissions import Perm
from desk_app.domain.rota import parse_wall_time
from desk_app.i18n import _
from desk_app.trust.auth import StaffView
from desk_app.trust.timeclock import SOURCE_WORDS, VOID, DaySheet, PunchView, kind_word
from ui.context import UiContext
from ui.shared.table import Cell, RowsTable
from ui.shared.widgets import Button, Dialog, ErrorLabel, SubmitDialog, error_text, show_error


class TimeSheetDialog(Dialog):
    """The owner's time sheet: one person, one day; every punch (a corrected one struck through,
    with the correction's reason) and the corrections themselves."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, staff_id: int | None = None,
                 day: date | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.sheet: DaySheet | None = None
        self.setWindowTitle(_("Time sheets"))
        self.resize(860, 560)
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.person = QComboBox()
        self.person.setMinimumWidth(220)
        self.person.setMinimumHeight(44)
        top.addWidget(QLabel(_("Staff")))
        top.addWidget(self.person)
        prev = Button("", "chevron-left", "ghost")
        prev.setToolTip(_("The day before (Page Up)"))
        prev.setFixedWidth(48)
        self.day = QDateEdit()
        self.day.setCalendarPopup(True)
        self.day.setMinimumHeight(44)
        self.day.setDisplayFormat("yyyy-MM-dd")
        nxt = Button("", "chevron-right", "ghost")
        nxt.setToolTip(_("The day after (Page Down)"))
        nxt.setFixedWidth(48)
        prev.clicked.connect(lambda: self.day.setDate(self.day.date().addDays(-1)))
        nxt.clicked.connect(lambda: self.day.setDate(self.day.date().addDays(1)))
        QShortcut(QKeySequence("PgUp"), self).activated.connect(lambda: self.day.setDate(self.day.date().addDays(-1)))
        QShortcut(QKeySequence("PgDown"), self).activated.connect(lambda: self.day.setDate(self.day.date().addDays(1)))
        top.addSpacing(12)
        top.addWidget(prev)
        top.addWidget(self.day)
        top.addWidget(nxt)
        top.addStretch(1)
        lay.addLayout(top)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setObjectName("sectionTitle")
        lay.addWidget(self.summary)
        self.table = RowsTable([_("Time"), _("Punch"), _("Recorded"), _("Note")], stretch=3,
                               empty_text=_("No punches this day. Add one if this person worked and forgot to clock in."))
        lay.addWidget(self.table, 1)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        row = QHBoxLayout()
        self.add_btn = Button(_("Add a punch"), "plus", "secondary")
        self.shift_btn = Button(_("Add a shift"), "plus", "secondary")
        self.shift_btn.setToolTip(_("A whole shift never clocked: its start and its end, in one correction"))
        self.move_btn = Button(_("Change its time"), "edit", "secondary")
        self.remove_btn = Button(_("Remove"), "trash", "secondary")
        self.remove_shift_btn = Button(_("Remove the shift"), "trash", "secondary")
        self.remove_shift_btn.setToolTip(_("Every punch of the chosen punch's shift (a shift clocked by mistake)"))
        self.add_btn.clicked.connect(lambda: self.correct(None))
        self.shift_btn.clicked.connect(lambda: self.correct("add_shift"))
        self.move_btn.clicked.connect(lambda: self.correct("move"))
        self.remove_btn.clicked.connect(lambda: self.correct(VOID))
        self.remove_shift_btn.clicked.connect(lambda: self.correct("remove_shift"))
        self.buttons = (self.add_btn, self.shift_btn, self.move_btn, self.remove_btn, self.remove_shift_btn)
        for b in self.buttons:
            row.addWidget(b)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        close.rejected.connect(self.reject)
        row.addWidget(close)
        lay.addLayout(row)
        allowed = ctx.can(Perm.STAFF_MANAGE)
        for b in self.buttons:
            b.setVisible(allowed)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._chosen())
        today = day or i18n.local(ctx.services.clock()).date()
        self.day.setDate(QDate(today.year, today.month, today.day))
        self._want_staff = staff_id
        self.person.currentIndexChanged.connect(lambda _i: self.reload())
        self.day.dateChanged.connect(lambda _d: self.reload())
        auth = ctx.services.auth
        ctx.runner.run(self, lambda: auth.list_staff(active_only=False), on_done=self._staff,
                       on_error=lambda e: show_error(self, e))  # fmt: skip

    def _staff(self, staff: list[StaffView]) -> None:
        self.person.blockSignals(True)
        for s in staff:
            self.person.addItem(s.name if s.active else _("{name} (left)").format(name=s.name), s.id)
        idx = self.person.findData(self._want_staff) if self._want_staff is not None else 0
        self.person.setCurrentIndex(max(idx, 0))
        self.person.blockSignals(False)
        self.reload()

    def chosen_day(self) -> date:
        d = self.day.date()
        return date(d.year(), d.month(), d.day())

    def reload(self) -> None:
        actor, sid = self.ctx.actor, self.person.currentData()
        if actor is None or sid is None:
            return
        svc, rota, day = self.ctx.services.timeclock, self.ctx.services.rota, self.chosen_day()
        self.ctx.runner.run(self, lambda: (svc.day_sheet(actor, int(sid), day), rota.day(int(sid), day)),
                            on_done=lambda got: self._show(*got),
                            on_error=lambda e: self.error.show_error(error_text(e)))  # fmt: skip

    def _show(self, sheet: DaySheet, planned: RotaCell | None = None) -> None:
        if sheet.staff_id != self.person.currentData() or sheet.day != self.chosen_day():
            return  # an older read, answered after the person or the day changed
        self.sheet = sheet
        self.error.show_error(None)
        text = ngettext_shifts(sheet)
        if planned is not None:  # what the rota said, beside what was clocked
            text = f"{text}\n{planned_text(planned)}"
        self.summary.setText(text)
        rows: list[list[Cell]] = []
        for p in sheet.punches:
            note = p.reason
            if p.replaced and p.moved_to is not None:
                note = _("Moved to {time}: {reason}").format(time=i18n.format_when(p.moved_to), reason=p.replaced_reason)
            elif p.replaced:
                note = _("Removed: {reason}").format(reason=p.replaced_reason)
            cell: Cell = (kind_word(p.kind), "bad") if p.replaced else kind_word(p.kind)
            local = i18n.local(p.at)
            when = i18n.format_time(local)
            if local.date() != sheet.day:  # a late shift's clock-out past midnight: say which day
                when = f"{i18n.format_month_day(local)} {when}"
            rows.append([(f"{when} ✕", "bad") if p.replaced else when, cell,
                         _("{how}, by {who}").format(how=_(SOURCE_WORDS.get(p.source, p.source)), who=p.by), note])
        self.table.set_rows(rows, list(sheet.punches))
        self.table.fit_columns({0: 110, 1: 170, 2: 260})
        self._chosen()

    def chosen(self) -> PunchView | None:
        p = self.table.current()
        return p if isinstance(p, PunchView) else None

    def _chosen(self) -> None:
        p = self.chosen()
        live = p is not None and not p.replaced
        self.move_btn.setEnabled(live)
        self.remove_btn.setEnabled(live)
        self.remove_shift_btn.setEnabled(live)

    def correct(self, how: str | None) -> None:
        """``how``: None adds a punch, "add_shift" a whole shift, "move" changes the chosen punch's
        time, VOID removes it, "remove_shift" removes its whole shift. The box stays open on a
        refusal, with the reason said and what was typed kept."""
        sid = self.person.currentData()
        actor = self.ctx.actor
        p = self.chosen() if how not in (None, "add_shift") else None
        if actor is None or sid is None or (how not in (None, "add_shift") and (p is None or p.replaced)):
            return
        unclosed = self.sheet is not None and any(x.unclosed for x in self.sheet.shifts)
        today = i18n.local(self.ctx.services.clock()).date()
        day = self.chosen_day()
        dlg = CorrectionDialog(self, day, p, remove=how in (VOID, "remove_shift"), missing_out=unclosed and how is None,
                               month_over=(day.year, day.month) < (today.year, today.month),
                               shift=how in ("add_shift", "remove_shift"))  # fmt: skip
        svc, staff = self.ctx.services.timeclock, int(sid)

        def work() -> None:
            kind, at, reason = dlg.values()
            if how == "add_shift":
                start, end = dlg.shift_times()
                svc.add_shift(actor, staff, start=start, end=end, reason=reason)
            elif how == "remove_shift":
                assert p is not None
                svc.remove_shift(actor, staff, p.id, reason)
            else:
                svc.correct(actor, staff, kind=kind, at=at, reason=reason, replaces_id=p.id if p else None)

        dlg.submit = lambda: self.ctx.runner.run(dlg, work, on_done=lambda _r: dlg.accept(), on_error=dlg.refused,
                                                 in_order=True)  # fmt: skip
        dlg.exec()
        self.reload()


def planned_text(cell: RotaCell) -> str:
    """"Rota: 14:00–22:00 (planned: swapped with Amy)", "Standard hours: 10:00–19:00", "Rota: day off"."""
    plan = cell.plan
    hours = _("day off") if plan.off else f"{plan.start}–{plan.end}"
    if not cell.planned:
        return _("Standard hours: {hours}").format(hours=hours)
    text = _("Rota: {hours}").format(hours=hours)
    return f"{text} · {cell.note}" if cell.note else text


def ngettext_shifts(sheet: DaySheet) -> str:
    n = len(sheet.shifts)
    if not n:
        return _("{name} · {day}: no shift").format(name=sheet.name, day=i18n.format_date(sheet.day))
    text = i18n.ngettext("{name} · {day}: {hours} worked in {n} shift, breaks {breaks}",
                         "{name} · {day}: {hours} worked in {n} shifts, breaks {breaks}", n).format(
        name=sheet.name, day=i18n.format_date(sheet.day), hours=ts.hours_text(sheet.worked_seconds), n=n,
        breaks=ts.hours_text(sheet.break_seconds))  # fmt: skip
    if any(s.unclosed for s in sheet.shifts):
        text = _("{text} · no clock-out: add it").format(text=text)
    elif any(s.end is None for s in sheet.shifts):
        text = _("{text} · on the clock now").format(text=text)
    return text


class CorrectionDialog(SubmitDialog):
    """What the correction is: the punch's kind and time (adding), its new time (moving), and
    always the reason."""

    def __init__(self, parent: QWidget | None, day: date, punch: PunchView | None, remove: bool = False,
                 missing_out: bool = False, month_over: bool = False, shift: bool = False) -> None:
        super().__init__(parent)
        self.punch, self.remove, self._day, self.shift = punch, remove, day, shift
        if shift:
            title = _("Remove the whole shift") if remove else _("Add a whole shift")
        elif remove:
            title = _("Remove a punch")
        elif punch is not None:
            title = _("Change a punch's time")
        else:
            title = _("Add a punch")
        self.setWindowTitle(title)
        self.setMinimumWidth(440)
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.kind = QComboBox()
        self.kind.setMinimumHeight(44)
        for k in ts.KINDS:
            self.kind.addItem(kind_word(k), k)
        # typed as a person types a time ("9", "930", "21:05"); a QTimeEdit ignored typing over it
        self.when = QLineEdit()
        self.when.setPlaceholderText(_("e.g. 18:00"))
        self.when.setMinimumHeight(44)
        self.on_day = QDateEdit()
        self.on_day.setDisplayFormat("yyyy-MM-dd")
        self.on_day.setMinimumHeight(44)
        self.on_day.setCalendarPopup(True)
        self.on_day.setDate(QDate(day.year, day.month, day.day))
        if punch is not None:
            local = i18n.local(punch.at)
            self.kind.setCurrentIndex(max(self.kind.findData(punch.kind), 0))
            self.kind.setEnabled(False)
            self.when.setText(f"{local.hour:02d}:{local.minute:02d}")
            self.on_day.setDate(QDate(local.year, local.month, local.day))
        elif missing_out:  # the day says "no clock-out: add it"
            self.kind.setCurrentIndex(max(self.kind.findData(ts.OUT), 0))
        self.until = QLineEdit()
        self.until.setPlaceholderText(_("e.g. 18:00"))
        self.until.setMinimumHeight(44)
        if shift and not remove:
            form.addRow(_("Date"), self.on_day)
            form.addRow(_("From"), self.when)
            form.addRow(_("To"), self.until)
        elif shift:
            assert punch is not None
            form.addRow(_("The shift of"), QLabel(i18n.format_when(punch.at)))
        elif not remove:
            form.addRow(_("Punch"), self.kind)
            form.addRow(_("Date"), self.on_day)
            form.addRow(_("Time"), self.when)
        else:
            assert punch is not None
            form.addRow(_("Punch"), self.kind)
            form.addRow(_("Time"), QLabel(i18n.format_when(punch.at)))
        self.reason = QLineEdit()
        self.reason.setMinimumHeight(44)
        self.reason.setPlaceholderText(_("Why: e.g. forgot to clock out, left at six"))
        form.addRow(_("Reason"), self.reason)
        lay.addLayout(form)
        if month_over:  # like a commission change: a past month's statement moves, and it says so
            past = QLabel(_("This day's month is over: the correction changes its pay statement, which may have been "
                            "handed over already."))  # fmt: skip
            past.setObjectName("warningText")
            past.setWordWrap(True)
            lay.addWidget(past)
        lay.addWidget(self.error)
        ok = _("Remove the shift") if remove and shift else _("Remove") if remove else _("Save")
        lay.addWidget(self.ok_cancel(ok, _("Cancel")))
        (self.reason if remove else self.when).setFocus()

    def problem(self) -> str | None:
        for box in (self.when, self.until) if self.shift and not self.remove else (self.when,):
            if not self.remove and parse_wall_time(box.text()) is None:
                box.setFocus()
                return _("Type the time as hours and minutes, e.g. 18:00 or 9:30.")
        if not self.reason.text().strip():
            self.reason.setFocus()
            return _("Say why the time sheet is corrected (it is kept with the correction).")
        return None

    def values(self) -> tuple[str, datetime | None, str]:
        if self.remove:
            return VOID, None, self.reason.text().strip()
        d, t = self.on_day.date(), parse_wall_time(self.when.text()) or time(0)
        local = datetime.combine(date(d.year(), d.month(), d.day()), t, tzinfo=i18n.timezone())
        return str(self.kind.currentData()), local.astimezone(UTC), self.reason.text().strip()


    def shift_times(self) -> tuple[datetime, datetime]:
        """A whole shift's start and end; an end before the start is the next morning's."""
        d = self.on_day.date()
        day = date(d.year(), d.month(), d.day())
        start = datetime.combine(day, parse_wall_time(self.when.text()) or time(0), tzinfo=i18n.timezone())
        end = datetime.combine(day, parse_wall_time(self.until.text()) or time(0), tzinfo=i18n.timezone())
        if end <= start:
            end += timedelta(days=1)
        return start.astimezone(UTC), end.astimezone(UTC)

