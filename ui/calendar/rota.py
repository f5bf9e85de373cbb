"""The rota (Calendar > Rota, docs/payroll.md "Rota"): the week's working hours of everyone at
the branch, a day planned differently from the standard hours marked ✎. The owner plans a day
(other hours, a break, a day off) or copies last week; a change that leaves bookings outside the
hours names them and asks first. Reads and writes run on the runner."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desk_app import i18n
from desk_app.calendar.rota import RotaCell, RotaRow, RotaWeek, monday_of
from desk_app.calendar.rota_pdf import rota_pdf
from desk_app.core.service import NeedsConfirmation
from desk_app.domain import rota as rt
from desk_app.domain.permissions import Perm, role_label
from desk_app.i18n import _
from ui.context import UiContext
from ui.shared.table import Cell, RowsTable
from ui.shared.widgets import (
    Button,
    Dialog,
    ErrorLabel,
    SubmitDialog,
    confirm,
    error_text,
    keep_room,
    show_error,
)


def plan_text(plan: rt.DayPlan) -> str:
    """"10:00–19:00", or "Day off"."""
    return _("Day off") if plan.off else f"{plan.start}–{plan.end}"


def hours_text(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


class RotaDialog(Dialog):
    """The week's rota: a row per person, a column per day, the week's planned hours last."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, day: date | None = None,
                 branch_id: int | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.week: RotaWeek | None = None
        self._said = ""
        self.branch_id = branch_id if branch_id is not None else (ctx.actor.branch_id if ctx.actor else None)
        today = i18n.local(ctx.services.clock()).date()
        self.first = monday_of(day or today)
        self._start_day: date | None = day or today  # the cursor starts on it (or on the first day still to come)
        self.can_plan = ctx.can(Perm.STAFF_MANAGE)
        self.setWindowTitle(_("Rota"))
        self.resize(1180, 600)
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        prev = Button("", "chevron-left", "ghost")
        prev.setToolTip(_("The week before (Page Up)"))
        prev.setFixedWidth(48)
        nxt = Button("", "chevron-right", "ghost")
        nxt.setToolTip(_("The week after (Page Down)"))
        nxt.setFixedWidth(48)
        this = Button(_("This week"), kind="secondary")
        prev.clicked.connect(lambda: self.go(-7))
        nxt.clicked.connect(lambda: self.go(7))
        this.clicked.connect(lambda: self.go_to(today))
        QShortcut(QKeySequence("PgUp"), self).activated.connect(lambda: self.go(-7))
        QShortcut(QKeySequence("PgDown"), self).activated.connect(lambda: self.go(7))
        self.title = QLabel()
        self.title.setObjectName("sectionTitle")
        for w in (prev, this, nxt, self.title):
            top.addWidget(w)
        top.addStretch(1)
        lay.addLayout(top)
        how = (_("✎ marks a day planned on the rota; the others are the standard hours (Settings > Staff). "
                 "Double-click a day or press Enter to plan it; the calendar books on these hours.")
               if self.can_plan else _("✎ marks a day planned on the rota; the others are the standard hours. "
                                       "Only the owner plans the rota."))  # fmt: skip
        legend = QLabel(how)
        legend.setWordWrap(True)
        legend.setObjectName("muted")
        lay.addWidget(legend)
        self.table = RowsTable([], stretch=-1, empty_text=_("No one works at this branch yet: add staff in "
                                                              "Settings > Staff."))  # fmt: skip
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setTabKeyNavigation(False)  # Tab leaves the grid for the buttons; arrows move in it
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.activated_row.connect(lambda _r: self.plan_day())
        self.table.selectionModel().currentChanged.connect(lambda *_a: self._chosen())
        lay.addWidget(self.table, 1)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setMinimumHeight(44)
        lay.addWidget(self.note)
        self.error = ErrorLabel()
        keep_room(self.error, lines=2)
        lay.addWidget(self.error)
        row = QHBoxLayout()
        self.plan_btn = Button(_("Plan the day…"), "edit", "secondary")
        self.plan_btn.setToolTip("Enter")
        self.standard_btn = Button(_("Back to the standard hours"), "refresh", "secondary")
        self.copy_btn = Button(_("Copy last week"), "calendar", "secondary")
        self.copy_btn.setToolTip(_("Plan this week like the week before; days already past stay as they were"))
        self.plan_btn.clicked.connect(self.plan_day)
        self.standard_btn.clicked.connect(self.back_to_standard)
        self.standard_btn.setToolTip(_("The day back to the person's standard hours (Delete)"))
        QShortcut(QKeySequence("Delete"), self.table).activated.connect(self.back_to_standard)
        self.copy_btn.clicked.connect(self.copy_last_week)
        for b in (self.plan_btn, self.standard_btn, self.copy_btn):
            b.setVisible(self.can_plan)
            row.addWidget(b)
        row.addStretch(1)
        self.pdf_btn = Button(_("Save as PDF"), "printer", "secondary")
        self.pdf_btn.setToolTip(_("The week on one page, to print and pin up (Ctrl+P)"))
        self.pdf_btn.clicked.connect(lambda: self.save_pdf())
        QShortcut(QKeySequence("Ctrl+P"), self).activated.connect(self.save_pdf)
        row.addWidget(self.pdf_btn)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        close.rejected.connect(self.reject)
        row.addWidget(close)
        lay.addLayout(row)
        self.reload()

    # ------------------------------------------------------------------ the week
    def go(self, days: int) -> None:
        self.go_to(self.first + timedelta(days=days))

    def go_to(self, day: date) -> None:
        self.first = monday_of(day)
        self.reload()

    def reload(self) -> None:
        rota, first, bid = self.ctx.services.rota, self.first, self.branch_id
        last = first + timedelta(days=6)
        self.title.setText(_("Week of {first} – {last}").format(
            first=i18n.format_date(first), last=i18n.format_month_day(last)))  # fmt: skip
        self.ctx.runner.run(self, lambda: rota.week(first, bid), on_done=self._show,
                            on_error=lambda e: self.error.show_error(error_text(e)))  # fmt: skip

    def _show(self, week: RotaWeek) -> None:
        if week.first != self.first:
            return  # an older read, answered after the week changed
        where = self.table.currentIndex()
        self.week = week
        self.error.show_error(None)
        heads = [_("Staff")] + [
            f"{i18n.format_date(d, 'EEE')} {i18n.format_month_day(d)}" for d in week.days
        ] + [_("Hours")]  # fmt: skip
        rows: list[list[Cell]] = []
        for r in week.rows:
            cells: list[Cell] = [f"{r.name} · {role_label(r.role)}"]
            for c in r.cells:
                text = plan_text(c.plan)
                if c.planned:
                    cells.append((f"✎ {text}", "info"))
                elif c.day < week.today or c.plan.off:  # past, or off as every week: greyed
                    cells.append((text, "muted"))
                else:
                    cells.append(text)
            cells.append(hours_text(r.minutes))
            rows.append(cells)
        self.table.set_rows(rows, list(week.rows), headers=heads)
        head = self.table.horizontalHeader()
        self.table.setColumnWidth(0, 190)
        for i in range(1, 8):  # the days share the width; a name and the hours keep theirs
            head.setSectionResizeMode(i, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(8, 76)
        if rows:
            at_row = min(max(where.row(), 0), len(rows) - 1)
            col = where.column() if 1 <= where.column() <= 7 else self._first_open_column(week)
            if self._start_day in week.days:  # opened on a day: the cursor is on it
                col = max(week.days.index(self._start_day), self._first_open_column(week) - 1) + 1
                self._start_day = None
            self.table.setCurrentIndex(self.table.model().index(at_row, col))
        self.copy_btn.setEnabled(week.days[-1] >= week.today)  # a week wholly past is not planned
        self._chosen()
        if self._said:  # what the last action did, once the week shows it
            self.note.setText(self._said)
            self._said = ""

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.table.setFocus()  # Enter plans the day under the cursor, arrows move it (not the week buttons)

    def _first_open_column(self, week: RotaWeek) -> int:
        return next((i + 1 for i, d in enumerate(week.days) if d >= week.today), 1)

    def chosen(self) -> tuple[RotaRow, RotaCell] | None:
        idx = self.table.currentIndex()
        if self.week is None or not idx.isValid() or not 1 <= idx.column() <= 7 or idx.row() >= len(self.week.rows):
            return None
        row = self.week.rows[idx.row()]
        return row, row.cells[idx.column() - 1]

    def _chosen(self) -> None:
        got = self.chosen()
        open_day = got is not None and self.week is not None and got[1].day >= self.week.today
        self.plan_btn.setEnabled(open_day)
        self.standard_btn.setEnabled(open_day and got is not None and got[1].planned)
        if got is None:
            self.note.setText("")
            return
        row, cell = got
        parts = [_("{name} · {day}: {hours}").format(name=row.name, day=i18n.format_date(cell.day, "full"),
                                                      hours=plan_text(cell.plan))]  # fmt: skip
        if cell.plan.break_start:
            parts.append(_("break {start}–{end}").format(start=cell.plan.break_start, end=cell.plan.break_end))
        parts.append(_("planned on the rota") if cell.planned else _("standard hours"))
        if cell.note:
            parts.append(cell.note)
        if self.week is not None and cell.day < self.week.today:
            parts.append(_("this day has passed"))
        self.note.setText(" · ".join(parts))

    def save_pdf(self, path: Path | None = None) -> None:
        """The week shown on one landscape page; asks where to save it (``path``: straight there)."""
        week = self.week
        if week is None:
            return
        if path is None:
            name = f"rota-{week.first.isoformat()}.pdf"
            chosen, _sel = QFileDialog.getSaveFileName(self, _("Save the rota"), str(Path.home() / name), "PDF (*.pdf)")
            if not chosen:
                return
            path = Path(chosen)
        shop, fmt, target = self.ctx.shop.name, i18n.current(), path

        def write() -> Path:
            target.write_bytes(rota_pdf(week, shop, fmt))
            return target

        self.ctx.runner.run(self, write, on_done=lambda p: self.note.setText(_("Saved {path}").format(path=p)),
                            on_error=lambda e: self.error.show_error(error_text(e)))  # fmt: skip

    # ------------------------------------------------------------------ planning
    def plan_day(self) -> None:
        got = self.chosen()
        actor = self.ctx.actor
        if not self.can_plan or got is None or actor is None or self.week is None or got[1].day < self.week.today:
            return
        row, cell = got
        dlg = DayPlanDialog(self, row.name, cell)
        rota = self.ctx.services.rota

        def save(confirmed: bool) -> None:
            plan, note = dlg.values()
            self.ctx.runner.run(dlg, lambda: rota.set_day(actor, row.staff_id, cell.day, plan, note, confirmed=confirmed),
                                on_done=lambda _r: self._saved(dlg, row.staff_id),
                                on_error=lambda e: self._refused(dlg, e, lambda: save(True)), in_order=True)  # fmt: skip

        dlg.submit = lambda: save(False)
        dlg.exec()

    def back_to_standard(self) -> None:
        got = self.chosen()
        actor = self.ctx.actor
        if got is None or actor is None or not got[1].planned:
            return
        row, cell = got
        rota = self.ctx.services.rota

        def save(confirmed: bool) -> None:
            self.ctx.runner.run(self, lambda: rota.set_day(actor, row.staff_id, cell.day, None, confirmed=confirmed),
                                on_done=lambda _r: self._saved(None, row.staff_id),
                                on_error=lambda e: self._refused(self, e, lambda: save(True)), in_order=True)  # fmt: skip

        save(False)

    def copy_last_week(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        rota, first, bid = self.ctx.services.rota, self.first, self.branch_id
        text = _("Each day of the week of {first} is planned as the same weekday was the week before, "
                 "or goes back to the standard hours. Days already past stay as they were.").format(
            first=i18n.format_date(first))  # fmt: skip
        week = self.week
        planned = [f"{row.name} {i18n.format_month_day(c.day)}" + (f" ({c.note})" if c.note else "")
                   for row in (week.rows if week is not None else ()) for c in row.cells
                   if c.planned and week is not None and c.day >= week.today]  # fmt: skip
        if planned:  # what the copy would replace, named before it does
            text += "\n\n" + _("Planned this week now, and replaced by the copy: {days}.").format(
                days=", ".join(planned[:10]) + (" …" if len(planned) > 10 else ""))
        if not confirm(self, _("Plan this week like the week before?"), text,
                       yes=_("Copy last week"), no=_("Cancel")):  # fmt: skip
            return

        def save(confirmed: bool) -> None:
            self.ctx.runner.run(self, lambda: rota.copy_week(actor, first - timedelta(days=7), first, bid,
                                                              confirmed=confirmed),
                                on_done=self._copied, on_error=lambda e: self._refused(self, e, lambda: save(True)),
                                in_order=True)  # fmt: skip

        save(False)

    def _copied(self, changed: int) -> None:
        self.error.show_error(None)
        self._said = (i18n.ngettext("{n} day changed.", "{n} days changed.", changed).format(n=changed)
                      if changed else _("The week shown was planned like the week before already."))  # fmt: skip
        self.ctx.changed("staff")
        self.reload()

    def _saved(self, dlg: Dialog | None, staff_id: int) -> None:
        if dlg is not None:
            dlg.accept()
        self.ctx.changed("staff", staff_id)
        self.reload()
        self.table.setFocus()  # a second Enter plans the day again, never presses the next button

    def _refused(self, where: QWidget, exc: Exception, again: Callable[[], None]) -> None:
        """Bookings left outside the hours: named, and saved anyway only when the owner says so;
        anything else is said where it was asked (the day's box stays open with what was typed)."""
        if isinstance(exc, NeedsConfirmation):
            if confirm(where, exc.question, exc.message, yes=exc.yes, no=_("Go back"), default_yes=False):
                again()
            return
        if isinstance(where, DayPlanDialog):
            where.refused(exc)
        elif where is self:
            self.error.show_error(error_text(exc))
        else:
            show_error(where, exc)


class DayPlanDialog(SubmitDialog):
    """One person's day: works (from, to, an optional break) or a day off, and a note."""

    def __init__(self, parent: QWidget | None, name: str, cell: RotaCell) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Plan {name}'s day").format(name=name))
        self.setMinimumWidth(480)
        lay = QVBoxLayout(self)
        head = QLabel(f"{name} · {i18n.format_date(cell.day, 'full')}")
        head.setObjectName("sectionTitle")
        lay.addWidget(head)
        now = QLabel((_("Planned now: {hours}") if cell.planned else _("Standard hours: {hours}")).format(
            hours=plan_text(cell.plan)))  # fmt: skip
        now.setObjectName("muted")
        lay.addWidget(now)
        choice = QHBoxLayout()
        self.works = QRadioButton(_("Works"))
        self.off = QRadioButton(_("Day off"))
        group = QButtonGroup(self)
        for b in (self.works, self.off):
            b.setMinimumHeight(44)
            group.addButton(b)
            choice.addWidget(b)
        choice.addStretch(1)
        lay.addLayout(choice)
        form = QFormLayout()
        self.start, self.end, self.break_start, self.break_end = (QLineEdit() for _i in range(4))
        for edit, hint in ((self.start, _("e.g. 10:00")), (self.end, _("e.g. 19:00")),
                           (self.break_start, _("none")), (self.break_end, _("none"))):  # fmt: skip
            edit.setPlaceholderText(hint)
            edit.setMinimumHeight(44)
        times = QHBoxLayout()
        times.addWidget(self.start)
        times.addWidget(QLabel("–"))
        times.addWidget(self.end)
        pause = QHBoxLayout()
        pause.addWidget(self.break_start)
        pause.addWidget(QLabel("–"))
        pause.addWidget(self.break_end)
        form.addRow(_("Hours"), times)
        form.addRow(_("Break"), pause)
        self.note = QLineEdit(cell.note)
        self.note.setMinimumHeight(44)
        self.note.setMaxLength(rt.NOTE_MAX)
        self.note.setPlaceholderText(_("e.g. swapped shifts, training, holiday"))
        form.addRow(_("Note"), self.note)
        lay.addLayout(form)
        keep_room(self.error, lines=2)
        lay.addWidget(self.error)
        lay.addWidget(self.ok_cancel(_("Save"), _("Cancel")))
        plan = cell.plan
        if plan.off:
            self.off.setChecked(True)
        else:
            self.works.setChecked(True)
            self.start.setText(plan.start or "")
            self.end.setText(plan.end or "")
            self.break_start.setText(plan.break_start or "")
            self.break_end.setText(plan.break_end or "")
        self.works.toggled.connect(self._works_changed)
        self._works_changed(self.works.isChecked())
        (self.start if self.works.isChecked() else self.works).setFocus()
        self.start.selectAll()

    def _works_changed(self, works: bool) -> None:
        for edit in (self.start, self.end, self.break_start, self.break_end):
            edit.setEnabled(works)
        if works and not self.start.text():
            self.start.setFocus()

    def _read(self) -> tuple[rt.DayPlan, str] | str:
        """The plan typed, or what to fix."""
        note = self.note.text().strip()
        if self.off.isChecked():
            return rt.OFF, note
        start, end = rt.parse_wall_time(self.start.text()), rt.parse_wall_time(self.end.text())
        if start is None or end is None:
            (self.start if start is None else self.end).setFocus()
            return _("Type the hours as hours and minutes, e.g. 10:00 and 19:00.")
        b1_text, b2_text = self.break_start.text().strip(), self.break_end.text().strip()
        if not b1_text and not b2_text:
            return rt.DayPlan(rt.hm(start), rt.hm(end)), note
        b1, b2 = rt.parse_wall_time(b1_text), rt.parse_wall_time(b2_text)
        if b1 is None or b2 is None:
            (self.break_start if b1 is None else self.break_end).setFocus()
            return _("Type the break as hours and minutes, e.g. 13:00 and 13:30, or leave both empty.")
        return rt.DayPlan(rt.hm(start), rt.hm(end), rt.hm(b1), rt.hm(b2)), note

    def values(self) -> tuple[rt.DayPlan, str]:
        got = self._read()
        assert not isinstance(got, str)
        return got

    def problem(self) -> str | None:
        got = self._read()
        return got if isinstance(got, str) else None
