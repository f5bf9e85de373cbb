"""Settings > Import: bring clients over from Fresha, Square, Vagaro or any spreadsheet.

Pick a file; the panel says which system it came from and, for a CSV, which encoding it was read
in (detected; staff can choose another, and the file is read again in it). For any other CSV a mapping
form says which column holds what, with a live preview of the first rows. "Check"
runs the whole import without saving (a dry run); "Import" saves it in short batches
(another desk can save between them) while the bar shows how far it is. The result
counts the rows that were not imported by reason, lists each with its reason, and
saves them as a report.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desk_app.clients.importer import (
    ENCODINGS,
    ImportPreview,
    ImportResult,
    ImportStopped,
    Rejected,
    encoding_label,
    encoding_name,
    write_report,
)
from desk_app.i18n import _
from ui.context import UiContext
from ui.settings.import_mapping import MappingForm, PreviewModel
from ui.shared.widgets import Button, Card, ErrorLabel, StatusChip, show_error

Index = QModelIndex | QPersistentModelIndex


def _table(model: QAbstractTableModel, widths: tuple[int, ...]) -> QTableView:
    t = QTableView()
    t.setModel(model)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setWordWrap(False)
    vh = t.verticalHeader()
    vh.setVisible(False)
    vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vh.setDefaultSectionSize(34)
    for col, w in enumerate(widths):
        t.horizontalHeader().resizeSection(col, w)
    t.horizontalHeader().setStretchLastSection(True)
    return t


class RejectedModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Rejected] = []

    def reset(self, rows: list[Rejected]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 - Qt API
        return 3

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return [_("Row"), _("Why it was not imported"), _("Row as read")][section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        r = self.rows[index.row()]
        return [str(r.row_no), r.reason, r.values][index.column()]


class ImportPanel(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.svc = ctx.services.importer
        self.path: Path | None = None
        self.preview: ImportPreview | None = None
        self.result: ImportResult | None = None
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(12)

        pick = Card(_("Import clients"))
        row = QHBoxLayout()
        self.pick_button = Button(_("Choose file…"), "upload", kind="primary")
        self.pick_button.setShortcut("Ctrl+O")
        self.pick_button.clicked.connect(self._ask_file)
        row.addWidget(self.pick_button)
        self.file_label = QLabel(
            _("A client export (CSV or Excel) from Fresha, Square, Vagaro or any other system.")
        )
        self.file_label.setObjectName("muted")
        self.file_label.setWordWrap(True)
        row.addWidget(self.file_label, 1)
        self.source_chip = StatusChip()
        self.source_chip.setVisible(False)
        row.addWidget(self.source_chip)
        pick.body.addLayout(row)
        opts = QHBoxLayout()
        dup_lbl = QLabel(_("A client with the same phone or e-mail already exists:"))
        opts.addWidget(dup_lbl)
        self.duplicates = QComboBox()
        self.duplicates.setMinimumHeight(40)
        self.duplicates.addItem(_("merge (fill in what is missing)"), "merge")
        self.duplicates.addItem(_("skip the row"), "skip")
        dup_lbl.setBuddy(self.duplicates)
        opts.addWidget(self.duplicates)
        enc_lbl = QLabel(_("Encoding:"))
        opts.addWidget(enc_lbl)
        self.encoding = QComboBox()
        self.encoding.setMinimumHeight(40)
        self.encoding.addItem(_("Automatic"), "auto")
        for enc in ENCODINGS:
            self.encoding.addItem(encoding_label(enc), enc)
        self.encoding.setToolTip(
            _("What the CSV file was read as. If the names look wrong in the preview, choose another.")
        )
        enc_lbl.setBuddy(self.encoding)
        self.encoding.currentIndexChanged.connect(lambda _i: self.change_encoding())
        opts.addWidget(self.encoding)
        opts.addStretch()
        # the combos as wide as a short choice (a long one shows whole in the open list): with the
        # buttons on the same line the panel was wider than a 1366-px screen (newcomer walk)
        for combo in (self.duplicates, self.encoding):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(16)
        pick.body.addLayout(opts)
        # why the file cannot be read as chosen: wrapped under the choices (in the chip it widened the panel)
        self.read_error = ErrorLabel()
        self.read_error.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        pick.body.addWidget(self.read_error)
        actions = QHBoxLayout()
        actions.addStretch()
        self.check_button = Button(_("Check (nothing is saved)"), "check")
        self.check_button.clicked.connect(lambda: self.run_import(dry_run=True))
        actions.addWidget(self.check_button)
        self.import_button = Button(_("Import"), "download", kind="primary")
        self.import_button.clicked.connect(lambda: self.run_import(dry_run=False))
        actions.addWidget(self.import_button)
        pick.body.addLayout(actions)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        pick.body.addWidget(self.progress)
        root.addWidget(pick)

        split = QSplitter(Qt.Orientation.Horizontal)
        self.mapping_card = Card(_("Which column holds what"))
        self.mapping = MappingForm()
        self.mapping.changed.connect(lambda _m: self.update_preview())
        scroll = QScrollArea()
        scroll.setWidget(self.mapping)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.mapping_card.body.addWidget(scroll, 1)
        split.addWidget(self.mapping_card)
        preview_card = Card(_("Preview of the first rows"))
        self.preview_model = PreviewModel()
        self.preview_table = _table(self.preview_model, (50, 280, 110, 140, 125))
        preview_card.body.addWidget(self.preview_table)
        split.addWidget(preview_card)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 5)
        self.split = split
        root.addWidget(split, 1)

        self.result_card = Card(_("Result"))
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_card.body.addWidget(self.result_label)
        self.rejected_model = RejectedModel()
        self.rejected_table = _table(self.rejected_model, (50, 520))
        self.result_card.body.addWidget(self.rejected_table)
        rrow = QHBoxLayout()
        self.back_button = Button(_("Back to the preview"), "arrow-left")
        self.back_button.clicked.connect(self.show_preview_again)
        rrow.addWidget(self.back_button)
        rrow.addStretch()
        self.report_button = Button(_("Save the rejected rows…"), "download")
        self.report_button.clicked.connect(self._ask_report)
        rrow.addWidget(self.report_button)
        self.result_card.body.addLayout(rrow)
        self.result_card.setVisible(False)
        root.addWidget(self.result_card, 1)
        root.addStretch(0)
        self._sync()

    # -- state ---------------------------------------------------------------------
    def _sync(self) -> None:
        has_file = self.path is not None and self.preview is not None
        self.check_button.setEnabled(has_file)
        self.import_button.setEnabled(has_file)
        generic = self.preview is not None and self.preview.source == "generic"
        self.mapping_card.setVisible(generic)

    def _ask_file(self) -> None:
        path, _f = QFileDialog.getOpenFileName(
            self,
            _("Choose the client export"),
            str(Path.home()),
            _("Client exports (*.csv *.txt *.xlsx *.xlsm);;All files (*)"),
        )
        if path:
            self.choose_file(Path(path))

    def choose_file(self, path: Path) -> None:
        self.path = path
        self.result = None
        self.show_preview_again()
        self.file_label.setText(path.name)
        self.encoding.blockSignals(True)  # a new file: detected again
        self.encoding.setCurrentIndex(0)
        self.encoding.blockSignals(False)
        self._read_file(alert=True)

    def current_encoding(self) -> str:
        return str(self.encoding.currentData() or "auto")

    def change_encoding(self) -> None:
        """Staff chose another encoding: the file is read again in it (the columns' names may change)."""
        if self.path is not None:
            self._read_file(alert=False)

    def _read_file(self, alert: bool) -> None:
        """Read the file in the chosen encoding; a file that cannot be read says why (in a box when
        it was just chosen, in place of the preview when staff changed the encoding)."""
        assert self.path is not None
        try:
            self.preview = self.svc.preview(self.path, encoding=self.current_encoding())
        except Exception as exc:  # ImportFileError says what is wrong with the file
            self.preview = None
            self.preview_model.reset(None)
            self._sync()
            if alert:
                self.source_chip.setVisible(False)
                show_error(self, exc)
            else:
                self.source_chip.setVisible(False)
                self.read_error.show_error(str(getattr(exc, "message", exc)))
            return
        self.mapping.set_columns(self.preview.headers, self.preview.mapping)
        self._show_preview()

    def current_mapping(self) -> dict[str, str] | None:
        return (
            self.mapping.mapping() if self.preview is not None and self.preview.source == "generic" else None
        )

    def update_preview(self) -> None:
        if self.path is None:
            return
        try:
            self.preview = self.svc.preview(
                self.path, mapping=self.current_mapping(), encoding=self.current_encoding()
            )
        except Exception as exc:  # a mapping without a name column: say so in place of the preview
            self.preview_model.reset(None)
            self.source_chip.setVisible(False)
            self.read_error.show_error(str(getattr(exc, "message", exc)))
            self.import_button.setEnabled(False)
            self.check_button.setEnabled(False)
            return
        self._show_preview()

    def _show_preview(self) -> None:
        p = self.preview
        assert p is not None
        enc = encoding_name(p.encoding)
        self.read_error.show_error(None)
        self.source_chip.set_status(
            _("{source} · {n} rows · {encoding}").format(source=p.source_label, n=p.total_rows, encoding=enc),
            "info",
        )
        self.source_chip.setVisible(True)
        # the automatic choice says what it detected; a workbook has no encoding to choose
        self.encoding.setItemText(
            0, _("Automatic ({encoding})").format(encoding=enc) if p.encoding != "xlsx" else _("Automatic")
        )
        self.encoding.setEnabled(p.encoding != "xlsx")
        self.preview_model.reset(p)
        self._sync()

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    # -- running -------------------------------------------------------------------
    def run_import(self, dry_run: bool) -> None:
        if self.path is None:
            return
        actor = self.ctx.require_actor()
        path, mapping, encoding = self.path, self.current_mapping(), self.current_encoding()
        source = "generic" if mapping is not None else "auto"
        dup = str(self.duplicates.currentData())
        self.progress.setVisible(True)
        for b in (self.check_button, self.import_button, self.pick_button):
            b.setEnabled(False)

        def work(progress: Callable[[int, int], None]) -> ImportResult:
            return self.svc.run(
                actor,
                path,
                source=source,
                mapping=mapping,
                duplicates=dup,
                dry_run=dry_run,
                progress=progress,
                encoding=encoding,
            )

        def done(res: ImportResult) -> None:
            self._finish()
            self.show_result(res)

        def failed(exc: Exception) -> None:
            self._finish()
            if isinstance(exc, ImportStopped):  # some batches were saved: show them, and the rows left out
                self.show_result(exc.result, stopped=True)
            show_error(self, exc)

        self.ctx.runner.run(self, work, on_done=done, on_error=failed, on_progress=self._progress)

    def _finish(self) -> None:
        self.progress.setVisible(False)
        self.pick_button.setEnabled(True)
        self._sync()

    def show_result(self, res: ImportResult, stopped: bool = False) -> None:
        """The counts; ``stopped``: the import failed part-way and these are the batches it saved."""
        self.result = res
        read_as = (
            "\n" + _("Read as {encoding}.").format(encoding=encoding_name(res.encoding))
            if res.encoding not in ("", "xlsx")
            else ""
        )
        if stopped:
            head = "⚠ " + _("Stopped part-way; saved so far: ")
        else:
            head = _("Check only, nothing was saved: ") if res.dry_run else "✓ "
        self.result_label.setText(
            head
            + _(
                "{imported} new clients, {merged} merged into existing ones, {skipped} skipped, "
                "{rejected} not imported (listed below)."
            ).format(
                imported=res.imported, merged=res.merged, skipped=res.skipped, rejected=res.rejected_count
            )
            + ("\n" + _("Not imported: {counts}").format(counts=res.rejected_summary()) if res.rejected else "")
            + read_as
            # which row joins which client (the walk: merges were only a total)
            + ("\n" + "\n".join(res.joined_lines()) if res.joined and self.duplicates.currentData() == "merge" else "")
        )
        self.rejected_model.reset(res.rejected)
        self.rejected_table.setVisible(bool(res.rejected))
        self.report_button.setVisible(bool(res.rejected))
        self.split.setVisible(False)  # the result takes the preview's place; "Back" returns to it
        self.result_card.setVisible(True)

    def show_preview_again(self) -> None:
        self.result_card.setVisible(False)
        self.split.setVisible(True)

    def _ask_report(self) -> None:
        if self.result is None or self.path is None:
            return
        default = self.path.with_name(self.path.name + ".import-report.csv")
        path, _f = QFileDialog.getSaveFileName(
            self, _("Save the rejected rows"), str(default), _("CSV files (*.csv)")
        )
        if path:
            write_report(self.result, Path(path))
