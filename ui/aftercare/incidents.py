"""The incident log tab (After the visit): open incidents, those due for their re-check, all; record
an incident (any staff member) and re-check one (the owner). Reads and writes go through the runner;
a dialog's Save waits (disabled) while its write runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QByteArray, QDate, QDateTime, QTimeZone
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desk_app.aftercare.incidents import INCIDENT_FILTERS
from desk_app.aftercare.views import IncidentView
from desk_app.domain.aftercare import IncidentCategory, Severity
from desk_app.domain.permissions import Perm
from desk_app.domain.visit import step_label
from desk_app.i18n import _, format_date, format_when
from ui.aftercare.text import severity, word
from ui.context import UiContext
from ui.shared.table import Cell, RowsTable
from ui.shared.widgets import Button, Dialog, EmptyState, ErrorLabel, StatusChip, error_text, show_error

_STEPS = ("", "greeting", "needs", "service", "checkout", "rebooking")


def incident_row(i: IncidentView) -> list[Cell]:
    if i.status != "open":
        state: Cell = ("✓ " + _("Closed"), "ok")
        due: Cell = format_date(i.recheck_on)
    elif i.recheck_overdue:
        state = ("✕ " + _("Re-check late"), "bad")
        due = ("✕ " + format_date(i.recheck_on), "bad")
    elif i.recheck_due:
        state = ("! " + _("Re-check today"), "warn")
        due = ("! " + format_date(i.recheck_on), "warn")
    else:
        state, due = ("• " + _("Still open"), "info"), format_date(i.recheck_on)
    return [
        f"#{i.id}",
        format_when(i.happened_at),
        word(IncidentCategory, i.category),
        severity(i.severity),
        " · ".join(x for x in (step_label(i.step) if i.step else "", i.place) if x) or "–",
        i.description.splitlines()[0] if i.description else "",
        i.action.splitlines()[0] if i.action else "",
        i.action_owner or "–",
        due,
        state,
    ]


class IncidentsTab(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.which = "open"
        self.items: list[IncidentView] = []
        self.dialog: Dialog | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        bar = QHBoxLayout()
        self.filter_group = QButtonGroup(self)
        self.filter_buttons: dict[str, Button] = {}
        for key, label in zip(INCIDENT_FILTERS, (_("Still open"), _("Re-check due"), _("All")), strict=True):
            b = Button(label)
            b.setCheckable(True)
            b.setChecked(key == self.which)
            b.clicked.connect(lambda _c=False, k=key: self._filter(k))
            self.filter_group.addButton(b)
            self.filter_buttons[key] = b
            bar.addWidget(b)
        self.chip = StatusChip("", "neutral")
        bar.addSpacing(12)
        bar.addWidget(self.chip)
        bar.addStretch()
        self.record_btn = Button(_("Record an incident…"), "alert", kind="primary")
        self.record_btn.setToolTip(_("What went wrong, when, where, who; and what is done about it"))
        self.record_btn.clicked.connect(self.record)
        self.recheck_btn = Button(_("Re-check…"), "check")
        self.recheck_btn.clicked.connect(self.recheck)
        bar.addWidget(self.record_btn)
        bar.addWidget(self.recheck_btn)
        lay.addLayout(bar)
        self.stack = QStackedWidget()
        self.table = RowsTable(
            [
                _("No."),
                _("When"),
                _("Kind"),
                _("Severity"),
                _("Step · where"),
                _("What happened"),
                _("Corrective action"),
                _("Action owner"),
                _("Re-check"),
                _("Status"),
            ],
            stretch=5,
        )
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._update_buttons())
        self.table.activated_row.connect(lambda _r: self.recheck())
        self.empty = EmptyState(
            "shield",
            _("No incidents here"),
            _('When something goes wrong (a burn, a broken chair, a wrong product), use "Record an incident".'),
        )
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        lay.addWidget(self.stack, 1)
        self._update_buttons()

    def _filter(self, which: str) -> None:
        self.which = which
        self.filter_buttons[which].setChecked(True)
        self.refresh()

    def refresh(self) -> None:
        svc, which = self.ctx.services.incidents, self.which
        self.ctx.runner.run(self, lambda: svc.incidents(which), on_done=self._loaded, on_error=lambda e: show_error(self, e))

    def _loaded(self, items: list[IncidentView]) -> None:
        self.items = items
        late = sum(1 for i in items if i.recheck_overdue)
        due = sum(1 for i in items if i.recheck_due)
        if late:
            self.chip.set_status(_("{n} re-checks late").format(n=late), "bad")
        elif due:
            self.chip.set_status(_("{n} re-checks due").format(n=due), "warn")
        else:
            self.chip.set_status(_("{n} listed").format(n=len(items)), "neutral")
        self.table.set_rows([incident_row(i) for i in items], items, widths=(50, 135, 100, 65, 120, 180, 180, 85, 130))
        self.stack.setCurrentWidget(self.table if items else self.empty)
        self._update_buttons()

    def current(self) -> IncidentView | None:
        c = self.table.current()
        return c if isinstance(c, IncidentView) else None

    def _update_buttons(self) -> None:
        actor = self.ctx.actor
        owner = actor is not None and actor.can(Perm.REPORTS)
        c = self.current()
        self.recheck_btn.setEnabled(owner and c is not None and c.status == "open")
        self.recheck_btn.setToolTip(
            _("The owner re-checks whether the action worked") if owner else _("Only the owner re-checks incidents")
        )

    def _open(self, dlg: Dialog) -> None:
        self.dialog = dlg
        dlg.accepted.connect(self.refresh)
        dlg.open()

    def record(self) -> None:
        self._open(IncidentDialog(self.ctx, self))

    def recheck(self) -> None:
        c = self.current()
        if c is not None and c.status == "open" and self.recheck_btn.isEnabled():
            self._open(IncidentRecheckDialog(self.ctx, c, self))


def _combo(items: list[tuple[str, Any]], current: Any = None) -> QComboBox:
    box = QComboBox()
    for label, data in items:
        box.addItem(label, data)
    if current is not None:
        box.setCurrentIndex(max(0, box.findData(current)))
    box.setMinimumHeight(40)
    return box


class IncidentDialog(Dialog):
    """Record an incident: when, where, at which step, what kind, how serious, who, what happened,
    the corrective action, who owns it and when it is re-checked."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._saving = False
        self.setWindowTitle(_("Record an incident"))
        self.setMinimumWidth(680)
        tz = ZoneInfo(ctx.shop.timezone)
        now = ctx.services.incidents.clock()
        lay = QVBoxLayout(self)
        form = QFormLayout()
        form.setVerticalSpacing(8)
        self.when = QDateTimeEdit()
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        qtz = QTimeZone(QByteArray(ctx.shop.timezone.encode()))
        self.when.setTimeZone(qtz)
        self.when.setDateTime(QDateTime.fromSecsSinceEpoch(int(now.timestamp()), qtz))
        self.place = QLineEdit()
        self.place.setPlaceholderText(_("Where (e.g. wash basin 2, chair 3, front desk)"))
        where = QHBoxLayout()
        where.addWidget(self.when)
        where.addWidget(self.place, 1)
        form.addRow(_("When, where"), where)
        self.step = _combo([(_("Not during a visit") if not s else step_label(s), s) for s in _STEPS])
        self.category = _combo([(c.label, c.value) for c in IncidentCategory])
        self.severity = _combo([(s.label, s.value) for s in Severity], Severity.MEDIUM.value)
        kind = QHBoxLayout()
        for w in (self.step, self.category, self.severity):
            kind.addWidget(w, 1)
        form.addRow(_("Step, kind, severity"), kind)
        self.involved = _combo([(_("Nobody in particular"), None)])  # staff arrive from the runner
        form.addRow(_("Staff involved"), self.involved)
        self.description = QPlainTextEdit()
        self.description.setPlaceholderText(_("What happened, in a few sentences"))
        self.description.setFixedHeight(72)
        form.addRow(_("What happened"), self.description)
        self.action = QPlainTextEdit()
        self.action.setPlaceholderText(_("What is done so it does not happen again"))
        self.action.setFixedHeight(72)
        form.addRow(_("Corrective action"), self.action)
        self.owner = _combo([])
        self.recheck_on = QDateEdit()
        self.recheck_on.setCalendarPopup(True)
        self.recheck_on.setDisplayFormat("yyyy-MM-dd")
        d = (now.astimezone(tz) + timedelta(days=7)).date()
        self.recheck_on.setDate(QDate(d.year, d.month, d.day))
        who = QHBoxLayout()
        who.addWidget(self.owner, 1)
        who.addWidget(QLabel(_("re-check on")))
        who.addWidget(self.recheck_on)
        form.addRow(_("Action owner"), who)
        lay.addLayout(form)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        row = QHBoxLayout()
        row.addStretch()
        cancel = Button(_("Cancel"), kind="ghost")
        cancel.clicked.connect(self.reject)
        self.ok_btn = Button(_("Save incident"), "check", kind="primary")
        self.ok_btn.setDefault(True)
        self.ok_btn.clicked.connect(self.save)
        row.addWidget(cancel)
        row.addWidget(self.ok_btn)
        lay.addLayout(row)
        svc = ctx.services.incidents
        ctx.runner.run(self, svc.staff_choices, on_done=self._staff_loaded, on_error=lambda e: self.error.show_error(error_text(e)))

    def _staff_loaded(self, staff: list[tuple[int, str]]) -> None:
        me = self.ctx.actor.staff_id if self.ctx.actor else None
        for i, n in staff:
            self.involved.addItem(n, i)
            self.owner.addItem(n, i)
        self.owner.setCurrentIndex(max(0, self.owner.findData(me)))

    def save(self) -> None:
        if self._saving:
            return
        actor = self.ctx.require_actor()
        rd = self.recheck_on.date()
        fields: dict[str, Any] = {
            "happened_at": datetime.fromtimestamp(self.when.dateTime().toSecsSinceEpoch(), UTC),
            "place": self.place.text(),
            "step": self.step.currentData(),
            "category": self.category.currentData(),
            "severity": self.severity.currentData(),
            "staff_involved_id": self.involved.currentData(),
            "description": self.description.toPlainText(),
            "action": self.action.toPlainText(),
            "action_owner_id": self.owner.currentData(),
            "recheck_on": date(rd.year(), rd.month(), rd.day()),
        }
        svc = self.ctx.services.incidents
        self._saving = True
        self.ok_btn.setEnabled(False)
        self.ctx.runner.run(self, lambda: svc.record(actor, **fields), on_done=self._saved, on_error=self._failed, in_order=True)

    def _saved(self, _view: IncidentView) -> None:
        self._saving = False
        self.ok_btn.setEnabled(True)
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self._saving = False
        self.ok_btn.setEnabled(True)
        self.error.show_error(error_text(exc))


