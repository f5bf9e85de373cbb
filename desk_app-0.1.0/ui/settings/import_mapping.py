"""Import: the column-mapping form (which column holds the name, the phone...) and the preview table."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QWidget

from desk_app.clients.importer import ImportPreview, ParsedRow, Rejected
from desk_app.i18n import _, format_date
from ui.theme import COLORS

Index = QModelIndex | QPersistentModelIndex

NOT_IN_FILE = "__none__"


def field_label(field: str) -> str:
    return {
        "name": _("Full name"),
        "first_name": _("First name"),
        "last_name": _("Last name (surname)"),
        "phone": _("Mobile phone"),
        "phone2": _("Other phone"),
        "email": _("Email"),
        "birthday": _("Birthday"),
        "gender": _("Gender"),
        "notes": _("Notes"),
        "external_id": _("Number in the old system"),
        "wechat_id": _("WeChat ID"),
        "first_visit": _("First visit"),
        "last_visit": _("Last visit"),
    }.get(field, field)


MAPPED_FIELDS = (
    "name",
    "first_name",
    "last_name",
    "phone",
    "phone2",
    "email",
    "birthday",
    "gender",
    "notes",
    "external_id",
    "wechat_id",
    "last_visit",
)


class MappingForm(QWidget):
    """One drop-down per field; each lists the file's columns. Emits ``changed`` with the new mapping."""

    changed = Signal(dict)

    def __init__(self) -> None:
        super().__init__()
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 8, 0)
        self.form.setVerticalSpacing(8)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.combos: dict[str, QComboBox] = {}
        for f in MAPPED_FIELDS:
            combo = QComboBox()
            combo.setMinimumHeight(40)
            combo.setMinimumWidth(150)
            combo.currentIndexChanged.connect(self._emit)
            self.combos[f] = combo
            label = QLabel(field_label(f))
            label.setBuddy(combo)
            self.form.addRow(label, combo)
        self._quiet = False

    def set_columns(self, headers: list[str], mapping: dict[str, str]) -> None:
        self._quiet = True
        try:
            for f, combo in self.combos.items():
                combo.clear()
                combo.addItem(_("— not in the file —"), NOT_IN_FILE)
                for h in headers:
                    combo.addItem(h, h)
                pos = combo.findData(mapping.get(f, NOT_IN_FILE))
                combo.setCurrentIndex(max(pos, 0))
        finally:
            self._quiet = False

    def mapping(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for f, combo in self.combos.items():
            v = combo.currentData()
            if v and v != NOT_IN_FILE:
                out[f] = str(v)
        return out

    def set_field(self, field: str, column: str) -> None:
        combo = self.combos[field]
        combo.setCurrentIndex(max(combo.findData(column), 0))

    def _emit(self) -> None:
        if not self._quiet:
            self.changed.emit(self.mapping())


class PreviewModel(QAbstractTableModel):
    """The first rows as they would be imported, and the rejected ones with the reason."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[ParsedRow | Rejected] = []

    def reset(self, preview: ImportPreview | None) -> None:
        self.beginResetModel()
        if preview is None:
            self.rows = []
        else:
            merged: list[ParsedRow | Rejected] = [*preview.parsed, *preview.rejected]
            self.rows = sorted(merged, key=lambda r: r.row_no)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 6

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return [_("Row"), _("Result"), _("Name"), _("Phone"), _("Birthday"), _("Email / notes")][section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.ForegroundRole and isinstance(r, Rejected) and col == 1:
            return QColor(COLORS["bad"])
        if role == Qt.ItemDataRole.ToolTipRole and isinstance(r, Rejected):
            return r.reason
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if col == 0:
            return str(r.row_no)
        if isinstance(r, Rejected):
            return ["", "✕ " + r.reason, r.values, "", "", ""][col]
        bday = format_date(r.birthday) if r.birthday else (r.birthday_md or "")
        return ["", "✓ " + _("import"), r.name, r.phone, bday, r.email or r.notes.replace("\n", " ")][col]
