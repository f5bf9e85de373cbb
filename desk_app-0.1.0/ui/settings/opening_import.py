"""Settings > Import > 2. Balances, packages and bookings: after the clients, bring over what the old system still owes
them (prepaid balances, package sessions) and the appointments already booked (docs/import.md).

Choose what the file holds and the file; "Check" runs every row without saving, "Import" saves
(each row on its own: a refused row changes nothing). The result lists each row not imported
with its reason, and saves them as a report."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desk_app.i18n import _
from desk_app.transfer.opening import OpeningResult, write_opening_report
from ui.context import UiContext
from ui.settings.import_panel import RejectedModel, _table
from ui.shared.widgets import Button, Card, show_error


class OpeningImportPanel(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.path: Path | None = None
        self.result: OpeningResult | None = None
        self._busy = False
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(12)
        card = Card(_("Balances, packages and appointments from another system"))
        intro = QLabel(
            _(
                "Import the clients first (1. Clients). Then a file of the prepaid balances and package "
                "sessions the old system still owes them, of the appointments still to come, or of past visits. Each row names "
                "the client by client number, the old system's id or phone."
            )
        )
        intro.setWordWrap(True)
        intro.setObjectName("muted")
        card.body.addWidget(intro)
        row = QHBoxLayout()
        kind_lbl = QLabel(_("The file holds:"))
        row.addWidget(kind_lbl)
        self.kind = QComboBox()
        self.kind.setMinimumHeight(40)
        self.kind.addItem(_("Prepaid balances and packages"), "balances")
        self.kind.addItem(_("Appointments still to come"), "appointments")
        self.kind.addItem(_("Past visits (for the clients' history)"), "history")
        kind_lbl.setBuddy(self.kind)
        self.kind.currentIndexChanged.connect(lambda _i: self._forget_result())
        row.addWidget(self.kind)
        self.pick_button = Button(_("Choose file…"), "upload", kind="primary")
        self.pick_button.clicked.connect(self._ask_file)
        row.addWidget(self.pick_button)
        self.file_label = QLabel(_("No file chosen yet."))
        self.file_label.setObjectName("muted")
        row.addWidget(self.file_label, 1)
        card.body.addLayout(row)
        actions = QHBoxLayout()
        actions.addStretch()
        self.check_button = Button(_("Check (nothing is saved)"), "check")
        self.check_button.clicked.connect(lambda: self.run_import(dry_run=True))
        actions.addWidget(self.check_button)
        self.import_button = Button(_("Import"), "download", kind="primary")
        self.import_button.clicked.connect(lambda: self.run_import(dry_run=False))
        actions.addWidget(self.import_button)
        card.body.addLayout(actions)
        root.addWidget(card)

        self.result_card = Card(_("Result"))
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_card.body.addWidget(self.result_label)
        self.rejected_model = RejectedModel()
        self.rejected_table = _table(self.rejected_model, (50, 520))
        self.result_card.body.addWidget(self.rejected_table, 1)
        rrow = QHBoxLayout()
        rrow.addStretch()
        self.report_button = Button(_("Save the rejected rows…"), "download")
        self.report_button.clicked.connect(self._ask_report)
        rrow.addWidget(self.report_button)
        self.result_card.body.addLayout(rrow)
        self.result_card.setVisible(False)
        root.addWidget(self.result_card, 1)
        root.addStretch(0)
        self._sync()

    def _sync(self) -> None:
        ready = self.path is not None and not self._busy
        self.check_button.setEnabled(ready)
        self.import_button.setEnabled(ready)
        self.pick_button.setEnabled(not self._busy)
        self.kind.setEnabled(not self._busy)

    def _forget_result(self) -> None:
        self.result = None
        self.result_card.setVisible(False)

    def _ask_file(self) -> None:
        path, _f = QFileDialog.getOpenFileName(
            self,
            _("Choose the file"),
            str(Path.home()),
            _("Exports (*.csv *.txt *.xlsx *.xlsm);;All files (*)"),
        )
        if path:
            self.choose_file(Path(path))

    def choose_file(self, path: Path) -> None:
        self.path = path
        self.file_label.setText(path.name)
        self._forget_result()
        self._sync()

    def run_import(self, dry_run: bool) -> None:
        if self.path is None or self._busy:
            return
        actor, svc = self.ctx.require_actor(), self.ctx.services.opening
        path, kind = self.path, str(self.kind.currentData())
        self._busy = True
        self._sync()

        def done(res: OpeningResult) -> None:
            self._busy = False
            self._sync()
            self.show_result(res)
            if not res.dry_run and res.imported:
                self.ctx.changed("database", 0)  # profiles and the calendar show the new rows

        def failed(exc: Exception) -> None:
            self._busy = False
            self._sync()
            show_error(self, exc)

        self.ctx.runner.run(
            self, lambda: svc.run(actor, path, kind, dry_run=dry_run), on_done=done, on_error=failed, in_order=True
        )

    def show_result(self, res: OpeningResult) -> None:
        self.result = res
        head = _("Check only, nothing was saved: ") if res.dry_run else "✓ "
        if res.dry_run:
            what = _("{n} rows can be imported").format(n=res.imported)
        elif res.kind == "balances":
            what = _("{n} clients' balances or packages imported").format(n=res.imported)
        elif res.kind == "history":
            what = _("{n} past visits added to the clients' history").format(n=res.imported)
        else:
            what = _("{n} appointments booked").format(n=res.imported)
        self.result_label.setText(
            head
            + what
            + _(", {rejected} rows not imported (listed below).").format(rejected=len(res.rejected))
        )
        self.rejected_model.reset(res.rejected)
        self.rejected_table.setVisible(bool(res.rejected))
        self.report_button.setVisible(bool(res.rejected))
        self.result_card.setVisible(True)

    def _ask_report(self) -> None:
        if self.result is None or self.path is None:
            return
        default = self.path.with_name(self.path.name + ".import-report.csv")
        path, _f = QFileDialog.getSaveFileName(self, _("Save the rejected rows"), str(default), _("CSV files (*.csv)"))
        if path:
            write_opening_report(self.result, Path(path))


class ImportArea(QWidget):
    """Settings › Import: the clients first, then their balances, packages and bookings (two
    tabs, so the settings' own tab bar keeps every tab in view at 1366 px)."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        from PySide6.QtWidgets import QTabWidget

        from ui.settings.import_panel import ImportPanel

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.clients = ImportPanel(ctx)
        self.opening = OpeningImportPanel(ctx)
        self.tabs.addTab(self.clients, _("1. Clients"))
        self.tabs.addTab(self.opening, _("2. Balances, packages and bookings"))
        lay.addWidget(self.tabs)

    def show_opening(self) -> OpeningImportPanel:
        self.tabs.setCurrentWidget(self.opening)
        return self.opening
