"""Step 3: assign a stylist and chair, start, log services, products, formulas, notes; finish."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.permissions import Perm, Role
from desk_app.i18n import _, format_number, format_time
from desk_app.visits.safety import SafetyCheckNeeded
from desk_app.visits.views import ProductChoice, VisitView
from ui.context import UiContext
from ui.runner import Latest
from ui.shared.widgets import Button, Card, mark_invalid, show_error
from ui.visits.common import compact, money_text, muted, select_data
from ui.visits.formula import FormulaDialog, FormulaList
from ui.visits.safety import resolve_safety


class ServicePage(QWidget):
    changed = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view: VisitView | None = None
        self._products_latest = Latest()
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(16)
        left_host = QWidget()
        left = QVBoxLayout(left_host)
        left.setContentsMargins(0, 0, 0, 0)
        left.setSpacing(12)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(left_host)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(scroll, 11)
        self.left_scroll = scroll

        # who and where, and the clock
        who = Card(_("Stylist and chair"))
        grid = QGridLayout()
        self.staff = compact(QComboBox(), 12)
        self.staff.addItem(_("— choose a stylist —"), None)
        self.resource = compact(QComboBox(), 12)
        self.resource.addItem(_("— no chair / room —"), None)
        grid.addWidget(QLabel(_("Stylist")), 0, 0)
        grid.addWidget(self.staff, 0, 1)
        grid.addWidget(QLabel(_("Chair / room")), 0, 2)
        grid.addWidget(self.resource, 0, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        who.body.addLayout(grid)
        self.staff.activated.connect(lambda _i: self._assign())
        self.resource.activated.connect(lambda _i: self._assign())
        row = QHBoxLayout()
        self.start_btn = Button(_("Start service"), "clock", "primary")
        self.start_btn.clicked.connect(self._start)
        row.addWidget(self.start_btn)
        self.clock_label = muted()
        row.addWidget(self.clock_label, 1)
        who.body.addLayout(row)
        left.addWidget(who)

        done = Card(_("Services done"))
        self.logs = QListWidget()
        self.logs.setFixedHeight(76)
        done.body.addWidget(self.logs)
        lrow = QHBoxLayout()
        self.log_service = compact(QComboBox(), 14)
        lrow.addWidget(self.log_service, 1)
        self.log_notes = QLineEdit()
        self.log_notes.setPlaceholderText(_("Notes for next time"))
        self.log_notes.returnPressed.connect(self._log)  # Enter logs it (it did nothing)
        lrow.addWidget(self.log_notes, 1)
        self.log_btn = Button(_("Log service"), "check")
        self.log_btn.clicked.connect(self._log)
        lrow.addWidget(self.log_btn)
        done.body.addLayout(lrow)
        left.addWidget(done)

        used = Card(_("Products used on the client"))
        self.used = QListWidget()
        self.used.setFixedHeight(70)
        used.body.addWidget(self.used)
        urow = QHBoxLayout()
        self.product = compact(QComboBox(), 18)
        self._load_products()
        urow.addWidget(self.product, 1)
        self.qty = QSpinBox()
        self.qty.setRange(1, 99)
        urow.addWidget(self.qty)
        self.use_btn = Button(_("Record use"), "box")
        self.use_btn.clicked.connect(self._use)
        urow.addWidget(self.use_btn)
        used.body.addLayout(urow)
        left.addWidget(used)

        formulas = Card(_("Formulas"))
        self.formulas = FormulaList()
        formulas.body.addWidget(self.formulas)
        frow = QHBoxLayout()
        self.add_formula_btn = Button(_("Add formula"), "plus")
        self.add_formula_btn.clicked.connect(self._add_formula)
        self.correct_btn = Button(_("Correct selected"), "edit")
        self.correct_btn.clicked.connect(self._correct_formula)
        frow.addWidget(self.add_formula_btn)
        frow.addWidget(self.correct_btn)
        frow.addStretch()
        formulas.body.addLayout(frow)

        notes = Card(_("Notes and problems"))
        self.notes = QLineEdit()
        self.notes.setPlaceholderText(_("Anything to remember for this client"))
        self.problem = QLineEdit()
        self.problem.setPlaceholderText(_("Any problem met (e.g. scalp irritation) — leave empty if none"))
        notes.body.addWidget(self.notes)
        notes.body.addWidget(self.problem)
        notes_row = QHBoxLayout()
        self.notes_btn = Button(_("Save notes"))
        self.notes_btn.clicked.connect(self._save_notes)
        notes_row.addWidget(self.notes_btn)
        self.notes_saved = muted()  # says when the notes were saved
        notes_row.addWidget(self.notes_saved, 1)
        notes.body.addLayout(notes_row)
        left.addWidget(notes)
        left.addStretch()

        right_host = QWidget()
        right_col = QVBoxLayout(right_host)
        right_col.setContentsMargins(0, 0, 0, 0)
        right_col.setSpacing(12)
        self.plan_card = Card(_("Agreed plan"))
        self.plan_text = QLabel()
        self.plan_text.setWordWrap(True)
        self.plan_card.body.addWidget(self.plan_text)
        right_col.addWidget(self.plan_card)
        right_col.addWidget(formulas)
        self.advice_card = Card(_("Care advice to give"))
        self.advice = QLabel()
        self.advice.setWordWrap(True)
        self.advice_card.body.addWidget(self.advice)
        right_col.addWidget(self.advice_card)
        right_col.addStretch()
        right_scroll = QScrollArea()
        right_scroll.setWidgetResizable(True)
        right_scroll.setWidget(right_host)
        right_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        right = QVBoxLayout()
        right.addWidget(right_scroll, 1)
        self.finish_btn = Button(_("Service finished — to checkout"), "check", "primary")
        self.finish_btn.setShortcut("Ctrl+Return")
        self.finish_btn.clicked.connect(self._finish)
        right.addWidget(self.finish_btn)
        outer.addLayout(right, 9)

        self._load_choices()

    # ------------------------------------------------------------------ display
    def _load_choices(self) -> None:
        """Who can serve, the chairs and rooms, and the service menu: read off the GUI thread."""
        log, consultation, branch = self.ctx.services.service_log, self.ctx.services.consultation, self.ctx.shop.branch_id
        self.ctx.runner.run(
            self,
            lambda: (log.staff_choices(branch), log.resource_choices(branch), consultation.menu()),
            on_done=self._choices_loaded,
            on_error=lambda exc: show_error(self, exc),
        )

    def _choices_loaded(self, choices: tuple[list[Any], list[Any], list[Any]]) -> None:
        staff, resources, menu = choices
        for st in staff:
            self.staff.addItem(st.name, st.id)
        for r in resources:
            self.resource.addItem(r.name, r.id)
        for m in menu:
            self.log_service.addItem(m.name, m.id)
        if self.view is not None:
            self._select_choices(self.view)

    def _select_choices(self, view: VisitView) -> None:
        select_data(self.staff, view.staff_id)
        select_data(self.resource, view.resource_id)
        planned = [p.service_id for p in view.plan if p.service_id]
        if planned:
            select_data(self.log_service, planned[0])

    def set_view(self, view: VisitView) -> None:
        if self.view is None or self.view.id != view.id:
            # another visit: nothing of the one before stays (the page opened scrolled down to where
            # the last visit left it, with its product picked and "Saved at …")
            self.left_scroll.verticalScrollBar().setValue(0)
            self.notes_saved.setText("")
            self.product.setCurrentIndex(0 if self.product.count() else -1)
            self.qty.setValue(1)
            self.log_notes.clear()
        self.view = view
        self.finish_btn.setText(
            _("Service finished — to checkout")
            if self.ctx.can(Perm.CHECKOUT)
            else _("Service finished — hand over to the desk")
        )
        cur = view.estimate.currency
        self._select_choices(view)
        started = view.service_started_at is not None
        self.start_btn.setVisible(not started)
        for w in (self.log_service, self.log_notes, self.log_btn):  # a service is logged once started
            w.setEnabled(started)
        self.log_btn.setToolTip("" if started else _("Start the service first"))
        if started:
            assert view.service_started_at is not None
            self.clock_label.setText(_("In service since {t}").format(t=format_time(view.service_started_at)))
        else:
            self.clock_label.setText(_("Waiting. Press “Start service” when the client is in the chair."))
        self.logs.clear()
        for lg in view.service_logs:
            text = f"✓ {lg.name} · {lg.staff_name}" + (f" — {lg.notes}" if lg.notes else "")
            self.logs.addItem(text + (f"  ⚠ {lg.problem}" if lg.problem else ""))
        if not view.service_logs:
            self.logs.addItem(_("Nothing logged yet: the planned services count as done when you finish."))
        self.used.clear()
        for u in view.products_used:
            self.used.addItem(f"{u.name} × {format_number(u.quantity)} · {u.staff_name}")
        self.formulas.load(view.formulas)
        self.correct_btn.setEnabled(bool(view.formulas))
        can_formula = view.client is not None
        self.add_formula_btn.setEnabled(can_formula)
        self.add_formula_btn.setToolTip("" if can_formula else _("Link a client profile first"))
        self.notes.setText(view.notes)
        self.problem.setText(view.problem)
        lines = [f"• {p.name} × {format_number(p.quantity)}" for p in view.plan if not p.suggested_only]
        lines.append(
            _("Estimate confirmed: {total}").format(
                total=money_text(view.estimate.confirmed_minor or view.estimate.total_minor, cur)
            )
        )
        if view.assessment and view.assessment.goals:
            lines.append(_("Client wants: {goals}").format(goals=view.assessment.goals))
        self.plan_text.setText("\n".join(lines))
        advice = [f"{a.name}: {a.advice}" for a in view.care_advice if a.advice]
        self.advice.setText("\n\n".join(advice) or _("No care advice is written for these services."))

    def _load_products(self) -> None:
        """The product list with stock counts (reloaded after a use so the count is current),
        read off the GUI thread; the newest answer is shown."""
        consultation = self.ctx.services.consultation
        seq = self._products_latest.next()
        self.ctx.runner.run(
            self,
            consultation.products,
            on_done=self._products_latest.guard(seq, self._show_products),
            on_error=self._products_latest.guard(seq, lambda exc: show_error(self, exc)),
        )

    def _show_products(self, products: list[ProductChoice]) -> None:
        keep = self.product.currentData()
        self.product.clear()
        for p in sorted(products, key=lambda p: not p.is_backbar):
            self.product.addItem(
                _("{name} ({n} in stock)").format(name=p.name, n=format_number(p.stock_qty)), p.id
            )
        if keep is not None:
            select_data(self.product, keep)

    # ------------------------------------------------------------------ actions
    def _call(
        self,
        fn: Callable[..., object],
        *args: object,
        then: Callable[[], None] | None = None,
        after: Callable[[], None] | None = None,
    ) -> None:
        """Save ``fn(actor, visit id, *args)`` on the runner; ``then`` runs once it is saved,
        ``after`` next whether it was saved or not."""
        if self.view is None:
            return

        def failed(exc: Exception) -> None:
            if isinstance(exc, SafetyCheckNeeded) and fn == self.ctx.services.service_log.start_service:
                # nothing was written: a patch test now, or why go ahead (kept with the name)
                client_id = self.view.client.id if self.view is not None and self.view.client else None
                resolve_safety(self, self.ctx, client_id, exc, lambda reason: self._call(fn, reason))
                return
            show_error(self, exc)
            self.changed.emit()
            if after is not None:
                after()

        try:
            actor = self.ctx.require_actor()
        except Exception as exc:
            failed(exc)
            return
        vid = self.view.id

        def saved(_result: object) -> None:
            self.changed.emit()
            if then is not None:
                then()
            if after is not None:
                after()

        self.ctx.runner.run(
            self, lambda: fn(actor, vid, *args), on_done=saved, on_error=failed, in_order=True
        )

    def _assign(self) -> None:
        mark_invalid(self.staff, False)
        self._call(self.ctx.services.service_log.assign, self.staff.currentData(), self.resource.currentData())

    def _start(self) -> None:
        actor = self.ctx.actor
        if self.staff.currentData() is None and (actor is None or actor.role != Role.STYLIST):
            # a stylist starting the service is doing it; anyone else names who does (the visit was
            # once given to the signed-in owner when "— choose a stylist —" was left as it was)
            mark_invalid(self.staff, True)
            self.staff.setFocus()
            show_error(self, _("Choose the stylist who does the service, then start it."))
            return
        mark_invalid(self.staff, False)
        self._call(self.ctx.services.service_log.start_service)

    def _log(self) -> None:
        sid = self.log_service.currentData()
        if sid is not None:
            self._call(
                self.ctx.services.service_log.log_service,
                int(sid),
                None,
                self.log_notes.text(),
                "",
                then=self.log_notes.clear,
            )

    def _use(self) -> None:
        pid = self.product.currentData()
        if pid is not None:
            self._call(
                self.ctx.services.service_log.use_product, int(pid), self.qty.value(), then=self._load_products
            )

    def _save_notes(self) -> None:
        self.notes_saved.setText("")
        self._call(
            self.ctx.services.service_log.save_notes,
            self.notes.text(),
            self.problem.text(),
            then=lambda: self.notes_saved.setText(
                "✓ " + _("Saved at {t}").format(t=format_time(self.ctx.services.clock()))
            ),
        )

    def _add_formula(self) -> None:
        if self.view is None:
            return
        vid, actor = self.view.id, self.ctx.require_actor()
        dlg = FormulaDialog(
            self,
            _("New formula"),
            lambda comps, notes: self.ctx.services.service_log.add_formula(actor, vid, comps, notes),
        )
        if dlg.exec():
            self.changed.emit()

    def _correct_formula(self) -> None:
        f = self.formulas.selected()
        if f is None:
            show_error(self, _("Select the formula to correct in the list first."))
            return
        actor = self.ctx.require_actor()
        dlg = FormulaDialog(
            self,
            _("Correct formula"),
            lambda comps, notes: self.ctx.services.service_log.correct_formula(actor, f.id, comps, notes),
            f,
        )
        if dlg.exec():
            self.changed.emit()

    def _finish(self) -> None:
        if self.view is None:
            return
        if self.notes.text().strip() != self.view.notes or self.problem.text().strip() != self.view.problem:
            # one after the other, as before: the notes, then (saved or not) the end of the service
            self._call(
                self.ctx.services.service_log.save_notes,
                self.notes.text(),
                self.problem.text(),
                after=lambda: self._call(self.ctx.services.service_log.end_service),
            )
            return
        self._call(self.ctx.services.service_log.end_service)
