"""Reports (owner): the monthly summary with charts, staff performance, month over month; print, PDF, CSV."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desk_app import i18n
from desk_app.domain.permissions import NotAllowed, Perm, Role
from desk_app.i18n import _
from desk_app.reports.pdf import month_title, period_title
from desk_app.reports.service import MonthlyReport
from desk_app.reports.sqlhelp import previous_month
from desk_app.transfer.export_shop import ShopExport
from ui.context import UiContext
from ui.reports.pages import ComparisonPage, OverviewPage, QualityPage, StaffPage
from ui.reports.pay import PayPage
from ui.reports.review import ReviewPage
from ui.shared.files import in_documents
from ui.shared.print_preview import print_pdf
from ui.shared.widgets import Button, EmptyState, PageHeader, show_error, show_info
from ui.theme import icon

MONTHS_BACK = 24
EXPORTS = ("sales", "payments", "visits", "clients", "vouchers", "points", "stock")


class ReportsScreen(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("screenPage")
        self.report: MonthlyReport | None = None
        self._busy = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 20, 24, 16)
        lay.setSpacing(10)
        self.header = PageHeader(
            _("Reports"), _("The monthly summary: money, clients, staff and service quality")
        )
        lay.addWidget(self.header)
        self.stack = QStackedWidget()
        lay.addWidget(self.stack, 1)
        self.denied = EmptyState(
            "lock", _("Reports are for the owner"), _("Sign in as the owner to see the monthly figures.")
        )
        self.body = QWidget()
        self.stack.addWidget(self.body)
        self.stack.addWidget(self.denied)
        self._build_body()
        self._build_actions()
        ctx.signals.actor_changed.connect(self._apply_permissions)
        self._apply_permissions()

    # -- layout ------------------------------------------------------------------
    def _build_actions(self) -> None:
        acts: QHBoxLayout = self.header.actions  # type: ignore[assignment]
        self.month = QComboBox()
        self.month.setMinimumHeight(44)
        self.month.setMinimumWidth(170)
        self.month.setAccessibleName(_("Month"))
        self.month.activated.connect(lambda _i: self.load())
        self.branch = QComboBox()
        self.branch.setMinimumHeight(44)
        self.branch.setAccessibleName(_("Branch"))
        self.branch.activated.connect(lambda _i: self.load())
        self.print_btn = Button(_("Print"), "printer")
        self.pdf_btn = Button(_("Save PDF"), "file")
        self.csv_btn = Button(_("Export CSV"), "download")
        self.print_btn.setToolTip(_("Print the monthly summary PDF (Ctrl+P)"))
        self.pdf_btn.setToolTip(_("Save the monthly summary as a PDF (Ctrl+S)"))
        self.csv_btn.setToolTip(_("Export sales, payments, visits, clients, gift vouchers, loyalty points or stock movements for a spreadsheet (Ctrl+E)"))
        menu = QMenu(self.csv_btn)
        labels = {"sales": _("Sales (one row per line)"), "payments": _("Payments"), "visits": _("Visits"),
                  "clients": _("Clients"), "vouchers": _("Gift vouchers (all, with what is left)"),
                  "points": _("Loyalty points (the month's movements)"),
                  "stock": _("Stock movements (the month's: sales, deliveries, counts)")}  # fmt: skip
        for kind in EXPORTS:
            act = menu.addAction(labels[kind])
            act.triggered.connect(self._exporter(kind))
        menu.addSeparator()
        # leaving is as easy as arriving (issue 22): every file of the shop in one zip, the owner's alone
        self.shop_action = menu.addAction(_("Everything the shop owns (zip)…"))
        self.shop_action.setToolTip(_("Clients, appointments to come, balances, the catalog, the history, gift "
                                      "vouchers and staff: one zip of CSV files that imports into another system"))
        self.shop_action.triggered.connect(lambda *_a: self.export_shop())
        self.csv_btn.setMenu(menu)
        self.print_btn.clicked.connect(self.print_report)
        self.pdf_btn.clicked.connect(self.save_pdf)
        for w in (self.month, self.branch, self.print_btn, self.pdf_btn, self.csv_btn):
            acts.addWidget(w)
        QShortcut(QKeySequence.StandardKey.Print, self).activated.connect(self.print_report)
        QShortcut(QKeySequence.StandardKey.Save, self).activated.connect(self.save_pdf)
        QShortcut(QKeySequence("Ctrl+E"), self).activated.connect(self.csv_btn.showMenu)
        QShortcut(QKeySequence("F5"), self).activated.connect(self.load)

    def _build_body(self) -> None:
        lay = QVBoxLayout(self.body)
        lay.setContentsMargins(0, 0, 0, 0)
        status = QHBoxLayout()
        self.status = QLabel()
        self.status.setObjectName("muted")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(False)
        self.progress.setRange(0, 0)
        self.progress.hide()
        status.addWidget(self.progress)
        status.addWidget(self.status, 1)
        lay.addLayout(status)
        self.tabs = QTabWidget()
        self.overview = OverviewPage()
        self.staff = StaffPage()
        self.quality = QualityPage()
        self.compare = ComparisonPage()
        self.review = ReviewPage(self.ctx)
        self.pay = PayPage(self.ctx)
        self.pages: list[tuple[QWidget, str, str]] = [
            (self.overview, _("Overview"), "chart"),
            (self.staff, _("Staff performance"), "users"),
            (self.quality, _("Clients & quality").replace("&", "&&"), "star"),
            (self.compare, _("Month over month"), "list"),
            (self.review, _("Monthly review"), "check"),
            (self.pay, _("Pay"), "cash"),
        ]
        for w, label, ic in self.pages:
            self.tabs.addTab(w, icon(ic), label)
        for i in range(len(self.pages)):
            QShortcut(QKeySequence(f"Alt+{i + 1}"), self).activated.connect(
                lambda i=i: self.tabs.setCurrentIndex(i)
            )
        self.empty = EmptyState("chart", _("No figures yet"), _("Choose a month with sales or visits above."))
        self._empty_month = False
        self.pay.loaded.connect(self._pay_loaded)
        self.content = QStackedWidget()
        self.content.addWidget(self.tabs)
        self.content.addWidget(self.empty)
        lay.addWidget(self.content, 1)

    def _fill_choices(self) -> None:
        if self.month.count():
            return
        svc = self.ctx.services.reports
        last = svc.last_month()
        m = last
        nxt = _next_month(last)
        self.month.addItem(month_title(nxt), nxt)  # the current month so far
        for _i in range(MONTHS_BACK):
            self.month.addItem(month_title(m), m)
            m = previous_month(m)
        self.month.setCurrentIndex(1)
        self.branch.clear()
        self.branch.addItem(_("All branches"), None)
        actor = self.ctx.actor
        if actor is not None:
            for b in svc.branches(actor):
                self.branch.addItem(b.name, b.id)
            # several branches: the desk's branch first; "All branches" is one choice away
            self.branch.setCurrentIndex(max(0, self.branch.findData(actor.branch_id)))
        self.branch.setVisible(self.branch.count() > 2)

    def _apply_permissions(self) -> None:
        allowed = self.ctx.can(Perm.REPORTS)
        self.stack.setCurrentWidget(self.body if allowed else self.denied)
        for w in (self.month, self.branch, self.print_btn, self.pdf_btn, self.csv_btn):
            w.setEnabled(allowed)
        self.pdf_btn.setEnabled(allowed and self.ctx.can(Perm.EXPORT))
        self.csv_btn.setEnabled(allowed and self.ctx.can(Perm.EXPORT))
        self.shop_action.setVisible(self._is_owner())

    def _is_owner(self) -> bool:
        actor = self.ctx.actor
        return actor is not None and actor.role == Role.OWNER and self.ctx.can(Perm.EXPORT)

    # -- navigation ------------------------------------------------------------------
    def open(self, month: str | None = None, time_sheet: int | None = None, **_params: Any) -> None:
        """``time_sheet``: a staff id whose time sheet opens over the Pay page (the owner's way in
        from their own time clock)."""
        self._apply_permissions()
        if not self.ctx.can(Perm.REPORTS):
            return
        self._fill_choices()
        if time_sheet is not None:
            self.tabs.setCurrentWidget(self.pay)
            QTimer.singleShot(0, self, lambda: self.pay.open_time_sheet(time_sheet))
        if month:
            i = self.month.findData(month)
            if i < 0:
                self.month.addItem(month_title(month), month)
                i = self.month.count() - 1
            self.month.setCurrentIndex(i)
        self.load()

    def refresh(self) -> None:
        if self.ctx.can(Perm.REPORTS) and self.month.count():
            self.load()

    def page_count(self) -> int:
        return len(self.pages)

    def show_page(self, i: int) -> None:
        self.tabs.setCurrentIndex(i)

    # -- work ------------------------------------------------------------------------
    def load(self) -> None:
        actor = self.ctx.actor
        if actor is None or not self.ctx.can(Perm.REPORTS) or self._busy:
            return
        month = str(self.month.currentData())
        branch = self.branch.currentData()
        self._set_busy(True, _("Adding up {month}…").format(month=month_title(month)))
        reports = self.ctx.services.reports
        self.ctx.runner.run(
            self,
            lambda progress: reports.monthly(actor, month, branch, progress),
            on_done=self._show,
            on_error=self._failed,
            on_progress=self._progress,
        )

    def _progress(self, done: int, total: int) -> None:
        if total and done < total:
            self.progress.setRange(0, 0)

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        self.progress.setVisible(busy)
        self.status.setText(text)
        for w in (self.month, self.branch, self.print_btn, self.pdf_btn, self.csv_btn):
            w.setEnabled(not busy and self.ctx.can(Perm.REPORTS))
        if not busy:
            self._apply_permissions()

    def _show(self, report: object) -> None:
        assert isinstance(report, MonthlyReport)
        self.report = report
        self._set_busy(False)
        data = report.data
        empty = data["visits"] == 0 and data["sales"]["count"] == 0
        self._empty_month = empty
        for i in range(self.tabs.count()):
            self.tabs.setTabEnabled(i, True)
        self.content.setCurrentWidget(self.empty if empty else self.tabs)
        shop = data["shop"]["name"]
        branch = data["branch"]["name"] if data["branch"] else _("All branches")
        # the first branch is named after the shop: said once ("Lotus · Lotus" read as a mistake)
        self.status.setText(_("{month} · {shop} · {branch}").format(
            month=period_title(data["month"], data.get("period")), shop=shop, branch=branch)
            if branch != shop else _("{month} · {shop}").format(
            month=period_title(data["month"], data.get("period")), shop=shop))  # fmt: skip
        if empty:  # no sale or visit; hours clocked and base pay are still owed: Pay may have statements
            self.pay.show_data(data)
            return
        for page, _label, _icon in self.pages:
            page.show_data(data)  # type: ignore[attr-defined]

    def _pay_loaded(self, statements: int) -> None:
        """A month with no sale or visit but with pay to hand over (clocked hours, base pay): its
        Pay page, the only one with figures, instead of "No figures yet"."""
        if not self._empty_month or not statements:
            return
        for i, (page, _label, _icon) in enumerate(self.pages):
            self.tabs.setTabEnabled(i, page is self.pay)
        self.tabs.setCurrentWidget(self.pay)
        self.content.setCurrentWidget(self.tabs)

    def _failed(self, exc: Exception) -> None:
        self._set_busy(False)
        show_error(self, exc)

    def save_pdf(self) -> None:
        actor, report = self.ctx.actor, self.report
        if actor is None or report is None or self._busy or not self.ctx.can(Perm.EXPORT):
            return
        name = f"monthly-summary-{report.month}.pdf"
        path, _f = QFileDialog.getSaveFileName(
            self, _("Save the monthly summary"), in_documents(name), _("PDF files (*.pdf)")
        )
        if not path:
            return
        lang = i18n.language()
        self._set_busy(True, _("Writing the PDF…"))
        self.ctx.runner.run(
            self,
            lambda: self.ctx.services.reports.save_pdf(actor, report, path, lang),
            on_done=lambda p: self._done(_("Saved {path}").format(path=p)),
            on_error=self._failed,
        )

    def _exporter(self, kind: str) -> Any:
        return lambda *_a: self.export_csv(kind)

    def export_csv(self, kind: str) -> None:
        actor = self.ctx.actor
        if actor is None or self._busy or not self.ctx.can(Perm.EXPORT):
            return
        month = None if kind in ("clients", "vouchers") else str(self.month.currentData())
        name = f"{kind}-{month}.csv" if month else f"{kind}.csv"
        path, _f = QFileDialog.getSaveFileName(self, _("Export CSV"), in_documents(name), _("CSV files (*.csv)"))
        if not path:
            return
        branch = self.branch.currentData()
        self._set_busy(True, _("Exporting…"))
        self.ctx.runner.run(
            self,
            lambda: self.ctx.services.reports.export_csv(actor, kind, path, month, branch),
            on_done=lambda n: self._done(_("Wrote {n} rows to {path}").format(n=n, path=path)),
            on_error=self._failed,
        )

    def export_shop(self) -> None:
        """Everything the shop owns, as one zip (desk_app/transfer/export_shop.py), written off the
        GUI thread; a message says what was written, or why not."""
        actor = self.ctx.actor
        if actor is None or self._busy or not self._is_owner():
            return
        day = self.ctx.services.clock().astimezone(i18n.timezone()).date().isoformat()
        path, _f = QFileDialog.getSaveFileName(
            self, _("Export everything the shop owns"), in_documents(f"shop-export-{day}.zip"), _("Zip files (*.zip)")
        )
        if not path:
            return
        if not path.lower().endswith(".zip"):
            path += ".zip"
        self._set_busy(True, _("Exporting everything the shop owns…"))
        export = self.ctx.services.shop_export
        self.ctx.runner.run(
            self,
            lambda progress: export.export(actor, path, progress),
            on_done=self._shop_done,
            on_error=self._shop_failed,
            on_progress=self._shop_progress,
        )

    def _shop_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _shop_done(self, result: object) -> None:
        assert isinstance(result, ShopExport)
        lines = [_("Wrote everything the shop owns to {path}:").format(path=str(result.path))]
        lines += [_("{file}: {n} rows").format(file=name, n=n) for name, n in result.counts.items()]
        self.progress.setRange(0, 0)
        self._set_busy(False, lines[0])
        show_info(self, "\n".join(lines))

    def _shop_failed(self, exc: Exception) -> None:
        self.progress.setRange(0, 0)
        self._set_busy(False, _("The export failed: nothing was written."))
        if isinstance(exc, OSError) and not isinstance(exc, NotAllowed):  # disk full, no access to the folder
            why = exc.strerror or str(exc)
            show_error(self, _("The export failed: nothing was written ({error}).").format(error=why), _("Export failed"))
        else:
            show_error(self, exc, _("Export failed"))

    def _done(self, text: str) -> None:
        self._set_busy(False, text)
        show_info(self, text)

    def print_report(self) -> None:
        """Print the monthly summary PDF -- the very document Save PDF writes -- through the print preview
        receipts use (not pictures of the screen)."""
        actor, report = self.ctx.actor, self.report
        if actor is None or report is None or self._busy:
            return
        lang = i18n.language()
        title = _("Monthly summary {month}").format(month=report.month)
        self._set_busy(True, _("Preparing the print…"))
        self.ctx.runner.run(
            self,
            lambda: self.ctx.services.reports.pdf_bytes(actor, report, lang),
            on_done=lambda pdf: self._print_pdf(pdf, title),
            on_error=self._failed,
        )

    def _print_pdf(self, pdf: object, title: str) -> None:
        self._set_busy(False)
        assert isinstance(pdf, bytes)
        print_pdf(self, pdf, title)


def _next_month(month: str) -> str:
    y, m = (int(x) for x in month.split("-"))
    return f"{y + 1}-01" if m == 12 else f"{y}-{m + 1:02d}"
