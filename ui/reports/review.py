"""The monthly review page (Reports, PDCA): what the month's figures say (standards missed,
complaints), last month's improvement actions and whether they were done, and this month's new
actions (what, who owns it, by when). The owner's; reads and writes go through the runner."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from desk_app.aftercare.review import ActionView, MonthReview
from desk_app.i18n import N_, _, format_date
from desk_app.reports.pdf import month_title
from desk_app.reports.standards import standard_label
from ui.context import UiContext
from ui.shared.table import Cell, RowsTable
from ui.shared.widgets import Button, ErrorLabel, error_text, show_error

OUTCOME_LABELS = {
    "open": (N_("To review"), "warn", "!"),
    "done": (N_("Done"), "ok", "✓"),
    "not_done": (N_("Not done"), "bad", "✕"),
    "carried": (N_("Carried over"), "info", "→"),
}
MISSED_BELOW = Decimal("0.8")  # a standard met less often than this is named as a miss


def action_row(a: ActionView) -> list[Cell]:
    word, tone, sym = OUTCOME_LABELS.get(a.outcome, (a.outcome, "neutral", "•"))
    return [a.what, a.owner or "–", format_date(a.due_on), (f"{sym} {_(word)}", tone), a.outcome_note]


def misses(data: dict[str, Any]) -> list[str]:
    """The month's figures that call for an improvement: standards met less than 80 % of the time,
    complaints and those answered late."""
    out = []
    for key, v in data.get("standards", {}).items():
        rate = v.get("rate") if isinstance(v, dict) else None
        if rate is not None and Decimal(str(rate)) < MISSED_BELOW and v.get("total"):
            out.append(_("{standard}: met {met} of {total}").format(standard=standard_label(key), met=v["met"], total=v["total"]))
    c = data.get("complaints", {})
    if c.get("count"):
        out.append(_("Complaints: {n}, {late} answered late").format(n=c["count"], late=c.get("overdue", 0)))
    return out


class ReviewPage(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.month = ""
        self.review: MonthReview | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        self.said = QLabel()
        self.said.setWordWrap(True)
        lay.addWidget(self.said)
        t1 = QLabel(_("Last month's actions: were they done?"))
        t1.setObjectName("sectionTitle")
        lay.addWidget(t1)
        headers = [_("Improvement"), _("Who owns it"), _("Due by"), _("Outcome"), _("Note")]
        self.previous = RowsTable(headers, stretch=0, empty_text=_(
            "No improvement actions were set in last month's review. The actions added below are "
            "checked here next month."))
        self.previous.setMinimumHeight(110)  # the page fits a 1366x768 screen under the report's header
        self.previous.selectionModel().currentRowChanged.connect(lambda *_a: self._update())
        lay.addWidget(self.previous, 1)
        row = QHBoxLayout()
        self.note = QLineEdit()
        self.note.setPlaceholderText(_("A note (why it was not done)"))
        row.addWidget(self.note, 1)
        self.done_btn = Button(_("Done"), "check")
        self.not_done_btn = Button(_("Not done"), "x")
        self.carry_btn = Button(_("Carry over"), "arrow-right")
        for b, outcome in ((self.done_btn, "done"), (self.not_done_btn, "not_done"), (self.carry_btn, "carried")):
            b.clicked.connect(lambda _c=False, o=outcome: self._outcome(o))
            row.addWidget(b)
        lay.addLayout(row)
        t2 = QLabel(_("This month's improvement actions"))
        t2.setObjectName("sectionTitle")
        lay.addWidget(t2)
        self.current = RowsTable(headers, stretch=0, empty_text=_(
            "No actions for this month yet: type what will be done differently, choose who owns it and "
            "by when, then Add action."))
        self.current.setMinimumHeight(110)
        lay.addWidget(self.current, 1)
        add = QHBoxLayout()
        self.what = QLineEdit()
        self.what.setPlaceholderText(_("What will be done differently"))
        self.owner = QComboBox()
        self.owner.setMinimumWidth(150)
        self.due = QDateEdit()
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("yyyy-MM-dd")
        self.add_btn = Button(_("Add action"), "plus", kind="primary")
        self.add_btn.clicked.connect(self._add)
        add.addWidget(self.what, 1)
        add.addWidget(self.owner)
        add.addWidget(self.due)
        add.addWidget(self.add_btn)
        lay.addLayout(add)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        self._busy = False
        self._update()

    def show_data(self, data: dict[str, Any]) -> None:
        self.month = str(data["month"])
        found = misses(data)
        self.said.setText(
            _("What {month} says: {misses}").format(month=month_title(self.month), misses="; ".join(found))
            if found
            else _("{month}: every standard met at least 80 % of the time and no complaints.").format(
                month=month_title(self.month))
        )
        y, m = int(self.month[:4]), int(self.month[5:7])
        nxt = QDate(y, m, 1).addMonths(1)
        self.due.setDate(nxt.addDays(nxt.daysInMonth() - 1))
        self.reload()

    def reload(self) -> None:
        actor = self.ctx.require_actor()
        svc, month = self.ctx.services.review, self.month

        def load() -> tuple[MonthReview, list[tuple[int, str]]]:
            return svc.review(actor, month), svc.staff_choices()

        self.ctx.runner.run(self, load, on_done=self._loaded, on_error=lambda e: show_error(self, e))

    def _loaded(self, got: tuple[MonthReview, list[tuple[int, str]]]) -> None:
        self.review, staff = got
        keep = self.owner.currentData()
        self.owner.clear()
        for i, n in staff:
            self.owner.addItem(n, i)
        if keep is not None:
            self.owner.setCurrentIndex(max(0, self.owner.findData(keep)))
        self.previous.set_rows([action_row(a) for a in self.review.previous], self.review.previous, widths=(360, 130, 150, 130))
        self.current.set_rows([action_row(a) for a in self.review.current], self.review.current, widths=(360, 130, 150, 130))
        self._update()

    def _update(self) -> None:
        a = self.previous.current()
        ok = not self._busy and isinstance(a, ActionView) and a.outcome == "open"
        for b in (self.done_btn, self.not_done_btn, self.carry_btn):
            b.setEnabled(ok)
        self.add_btn.setEnabled(not self._busy and bool(self.month))

    def _write(self, fn: Any) -> None:
        self._busy = True
        self._update()

        def done(_v: object) -> None:
            self._busy = False
            self.error.show_error(None)
            self.note.clear()
            self.what.clear()
            self.reload()

        def failed(exc: Exception) -> None:
            self._busy = False
            self._update()
            self.error.show_error(error_text(exc))

        self.ctx.runner.run(self, fn, on_done=done, on_error=failed, in_order=True)

    def _outcome(self, outcome: str) -> None:
        a = self.previous.current()
        if not isinstance(a, ActionView) or self._busy:
            return
        actor, svc, aid, note = self.ctx.require_actor(), self.ctx.services.review, a.id, self.note.text()
        self._write(lambda: svc.record_outcome(actor, aid, outcome, note))

    def _add(self) -> None:
        if self._busy or not self.month:
            return
        d = self.due.date()
        actor, svc, month = self.ctx.require_actor(), self.ctx.services.review, self.month
        what, owner, due = self.what.text(), self.owner.currentData(), date(d.year(), d.month(), d.day())
        self._write(lambda: svc.add_action(actor, month, what, owner, due))
