"""A list of catalog items beside a form to edit one: the shape of most Settings tabs.

Each tab declares its columns and fields; saving goes through the service, and
a ``ValidationError`` puts each message under its field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.core.service import ValidationError
from desk_app.i18n import _
from ui.context import UiContext
from ui.shared.widgets import Button, Card, ErrorLabel, error_text, mark_invalid


@dataclass
class Field:
    key: str
    label: str
    kind: str = "text"  # text | long | money | int | bool | choice
    options: Callable[[], list[tuple[Any, str]]] | None = None
    placeholder: str = ""
    default: Any = None


@dataclass
class Column:
    title: str
    text: Callable[[Any], str]


@dataclass
class EditorSpec:
    title: str
    columns: list[Column]
    fields: list[Field]
    load: Callable[[], list[Any]]
    save: Callable[[Any, int | None, dict[str, Any]], Any]  # (actor, id, data) -> item
    to_data: Callable[[Any], dict[str, Any]]
    new_label: str = field(default_factory=lambda: _("New"))
    empty_hint: str = ""


class FieldForm(QWidget):
    """Widgets for a list of ``Field``; ``values()``/``set_values()``/``show_errors()``."""

    edited = Signal()

    def __init__(self, fields: list[Field], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields = fields
        self.widgets: dict[str, QWidget] = {}
        self.errors: dict[str, ErrorLabel] = {}
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setSpacing(6)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        for f in fields:
            w = self._widget(f)
            w.setObjectName("field_" + f.key)
            box = QVBoxLayout()
            box.setSpacing(2)
            box.addWidget(w)
            err = ErrorLabel()
            box.addWidget(err)
            form.addRow("" if f.kind == "bool" else f.label, box)
            self.widgets[f.key] = w
            self.errors[f.key] = err

    def _widget(self, f: Field) -> QWidget:
        if f.kind == "bool":
            cb = QCheckBox(f.label)
            cb.toggled.connect(self.edited)
            return cb
        if f.kind == "choice":
            combo = QComboBox()
            combo.setMinimumHeight(40)
            for value, label in f.options() if f.options else []:
                combo.addItem(label, value)
            combo.activated.connect(self.edited)
            return combo
        if f.kind == "long":
            te = QPlainTextEdit()
            te.setFixedHeight(72)
            te.setStyleSheet(
                "QPlainTextEdit { min-height: 56px; }"
            )  # the shared sheet's min-height would squeeze it
            te.setPlaceholderText(f.placeholder)
            te.textChanged.connect(self.edited)
            return te
        le = QLineEdit()
        le.setMinimumHeight(40)
        le.setPlaceholderText(f.placeholder)
        if f.kind in ("money", "int"):
            le.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        le.textEdited.connect(self.edited)
        return le

    def refresh_options(self) -> None:
        for f in self.fields:
            w = self.widgets[f.key]
            if f.kind == "choice" and f.options and isinstance(w, QComboBox):
                current = w.currentData()
                w.clear()
                for value, label in f.options():
                    w.addItem(label, value)
                i = w.findData(current)
                w.setCurrentIndex(max(i, 0))

    def set_values(self, data: dict[str, Any]) -> None:
        for f in self.fields:
            w = self.widgets[f.key]
            v = data.get(f.key, f.default)
            if isinstance(w, QCheckBox):
                w.setChecked(bool(v))
            elif isinstance(w, QComboBox):
                i = w.findData(v)
                if i < 0 and v not in (None, ""):
                    w.addItem(
                        str(v), v
                    )  # a value not offered (e.g. another time zone): keep it, never replace it
                    i = w.count() - 1
                w.setCurrentIndex(max(i, 0))
            elif isinstance(w, QPlainTextEdit):
                w.setPlainText("" if v is None else str(v))
            elif isinstance(w, QLineEdit):
                w.setText("" if v is None else str(v))
        self.show_errors({})

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.fields:
            w = self.widgets[f.key]
            if isinstance(w, QCheckBox):
                out[f.key] = w.isChecked()
            elif isinstance(w, QComboBox):
                out[f.key] = w.currentData()
            elif isinstance(w, QPlainTextEdit):
                out[f.key] = w.toPlainText()
            elif isinstance(w, QLineEdit):
                out[f.key] = w.text().strip()
        return out

    def show_errors(self, errors: dict[str, str]) -> list[str]:
        """Put each message under its field; return the messages that have no field here."""
        for key, label in self.errors.items():
            msg = errors.get(key)
            label.show_error(msg)
            mark_invalid(self.widgets[key], bool(msg))
        return [m for k, m in errors.items() if k not in self.errors]


class ItemEditor(QWidget):
    """Table of items (left) and the form of the selected one (right)."""

    saved = Signal(object)

    def __init__(self, ctx: UiContext, spec: EditorSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.spec = spec
        self.items: list[Any] = []
        self.current_id: int | None = None
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(16)
        left = QVBoxLayout()
        top = QHBoxLayout()
        title = QLabel(spec.title)
        title.setObjectName("sectionTitle")
        top.addWidget(title, 1)
        self.new_button = Button(spec.new_label, "plus", "secondary")
        self.new_button.clicked.connect(self.new_item)
        top.addWidget(self.new_button)
        left.addLayout(top)
        self.table = QTableWidget(0, len(spec.columns))
        self.table.setHorizontalHeaderLabels([c.title for c in spec.columns])
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(38)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selected)
        left.addWidget(self.table, 1)
        if spec.empty_hint:
            hint = QLabel(spec.empty_hint)
            hint.setObjectName("muted")
            hint.setWordWrap(True)
            left.addWidget(hint)
        holder = QWidget()
        holder.setLayout(left)
        lay.addWidget(holder, 5)

        card = Card()
        self.form_title = QLabel()
        self.form_title.setObjectName("cardTitle")
        card.body.addWidget(self.form_title)
        self.form = FieldForm(spec.fields)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.form)
        card.body.addWidget(scroll, 1)
        self.error = ErrorLabel()
        card.body.addWidget(self.error)
        row = QHBoxLayout()
        self.status = QLabel()
        self.status.setObjectName("muted")
        row.addWidget(self.status, 1)
        self.save_button = Button(_("Save") + "  (Ctrl+S)", "check", "primary")
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.save_button)
        card.body.addLayout(row)
        lay.addWidget(card, 4)
        sc = QShortcut(QKeySequence("Ctrl+S"), self)
        sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        sc.activated.connect(self.save)
        self.reload()
        if self.items:
            self.table.selectRow(0)
        else:
            self.new_item()

    def reload(self, select_id: int | None = None) -> None:
        self.items = list(self.spec.load())
        self.form.refresh_options()
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.items))
        for r, item in enumerate(self.items):
            for c, col in enumerate(self.spec.columns):
                cell = QTableWidgetItem(col.text(item))
                self.table.setItem(r, c, cell)
        self.table.blockSignals(False)
        for c in range(1, len(self.spec.columns)):
            self.table.resizeColumnToContents(c)
        if select_id is not None:
            for r, item in enumerate(self.items):
                if getattr(item, "id", None) == select_id:
                    self.table.selectRow(r)
                    break

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        item = self.items[rows[0].row()]
        self.current_id = int(item.id)
        self.form.set_values(self.spec.to_data(item))
        self.form_title.setText(self.spec.columns[0].text(item))
        self.status.setText("")
        self.error.show_error(None)

    def new_item(self) -> None:
        self.table.clearSelection()
        self.current_id = None
        self.form.set_values({f.key: f.default for f in self.spec.fields})
        self.form_title.setText(self.spec.new_label)
        self.status.setText("")
        self.error.show_error(None)
        first = self.spec.fields[0].key if self.spec.fields else None
        if first:
            self.form.widgets[first].setFocus()

    def save(self) -> Any:
        actor = self.ctx.require_actor()
        try:
            item = self.spec.save(actor, self.current_id, self.form.values())
        except ValidationError as exc:
            rest = self.form.show_errors(exc.errors)
            self.error.show_error("\n".join(rest) if rest else _("Please correct the fields marked in red."))
            self.status.setText("")
            return None
        except Exception as exc:  # shown under the form
            self.error.show_error(error_text(exc))
            return None
        self.form.show_errors({})
        self.error.show_error(None)
        if item is None:  # the save removed the item (e.g. a safety rule no longer in use)
            self.reload()
            self.new_item()
            self.status.setText(_("Removed."))
            return None
        self.reload(select_id=int(item.id))
        self.current_id = int(item.id)
        self.status.setText(_("Saved."))
        self.saved.emit(item)
        return item
