"""A list of catalog items beside a form to edit one: the shape of most Settings tabs.

Each tab declares its columns and fields; saving goes through the service, and
a ``ValidationError`` puts each message under its field. The list, the choices of the
drop-downs and the save all run on ``ctx.runner`` (issue #12): the GUI thread never reads
or writes the database here. Typed but unsaved changes take part in the unsaved-changes
guard (ui/shared/unsaved.py): leaving the tab, Settings or the selected item asks first.
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

from desk_app.core.service import NeedsConfirmation, ValidationError
from desk_app.i18n import _, currency
from ui.context import UiContext
from ui.runner import Latest
from ui.shared.unit_edit import MoneyEdit
from ui.shared.unsaved import may_leave
from ui.shared.widgets import Button, Card, ErrorLabel, confirm, error_text, mark_invalid


def currency_default() -> str:
    return currency()


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
    # on the GUI thread, before the save goes to a worker: add what other widgets of the tab hold
    # ((id, form values) -> the data ``save`` gets); a ValidationError is shown like the service's
    prepare: Callable[[int | None, dict[str, Any]], dict[str, Any]] | None = None


class FieldForm(QWidget):
    """Widgets for a list of ``Field``; ``values()``/``set_values()``/``show_errors()``."""

    edited = Signal()

    def __init__(
        self,
        fields: list[Field],
        parent: QWidget | None = None,
        *,
        currency: str | None = None,
        options_later: bool = False,
        stacked: bool = False,
    ) -> None:
        """``currency``: the sign shown in money fields (the screen's currency when None).
        ``stacked``: each label above its field (a narrow side panel: labels such as "A patch test
        with no reaction allows it within (days)" beside the fields squeezed them to a sideways
        scroll).
        ``options_later``: the drop-downs stay empty until ``refresh_options(options)`` is given
        their choices (read on a worker by the owner); otherwise ``Field.options`` is called here,
        which must then not touch the database."""
        super().__init__(parent)
        self.fields = fields
        self.currency = currency or currency_default()
        self.options_later = options_later
        self._data: dict[str, Any] = {}
        self._clean: dict[str, Any] | None = None
        self.widgets: dict[str, QWidget] = {}
        self.errors: dict[str, ErrorLabel] = {}
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setSpacing(6)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        if stacked:
            form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
            form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            form.setVerticalSpacing(4)
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
            for value, label in f.options() if f.options and not self.options_later else []:
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
        # a price is typed in currency units with the shop's sign before it; the service reads it
        le = MoneyEdit(self.currency, minor=False) if f.kind == "money" else QLineEdit()
        le.setMinimumHeight(40)
        le.setPlaceholderText(f.placeholder)
        if f.kind == "int":
            le.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        le.textEdited.connect(self.edited)
        return le

    def refresh_options(self, options: dict[str, list[tuple[Any, str]]] | None = None) -> None:
        """Fill the drop-downs again, keeping each one's value: from ``options`` (read on a
        worker) when given, else by calling each field's ``options``."""
        for f in self.fields:
            w = self.widgets[f.key]
            if f.kind == "choice" and f.options and isinstance(w, QComboBox):
                if options is not None and f.key not in options:
                    continue
                current = w.currentData()
                w.blockSignals(True)
                w.clear()
                for value, label in options[f.key] if options is not None else f.options():
                    w.addItem(label, value)
                i = w.findData(current)
                if i < 0 and current not in (None, ""):
                    w.addItem(str(current), current)  # never replace a value the form shows
                    i = w.count() - 1
                w.setCurrentIndex(i)  # nothing chosen (a new item): still nothing
                w.blockSignals(False)

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
                w.setCurrentIndex(i if i >= 0 else -1)  # nothing chosen yet (a new item): none shown
            elif isinstance(w, QPlainTextEdit):
                w.setPlainText("" if v is None else str(v))
            elif isinstance(w, QLineEdit):
                w.setText("" if v is None else str(v))
        self.show_errors({})
        self._data = dict(data)
        self.mark_clean()

    def mark_clean(self) -> None:
        """What the form shows now counts as saved (``dirty()`` compares with it)."""
        self._clean = self.values()

    def dirty(self) -> bool:
        """True when something was typed since the values were shown or saved."""
        return self._clean is not None and self.values() != self._clean

    def restore(self) -> None:
        """Show the last values given to ``set_values`` again (the person chose to discard)."""
        self.set_values(self._data)

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
    """Table of items (left) and the form of the selected one (right).

    Reads run on the runner (the list and the drop-downs' choices together), the save runs in
    order; Save waits while either is out. After a save the saved item is selected again by id.
    """

    saved = Signal(object)
    loaded = Signal()  # the list (and the choices) arrived and are shown
    new_shown = Signal()  # the form shows a new, empty item (tabs add their own defaults)

    def __init__(self, ctx: UiContext, spec: EditorSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.spec = spec
        self.items: list[Any] = []
        self.current_id: int | None = None
        self._pending: tuple[Any, int | None, dict[str, Any]] | None = None  # the save in flight
        # more state the tab shows beside the form (staff hours, ...): part of "unsaved"
        self.extra_state: list[Callable[[], object]] = []
        self._clean: object = None
        self._loads = Latest()
        self._saving = False
        self._ever_loaded = False
        self._refocus: QWidget | None = None
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
        self.form = FieldForm(spec.fields, currency=ctx.shop.currency, options_later=True, stacked=True)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # the fields narrow instead
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
        self._shown = False
        self.reload(select_first=True)

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        """Shown again (another tab was open): the drop-downs' choices are read again, keeping what
        each shows (a supplier added or retired in the next tab is offered, or named retired)."""
        super().showEvent(event)
        if self._shown:
            self._reload_options()
        self._shown = True

    def _reload_options(self) -> None:
        choices = [f for f in self.spec.fields if f.kind == "choice" and f.options]
        if not choices:
            return
        self.ctx.runner.run(self, lambda: {f.key: list(f.options()) for f in choices if f.options},
                            on_done=self.form.refresh_options, on_error=self._load_failed)

    # -- reading ----------------------------------------------------------------------------
    def reload(self, select_id: int | None = None, select_first: bool = False) -> None:
        """Read the list and the drop-downs' choices on a worker, then show them; select the
        item ``select_id`` (or the first, or a new one) when they arrive. Save waits meanwhile."""
        spec = self.spec
        choices = [f for f in spec.fields if f.kind == "choice" and f.options]

        def work() -> tuple[list[Any], dict[str, list[tuple[Any, str]]]]:
            items = list(spec.load())
            options = {f.key: list(f.options()) for f in choices if f.options}
            return items, options

        seq = self._loads.next()
        self._update_buttons()
        self.ctx.runner.run(
            self,
            work,
            on_done=self._loads.guard(seq, lambda answer: self._loaded(answer, select_id, select_first)),
            on_error=self._loads.guard(seq, self._load_failed),
        )

    def loading(self) -> bool:
        """True while the list is being read (Save waits)."""
        return self._loads.pending

    def _loaded(
        self,
        answer: tuple[list[Any], dict[str, list[tuple[Any, str]]]],
        select_id: int | None,
        select_first: bool,
    ) -> None:
        items, options = answer
        self.items = items
        self.form.refresh_options(options)
        self.table.blockSignals(True)
        self.table.clearSelection()
        self.table.setRowCount(len(self.items))
        for r, item in enumerate(self.items):
            for c, col in enumerate(self.spec.columns):
                self.table.setItem(r, c, QTableWidgetItem(col.text(item)))
        self.table.blockSignals(False)
        for c in range(1, len(self.spec.columns)):
            self.table.resizeColumnToContents(c)
        first_time = not self._ever_loaded
        self._ever_loaded = True
        self._update_buttons()
        if select_id is not None:
            row = self._row_of(select_id)
            if row is not None:
                self._show_row(row)
            else:
                self._new()
        elif select_first or first_time:
            if self.items:
                self._show_row(0)
            else:
                self._new()
        elif self.current_id is not None:  # a plain reload keeps the selection, not the typing
            row = self._row_of(self.current_id)
            if row is not None:
                self._select_quietly(row)
        self.loaded.emit()

    def _load_failed(self, exc: Exception) -> None:
        self._update_buttons()
        self.error.show_error(error_text(exc))

    def _row_of(self, item_id: int) -> int | None:
        for r, item in enumerate(self.items):
            if getattr(item, "id", None) == item_id:
                return r
        return None

    def _select_quietly(self, row: int) -> None:
        self.table.blockSignals(True)
        self.table.selectRow(row)
        self.table.blockSignals(False)

    def _show_row(self, row: int) -> None:
        """Select ``row`` and show its item in the form (even when it was selected already)."""
        self._select_quietly(row)
        item = self.items[row]
        self.current_id = int(item.id)
        self.form.set_values(self.spec.to_data(item))
        self.form_title.setText(self.spec.columns[0].text(item))
        self.mark_clean()

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        row = rows[0].row()
        if getattr(self.items[row], "id", None) == self.current_id:
            return
        if not may_leave(self):  # unsaved typing: stay on the item being edited
            current = self._row_of(self.current_id) if self.current_id is not None else None
            if current is None:
                self.table.blockSignals(True)
                self.table.clearSelection()
                self.table.blockSignals(False)
            else:
                self._select_quietly(current)
            return
        self._show_row(row)
        self.status.setText("")
        self.error.show_error(None)

    def new_item(self) -> None:
        """Show an empty form for a new item (asking first when typing would be lost)."""
        if not may_leave(self):
            return
        self._new()
        self.status.setText("")
        self.error.show_error(None)

    def _new(self) -> None:
        self.table.blockSignals(True)
        self.table.clearSelection()
        self.table.blockSignals(False)
        self.current_id = None
        self.form.set_values({f.key: f.default for f in self.spec.fields})
        self.form_title.setText(self.spec.new_label)
        self.new_shown.emit()
        self.mark_clean()
        first = self.spec.fields[0].key if self.spec.fields else None
        if first:
            self.form.widgets[first].setFocus()

    # -- unsaved changes (ui/shared/unsaved.py) -------------------------------------------------
    def _state(self) -> object:
        return self.form.values(), tuple(fn() for fn in self.extra_state)

    def add_extra_state(self, state: Callable[[], object]) -> None:
        """Widgets the tab shows beside the form (staff hours): their changes are unsaved too."""
        self.extra_state.append(state)
        if self._clean is not None:
            self.mark_clean()

    def mark_clean(self) -> None:
        """What the form (and the tab's extra widgets) show now counts as saved."""
        self._clean = self._state()

    def dirty(self) -> bool:
        return self._clean is not None and self._state() != self._clean

    def unsaved_changes(self) -> str | None:
        """The guard's question: the item being edited, when something typed is not saved
        (nothing while a save is on its way: that typing is being written)."""
        if self._saving or not self.dirty():
            return None
        if self.current_id is None:
            return _("the new entry in “{list}”").format(list=self.spec.title)
        return _("“{name}”").format(name=self.form_title.text())

    def discard_changes(self) -> None:
        """Show the saved values again (the person chose to leave without saving)."""
        row = self._row_of(self.current_id) if self.current_id is not None else None
        if row is not None:
            self._show_row(row)
        else:
            self._new()

    # -- saving -----------------------------------------------------------------------------
    def saving(self) -> bool:
        """True while the item is being written (Save waits)."""
        return self._saving

    def _update_buttons(self) -> None:
        self.save_button.setEnabled(not self._saving and not self._loads.pending)
        self.new_button.setEnabled(not self._saving)
        self.table.setEnabled(not self._saving)
        self.form.setEnabled(not self._saving)

    def save(self) -> None:
        """Hand the form's values to the service on the runner (in order); the saved item is
        selected by id when the list has been read again."""
        if self._saving or self._loads.pending:
            return
        actor = self.ctx.require_actor()
        item_id = self.current_id
        data = self.form.values()
        try:
            if self.spec.prepare is not None:
                data = self.spec.prepare(item_id, data)
        except ValidationError as exc:
            self._not_saved(exc)
            return
        self._submit(actor, item_id, data)

    def _submit(self, actor: Any, item_id: int | None, data: dict[str, Any]) -> None:
        save = self.spec.save
        self._pending = (actor, item_id, data)  # asked again with "confirmed" after NeedsConfirmation
        focused = self.focusWidget()
        self._refocus = focused if focused is not None and self.form.isAncestorOf(focused) else None
        self._saving = True
        self._update_buttons()
        self.status.setText(_("Saving…"))
        self.ctx.runner.run(
            self,
            lambda: save(actor, item_id, data),
            on_done=self._saved,
            on_error=self._not_saved,
            in_order=True,
        )

    def _done_saving(self) -> None:
        self._saving = False
        self._update_buttons()
        if self._refocus is not None:
            self._refocus.setFocus()  # the cursor stays where the person was typing
        self._refocus = None

    def _not_saved(self, exc: Exception) -> None:
        self._done_saving()
        self.status.setText("")
        if isinstance(exc, NeedsConfirmation) and self._pending is not None:
            actor, item_id, data = self._pending
            if confirm(self, exc.question, exc.message, yes=exc.yes, no=_("Go back"), default_yes=False):
                self._submit(actor, item_id, {**data, "confirmed": True})
            return
        if isinstance(exc, ValidationError):
            rest = self.form.show_errors(exc.errors)
            self.error.show_error("\n".join(rest) if rest else _("Please correct the fields marked in red."))
            return
        self.error.show_error(error_text(exc))  # shown under the form

    def _saved(self, item: Any) -> None:
        self._done_saving()
        self.form.show_errors({})
        self.error.show_error(None)
        if item is None:  # the save removed the item (e.g. a safety rule no longer in use)
            self._new()
            self.reload()
            self.status.setText(_("Removed."))
            return
        self.current_id = int(item.id)
        self.mark_clean()  # written: nothing is lost while the list is read again
        self.reload(select_id=int(item.id))
        self.status.setText(_("Saved."))
        self.saved.emit(item)
