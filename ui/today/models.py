"""Table models of the Today screen: appointments and visits in progress (word + colour)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from desk_app.domain.visit import status_label, step_label
from desk_app.i18n import N_, _, format_time
from desk_app.visits.views import OpenVisitRow, TodayAppointment, appt_status_label
from ui.theme import COLORS, STATUS_TONE, TONE_BG, TONE_SYMBOL
from ui.visits.common import breach_short, breach_text, waited_text

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex


def chip_text(word: str, tone: str) -> str:
    return f"{TONE_SYMBOL.get(tone, '•')} {word}"


def step_text(v: OpenVisitRow) -> str:
    """Where the visit is, in as few words as the cell allows."""
    if v.status == "in_service":
        return status_label("in_service")
    if v.status == "delayed":
        return f"{step_label(v.step)} · {status_label('delayed')}"
    if v.step == "service":
        return _("Waiting for service")
    return step_label(v.step)


class _RowsModel(QAbstractTableModel, Generic[T]):
    headers: tuple[str, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[T] = []

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt API
        return len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(self.headers[section])
        return None

    def row(self, index: int) -> T | None:
        return self.rows[index] if 0 <= index < len(self.rows) else None


class AppointmentsModel(_RowsModel[TodayAppointment]):
    headers = (N_("Time"), N_("Client"), N_("Services"), N_("Stylist"), N_("Status"))

    def data(self, index: Index, role: int = 0) -> Any:
        a = self.row(index.row())
        if a is None:
            return None
        col = index.column()
        tone = STATUS_TONE.get(a.status, "neutral")
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:  # all branches: the branch's code after the time
                return format_time(a.start_at) + (f" · {a.branch_code}" if a.branch_code else "")
            if col == 1:
                return ("⚠ " if a.has_alert else "") + a.client_name
            if col == 2:
                return a.service_names
            if col == 3:
                return a.staff_name
            return chip_text(appt_status_label(a.status), tone)
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == 4:
                return QColor(COLORS.get(tone, COLORS["neutral"]))
            if col == 1 and a.has_alert:
                return QColor(COLORS["bad"])
        if role == Qt.ItemDataRole.BackgroundRole and col == 4:
            return QColor(TONE_BG.get(tone, TONE_BG["neutral"]))
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 1 and a.has_alert:
                return _("Allergies or contraindications: see the visit")
            if col in (1, 2, 3):  # a long name may be cut in its column: whole here
                return (a.client_name, a.service_names, a.staff_name)[col - 1] or None
        return None


class VisitsModel(_RowsModel[OpenVisitRow]):
    headers = (N_("Client"), N_("Step"), N_("Stylist"), N_("Waited"), N_("Standards"))

    def data(self, index: Index, role: int = 0) -> Any:
        v = self.row(index.row())
        if v is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:  # all branches: the branch's code before the name
                where = f"{v.branch_code} · " if v.branch_code else ""
                return ("⚠ " if v.has_alert else "") + where + v.client_name
            if col == 1:
                return step_text(v)
            if col == 2:
                return v.staff_name or _("not assigned")
            if col == 3:
                return waited_text(v.waited)
            return breach_short(v.checks) or chip_text(_("on time"), "ok")
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == 4:
                return QColor(COLORS["bad"] if v.breached else COLORS["ok"])
            if col == 1:
                return QColor(COLORS.get(STATUS_TONE.get(v.status, "neutral"), COLORS["text"]))
            if col == 0 and v.has_alert:
                return QColor(COLORS["bad"])
        if role == Qt.ItemDataRole.BackgroundRole and v.breached:
            return QColor(TONE_BG["bad"])
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 0:
                return v.alert_text if v.has_alert else v.client_name
            if col == 2:
                return v.staff_name or None
            if col == 3:
                return _("Arrived {t}").format(t=format_time(v.arrived_at))
            if col == 4 and v.breached:
                return breach_text(v.checks)
        return None
