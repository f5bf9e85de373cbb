"""My clients: the signed-in stylist's waiting and in-progress visits.

Each card shows what a stylist must know before touching the client: allergies,
the plan, what they want, the last formula and recent visits. "Open" goes to
the visit's service step to log the work.
"""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.visit import status_label, step_label
from desk_app.i18n import _, format_date, format_number
from desk_app.visits.views import MyVisit
from ui.context import UiContext
from ui.shared.my_month import MyMonthCard
from ui.shared.widgets import AllergyBanner, Button, Card, EmptyState, PageHeader, StatusChip
from ui.theme import STATUS_TONE
from ui.visits.common import breach_text, muted, waited_text
from ui.visits.formula import formula_summary

REFRESH_MS = 10_000


class MyVisitCard(Card):
    def __init__(self, ctx: UiContext, m: MyVisit, parent: QWidget | None = None) -> None:
        super().__init__(None, parent)
        self.visit_id = m.row.visit_id
        r = m.row
        top = QHBoxLayout()
        name = QLabel(r.client_name)
        name.setObjectName("sectionTitle")
        top.addWidget(name)
        top.addWidget(
            StatusChip(
                f"{step_label(r.step)} · {status_label(r.status)}", STATUS_TONE.get(r.status, "neutral")
            )
        )
        waited = muted(_("waited {d}").format(d=waited_text(r.waited)))
        top.addWidget(waited)
        top.addStretch()
        self.open_btn = Button(_("Open"), "arrow-right", "primary")
        self.open_btn.clicked.connect(lambda: ctx.navigate("visit", visit_id=self.visit_id))
        top.addWidget(self.open_btn)
        self.body.addLayout(top)
        if m.client is not None and m.client.has_alert:
            banner = AllergyBanner()  # parented before it is shown, never a window of its own
            self.body.addWidget(banner)
            banner.set_text(m.client.alert_text)
        breaches = breach_text(r.checks)
        if breaches:
            lbl = QLabel(breaches)
            lbl.setObjectName("dangerText")
            self.body.addWidget(lbl)
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        rows: list[tuple[str, str]] = []
        plan = [f"{p.name} × {format_number(p.quantity)}" for p in m.plan if not p.suggested_only]
        rows.append((_("Plan"), ", ".join(plan) or _("not planned yet")))
        if m.assessment_goals:
            rows.append((_("Wants"), m.assessment_goals))
        c = m.client
        if c is not None:
            if c.last_formula is not None:
                f = c.last_formula
                rows.append((_("Last formula"), f"{formula_summary(f)} ({format_date(f.created_at)})"))
            if c.history:
                hist = "; ".join(f"{format_date(h.arrived_at)} {h.service_names}" for h in c.history[:3])
                rows.append((_("History"), hist))
            else:
                rows.append((_("History"), _("first visit")))
            if c.preferences:
                rows.append((_("Preferences"), ", ".join(c.preferences)))
        for i, (k, v) in enumerate(rows):
            key = muted(k)
            key.setAlignment(Qt.AlignmentFlag.AlignTop)
            val = QLabel(v)
            val.setWordWrap(True)
            grid.addWidget(key, i, 0)
            grid.addWidget(val, i, 1)
        self.body.addLayout(grid)


class MyClientsScreen(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.cards: list[MyVisitCard] = []
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(12)
        self.header = PageHeader(_("My clients"))
        refresh = Button(_("Refresh"), "refresh")
        refresh.clicked.connect(self.refresh)
        cast(QHBoxLayout, self.header.actions).addWidget(refresh)
        root.addWidget(self.header)

        self.stack = QStackedWidget()
        self.list_host = QWidget()
        self.list_layout = QVBoxLayout(self.list_host)
        self.list_layout.setContentsMargins(0, 0, 8, 0)
        self.list_layout.setSpacing(12)
        self.list_layout.addStretch()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.list_host)
        self.stack.addWidget(scroll)
        self.empty = EmptyState(
            "scissors",
            _("No clients waiting for you"),
            _(
                "When the desk assigns a client to you, they appear here with their allergies, plan and last formula."
            ),
        )
        self.stack.addWidget(self.empty)
        root.addWidget(self.stack, 1)
        self.my_month = MyMonthCard(ctx)  # the stylist's own appraisal, below their clients
        root.addWidget(self.my_month)

        self.timer = QTimer(self)  # runs while the screen is shown
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        ctx.signals.actor_changed.connect(self.refresh)
        ctx.signals.actor_changed.connect(self.my_month.refresh)
        ctx.signals.data_changed.connect(self._data_changed)  # a bound slot: dropped with the screen
        self.refresh()
        self.my_month.refresh()

    def _data_changed(self, kind: str, _ident: int) -> None:
        if kind == "visit":
            self.refresh()

    def open(self) -> None:
        self.refresh()
        self.my_month.refresh()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt API
        super().hideEvent(event)
        self.timer.stop()

    def refresh(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        self.header.set_subtitle(actor.name)
        self.ctx.runner.run(
            self,
            lambda: self.ctx.services.visits.my_visits(actor),
            on_done=self._apply,
            on_error=lambda _e: None,
        )

    def _apply(self, data: object) -> None:
        visits = cast(list[MyVisit], data)
        for card in self.cards:
            self.list_layout.removeWidget(card)
            card.deleteLater()
        self.cards = []
        for i, m in enumerate(visits):
            card = MyVisitCard(self.ctx, m)
            self.list_layout.insertWidget(i, card)
            self.cards.append(card)
        self.stack.setCurrentIndex(0 if visits else 1)
        n = len(visits)
        if self.ctx.actor is not None:
            self.header.set_subtitle(
                _("{name} · {n} waiting or in service").format(name=self.ctx.actor.name, n=n)
            )
