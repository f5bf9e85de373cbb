"""The audit log (owner only): who did what and when, filtered, with the before/after values, exportable.

Nothing here can change a row: the log is append-only (docs/product.md §7).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, cast

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.permissions import Perm
from desk_app.i18n import _, format_datetime, format_when, local
from desk_app.trust.audit import AuditFilter, AuditRow
from desk_app.trust.auth import StaffView
from ui.context import UiContext
from ui.runner import Latest
from ui.shared.files import in_documents
from ui.shared.widgets import Button, EmptyState, PageHeader, show_error
from ui.theme import COLORS

PAGE = 200
Index = QModelIndex | QPersistentModelIndex


def action_label(action: str) -> str:
    labels = {
        "sign_in": _("Signed in"),
        "sign_in_failed": _("Wrong PIN"),
        "owner_pin_failed": _("Wrong owner PIN"),
        "create": _("Created"),
        "update": _("Changed"),
        "view": _("Viewed"),
        "sale": _("Sale"),
        "refund": _("Refund"),
        "void": _("Void"),
        "discount": _("Discount"),
        "price_change": _("Price change"),
        "settings": _("Settings change"),
        "export": _("Export"),
        "erase": _("Erasure"),
        "import": _("Import"),
        "backup": _("Backup"),
        "restore": _("Restore"),
        "denied": _("Refused"),
        "drawer_opened": _("Cash drawer opened"),
        "drawer_in": _("Cash in"),
        "drawer_out": _("Cash out"),
        "print_receipt": _("Receipt printed"),
        "revoke": _("Revoked"),
        "owner_key_refused": _("Owner key refused"),
        "draft": _("Order drafted"),
        "send": _("Order sent"),
        "receive": _("Delivery received"),
        "cancel": _("Cancelled"),
        "close": _("Count closed"),
        "abandon": _("Count abandoned"),
    }
    return labels.get(action, action.replace("_", " "))


def entity_label(entity: str) -> str:
    labels = {
        "client": _("Client"),
        "clients": _("Clients"),
        "sale": _("Sale"),
        "visit": _("Visit"),
        "staff": _("Staff"),
        "service": _("Service"),
        "product": _("Product"),
        "appointment": _("Appointment"),
        "setting": _("Setting"),
        "shop": _("Shop"),
        "database": _("Database"),
        "audit_log": _("Audit log"),
        "permission": _("Permission"),
        "cash_session": _("Cash drawer"),
        "complaint": _("Complaint"),
        "follow_up": _("Follow-up"),
        "owner_key": _("Owner key"),
        "supplier": _("Supplier"),
        "purchase_order": _("Purchase order"),
        "stock_count": _("Stock count"),
    }
    return labels.get(entity, entity.replace("_", " "))


class AuditModel(QAbstractTableModel):
    """Rows of the log, newest first, fetched a page at a time.

    ``fetch(offset, limit, deliver)`` asks for a page off the GUI thread and calls
    ``deliver(rows)`` when it arrives (or ``deliver(None)`` when it failed); one page is asked at a
    time, and a page asked before the last reset is dropped."""

    HEADERS = ("time", "staff", "action", "record", "changes")

    def __init__(self, fetch: Callable[[int, int, Callable[[list[AuditRow] | None], None]], None]) -> None:
        super().__init__()
        self._fetch = fetch
        self.rows: list[AuditRow] = []
        self.total = 0
        self._generation = 0  # one per reset: a page fetched for rows since replaced is dropped
        self._fetching = False

    def reset(self, rows: list[AuditRow], total: int) -> None:
        self.beginResetModel()
        self._generation += 1
        self._fetching = False
        self.rows = rows
        self.total = total
        self.endResetModel()

    def fetching(self) -> bool:
        """A further page was asked for and has not arrived yet."""
        return self._fetching

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return [_("Time"), _("Staff"), _("Action"), _("Record"), _("What changed")][section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        col = self.HEADERS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if col == "time":
                return format_when(r.at)
            if col == "staff":
                return r.staff_name
            if col == "action":
                return action_label(r.action) if r.allowed else "✕ " + action_label(r.action)
            if col == "record":
                return f"{entity_label(r.entity)} {r.entity_id}".strip()
            return r.changes() or r.detail
        if role == Qt.ItemDataRole.ForegroundRole and not r.allowed:
            return QColor(COLORS["bad"])
        if role == Qt.ItemDataRole.ToolTipRole and col == "changes":
            return r.changes() or r.detail
        return None

    def canFetchMore(self, parent: Index) -> bool:  # noqa: N802 - Qt API
        return not parent.isValid() and not self._fetching and len(self.rows) < self.total

    def fetchMore(self, parent: Index) -> None:  # noqa: N802 - Qt API
        if self._fetching:
            return
        self._fetching = True
        generation = self._generation
        self._fetch(len(self.rows), PAGE, lambda more: self._append(generation, more))

    def _append(self, generation: int, more: list[AuditRow] | None) -> None:
        if generation != self._generation:  # the filter changed meanwhile: these rows are not wanted
            return
        self._fetching = False
        if not more:  # the end (or the page failed, shown by the screen): ask no further
            self.total = len(self.rows)
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(more) - 1)
        self.rows.extend(more)
        self.endInsertRows()


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class AuditScreen(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.setObjectName("screenPage")
        self.ctx = ctx
        self._filters_latest = Latest()
        self._rows_latest = Latest()
        self._shown_filter: AuditFilter | None = None  # the filter the rows on show were read with
        root = QVBoxLayout(self)
        root.setContentsMargins(24, 20, 24, 20)
        root.setSpacing(12)
        self.header = PageHeader(
            _("Audit log"), _("Who did what, and when. Entries cannot be changed or deleted.")
        )
        self.export_button = Button(_("Export CSV…"), "download")
        self.export_button.setToolTip(_("Export the entries shown (Ctrl+E)"))
        self.export_button.clicked.connect(self._ask_export)
        cast(QHBoxLayout, self.header.actions).addWidget(self.export_button)
        root.addWidget(self.header)

        filters = QHBoxLayout()
        filters.setSpacing(8)
        self.staff = QComboBox()
        self.action = QComboBox()
        self.entity = QComboBox()
        self.date_from = QDateEdit()
        self.date_to = QDateEdit()
        for w in (self.staff, self.action, self.entity, self.date_from, self.date_to):
            w.setMinimumHeight(40)
        for de in (self.date_from, self.date_to):
            de.setCalendarPopup(True)
            de.setDisplayFormat("yyyy-MM-dd")
        self.denied_only = QCheckBox(_("Refused only"))
        self.denied_only.setMinimumHeight(40)
        for label, w in (
            (_("Staff"), self.staff),
            (_("Action"), self.action),
            (_("Record"), self.entity),
            (_("From"), self.date_from),
            (_("To"), self.date_to),
        ):
            lbl = QLabel(label)
            lbl.setObjectName("muted")
            lbl.setBuddy(w)
            filters.addWidget(lbl)
            filters.addWidget(w)
        filters.addWidget(self.denied_only)
        filters.addStretch()
        root.addLayout(filters)
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        root.addWidget(self.count_label)
        self.notice = QLabel()
        self.notice.setObjectName("infoBanner")
        self.notice.setWordWrap(True)
        self.notice.setVisible(False)
        root.addWidget(self.notice)

        self.model = AuditModel(self._fetch_page)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        vh = self.table.verticalHeader()
        vh.setVisible(False)
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(36)
        hh = self.table.horizontalHeader()
        for col, width in enumerate((150, 130, 130, 130)):
            hh.resizeSection(col, width)
        hh.setStretchLastSection(True)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText(_("Select an entry to see its values before and after."))
        self.detail.setMaximumHeight(150)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)

        self.empty = EmptyState(
            "filter", _("No entries match"), _("Widen the dates or choose “All” in the filters above.")
        )
        self.denied = EmptyState(
            "lock", _("Only the owner can read the audit log"), _("Ask the owner to sign in (Switch user).")
        )
        self.stack = QStackedWidget()
        for page in (split, self.empty, self.denied):
            self.stack.addWidget(page)
        root.addWidget(self.stack, 1)

        self.table.selectionModel().currentRowChanged.connect(self._show_detail)
        QShortcut(QKeySequence("Ctrl+E"), self, self._ask_export)
        QShortcut(QKeySequence("F5"), self, self.refresh)
        self._filling = False
        self._fill_filters()
        for combo in (self.staff, self.action, self.entity):
            combo.currentIndexChanged.connect(self.refresh)
        self.date_from.dateChanged.connect(self.refresh)
        self.date_to.dateChanged.connect(self.refresh)
        self.denied_only.toggled.connect(self.refresh)
        ctx.signals.actor_changed.connect(self._on_actor)
        self.refresh()

    # -- filters -----------------------------------------------------------------
    def _fill_filters(self) -> None:
        """The dates now; the staff, actions and records when they arrive (each list starts with All)."""
        self._filling = True
        try:
            today = local(self.ctx.services.clock()).date()
            self.date_to.setDate(_qdate(today))
            self.date_from.setDate(_qdate(date.fromordinal(today.toordinal() - 30)))
            for combo in (self.staff, self.action, self.entity):
                combo.clear()
                combo.addItem(_("All"), None)
        finally:
            self._filling = False
        if not self.ctx.can(Perm.AUDIT_VIEW):
            self._filters_latest.cancel()
            return
        actor = self.ctx.require_actor()
        auth, audit = self.ctx.services.auth, self.ctx.services.audit

        def read() -> tuple[list[StaffView], list[str], list[str]]:
            return auth.list_staff(active_only=False), audit.actions(actor), audit.entities(actor)

        seq = self._filters_latest.next()
        self.ctx.runner.run(
            self,
            read,
            on_done=self._filters_latest.guard(seq, self._show_filters),
            on_error=self._filters_latest.guard(seq, lambda e: show_error(self, e)),
        )

    def _show_filters(self, lists: tuple[list[StaffView], list[str], list[str]]) -> None:
        staff, actions, entities = lists
        self._filling = True
        try:  # "All" stays chosen: adding the choices after it changes nothing on show
            for s in staff:
                self.staff.addItem(s.name, s.id)
            for a in actions:
                self.action.addItem(action_label(a), a)
            for e in entities:
                self.entity.addItem(entity_label(e), e)
        finally:
            self._filling = False

    def current_filter(self) -> AuditFilter:
        return AuditFilter(
            staff_id=self.staff.currentData(),
            action=self.action.currentData(),
            entity=self.entity.currentData(),
            date_from=_pydate(self.date_from.date()),
            date_to=_pydate(self.date_to.date()),
            denied_only=self.denied_only.isChecked(),
        )

    def _on_actor(self) -> None:
        self._fill_filters()
        self.refresh()

    # -- loading -------------------------------------------------------------------
    def _fetch_page(self, offset: int, limit: int, deliver: Callable[[list[AuditRow] | None], None]) -> None:
        """A further page of the rows on show (read with the filter they were read with)."""
        f = self._shown_filter or self.current_filter()
        actor = self.ctx.require_actor()
        svc = self.ctx.services.audit

        def failed(exc: Exception) -> None:
            deliver(None)
            show_error(self, exc)

        self.ctx.runner.run(
            self,
            lambda: svc.list_entries(actor, f, limit=limit, offset=offset),
            on_done=deliver,
            on_error=failed,
        )

    def refresh(self) -> None:
        if self._filling:
            return
        allowed = self.ctx.can(Perm.AUDIT_VIEW)
        self.export_button.setEnabled(allowed and self.ctx.can(Perm.EXPORT))
        if not allowed:
            self.stack.setCurrentWidget(self.denied)
            self.count_label.clear()
            return
        f = self.current_filter()
        actor = self.ctx.require_actor()
        svc = self.ctx.services.audit

        def load() -> tuple[list[AuditRow], int]:
            return svc.list_entries(actor, f, limit=PAGE), svc.count(actor, f)

        seq = self._rows_latest.next()  # filters changed quickly: only the newest answer is shown
        self.ctx.runner.run(
            self,
            load,
            on_done=self._rows_latest.guard(seq, lambda result: self._loaded(f, result)),
            on_error=self._rows_latest.guard(seq, lambda e: show_error(self, e)),
        )

    def _loaded(self, f: AuditFilter, result: tuple[list[AuditRow], int]) -> None:
        rows, total = result
        self._shown_filter = f
        self.model.reset(rows, total)
        self.detail.clear()
        self.count_label.setText(_("{n} entries").format(n=total))
        self.stack.setCurrentIndex(0 if rows else 1)

    def _show_detail(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid() or current.row() >= len(self.model.rows):
            self.detail.clear()
            return
        r = self.model.rows[current.row()]
        parts = [
            f"{format_datetime(r.at, 'medium')} · {r.staff_name} · {action_label(r.action)} · {entity_label(r.entity)} {r.entity_id}"
        ]
        if r.detail:
            parts.append(r.detail)
        if r.before is not None:
            parts.append(_("Before:") + " " + json.dumps(r.before, ensure_ascii=False, sort_keys=True))
        if r.after is not None:
            parts.append(_("After:") + " " + json.dumps(r.after, ensure_ascii=False, sort_keys=True))
        self.detail.setPlainText("\n".join(parts))

    # -- export --------------------------------------------------------------------
    def _ask_export(self) -> None:
        if not self.export_button.isEnabled():
            return
        name = f"audit-{self.current_filter().date_from}-{self.current_filter().date_to}.csv"
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Export the audit log"), in_documents(name), _("CSV files (*.csv)")
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        actor = self.ctx.require_actor()
        f = self.current_filter()
        svc = self.ctx.services.audit
        self.export_button.setEnabled(False)

        def done(n: int) -> None:
            self.export_button.setEnabled(True)
            self.last_export = path
            self.notice.setText(_("✓ {n} entries exported to {path}.").format(n=n, path=str(path)))
            self.notice.setVisible(True)
            self.refresh()

        def failed(exc: Exception) -> None:
            self.export_button.setEnabled(True)
            show_error(self, exc)

        self.ctx.runner.run(self, lambda: svc.export_csv(actor, path, f), on_done=done, on_error=failed)
