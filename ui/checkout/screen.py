"""Checkout at the counter: a quick retail sale (scan/search -> pay -> done), with or
without a client, plus today's sales to reprint, refund or void.

``open(visit_id=None, client_id=None)``: from Today's "Quick sale" with no
parameters; a visit's bill is normally paid in the visit screen's checkout step.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.checkout.bill import Bill
from desk_app.checkout.bill import money as fmt_money
from desk_app.checkout.views import SaleSummary, SaleView
from desk_app.domain import voucher as gv
from desk_app.i18n import _, format_number, format_when
from ui.checkout.editor import header_actions
from ui.checkout.hardware import render_pdf
from ui.checkout.panel import CheckoutFlow
from ui.checkout.payment import METHOD_LABELS
from ui.checkout.refund import RefundDialog
from ui.clients.search import ClientSearchBox
from ui.context import UiContext
from ui.runner import Latest
from ui.shared.widgets import Button, EmptyState, PageHeader, show_error, show_info

KIND_LABELS = {"sale": "Sale", "refund": "Refund", "void": "Void"}


class CheckoutScreen(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("screenPage")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 16, 24, 16)
        self.stack = QStackedWidget()
        self.header = PageHeader(_("Checkout"), _("Scan or search a product, take payment, done."))
        self.client_btn = Button(_("Client…"), "user", "secondary")
        self.client_btn.setToolTip(_("Put a client on this sale (member price, prepaid, VIP)"))
        self.client_btn.clicked.connect(self._toggle_client_search)
        self.new_btn = Button(_("New sale"), "plus", "secondary")
        self.new_btn.clicked.connect(lambda: self.open())
        self.sales_btn = Button(_("Sales && refunds"), "list", "secondary")
        self.sales_btn.clicked.connect(lambda: self._show_sales(self.stack.currentIndex() == 0))
        self.vouchers_btn = Button(_("Gift vouchers"), "tag", "secondary")
        self.vouchers_btn.setToolTip(_("Look up a gift voucher by its code: what is left, where it was spent"))
        self.vouchers_btn.clicked.connect(self._vouchers)
        for b in (self.client_btn, self.new_btn, self.vouchers_btn, self.sales_btn):
            header_actions(self.header).addWidget(b)
        lay.addWidget(self.header)

        self.client_row = QWidget()
        crow = QHBoxLayout(self.client_row)
        crow.setContentsMargins(0, 0, 0, 0)

        self.client_search = ClientSearchBox(ctx)
        if self.client_search is not None:
            crow.addWidget(self.client_search, 1)
            self.client_search.client_chosen.connect(self._client_chosen)
        self.no_client_btn = Button(_("No client"), "x", "ghost")
        self.no_client_btn.clicked.connect(lambda: self._client_chosen(None))
        crow.addWidget(self.no_client_btn)
        self.client_row.setVisible(False)
        lay.addWidget(self.client_row)

        self.flow = CheckoutFlow(ctx, ask_score=True)
        self.flow.paid.connect(lambda _sid: self.open())
        self.stack.addWidget(self.flow)
        self.stack.addWidget(self._sales_page())
        lay.addWidget(self.stack, 1)
        sc = QShortcut(QKeySequence("Ctrl+N"), self)
        sc.activated.connect(lambda: self.open())
        self._started = False
        self._opening = Latest()  # the new sale's bill being built
        self._choosing = Latest()  # the client being put on the bill
        self._sales_latest = Latest()
        self._refund_latest = Latest()

    def _vouchers(self) -> None:
        from ui.checkout.vouchers import VoucherDialog

        VoucherDialog(self.ctx, parent=self).exec()

    # ----------------------------------------------------------------- the sale
    def open(self, visit_id: int | None = None, client_id: int | None = None) -> None:
        """Start a new sale: its bill is built on the runner (the newest request wins)."""
        self._show_sales(False)
        try:
            actor = self.ctx.require_actor()
        except Exception as exc:
            show_error(self, exc)
            return
        if self._choosing.pending:  # a client asked for the bill being replaced: not for this one
            self._choosing.cancel()
            self._set_choosing(False)
        checkout = self.ctx.services.checkout
        seq = self._opening.next()
        self.ctx.runner.run(
            self,
            lambda: checkout.build_bill(actor, visit_id=visit_id, client_id=client_id),
            on_done=self._opening.guard(seq, lambda bill: self._opened(visit_id, bill)),
            on_error=self._opening.guard(seq, lambda exc: show_error(self, exc)),
        )

    def _opened(self, visit_id: int | None, bill: Bill) -> None:
        self._started = True
        self.client_btn.setVisible(visit_id is None)
        self.flow.set_bill(bill)

    def showEvent(self, event: object) -> None:  # noqa: N802 - Qt's name
        if not self._started and not self._opening.pending and self.ctx.actor is not None:
            self.open()
        super().showEvent(event)  # type: ignore[arg-type]

    def _toggle_client_search(self) -> None:
        self.client_row.setVisible(not self.client_row.isVisible())
        if self.client_row.isVisible() and self.client_search is not None:
            self.client_search.focus_search()  # typing goes straight to the search box

    def _set_choosing(self, on: bool) -> None:
        """While the chosen client is put on the bill, the bill and the payment wait (a payment
        meanwhile would be taken without the client)."""
        for w in (self.client_row, self.flow.editor, self.flow.payment):
            w.setEnabled(not on)

    def _client_chosen(self, client_id: int | None) -> None:
        editor = self.flow.editor
        if editor.bill is None or self.flow.paying() or self.flow.stack.currentIndex() != 0:
            return  # no bill, or it is being paid / was paid: the client would not be on the sale
        if editor.busy():  # an edit (a scanned item) is still being applied: the client goes on its bill
            editor.when_idle(lambda: self._client_chosen(client_id))
            return
        bill = editor.bill
        checkout = self.ctx.services.checkout
        seq = self._choosing.next()

        def failed(exc: Exception) -> None:
            self._set_choosing(False)
            show_error(self, exc)

        self._set_choosing(True)
        self.ctx.runner.run(
            self,
            lambda: checkout.set_client(bill, client_id),
            on_done=self._choosing.guard(seq, lambda new: self._client_set(bill, new)),
            on_error=self._choosing.guard(seq, failed),
        )

    def _client_set(self, base: Bill, new: Bill) -> None:
        self._set_choosing(False)
        if self.flow.editor.bill is not base or self.flow.stack.currentIndex() != 0:
            return  # the bill was replaced (a new sale) or paid meanwhile
        self.client_row.setVisible(False)
        self.flow.set_bill(new)

    # ----------------------------------------------------------------- sales list
    def _sales_page(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.sales_filter = QLineEdit()
        self.sales_filter.setObjectName("searchBox")
        self.sales_filter.setMinimumHeight(44)
        self.sales_filter.setPlaceholderText(_("Receipt number or client name"))
        self.sales_filter.returnPressed.connect(self.load_sales)
        row.addWidget(self.sales_filter, 1)
        self.reprint_btn = Button(_("Reprint"), "printer", "secondary")
        # the desk's receipt printer and the care sheet, one click away also after the visit closed
        self.escpos_reprint_btn = Button(_("Receipt printer"), "receipt", "secondary")
        self.escpos_reprint_btn.clicked.connect(self._reprint_escpos)
        self.care_reprint_btn = Button(_("Care sheet"), "file", "secondary")
        self.care_reprint_btn.clicked.connect(lambda: self._reprint("care"))
        self.refund_btn = Button(_("Refund…"), "arrow-left", "secondary")
        self.void_btn = Button(_("Void…"), "x", "danger")
        self.reprint_btn.clicked.connect(lambda: self._reprint("receipt"))
        self.refund_btn.clicked.connect(lambda: self._refund(False))
        self.void_btn.clicked.connect(lambda: self._refund(True))
        for b in (self.reprint_btn, self.escpos_reprint_btn, self.care_reprint_btn, self.refund_btn, self.void_btn):
            row.addWidget(b)
        lay.addLayout(row)
        self.sales = QTableWidget(0, 5)
        self.sales.setHorizontalHeaderLabels(
            [_("Receipt"), _("Time"), _("Client"), _("Total"), _("Can refund")]
        )
        self.sales.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 190), (1, 190), (3, 150), (4, 150)):  # receipt no., time, amounts: whole
            self.sales.setColumnWidth(column, width)
        self.sales.verticalHeader().setVisible(False)
        self.sales.verticalHeader().setDefaultSectionSize(40)
        self.sales.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.sales.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.sales.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        lay.addWidget(self.sales, 1)
        self.sales_empty = EmptyState(
            "receipt", _("No sales yet"), _("Sales appear here as soon as they are paid.")
        )
        lay.addWidget(self.sales_empty)
        return page

    def _show_sales(self, on: bool) -> None:
        self.stack.setCurrentIndex(1 if on else 0)
        self.sales_btn.setText(_("Back to the sale") if on else _("Sales && refunds"))
        if on:
            self.load_sales()

    def load_sales(self) -> None:
        """Read the recent sales on the runner (the newest request wins)."""
        from ui.checkout.hardware import escpos_desk

        self.escpos_reprint_btn.setVisible(escpos_desk(self.ctx) is not None)
        payments = self.ctx.services.payments
        query = self.sales_filter.text()
        seq = self._sales_latest.next()
        self.ctx.runner.run(
            self,
            lambda: payments.recent_sales(100, query),
            on_done=self._sales_latest.guard(seq, self._show_sales_rows),
            on_error=self._sales_latest.guard(seq, lambda exc: show_error(self, exc)),
        )

    def _show_sales_rows(self, rows: list[SaleSummary]) -> None:
        cur = self.ctx.shop.currency
        self.sales.setRowCount(len(rows))
        for r, s in enumerate(rows):
            kind = "" if s.kind == "sale" else f" ({_(KIND_LABELS.get(s.kind, s.kind))})"
            cells = [
                s.receipt_no + kind,
                format_when(s.sold_at),
                s.client_name or "—",
                fmt_money(s.total_minor, cur),
                fmt_money(s.refundable_minor, cur) if s.kind == "sale" else "",
            ]
            for c, text in enumerate(cells):
                it = QTableWidgetItem(text)
                if c == 0:
                    it.setData(Qt.ItemDataRole.UserRole, s.id)
                if c >= 3:
                    it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.sales.setItem(r, c, it)
        self.sales.setVisible(bool(rows))
        self.sales_empty.setVisible(not rows)
        if rows:
            self.sales.selectRow(0)

    def selected_sale(self) -> int | None:
        rows = self.sales.selectionModel().selectedRows()
        if not rows:
            return None
        it = self.sales.item(rows[0].row(), 0)
        return int(it.data(Qt.ItemDataRole.UserRole)) if it else None

    def _reprint(self, kind: str) -> None:
        """The receipt or the care sheet again, previewed (``kind``: receipt | care)."""
        sid = self.selected_sale()
        if sid is None:
            return
        from ui.shared.print_preview import print_pdf

        ctx = self.ctx
        self.ctx.runner.run(
            self,
            lambda: render_pdf(ctx, sid, kind),
            on_done=lambda res: print_pdf(self, res[0], res[1]),
            on_error=lambda e: show_error(self, e),
        )

    def _reprint_escpos(self) -> None:
        from ui.checkout.hardware import escpos_desk, escpos_receipt

        sid, ctx, desk = self.selected_sale(), self.ctx, escpos_desk(self.ctx)
        if sid is None or desk is None:
            return
        self.ctx.runner.run(
            self,
            lambda: escpos_receipt(ctx, desk, ctx.services.payments.get_sale(sid)),
            on_done=lambda _r: show_info(self, _("Sent to the receipt printer.")),
            on_error=lambda e: show_error(self, e),
        )

    def _refund(self, void: bool) -> None:
        """Read the chosen sale on the runner, then ask what to refund (or confirm the void)."""
        sid = self.selected_sale()
        if sid is None:
            return
        payments = self.ctx.services.payments
        seq = self._refund_latest.next()
        self.ctx.runner.run(
            self,
            lambda: payments.get_sale(sid),
            on_done=self._refund_latest.guard(seq, lambda view: self._refund_sale(view, void)),
            on_error=self._refund_latest.guard(seq, lambda exc: show_error(self, exc)),
        )

    def _refund_sale(self, view: SaleView, void: bool) -> None:
        if view.kind != "sale":
            show_error(self, _("Choose the original sale, not a refund."))
            return
        dlg = RefundDialog(self.ctx, view, void, self)
        if dlg.exec():
            self.load_sales()
            if dlg.result_sale is not None:  # what to give back, and how (it finished without a word)
                rid, payments = dlg.result_sale.sale_id, self.ctx.services.payments
                self.ctx.runner.run(
                    self,
                    lambda: payments.get_sale(rid),
                    on_done=self._refund_said,
                    on_error=lambda exc: show_error(self, exc),
                )

    def _refund_said(self, refund: SaleView) -> None:
        cur = refund.currency
        lines = [
            f"{_(METHOD_LABELS.get(p.method, p.method))}"
            f"{' ' + gv.shown(p.reference) if p.method == 'voucher' else ''}: {fmt_money(abs(p.amount_minor), cur)}"
            for p in refund.payments
        ]
        lines += [_("Gift voucher {code} refunded: it cannot be spent any more.").format(code=gv.shown(v.code))
                  for v in refund.vouchers_voided]
        pv = refund.points
        if pv is not None:  # points are not money: what went back onto the account, what was taken off
            if pv.given_back:
                lines.append(_("{points} points go back onto the client's account.").format(
                    points=format_number(pv.given_back)))
            if pv.taken_back:
                lines.append(_("{points} points the refunded items earned are taken off.").format(
                    points=format_number(pv.taken_back)))
            lines.append(_("Points balance now: {points}").format(points=format_number(pv.balance_after)))
        title = _("Voided: {receipt}") if refund.kind == "void" else _("Refunded: {receipt}")
        head = (_("Give back {amount} to the client:").format(amount=fmt_money(abs(refund.total_minor), cur))
                if refund.total_minor else _("No money to give back:"))
        show_info(
            self,
            head + "\n" + "\n".join(lines),
            title.format(receipt=refund.receipt_no),
        )
