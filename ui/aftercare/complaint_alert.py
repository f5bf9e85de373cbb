"""Overdue complaints stand out: a banner for the Today screen and a dialog for the owner at sign-in."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QListWidget, QVBoxLayout, QWidget

from desk_app.aftercare.views import ComplaintView
from desk_app.domain.aftercare import ComplaintLevel
from desk_app.domain.permissions import Role
from desk_app.i18n import _, format_when, ngettext
from ui.aftercare.text import word
from ui.context import UiContext
from ui.shared.widgets import Button, Dialog
from ui.theme import COLORS, icon

log = logging.getLogger(__name__)


def _log_error(exc: Exception) -> None:
    """A strip on the Today screen must never interrupt the desk: log, keep the last figures."""
    log.warning("could not load after-care figures: %s", exc)


def _line(c: ComplaintView) -> str:
    return _("#{id} {client}: {what} — answer was due {when} ({level}, {handler})").format(
        id=c.id,
        client=c.client_name or _("walk-in"),
        what=(c.description.splitlines() or [""])[0][:80],
        when=format_when(c.first_response_due_at),
        level=word(ComplaintLevel, c.level),
        handler=c.handler or _("nobody"),
    )


class OverdueComplaintsBanner(QFrame):
    """A red banner "N complaints are overdue", hidden when there are none. ``refresh()`` reloads."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("overdueBanner")
        self.setStyleSheet(
            f"QFrame#overdueBanner {{ background: #FDE5E5; border: 1px solid {COLORS['bad']};"
            " border-radius: 8px; }"
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 12, 8)
        pic = QLabel()
        pic.setPixmap(icon("alert", COLORS["bad"], 22).pixmap(22, 22))
        row.addWidget(pic)
        self.text = QLabel()
        self.text.setObjectName("dangerText")
        self.text.setWordWrap(True)
        row.addWidget(self.text, 1)
        self.open_btn = Button(_("Open complaints"), kind="danger")
        # what "Open complaints" does; the Follow-ups screen replaces it to switch its own tab
        self.on_open: Callable[[], None] = lambda: ctx.navigate("followups", tab="complaints")
        self.open_btn.clicked.connect(lambda: self.on_open())
        row.addWidget(self.open_btn)
        self.items: list[ComplaintView] = []
        self.hide()

    def refresh(self) -> None:
        svc = self.ctx.services.complaints
        self.ctx.runner.run(
            self, lambda: svc.overdue_complaints(), on_done=self.show_items, on_error=_log_error
        )

    def show_items(self, items: list[ComplaintView]) -> None:
        self.items = items
        if not items:
            self.hide()
            return
        n = len(items)
        self.text.setText(
            "✕ "
            + ngettext(
                "{n} complaint has had no answer within the deadline.",
                "{n} complaints have had no answer within the deadline.",
                n,
            ).format(n=n)
            + " "
            + _("Call the client back now.")
        )
        self.setToolTip("\n".join(_line(c) for c in items[:10]))
        self.show()


class OverdueComplaintsDialog(Dialog):
    def __init__(self, ctx: UiContext, items: list[ComplaintView], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Overdue complaints"))
        self.setMinimumWidth(720)
        lay = QVBoxLayout(self)
        head = QLabel(
            "✕ "
            + ngettext(
                "{n} complaint is past its first-answer deadline:",
                "{n} complaints are past their first-answer deadline:",
                len(items),
            ).format(n=len(items))
        )
        head.setObjectName("dangerText")
        lay.addWidget(head)
        self.list = QListWidget()
        self.list.setWordWrap(True)  # a long complaint wraps instead of hiding behind a sideways scroll
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        for c in items:
            self.list.addItem(_line(c))
        self.list.setMinimumHeight(min(44 * len(items) + 8, 300))
        lay.addWidget(self.list)
        row = QHBoxLayout()
        row.addStretch()
        later = Button(_("Later"), kind="ghost")
        later.clicked.connect(self.reject)
        go = Button(_("Open complaints"), "shield", kind="primary")
        go.setDefault(True)
        go.clicked.connect(self._go)
        row.addWidget(later)
        row.addWidget(go)
        lay.addLayout(row)

    def _go(self) -> None:
        self.accept()
        self.ctx.navigate("followups", tab="complaints")


def show_overdue_at_sign_in(ctx: UiContext, parent: QWidget) -> None:
    """Called by the main window after an owner signs in: list overdue complaints, only if any.

    The complaints are read off the GUI thread (the desk is usable at once); the answer is
    dropped when ``parent`` was deleted or someone else signed in meanwhile. The dialog is
    window-modal and opened without blocking (``open()``); it deletes itself when closed.
    """
    owner = ctx.actor
    if owner is None or owner.role != Role.OWNER:
        return
    complaints = ctx.services.complaints

    def show(items: list[ComplaintView]) -> None:
        now = ctx.actor
        if not items or now is None or now.staff_id != owner.staff_id:
            return
        if any(d.isVisible() for d in parent.findChildren(OverdueComplaintsDialog)):
            return  # signed in twice quickly: one list is enough
        dlg = OverdueComplaintsDialog(ctx, items, parent)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.open()

    ctx.runner.run(parent, lambda: complaints.overdue_complaints(), on_done=show, on_error=_log_error)
