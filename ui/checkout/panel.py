"""The visit's checkout step: bill, payment, then receipt/care sheet and satisfaction.

``paid(int)`` is emitted with the sale id once the client's satisfaction is
recorded (or skipped); the visit screen then moves on to rebooking.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QScrollArea, QStackedWidget, QVBoxLayout, QWidget

from desk_app.checkout.bill import Bill
from desk_app.checkout.service import ApprovalNeeded
from desk_app.checkout.views import PaidSale
from desk_app.i18n import _
from ui.checkout.done import DonePage
from ui.checkout.editor import BillEditor
from ui.checkout.payment import PaymentBox
from ui.context import UiContext
from ui.shared.widgets import Card, ask_pin, show_error


class CheckoutFlow(QWidget):
    """Bill + payment + done page; shared by the visit's panel and the counter-sale screen."""

    paid = Signal(int)  # sale id, after the done page (satisfaction) finished
    payment_taken = Signal(int)  # sale id, as soon as the payment committed

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, ask_score: bool = True) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.stack = QStackedWidget()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.stack)
        bill_page = QWidget()
        row = QHBoxLayout(bill_page)
        row.setContentsMargins(0, 0, 0, 0)
        left = Card(_("Bill"))
        self.editor = BillEditor(ctx)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.editor)
        left.body.addWidget(scroll)
        right = Card()
        right.body.addWidget(self.editor.totals_widget)
        right.body.addWidget(self.editor.member_note)
        self.payment = PaymentBox(ctx)
        right.body.addWidget(self.payment)
        right.setMinimumWidth(300)
        right.setMaximumWidth(370)
        row.addWidget(left, 1)
        row.addWidget(right)
        self.stack.addWidget(bill_page)
        self.done = DonePage(ctx, ask_score=ask_score)
        self.stack.addWidget(self.done)
        self.editor.changed.connect(self._bill_changed)
        self.payment.pay_requested.connect(self.pay)
        self.done.finished.connect(self.paid.emit)
        self.last_paid: PaidSale | None = None

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """F9 or Ctrl+Enter pays from anywhere in the bill (keys the fields do not use come up here)."""
        ctrl_enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and bool(
            event.modifiers() & Qt.KeyboardModifier.ControlModifier
        )
        if self.stack.currentIndex() == 0 and (event.key() == Qt.Key.Key_F9 or ctrl_enter):
            self.pay()
            return
        super().keyPressEvent(event)

    def set_bill(self, bill: Bill) -> None:
        self.stack.setCurrentIndex(0)
        self.payment.bill = None
        self.editor.set_bill(bill)
        self._bill_changed(bill)
        self.editor.search.setFocus()

    def _bill_changed(self, bill: Bill) -> None:
        balance = self.ctx.services.payments.prepaid_balance(bill.client_id) if bill.client_id else 0
        self.payment.set_bill(bill, balance)

    def pay(self) -> None:
        if self.editor.busy():  # an edit (a scanned item, a discount) is still being applied
            self.editor.when_idle(self.pay)
            return
        bill = self.editor.bill
        if bill is None or not self.payment.pay_btn.isEnabled():
            return
        try:
            payments = self.payment.payments()
        except ValueError as exc:
            self.payment.error.show_error(str(exc))
            return
        actor = self.ctx.require_actor()
        try:
            res = self.ctx.services.payments.pay(actor, bill, payments)
        except ApprovalNeeded as exc:
            pin = ask_pin(self, exc.message)
            approver = self.ctx.services.payments.approver_from_pin(pin) if pin else None
            if approver is None:
                return
            from dataclasses import replace

            self.editor.bill = replace(bill, discount_approved_by_id=approver.staff_id)
            self.pay()
            return
        except Exception as exc:
            show_error(self, exc)
            return
        self.last_paid = res
        self.payment.clear()
        self.done.show_sale(res, self.ctx.services.payments.get_sale(res.sale_id))
        self.stack.setCurrentWidget(self.done)
        self.payment_taken.emit(res.sale_id)


class CheckoutPanel(CheckoutFlow):
    """Embedded as the visit's checkout step."""

    def __init__(self, ctx: UiContext, visit_id: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent, ask_score=True)
        self.visit_id = visit_id
        try:
            self.set_bill(ctx.services.checkout.build_bill(ctx.require_actor(), visit_id=visit_id))
        except Exception as exc:
            show_error(self, exc)
