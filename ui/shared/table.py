"""The plain read-only table of the app: a QAbstractTableModel with fixed row heights (lists, standards).

Cells are ``(text, tone)`` or text; a tone colours the text and the text always
carries the word (and a symbol) too, never the colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from desk_app.domain.segments import Segment
from ui.theme import COLORS, TONE_BG

Cell = str | tuple[str, str]
_Index = QModelIndex | QPersistentModelIndex


def fit_columns(view: QTableView, caps: dict[int, int]) -> None:
    """Columns of names as wide as the names shown (and their heading), up to a cap each: a
    fixed width cut "Alexandra Whi…" or left room empty; past the cap the name is cut and its
    tooltip has it whole. The one sizing rule of every table with name columns."""
    head = view.horizontalHeader()
    for col, cap in caps.items():
        want = max(view.sizeHintForColumn(col), head.sectionSizeFromContents(col).width())
        head.resizeSection(col, min(cap, want))


class RowsModel(QAbstractTableModel):
    def __init__(self, headers: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headers = list(headers)
        self.rows: list[Sequence[Cell]] = []
        self.payloads: list[Any] = []

    def set_rows(
        self, rows: Sequence[Sequence[Cell]], payloads: Sequence[Any], headers: Sequence[str] | None = None
    ) -> None:
        self.beginResetModel()
        if headers is not None:
            self.headers = list(headers)
        self.rows = list(rows)
        self.payloads = list(payloads)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        cell = self.rows[index.row()][index.column()]
        text, tone = (cell, "") if isinstance(cell, str) else cell
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return text
        if tone and role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor(COLORS.get(tone, COLORS["text"])))
        if tone == "bad" and role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(QColor(TONE_BG[tone]))
        if tone and tone != "muted" and role == Qt.ItemDataRole.FontRole:  # "muted": greyed, not bold
            f = QFont()
            f.setBold(True)
            return f
        return None


class RowsTable(QTableView):
    """The table view: whole-row selection, fixed 44 px rows, Enter activates the row."""

    activated_row = Signal(object)

    def __init__(self, headers: Sequence[str], stretch: int = -1, parent: QWidget | None = None,
                 empty_text: str = "") -> None:
        super().__init__(parent)
        self.empty_text = empty_text  # said in the empty table: what it will hold, what to do next
        self.model_ = RowsModel(headers, self)
        self.setModel(self.model_)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(False)
        self.setWordWrap(False)
        vh = self.verticalHeader()
        vh.setVisible(False)
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(44)
        hh = self.horizontalHeader()
        hh.setStretchLastSection(stretch == -1)
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        if stretch >= 0:
            hh.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        self.doubleClicked.connect(lambda _i: self._activate())

    def set_rows(
        self,
        rows: Sequence[Sequence[Cell]],
        payloads: Sequence[Any],
        widths: Sequence[int] = (),
        headers: Sequence[str] | None = None,
    ) -> None:
        self.model_.set_rows(rows, payloads, headers)
        for i, w in enumerate(widths):
            self.setColumnWidth(i, w)
        if rows:
            self.selectRow(0)

    def fit_columns(self, caps: dict[int, int]) -> None:
        fit_columns(self, caps)

    def showing_empty(self) -> str:
        """The words the table shows instead of rows ("" when it has rows or nothing to say)."""
        return self.empty_text if self.empty_text and not self.model_.rows else ""

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        text = self.showing_empty()
        if text:
            p = QPainter(self.viewport())
            p.setPen(QColor(COLORS["muted"]))
            area = self.viewport().rect().adjusted(24, 8, -24, -8)
            p.drawText(area, int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), text)
            p.end()

    def current(self) -> Any:
        idx = self.currentIndex()
        if not idx.isValid() or idx.row() >= len(self.model_.payloads):
            return None
        return self.model_.payloads[idx.row()]

    def keyPressEvent(self, event: Any) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._activate()
            return
        super().keyPressEvent(event)

    def _activate(self) -> None:
        item = self.current()
        if item is not None:
            self.activated_row.emit(item)


def segment_cell(segment: str) -> Cell:
    """The client's value segment: a symbol and a word (key clients are called first)."""
    if not segment:
        return ""
    seg = Segment(segment)
    symbol, tone = {
        Segment.KEY: ("★", "ok"),
        Segment.LOYAL: ("●", "info"),
        Segment.PROMISING: ("↗", "info"),
        Segment.STANDARD: ("·", ""),
    }[seg]
    return (f"{symbol} {seg.label}", tone) if tone else f"{symbol} {seg.label}"
