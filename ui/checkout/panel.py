"""The visit's checkout step: bill, payment, then receipt/care sheet and satisfaction.

``paid(int)`` is emitted with the sale id once the client's satisfaction is
recorded (or skipped); the visit screen then moves on to rebooking.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QHideEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from desk_app.checkout.bill import Bill
from desk_app.checkout.service import ApprovalNeeded
from desk_app.checkout.views import PaidSale, SaleView
from desk_app.clients.points import PointsCard
from desk_app.i18n import _
from desk_app.trust.pins import Approval, PinRefused
from ui.checkout.done import DonePage
from ui.checkout.editor import BillEditor
from ui.checkout.payment import PaymentBox
from ui.context import UiContext
from ui.runner import Latest
from ui.shared.widgets import Card, PageStack, ask_pin, ask_pin_again, show_error


class CheckoutFlow(QWidget):
    """Bill + payment + done page; shared by the visit's panel and the counter-sale screen."""

    paid = Signal(int)  # sale id, after the done page (satisfaction) finished
    payment_taken = Signal(int)  # sale id, as soon as the payment committed

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, ask_score: bool = True) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.stack = PageStack()
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
        # one width whatever the payment box shows (a voucher, a refusal): the column never moves under the
        # pointer (it was 300-370 px, and a second voucher's line widened it by 25 px)
        right.setFixedWidth(360)
        row.addWidget(left, 1)
        row.addWidget(right)
        self.stack.addWidget(bill_page)
        self.done = DonePage(ctx, ask_score=ask_score)
        self.stack.addWidget(self.done)
        self.editor.changed.connect(self._bill_changed)
        self.payment.pay_requested.connect(self.pay)
        self.done.finished.connect(self.paid.emit)
        self.done.finished.connect(lambda _sid: self.ctx.display.thanks())
        self.last_paid: PaidSale | None = None
        self._paying = False
        self._generation = 0  # bumped by forget_sale(): answers for an earlier bill are dropped
        self._balance = 0
        self._points: PointsCard | None = None
        self._balance_for: int | None = -1
        self._balance_latest = Latest()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """F9 or Ctrl+Enter pays from anywhere in the bill (keys the fields do not use come up here)."""
        ctrl_enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and bool(
            event.modifiers() & Qt.KeyboardModifier.ControlModifier
        )
        if self.stack.currentIndex() == 0 and (event.key() == Qt.Key.Key_F9 or ctrl_enter):
            self.pay()
            return
        super().keyPressEvent(event)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        """The customer display follows the bill on show (the counter's or the visit's)."""
        super().showEvent(event)
        if self.stack.currentIndex() == 0 and self.editor.bill is not None:
            self.ctx.display.bill(self.editor.bill)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt's name
        """Leaving checkout: the display goes back to its welcome (a paid sale's thank-you runs its time)."""
        super().hideEvent(event)
        if not event.spontaneous() and self.stack.currentIndex() == 0:
            self.ctx.display.idle()

    def set_bill(self, bill: Bill) -> None:
        self.stack.setCurrentIndex(0)
        self.payment.bill = None
        self._balance_for = -1  # read the client's prepaid balance again (a payment may have moved it)
        self.editor.set_bill(bill)
        self._bill_changed(bill)
        self.editor.search.setFocus()

    def _bill_changed(self, bill: Bill) -> None:
        """Every edit re-shows the payment box; the prepaid balance is read (off the GUI thread)
        only when the client on the bill changes."""
        cid = bill.client_id
        if cid != self._balance_for:
            self._balance_for = cid
            self._balance, self._points = 0, None
            actor = self.ctx.actor
            if cid is not None and actor is not None:
                seq = self._balance_latest.next()
                payments, points = self.ctx.services.payments, self.ctx.services.points
                self.ctx.runner.run(
                    self,
                    lambda: (payments.prepaid_balance(cid), points.card(actor, cid, moves=False)),
                    on_done=self._balance_latest.guard(seq, lambda b: self._got_balance(cid, *b)),
                    on_error=self._balance_latest.guard(seq, lambda exc: show_error(self, exc)),
                )
        self.payment.set_bill(bill, self._balance, self._points)
        if self.isVisible():
            self.ctx.display.bill(bill)

    def _got_balance(self, client_id: int, balance: int, points: PointsCard) -> None:
        if client_id != self._balance_for:
            return
        self._balance, self._points = balance, points
        if self.editor.bill is not None:
            self.payment.set_bill(self.editor.bill, balance, points)

    def forget_sale(self) -> None:
        """Start afresh for another bill: no bill, no payment in flight, the bill page shown."""
        self._generation += 1
        self._set_paying(False)
        self.last_paid = None
        self.payment.reset()
        self.editor.clear_bill()
        self._balance_for, self._balance, self._points = -1, 0, None
        self.stack.setCurrentIndex(0)

    def _for_this_bill(self, callback: Callable[[Any], None]) -> Callable[[Any], None]:
        gen = self._generation

        def call(value: Any) -> None:
            if gen == self._generation:
                callback(value)

        return call

    def paying(self) -> bool:
        """True while a payment is being written (the bill and the payment box wait)."""
        return self._paying

    def _set_paying(self, on: bool) -> None:
        self._paying = on
        self.editor.setEnabled(not on)
        self.payment.setEnabled(not on)

    def pay(self) -> None:
        if self._paying:
            return
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
        service = self.ctx.services.payments

        def work() -> tuple[PaidSale, SaleView]:
            res = service.pay(actor, bill, payments)
            return res, service.get_sale(res.sale_id)

        self._set_paying(True)
        self.ctx.runner.run(
            self,
            work,
            on_done=self._for_this_bill(self._paid),
            on_error=self._for_this_bill(lambda exc: self._not_paid(bill, exc)),
            in_order=True,
        )

    def _not_paid(self, bill: Bill, exc: Exception) -> None:
        """Nothing was charged. A discount above the limit asks for the owner's PIN, then pays again
        (the approval rides on the bill; paying checks it against the database)."""
        self._set_paying(False)
        if not isinstance(exc, ApprovalNeeded):
            show_error(self, exc)
            return
        self._ask_owner(bill, exc.message, ask_pin(self, exc.message))

    def _ask_owner(self, bill: Bill, title: str, pin: str | None) -> None:
        if not pin:
            return
        actor = self.ctx.require_actor()
        service = self.ctx.services.payments
        self.ctx.runner.run(
            self,
            lambda: service.approve_discount(actor, pin),
            on_done=self._for_this_bill(lambda approval: self._approved(bill, approval)),
            on_error=self._for_this_bill(lambda e: self._not_approved(bill, title, e)),
            in_order=True,  # a wrong PIN is counted: a write
        )

    def _not_approved(self, bill: Bill, title: str, exc: Exception) -> None:
        if isinstance(exc, PinRefused):  # wrong or paused: ask again, saying why
            self._ask_owner(bill, title, ask_pin_again(self, title, exc))
            return
        show_error(self, exc)

    def _approved(self, bill: Bill, approval: Approval) -> None:
        self.editor.bill = replace(bill, discount_approved_by_id=approval.staff_id, discount_approval=approval.token)
        self.pay()

    def _paid(self, result: tuple[PaidSale, SaleView]) -> None:
        res, sale = result
        self._set_paying(False)
        self.last_paid = res
        self.payment.clear()
        self.done.show_sale(res, sale)
        self.stack.setCurrentWidget(self.done)
        self.payment_taken.emit(res.sale_id)


class CheckoutPanel(CheckoutFlow):
    """Embedded as the visit's checkout step."""

    def __init__(self, ctx: UiContext, visit_id: int | None, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent, ask_score=True)
        self.visit_id: int | None = None
        self._bill_latest = Latest()
        if visit_id is not None:
            self.load(visit_id)

    def load(self, visit_id: int) -> None:
        """Show this visit's bill: the visit screen builds one panel and loads each visit into it
        (building ~50 widgets again per visit held the GUI thread ~20 ms). Until the bill is read
        the panel shows no bill; an answer for a visit loaded before is dropped, as is a payment
        of that visit still being written (it is on the sale's history either way)."""
        self.visit_id = visit_id
        self.forget_sale()
        actor = self.ctx.require_actor()
        checkout = self.ctx.services.checkout
        seq = self._bill_latest.next()
        self.ctx.runner.run(
            self,
            lambda: checkout.build_bill(actor, visit_id=visit_id),
            on_done=self._bill_latest.guard(seq, self.set_bill),
            on_error=self._bill_latest.guard(seq, lambda exc: show_error(self, exc)),
        )
