"""The pay page (Reports): the month's statement for each staff member -- commission by rate,
tips, base pay, what to pay -- and the lines each is made of; saved as a workbook or PDF to
hand over (docs/payroll.md). The owner's; reads go through the runner."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desk_app import i18n
from desk_app.checkout.bill import money as fmt_money
from desk_app.domain import timesheet as ts
from desk_app.domain.permissions import Perm
from desk_app.i18n import _
from desk_app.payroll import files
from desk_app.payroll.statement import TIP, Payroll, Statement
from desk_app.reports.pdf import month_title
from ui.context import UiContext
from ui.shared.files import in_documents
from ui.shared.table import Cell, RowsTable
from ui.shared.widgets import Button, show_error, show_info


class PayPage(QWidget):
    loaded = Signal(int)  # the month's statements were read: how many

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.month = ""
        self.branch_id: int | None = None
        self.payroll: Payroll | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        top = QHBoxLayout()
        self.said = QLabel()
        self.said.setWordWrap(True)
        self.said.setObjectName("muted")
        top.addWidget(self.said, 1)
        self.rates_btn = Button(_("Commission rates"), "settings", "secondary")
        self.rates_btn.setToolTip(_("Settings > Pay: who earns what share of which sales"))
        self.rates_btn.clicked.connect(lambda: self.ctx.navigate("settings", tab="commission"))
        self.sheets_btn = Button(_("Time sheets"), "clock", "secondary")
        self.sheets_btn.setToolTip(_("Each person's clock-ins and breaks by day; the owner corrects them with a reason"))
        self.sheets_btn.clicked.connect(lambda: self.open_time_sheet(None))
        self.xlsx_btn = Button(_("Save all (.xlsx)"), "download", "secondary")
        self.xlsx_btn.setToolTip(_("Every statement in one spreadsheet (.xlsx): a sheet per person"))
        self.pdf_btn = Button(_("Save statement (PDF)"), "file", "secondary")
        self.pdf_btn.setToolTip(_("The chosen person's statement as a PDF, to hand over"))
        self.xlsx_btn.clicked.connect(lambda: self.save("xlsx"))
        self.pdf_btn.clicked.connect(lambda: self.save("pdf"))
        for b in (self.rates_btn, self.sheets_btn, self.xlsx_btn, self.pdf_btn):
            top.addWidget(b)
        lay.addLayout(top)
        body = QHBoxLayout()
        self.people = RowsTable(
            [_("Staff"), _("Hours"), _("To pay")], stretch=0,
            empty_text=_("No one sold, served, clocked hours or had base pay in this month. Choose another month above."),
        )  # fmt: skip
        self.people.selectionModel().currentRowChanged.connect(lambda *_a: self._show_person())
        body.addWidget(self.people, 4)  # names whole beside "309:24 ⚠" at 1366x768
        right = QVBoxLayout()
        self.person_title = QLabel()
        self.person_title.setObjectName("sectionTitle")
        right.addWidget(self.person_title)
        # the time clock's hours (Staff > Time sheet), with what still needs the owner's correction
        self.hours = QLabel()
        self.hours.setObjectName("muted")
        self.hours.setWordWrap(True)
        self.hours.hide()
        right.addWidget(self.hours)
        self.groups = RowsTable([_("Commission"), _("Rate (%)"), _("Commission base"), _("Amount")], stretch=0)
        right.addWidget(self.groups)
        self.lines = RowsTable([_("When"), _("Receipt"), _("Item"), _("Sold (before tax)"), _("Commission base")], stretch=2,
                               empty_text=_("No sales of this person's in this month: their pay is the hours and "
                                            "base pay on the left."))
        right.addWidget(self.lines, 1)
        body.addLayout(right, 8)
        lay.addLayout(body, 1)

    # the Reports screen hands each page the month's figures; this page reads its own
    def show_data(self, data: dict[str, Any]) -> None:
        self.month = str(data["month"])
        branch = data.get("branch")
        self.branch_id = int(branch["id"]) if isinstance(branch, dict) and branch.get("id") else None
        self.reload()

    def reload(self) -> None:
        actor = self.ctx.actor
        if actor is None or not self.month:
            return
        svc, month, branch = self.ctx.services.payroll, self.month, self.branch_id
        self.ctx.runner.run(self, lambda: svc.statements(actor, month, branch), on_done=self._loaded,
                            on_error=lambda e: show_error(self, e))  # fmt: skip

    def _money(self, minor: int | None) -> str:
        assert self.payroll is not None
        return "—" if minor is None else fmt_money(minor, self.payroll.currency)

    def _loaded(self, payroll: Payroll) -> None:
        self.payroll = payroll
        self.loaded.emit(len(payroll.statements))
        fmt = i18n.current()
        said = _("{month}: {plan}").format(month=month_title(payroll.month), plan=files.plan_note(payroll, fmt))
        if not payroll.complete:
            said = files.then(fmt, said, _("The month is not over: its statements grow day by day."))
        self.said.setText(said)
        rows: list[list[Cell]] = [[s.name, self._hours_cell(s), self._money(s.total_minor)] for s in payroll.statements]
        before = self.chosen()
        self.people.set_rows(rows, list(payroll.statements))
        self.people.fit_columns({1: 100, 2: 150})
        can_save = self.ctx.can(Perm.EXPORT)
        self.xlsx_btn.setEnabled(can_save and bool(payroll.statements))
        if payroll.statements:  # the person chosen before stays chosen (a correction reloads the page)
            ids = [s.staff_id for s in payroll.statements]
            self.people.selectRow(ids.index(before.staff_id) if before is not None and before.staff_id in ids else 0)
        self._show_person()

    @staticmethod
    def _hours_cell(s: Statement) -> Cell:
        """h:mm, marked when a shift was never clocked out (it counts nothing until corrected)."""
        if s.hours is None:
            return "—"
        text = ts.hours_text(s.hours.worked_seconds)
        # ⚠, not "!": beside the digits a bold "!" read as an "l" ("176:02 l")
        return (f"{text} ⚠", "warn") if s.hours.unclosed else text

    def chosen(self) -> Statement | None:
        s = self.people.current()
        return s if isinstance(s, Statement) else None

    def _show_person(self) -> None:
        s, p = self.chosen(), self.payroll
        self.pdf_btn.setEnabled(s is not None and self.ctx.can(Perm.EXPORT))
        if s is None or p is None:
            self.person_title.setText("")
            self.hours.hide()
            self.groups.set_rows([], [])
            self.lines.set_rows([], [])
            return
        fmt = i18n.current()
        self.person_title.setText(_("{name}: to pay {amount}").format(name=s.name, amount=self._money(s.total_minor)))
        note = files.hours_note(s, fmt)
        self.hours.setText(_("Hours: {note}").format(note=note) if note else "")
        self.hours.setVisible(bool(note))
        groups: list[list[Cell]] = [
            [files.group_label(p, g, fmt), files.rate_text(p, g, fmt), self._money(g.basis_minor),
             self._money(g.commission_minor)]
            for g in s.groups
        ]  # fmt: skip
        groups.append([_("Tips"), "", "", self._money(s.tips_minor)])
        for label, minor in files.pay_rows(s, fmt):
            groups.append([label, "", "", self._money(minor)])
        self.groups.set_rows(groups, [None] * len(groups))
        self.groups.fit_columns({0: 260, 1: 300, 2: 150, 3: 150})
        # every rate, the tips and the pay in view (no scroll in a table of a handful of rows)
        self.groups.setFixedHeight(min(len(groups), 7) * 44 + self.groups.horizontalHeader().height() + 4)
        lines: list[list[Cell]] = []
        for ln in s.lines:
            item = files.described(ln, fmt)
            tone = "bad" if ln.sold_minor < 0 else ""
            when = f"{i18n.format_month_day(ln.at)} {i18n.format_time(ln.at)}"  # the year is the page's
            lines.append([when, ln.receipt_no, item, (self._money(ln.sold_minor), tone),
                          self._money(ln.basis_minor) if ln.scope != TIP else ""])  # fmt: skip
        self.lines.set_rows(lines, list(s.lines))
        self.lines.fit_columns({0: 130, 1: 110, 3: 160, 4: 150})

    def open_time_sheet(self, staff_id: int | None) -> None:
        """The time sheet of ``staff_id`` (None: the chosen statement's person) on the day of
        their last shift this month, or today; corrections change the statement: read again."""
        from ui.reports.timesheet import TimeSheetDialog

        person = self.chosen()
        sid = staff_id if staff_id is not None else person.staff_id if person is not None else None
        day = None
        if staff_id is None and person is not None and person.hours is not None:
            # the day to correct first (never clocked out), else their last day this month
            days = person.hours.unclosed or tuple(d for d, _s in person.hours.by_day[-1:])
            day = days[0] if days else None
        TimeSheetDialog(self.ctx, self, staff_id=sid, day=day).exec()
        self.reload()

    def save(self, kind: str) -> None:
        actor, p = self.ctx.actor, self.payroll
        if actor is None or p is None or not self.ctx.can(Perm.EXPORT):
            return
        person = self.chosen() if kind == "pdf" else None
        if kind == "pdf" and person is None:
            return
        name = f"pay-{p.month}.xlsx" if person is None else f"pay-{p.month}-{person.name}.pdf"
        filt = _("Workbooks (*.xlsx)") if kind == "xlsx" else _("PDF files (*.pdf)")
        path, _f = QFileDialog.getSaveFileName(self, _("Save the pay statements"), in_documents(name), filt)
        if not path:
            return
        if not path.lower().endswith("." + kind):
            path += "." + kind
        fmt, svc = i18n.current(), self.ctx.services.payroll
        staff_id = person.staff_id if person is not None else None
        self.ctx.runner.run(self, lambda: svc.save(actor, p, path, fmt, staff_id),
                            on_done=lambda out: show_info(self, _("Saved {path}").format(path=out)),
                            on_error=lambda e: show_error(self, e))  # fmt: skip
