"""Formula editor (structured rows) and the formula list with lock state and versions."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.clients.formulas import COMPONENT_FIELDS, FormulaView
from desk_app.core.service import ValidationError
from desk_app.i18n import N_, _, format_when
from ui.shared.widgets import Button, Dialog, ErrorLabel

HEADERS = {
    "product": N_("Product"),
    "shade": N_("Shade"),
    "developer": N_("Developer / volume"),
    "amount": N_("Amount"),
    "minutes": N_("Minutes"),
    "notes": N_("Notes"),
}


def formula_summary(f: FormulaView) -> str:
    parts = []
    for c in f.components:
        bits = [c.product, c.shade, c.developer, c.amount]
        if c.minutes is not None:
            bits.append(_("{n} min").format(n=c.minutes))
        parts.append(" ".join(b for b in bits if b))
    return " + ".join(parts)


def lock_text(f: FormulaView) -> str:
    if not f.is_current:
        return _("v{n} · replaced by a correction").format(n=f.version_no)
    if f.locked:
        return _("v{n} · locked;\na correction is a new version").format(n=f.version_no)
    return _("v{n} · editable until\n{when}").format(
        n=f.version_no, when=format_when(f.locks_at)
    )


class FormulaDialog(Dialog):
    """Rows of product, shade, developer/volume, amount, processing minutes, notes."""

    def __init__(
        self, parent: QWidget | None, title: str, save: Any, initial: FormulaView | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(980, 420)  # every column title reads in full (Developer / volume)
        self._save = save
        self.result_view: FormulaView | None = None
        lay = QVBoxLayout(self)
        if initial is not None and initial.locked:
            warn = QLabel(
                _("This formula is locked. Saving keeps the old version visible and adds a new one.")
            )
            warn.setObjectName("warningText")
            warn.setWordWrap(True)
            lay.addWidget(warn)
        self.table = QTableWidget(0, len(COMPONENT_FIELDS))
        self.table.setHorizontalHeaderLabels([_(HEADERS[f]) for f in COMPONENT_FIELDS])
        self.table.verticalHeader().setDefaultSectionSize(38)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        lay.addWidget(self.table, 1)
        row = QHBoxLayout()
        add = Button(_("Add row"), "plus")
        add.clicked.connect(lambda: self.add_row({}))
        rm = Button(_("Remove row"), kind="ghost")
        rm.clicked.connect(self._remove_row)
        row.addWidget(add)
        row.addWidget(rm)
        row.addStretch()
        lay.addLayout(row)
        self.notes = QLineEdit()
        self.notes.setPlaceholderText(_("Notes for next time (e.g. leave 5 min longer at the roots)"))
        lay.addWidget(self.notes)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(_("Save formula"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        buttons.accepted.connect(self.accept_save)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        if initial is not None:
            for c in initial.components:
                self.add_row(c.as_dict())
            self.notes.setText(initial.notes)
        else:
            self.add_row({})

    def add_row(self, values: dict[str, Any]) -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        for c, key in enumerate(COMPONENT_FIELDS):
            val = values.get(key)
            self.table.setItem(r, c, QTableWidgetItem("" if val is None else str(val)))

    def _remove_row(self) -> None:
        r = self.table.currentRow()
        if r >= 0:
            self.table.removeRow(r)

    def components(self) -> list[dict[str, Any]]:
        out = []
        for r in range(self.table.rowCount()):
            row = {}
            for c, key in enumerate(COMPONENT_FIELDS):
                item = self.table.item(r, c)
                row[key] = item.text().strip() if item else ""
            if any(row.values()):
                out.append(row)
        return out

    def accept_save(self) -> None:
        try:
            self.result_view = self._save(self.components(), self.notes.text())
        except ValidationError as exc:
            self.error.show_error("\n".join(exc.errors.values()))
            return
        except Exception as exc:  # a service error fit to show
            self.error.show_error(getattr(exc, "message", str(exc)))
            return
        self.accept()


class FormulaList(QTableWidget):
    """Every version of the visit's formulas: current ones first-class, older ones greyed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 3, parent)
        self.setHorizontalHeaderLabels([_("Formula"), _("By"), _("State")])
        self.verticalHeader().setVisible(False)
        # a handful of rows: they may grow to show the whole formula
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.setWordWrap(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        h = self.horizontalHeader()
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        h.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.formulas: list[FormulaView] = []

    def load(self, formulas: tuple[FormulaView, ...]) -> None:
        # group versions: each root's versions together, newest first inside the group
        ordered = sorted(formulas, key=lambda f: (f.root_id, -f.version_no))
        self.formulas = ordered
        self.setRowCount(len(ordered))
        for r, f in enumerate(ordered):
            text = formula_summary(f) + (f"  — {f.notes}" if f.notes else "")
            items = [QTableWidgetItem(text), QTableWidgetItem(f.author_name), QTableWidgetItem(lock_text(f))]
            for c, it in enumerate(items):
                if not f.is_current:
                    it.setForeground(Qt.GlobalColor.gray)
                    font = it.font()
                    font.setStrikeOut(c == 0)
                    it.setFont(font)
                self.setItem(r, c, it)
        self.setFixedHeight(min(44 + 58 * max(1, len(ordered)), 240))

    def selected(self) -> FormulaView | None:
        r = self.currentRow()
        if 0 <= r < len(self.formulas):
            return self.formulas[r]
        current = [f for f in self.formulas if f.is_current]
        return current[0] if len(current) == 1 else None
