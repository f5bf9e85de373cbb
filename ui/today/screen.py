"""The receptionist's home: today's appointments, the walk-in queue and every visit in progress.

Refreshed every few seconds (one cheap query set, off the GUI thread) so a
missed time standard shows up live. Enter on an appointment marks the client
arrived and opens the visit at the greeting; Ctrl+W starts a walk-in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.permissions import Perm
from desk_app.i18n import _, format_date, ngettext
from desk_app.visits.views import TodayView
from ui.clients.new_client import create_client
from ui.clients.search import ClientSearchBox
from ui.context import UiContext
from ui.shared.branch_picker import BranchPicker
from ui.shared.table import fit_columns
from ui.shared.widgets import Button, Card, EmptyState, PageHeader, confirm, show_error
from ui.today.models import AppointmentsModel, VisitsModel

REFRESH_MS = 5_000


def _table(
    model: AppointmentsModel | VisitsModel, stretch: int, fixed: dict[int, int] | None = None
) -> QTableView:
    t = QTableView()
    t.setModel(model)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.verticalHeader().setVisible(False)
    t.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    t.verticalHeader().setDefaultSectionSize(40)
    t.setShowGrid(False)
    t.setWordWrap(False)
    h = t.horizontalHeader()
    h.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    h.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    for col, width in (fixed or {}).items():  # names elide instead of pushing the rest out
        h.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        h.resizeSection(col, width)

    def fit() -> None:
        # a names column is as wide as today's names, up to its cap (``fixed``): the stretched
        # column keeps the rest (short names left "Women's cut & st…" cut beside empty space)
        fit_columns(t, fixed or {})

    model.modelReset.connect(fit)
    model.layoutChanged.connect(fit)
    t.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    t.setTextElideMode(Qt.TextElideMode.ElideRight)
    return t


def _enter_on(table: QWidget, action: Callable[[], None]) -> None:
    """Enter on ``table`` (only while it has the focus) runs ``action``. The context is set after
    the shortcut is made: PySide6's QShortcut(key, parent, callable, context) leaves the context at
    WindowShortcut, and two window-wide Enter shortcuts ate every Enter in the window (Enter on a
    found client did nothing)."""
    for key in ("Return", "Enter"):
        sc = QShortcut(QKeySequence(key), table)
        sc.setContext(Qt.ShortcutContext.WidgetShortcut)
        sc.activated.connect(action)


class TodayScreen(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.data: TodayView | None = None
        self._busy = False
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(12)

        self.header = PageHeader(_("Today"))
        actions = cast(QHBoxLayout, self.header.actions)
        self.quick_sale_btn = Button(_("Quick sale"), "receipt")
        self.quick_sale_btn.clicked.connect(lambda: ctx.navigate("checkout"))
        self.walk_in_btn = Button(_("Walk-in"), "walk-in", "primary")
        self.walk_in_btn.setToolTip(_("A client without an appointment (Ctrl+W)"))
        self.walk_in_btn.clicked.connect(self.walk_in)
        self.branch = BranchPicker(ctx, self.refresh)  # the owner: another branch, or all of them
        actions.addWidget(self.branch)
        actions.addWidget(self.quick_sale_btn)
        actions.addWidget(self.walk_in_btn)
        self.walk_in_shortcut = QShortcut(QKeySequence("Ctrl+W"), self, self.walk_in)
        root.addWidget(self.header)

        # on Today, Enter on a found client starts their visit (their booking, or a walk-in)
        self.search = ClientSearchBox(
            ctx,
            enter_hint=_("Enter starts the highlighted client's visit: their booking today, or a walk-in. ↑ ↓ move."),
        )
        self.search.client_chosen.connect(self.client_chosen)
        self.search.new_client_requested.connect(self.new_client)
        root.addWidget(self.search)
        # the result list opens over the day while typing: the tables below never move
        self.search.view.setMaximumHeight(300)
        self.search.float_over(self)

        body = QHBoxLayout()
        body.setSpacing(16)
        # appointments
        appts = Card(_("Appointments"))
        self.appts_model = AppointmentsModel()
        self.appts = _table(self.appts_model, 2, {1: 150, 3: 130})
        self.appts.doubleClicked.connect(self._appt_activated)
        _enter_on(self.appts, self.arrived)
        self.appts_stack = QStackedWidget()
        self.appts_stack.addWidget(self.appts)
        self.appts_empty = EmptyState(
            "calendar",
            _("No appointments today"),
            _("Book clients in the Calendar (F4). A client without a booking: press Walk-in (Ctrl+W)."),
        )
        self.appts_stack.addWidget(self.appts_empty)
        appts.body.addWidget(self.appts_stack, 1)
        row = QHBoxLayout()
        self.arrived_btn = Button(_("Arrived"), "check", "primary")
        self.arrived_btn.setToolTip(_("Mark the selected client arrived and greet them (Enter)"))
        self.arrived_btn.clicked.connect(self.arrived)
        row.addWidget(self.arrived_btn)
        row.addStretch()
        appts.body.addLayout(row)
        body.addWidget(appts, 11)  # the day's list is read all day: the wider side (11 : 9)

        right = QVBoxLayout()
        right.setSpacing(16)
        prog = Card(_("In progress"))
        self.visits_model = VisitsModel()
        self.visits = _table(self.visits_model, 4, {0: 130, 2: 100})  # cut text whole in its tooltip
        self.visits.doubleClicked.connect(self._visit_activated)
        _enter_on(self.visits, self.open_selected_visit)
        self.visits_stack = QStackedWidget()
        self.visits_stack.addWidget(self.visits)
        self.visits_empty = EmptyState(
            "users",
            _("Nobody in the shop right now"),
            _("When a client arrives, press Arrived on their appointment or Walk-in."),
        )
        self.visits_stack.addWidget(self.visits_empty)
        prog.body.addWidget(self.visits_stack, 1)
        self.open_btn = Button(_("Open visit"), "arrow-right")
        self.open_btn.clicked.connect(self.open_selected_visit)
        prow = QHBoxLayout()
        prow.addWidget(self.open_btn)
        prow.addStretch()
        prog.body.addLayout(prow)
        right.addWidget(prog, 3)

        queue = Card(_("Walk-in queue"))
        self.queue_model = VisitsModel()
        self.queue = _table(self.queue_model, 0)
        for col in (2, 4):  # stylist and standards are in the table above
            self.queue.setColumnHidden(col, True)
        self.queue.doubleClicked.connect(lambda idx: self._open_row(self.queue_model, idx.row()))
        self.queue_stack = QStackedWidget()
        self.queue_stack.addWidget(self.queue)
        self.queue_empty = EmptyState(
            "walk-in", _("No one waiting"), _("Walk-ins waiting for a stylist show here.")
        )
        self.queue_stack.addWidget(self.queue_empty)
        queue.body.addWidget(self.queue_stack, 1)
        right.addWidget(queue, 2)
        body.addLayout(right, 9)
        root.addLayout(body, 1)

        self.timer = QTimer(self)  # runs while the screen is shown
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        ctx.signals.actor_changed.connect(self._apply_actor)
        self._apply_actor()
        ctx.signals.data_changed.connect(self._data_changed)  # a bound slot: dropped with the screen
        self.refresh()

    # ------------------------------------------------------------------ data
    def open(self) -> None:
        self.refresh()
        self.search.focus_search()  # typing goes straight to the search, as on the other screens

    def _data_changed(self, kind: str, _ident: int) -> None:
        if kind in ("visit", "appointment"):
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self.timer.start()
        self.refresh()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt API
        super().hideEvent(event)
        self.timer.stop()

    def _apply_actor(self) -> None:
        self.quick_sale_btn.setVisible(self.ctx.can(Perm.CHECKOUT))
        self.walk_in_btn.setEnabled(self.ctx.can(Perm.VISIT_RUN))
        self.arrived_btn.setEnabled(self.ctx.can(Perm.VISIT_RUN))
        self.branch.load()

    def refresh(self) -> None:
        if self._busy:
            return
        self._busy = True
        branch = self.branch.branch_id()  # the desk's branch, or the one the owner chose (None: all)
        visits = self.ctx.services.visits
        self.ctx.runner.run(
            self,
            lambda: visits.list_today(branch_id=branch),
            on_done=self._apply,
            on_error=self._failed,
        )

    def _failed(self, exc: Exception) -> None:
        self._busy = False
        self.header.set_subtitle(_("Could not refresh the list; it will try again in a few seconds."))

    def _apply(self, data: object) -> None:
        self._busy = False
        assert isinstance(data, TodayView)
        self.data = data
        self._set_rows(self.appts, self.appts_model, list(data.appointments), lambda r: ("a", r.id))
        self._set_rows(self.visits, self.visits_model, list(data.in_progress), lambda r: ("v", r.visit_id))
        self._set_rows(self.queue, self.queue_model, list(data.walk_ins), lambda r: ("v", r.visit_id))
        self.appts_stack.setCurrentWidget(self.appts if data.appointments else self.appts_empty)
        self.visits_stack.setCurrentWidget(self.visits if data.in_progress else self.visits_empty)
        self.open_btn.setVisible(bool(data.in_progress))  # nothing to open: no dead button under the empty state
        self.queue_stack.setCurrentWidget(self.queue if data.walk_ins else self.queue_empty)
        parts = [
            format_date(data.now, "full"),
            ngettext("{n} appointment", "{n} appointments", len(data.appointments)).format(
                n=len(data.appointments)
            ),
            ngettext("{n} in progress", "{n} in progress", len(data.in_progress)).format(
                n=len(data.in_progress)
            ),
        ]
        if data.breaches:
            parts.append(
                "✕ "
                + ngettext("{n} standard missed", "{n} standards missed", data.breaches).format(
                    n=data.breaches
                )
            )
        self.header.set_subtitle(" · ".join(parts))

    @staticmethod
    def _set_rows(
        view: QTableView,
        model: AppointmentsModel | VisitsModel,
        rows: list[Any],
        key: Callable[[Any], object],
    ) -> None:
        """Replace rows and keep the selection on the same appointment/visit."""
        old = model.row(view.currentIndex().row())
        old_key = key(old) if old is not None else None
        model.set_rows(rows)
        if old_key is not None:
            for i, r in enumerate(rows):
                if key(r) == old_key:
                    view.selectRow(i)
                    break

    # ------------------------------------------------------------------ actions
    def walk_in(self) -> None:
        """The visit screen opens at once and writes the walk-in on the runner."""
        self.ctx.navigate("visit", walk_in=True)

    def arrived(self) -> None:
        a = self.appts_model.row(self.appts.currentIndex().row())
        if a is None:
            show_error(self, _("Select the client's appointment in the list first."))
            return
        if a.visit_id is not None:
            self.ctx.navigate("visit", visit_id=a.visit_id)
            return
        self.ctx.navigate("visit", appointment_id=a.id)

    def _appt_activated(self, index: QModelIndex) -> None:
        self.appts.selectRow(index.row())
        self.arrived()

    def _visit_activated(self, index: QModelIndex) -> None:
        self._open_row(self.visits_model, index.row())

    def open_selected_visit(self) -> None:
        self._open_row(self.visits_model, self.visits.currentIndex().row())

    def _open_row(self, model: VisitsModel, row: int) -> None:
        r = model.row(row)
        if r is None:
            show_error(self, _("Select a visit in the list first."))
            return
        self.ctx.navigate("visit", visit_id=r.visit_id)

    def client_chosen(self, client_id: int) -> None:
        """A client found at the desk: their booking today, their open visit, or a new visit."""
        data = self.data
        if data is not None:
            for a in data.appointments:
                # a confirmed booking is a booking too (it was missed, and a walk-in offered beside it)
                if a.client_id == client_id and a.status in ("booked", "confirmed", "arrived", "in_service"):
                    self.ctx.navigate(
                        "visit", **({"visit_id": a.visit_id} if a.visit_id else {"appointment_id": a.id})
                    )
                    return
        visits = self.ctx.services.visits
        self.ctx.runner.run(
            self,
            lambda: visits.open_visit_for_client(client_id),
            on_done=lambda open_id: self._open_or_start(client_id, open_id),
            on_error=lambda exc: show_error(self, exc),
        )

    def _open_or_start(self, client_id: int, open_id: int | None) -> None:
        if open_id is not None:
            self.ctx.navigate("visit", visit_id=open_id)
        elif confirm(
            self, _("Start a visit"), _("No booking today. Start a walk-in visit for this client now?")
        ):
            self.ctx.navigate("visit", client_id=client_id)
        else:
            self.ctx.navigate("client", client_id=client_id)

    def new_client(self, text: str) -> None:
        cid = create_client(self.ctx, self, text)
        if cid is not None:
            self.ctx.navigate("visit", client_id=cid)
