"""The visit's rebooking step: the proposed date and the first free slots as big buttons.

One click selects a slot, a second click ("Book") books it: two clicks in all. "Not now" asks why.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.calendar.views import AppointmentView, FreeSlot, RebookProposal, SlotTaken
from desk_app.i18n import _, format_date, format_time
from ui.context import UiContext
from ui.shared.widgets import Button, Card, ErrorLabel, ask_reason, show_error


class RebookPanel(QWidget):
    finished = Signal()

    def __init__(self, ctx: UiContext, visit_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.visit_id = visit_id
        self.selected: FreeSlot | None = None
        self.slot_buttons: list[QPushButton] = []
        self.proposal: RebookProposal | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(12)
        self.card = Card(_("Book the next visit"))
        lay.addWidget(self.card)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setObjectName("rebookSummary")
        self.card.body.addWidget(self.summary)
        self.same_title = QLabel()
        self.same_title.setObjectName("sectionTitle")
        self.card.body.addWidget(self.same_title)
        self.same_grid = QGridLayout()
        self.same_grid.setSpacing(10)
        self.card.body.addLayout(self.same_grid)
        self.other_title = QLabel(_("Or with another stylist"))
        self.other_title.setObjectName("sectionTitle")
        self.card.body.addWidget(self.other_title)
        self.other_grid = QGridLayout()
        self.other_grid.setSpacing(10)
        self.card.body.addLayout(self.other_grid)
        self.error = ErrorLabel()
        self.card.body.addWidget(self.error)
        row = QHBoxLayout()
        self.not_now = Button(_("Not now"), "x", kind="ghost")
        self.not_now.clicked.connect(self.decline)
        self.book_button = Button(_("Choose a time above"), "calendar", kind="primary")
        self.book_button.setMinimumHeight(52)
        self.book_button.setEnabled(False)
        self.book_button.clicked.connect(self.book)
        row.addWidget(self.not_now)
        row.addStretch()
        row.addWidget(self.book_button)
        self.card.body.addLayout(row)
        lay.addStretch()
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        QShortcut(QKeySequence("Ctrl+Return"), self).activated.connect(self.book)
        self.refresh()

    # ----------------------------------------------------------------- data
    def refresh(self) -> None:
        rebooking, vid = self.ctx.services.rebooking, self.visit_id
        self.ctx.runner.run(
            self,
            lambda: rebooking.propose(vid),
            on_done=self._show,
            on_error=lambda e: show_error(self, e),
        )

    def _clear(self, grid: QGridLayout) -> None:
        while grid.count():
            item = grid.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                self.group.removeButton(w) if isinstance(w, QPushButton) else None
                w.deleteLater()

    def _show(self, p: RebookProposal) -> None:
        self.proposal = p
        self.selected = None
        self.slot_buttons = []
        self._clear(self.same_grid)
        self._clear(self.other_grid)
        self.book_button.setEnabled(False)
        self.book_button.setText(_("Choose a time above"))
        if p.already_booked is not None:
            a = p.already_booked
            self.summary.setText(
                _("Next visit booked: {when} with {name}.").format(
                    when=format_date(a.start_at, "full") + " " + format_time(a.start_at), name=a.staff_name
                )
            )
            self.same_title.hide()
            self.other_title.hide()
            self.not_now.hide()
            self.book_button.setText(_("Done"))
            self.book_button.setEnabled(True)
            return
        self.summary.setText(
            _("{client} had {services}. We suggest coming back in about {days} days: around {date}.").format(
                client=p.client_name or _("The client"),
                services=p.service_names or _("a service"),
                days=p.interval_days,
                date=format_date(p.target_date, "full"),
            )
        )
        self.same_title.setText(
            _("Free times with {name}").format(name=p.staff_name) if p.staff_name else _("Free times")
        )
        self.same_title.setVisible(True)
        if not p.same_staff:
            empty = QLabel(
                _("No free time near that date; try another stylist below or book from the calendar.")
            )
            empty.setObjectName("muted")
            empty.setWordWrap(True)
            self.same_grid.addWidget(empty, 0, 0)
        # a row per day, its times side by side
        tz = ZoneInfo(self.ctx.shop.timezone)
        row, col, day = -1, 0, None
        for s in p.same_staff:
            d = s.start_at.astimezone(tz).date()
            if d != day:
                row, col, day = row + 1, 0, d
            self.same_grid.addWidget(self._slot_button(s, False), row, col)
            col += 1
        self.other_title.setVisible(bool(p.other_staff))
        for i, s in enumerate(p.other_staff):
            self.other_grid.addWidget(self._slot_button(s, True), i // 3, i % 3)
        if self.slot_buttons:
            self.slot_buttons[0].setFocus()

    def _slot_button(self, s: FreeSlot, other: bool) -> QPushButton:
        text = (
            format_date(s.start_at, "EEE")
            + " "
            + format_date(s.start_at, "medium")
            + "\n"
            + format_time(s.start_at)
        )
        if other:
            text += " · " + s.staff_name
        p = self.proposal
        if p is not None and s.start_at.astimezone(ZoneInfo(self.ctx.shop.timezone)).date() == p.target_date:
            text = "★ " + text  # the date the return interval suggests
        b = QPushButton(text)
        b.setObjectName("slotButton")
        b.setCheckable(True)
        b.setMinimumHeight(64)
        b.setCursor(Qt.CursorShape.PointingHandCursor)
        b.setStyleSheet(
            "QPushButton#slotButton { border: 1px solid #E3E6EE; border-radius: 10px; background: #FFFFFF;"
            " font-size: 14px; padding: 8px 12px; }"
            "QPushButton#slotButton:checked { background: #E4EDFC; border: 2px solid #2F6FDE; font-weight: 600; }"
            "QPushButton#slotButton:focus { border: 2px solid #1F56B8; }"
        )
        b.clicked.connect(lambda _=False, slot=s: self.choose(slot))
        self.group.addButton(b)
        self.slot_buttons.append(b)
        return b

    # ----------------------------------------------------------------- actions
    def choose(self, slot: FreeSlot) -> None:
        """First click: select the slot; the Book button says what it will book."""
        self.selected = slot
        self.error.show_error(None)
        self.book_button.setEnabled(True)
        self.book_button.setText(
            _("Book {when}").format(
                when=format_date(slot.start_at, "medium") + " " + format_time(slot.start_at)
            )
        )

    def book(self) -> None:
        """Second click: book it (and finish the visit)."""
        if self.proposal is not None and self.proposal.already_booked is not None:
            self.finished.emit()
            return
        if self.selected is None:
            return
        slot = self.selected
        actor, rebooking, vid = self.ctx.require_actor(), self.ctx.services.rebooking, self.visit_id
        self.book_button.setEnabled(False)
        self.ctx.runner.run(
            self,
            lambda: rebooking.book(actor, vid, slot),
            on_done=self._booked,
            on_error=self._failed,
            in_order=True,
        )

    def _booked(self, view: AppointmentView) -> None:
        self.finished.emit()

    def _failed(self, exc: Exception) -> None:
        self.book_button.setEnabled(self.selected is not None)
        if isinstance(exc, SlotTaken):  # someone took it a moment ago: show fresh times
            self.refresh()
            self.error.show_error(exc.message)
            return
        show_error(self, exc)

    def decline(self) -> None:
        reason = ask_reason(
            self, _("Not now"), _("Why does the client not book now? (e.g. will call, travelling)")
        )
        if not reason:
            return
        actor, rebooking, vid = self.ctx.require_actor(), self.ctx.services.rebooking, self.visit_id
        self.not_now.setEnabled(False)  # one tap is one decline

        def failed(exc: Exception) -> None:
            self.not_now.setEnabled(True)
            show_error(self, exc)

        def done(_result: object) -> None:
            self.not_now.setEnabled(True)
            self.finished.emit()

        self.ctx.runner.run(
            self, lambda: rebooking.decline(actor, vid, reason), on_done=done, on_error=failed, in_order=True
        )