class IncidentRecheckDialog(Dialog):
    """The owner's re-check: did the action work? Yes closes the incident; no keeps it open with a
    new action and a new re-check date."""

    def __init__(self, ctx: UiContext, incident: IncidentView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.incident = incident
        self._saving = False
        self.setWindowTitle(_("Re-check incident #{id}").format(id=incident.id))
        self.setMinimumWidth(600)
        lay = QVBoxLayout(self)
        self.header = QLabel(
            _("#{id} · {kind} · {when}").format(
                id=incident.id, kind=word(IncidentCategory, incident.category), when=format_when(incident.happened_at)
            )
        )
        self.header.setObjectName("sectionTitle")
        lay.addWidget(self.header)
        for text in (incident.description, _("Action: {action}").format(action=incident.action)):
            label = QLabel(text)
            label.setWordWrap(True)
            lay.addWidget(label)
        row = QHBoxLayout()
        group = QButtonGroup(self)
        self.yes = Button(_("It worked (close)"), "check")
        self.no = Button(_("It did not work (new action)"), "x")
        for b in (self.yes, self.no):
            b.setCheckable(True)
            group.addButton(b)
            row.addWidget(b)
        self.yes.setChecked(True)
        lay.addLayout(row)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText(_("What the re-check found"))
        self.note.setFixedHeight(64)
        lay.addWidget(self.note)
        self.new_action = QPlainTextEdit()
        self.new_action.setPlaceholderText(_("The new corrective action"))
        self.new_action.setFixedHeight(64)
        lay.addWidget(self.new_action)
        self.new_date = QDateEdit()
        self.new_date.setCalendarPopup(True)
        self.new_date.setDisplayFormat("yyyy-MM-dd")
        nd = incident.recheck_on + timedelta(days=7)
        self.new_date.setDate(QDate(nd.year, nd.month, nd.day))
        self.date_row = QWidget()
        dr = QHBoxLayout(self.date_row)
        dr.setContentsMargins(0, 0, 0, 0)
        dr.addWidget(QLabel(_("Re-check again on")))
        dr.addWidget(self.new_date)
        dr.addStretch()
        lay.addWidget(self.date_row)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch()
        cancel = Button(_("Cancel"), kind="ghost")
        cancel.clicked.connect(self.reject)
        self.ok_btn = Button(_("Save re-check"), "check", kind="primary")
        self.ok_btn.setDefault(True)
        self.ok_btn.clicked.connect(self.save)
        buttons.addWidget(cancel)
        buttons.addWidget(self.ok_btn)
        lay.addLayout(buttons)
        self.no.toggled.connect(lambda _on: self._answer_changed())
        self._answer_changed()

    def _answer_changed(self) -> None:
        again = self.no.isChecked()
        self.new_action.setVisible(again)
        self.date_row.setVisible(again)

    def save(self) -> None:
        if self._saving:
            return
        actor = self.ctx.require_actor()
        effective = self.yes.isChecked()
        nd = self.new_date.date()
        args: dict[str, Any] = {
            "new_action": "" if effective else self.new_action.toPlainText(),
            "new_recheck_on": None if effective else date(nd.year(), nd.month(), nd.day()),
        }
        incident_id, note = self.incident.id, self.note.toPlainText()
        svc = self.ctx.services.incidents
        self._saving = True
        self.ok_btn.setEnabled(False)
        self.ctx.runner.run(
            self,
            lambda: svc.recheck(actor, incident_id, effective, note, **args),
            on_done=self._saved,
            on_error=self._failed,
            in_order=True,
        )

    def _saved(self, _view: IncidentView) -> None:
        self._saving = False
        self.ok_btn.setEnabled(True)
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self._saving = False
        self.ok_btn.setEnabled(True)
        self.error.show_error(error_text(exc))
