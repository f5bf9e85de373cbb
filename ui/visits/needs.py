"""Step 2: the consultation, the plan with its estimate, and the client's confirmation."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from desk_app.core.service import ValidationError
from desk_app.i18n import _, format_time
from desk_app.visits.safety import HitView, SafetyCheckNeeded
from desk_app.visits.views import VisitView
from ui.context import UiContext
from ui.runner import Latest
from ui.shared.widgets import Button, Card, ErrorLabel, show_error
from ui.visits.consult import ConsultationForm
from ui.visits.plan import PlanBuilder
from ui.visits.safety import resolve_safety


class NeedsPage(QWidget):
    changed = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view: VisitView | None = None
        root = QHBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(16)

        consult = Card(_("Consultation"))
        self.form = ConsultationForm(ctx)
        consult.body.addWidget(self.form)
        save_row = QHBoxLayout()
        self.save_btn = Button(_("Save consultation"), "check")
        self.save_btn.clicked.connect(lambda: self.save(then=self._say_saved))
        save_row.addWidget(self.save_btn)
        self.saved_note = QLabel()  # says when it was saved
        self.saved_note.setObjectName("muted")
        save_row.addWidget(self.saved_note, 1)
        consult.body.addLayout(save_row)
        consult.body.addStretch()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(consult)
        scroll.setMinimumWidth(460)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        root.addWidget(scroll, 1)

        right = QVBoxLayout()
        plan = Card(_("Service plan and estimate"))
        self.plan = PlanBuilder(ctx)
        plan.body.addWidget(self.plan)
        self.plan_error = ErrorLabel()
        plan.body.addWidget(self.plan_error)
        # what the safety rules say about the planned services (docs/safety.md); always shown, so
        # nothing moves when a warning appears
        self.safety_note = QLabel()
        self.safety_note.setObjectName("safetyNote")
        self.safety_note.setWordWrap(True)
        self.safety_note.setMinimumHeight(40)
        plan.body.addWidget(self.safety_note)
        self._safety_latest = Latest()
        self.plan.estimate_changed.connect(lambda _e: self._check_safety())
        self.confirm_btn = Button(_("Client confirms plan and price"), "check", "primary")
        self.confirm_btn.setShortcut("Ctrl+Return")
        self.confirm_btn.setToolTip(
            _("Saves the consultation and records the client's confirmation (Ctrl+Enter)")
        )
        self.confirm_btn.clicked.connect(self.confirm)
        # the plan scrolls inside its column when the screen is short; the client's confirmation,
        # the step's main action, stays below it on screen
        plan_scroll = QScrollArea()
        plan_scroll.setWidgetResizable(True)
        plan_scroll.setWidget(plan)
        plan_scroll.setMinimumWidth(420)
        plan_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        right.addWidget(plan_scroll, 1)
        right.addWidget(self.confirm_btn)
        root.addLayout(right, 1)

    def set_view(self, view: VisitView) -> None:
        first = self.view is None or self.view.id != view.id
        if first:  # "Saved at 04:58" was the visit before's
            self.saved_note.setText("")
        self.view = view
        if first or not self.form.dirty:
            c = view.client
            self.form.load(
                view.consultation_kind,
                view.assessment,
                c.allergies if c else "",
                c.contraindications if c else "",
            )
        self.plan.load(view.id, view.plan, view.estimate)
        self.plan_error.show_error(None)
        self._check_safety()

    def _check_safety(self) -> None:
        if self.view is None:
            return
        actor, vid, safety = self.ctx.actor, self.view.id, self.ctx.services.safety
        if actor is None:
            return
        seq = self._safety_latest.next()
        self.ctx.runner.run(
            self,
            lambda: safety.check_visit(actor, vid),
            on_done=self._safety_latest.guard(seq, self._show_safety),
            on_error=self._safety_latest.guard(seq, lambda _exc: self._show_safety([])),
        )

    def _show_safety(self, hits: list[HitView]) -> None:
        if hits:
            lines = [f"⚠ {h.service_name}: {h.rule_label}. {h.reason}" for h in hits]
            self.safety_note.setText("\n".join(lines))
            self.safety_note.setProperty("tone", "bad")
        else:
            self.safety_note.setText("✓ " + _("No safety rule stops the planned services."))
            self.safety_note.setProperty("tone", "ok")
        self.safety_note.style().unpolish(self.safety_note)
        self.safety_note.style().polish(self.safety_note)

    def save(self, then: Callable[[], None] | None = None) -> None:
        """Save the consultation on the runner; ``then`` runs once it is saved."""
        if self.view is None:
            return
        try:
            actor = self.ctx.require_actor()
        except Exception as exc:
            show_error(self, exc)
            return
        vid, values = self.view.id, self.form.values()

        def saved(_result: object) -> None:
            self.form.show_errors({})
            self.form.dirty = False
            if then is not None:
                then()

        def failed(exc: Exception) -> None:
            if isinstance(exc, ValidationError):
                self.form.show_errors(exc.errors)
            else:
                show_error(self, exc)

        self.ctx.runner.run(
            self,
            lambda: self.ctx.services.consultation.save_assessment(actor, vid, **values),
            on_done=saved,
            on_error=failed,
            in_order=True,
        )

    def _say_saved(self) -> None:
        self.saved_note.setText("✓ " + _("Saved at {t}").format(t=format_time(self.ctx.services.clock())))

    def confirm(self) -> None:
        if self.view is None:
            return
        vid = self.view.id
        self.save(then=lambda: self._confirm_plan(vid))

    def _confirm_plan(self, vid: int, override_reason: str | None = None) -> None:
        try:
            actor = self.ctx.require_actor()
        except Exception as exc:
            show_error(self, exc)
            return
        consultation = self.ctx.services.consultation
        client_id = self.view.client.id if self.view is not None and self.view.client else None

        def confirmed(_result: object) -> None:
            self.changed.emit()

        def failed(exc: Exception) -> None:
            if isinstance(exc, SafetyCheckNeeded):  # nothing was written: a patch test, or why go ahead
                resolve_safety(self, self.ctx, client_id, exc, lambda reason: self._confirm_plan(vid, reason))
            elif isinstance(exc, ValidationError):
                self.plan_error.show_error("\n".join(exc.errors.values()))
            else:
                show_error(self, exc)

        self.ctx.runner.run(
            self,
            lambda: consultation.confirm_plan(actor, vid, override_reason),
            on_done=confirmed,
            on_error=failed,
            in_order=True,
        )
