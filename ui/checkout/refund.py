"""Refund some lines of a sale, or void it: lines to tick, a reason, the owner's PIN when needed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desk_app.checkout.bill import money as fmt_money
from desk_app.checkout.service import ApprovalNeeded
from desk_app.checkout.views import PaidSale, SaleView
from desk_app.i18n import _, pick
from desk_app.trust.pins import PinRefused
from ui.checkout.marks import free_mark
from ui.context import UiContext
from ui.shared.widgets import Dialog, ErrorLabel, ask_pin, ask_pin_again, show_error


class RefundDialog(Dialog):
    def __init__(
        self, ctx: UiContext, view: SaleView, void: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view = view
        self.void = void
        self.result_sale: PaidSale | None = None
        self._busy = False
        self.setWindowTitle(_("Void sale {no}") if void else _("Refund from sale {no}"))
        self.setWindowTitle(self.windowTitle().format(no=view.receipt_no))
        self.setMinimumWidth(520)
        lay = QVBoxLayout(self)
        head = QLabel(
            _("Paid {amount}; can still be refunded: {left}").format(
                amount=fmt_money(view.total_minor, view.currency),
                left=fmt_money(view.refundable_minor, view.currency),
            )
        )
        head.setObjectName("sectionTitle")
        lay.addWidget(head)
        self.lines = QListWidget()
        for ln in view.lines:
            if ln.kind == "rounding":
                continue
            done = ln.fully_refunded
            mark = free_mark(ln.discount_reason) if ln.line_total_minor == 0 else ""  # what paid for a free line
            free = "   " + mark if mark else ""
            it = QListWidgetItem(
                f"{pick(ln.name_zh, ln.name_en)} × {ln.quantity}   "
                f"{fmt_money(ln.line_total_minor, view.currency)}" + free + ("   " + _("(refunded)") if done else "")
            )
            it.setData(Qt.ItemDataRole.UserRole, ln.id)
            flags = it.flags() | Qt.ItemFlag.ItemIsUserCheckable
            if done:
                flags &= ~Qt.ItemFlag.ItemIsEnabled
            it.setFlags(flags)
            it.setCheckState(Qt.CheckState.Checked if (void and not done) else Qt.CheckState.Unchecked)
            self.lines.addItem(it)
        self.lines.setEnabled(not void)
        lay.addWidget(QLabel(_("Lines to refund:") if not void else _("The whole sale is voided:")))
        lay.addWidget(self.lines)
        lay.addWidget(QLabel(_("Reason (kept with the refund, printed on its receipt):")))
        self.reason = QPlainTextEdit()
        self.reason.setMaximumHeight(70)
        lay.addWidget(self.reason)
        self.error = ErrorLabel()
        lay.addWidget(self.error)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = bb.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(_("Void") if void else _("Refund"))
        ok.setProperty("kind", "danger")
        self.ok_button = ok
        bb.accepted.connect(self.submit)
        bb.rejected.connect(self.reject)
        lay.addWidget(bb)

    def checked_ids(self) -> list[int]:
        out = []
        for i in range(self.lines.count()):
            it = self.lines.item(i)
            if it.checkState() == Qt.CheckState.Checked and it.flags() & Qt.ItemFlag.ItemIsEnabled:
                out.append(int(it.data(Qt.ItemDataRole.UserRole)))
        return out

    def busy(self) -> bool:
        """True while the refund or void is being written (the button waits)."""
        return self._busy

    def _set_busy(self, on: bool) -> None:
        self._busy = on
        self.ok_button.setEnabled(not on)

    def submit(self) -> None:
        if self._busy:
            return
        reason = self.reason.toPlainText().strip()
        ids = self.checked_ids()
        missing = ([_("Tick the lines to refund.")] if not self.void and not ids else []) + (
            [_("Give the reason for the refund.")] if not reason else []
        )
        if missing:  # all that is missing at once, not one per try
            self.error.show_error(" ".join(missing))
            return
        self._write(reason, ids, None)

    def _write(self, reason: str, ids: list[int], pin: str | None) -> None:
        """Refund or void on the runner, in order; with ``pin`` the service checks the owner's PIN
        first (a wrong one comes back as PinRefused, nothing written)."""
        actor = self.ctx.require_actor()
        payments = self.ctx.services.payments
        sale_id, void = self.view.id, self.void

        def work() -> PaidSale:
            if void:
                return payments.void(actor, sale_id, reason, pin)
            return payments.refund(actor, sale_id, ids, reason, pin)

        self._set_busy(True)
        self.ctx.runner.run(
            self,
            work,
            on_done=self._written,
            on_error=lambda exc: self._not_written(exc, reason, ids, pin),
            in_order=True,
        )

    def _written(self, sale: PaidSale) -> None:
        self._set_busy(False)
        self.result_sale = sale
        self.accept()

    def _not_written(self, exc: Exception, reason: str, ids: list[int], pin: str | None) -> None:
        """Nothing was written. Without the right to refund, ask for the owner's PIN, then again;
        after a wrong (or paused) PIN, ask again saying why."""
        self._set_busy(False)
        title = _("A refund or void needs the owner's PIN.")
        if isinstance(exc, PinRefused):
            pin = ask_pin_again(self, title, exc)
        elif isinstance(exc, ApprovalNeeded) and pin is None:
            pin = ask_pin(self, exc.message)
        else:
            show_error(self, exc)
            return
        if not pin:
            self.error.show_error(exc.message if isinstance(exc, PinRefused) else _("A refund needs the owner's PIN."))
            return
        self._write(reason, ids, pin)
