"""What the checkout tells the customer display, and when (docs/counter-hardware.md).

The main window makes one ``DisplayFeed`` when this desk has the display on (``ctx.desk.
customer_display``) and puts it in ``ctx.display``; otherwise ``ctx.display`` is ``NoDisplay`` and
every call does nothing. The checkout calls it: ``bill(bill)`` on every change of the bill on show,
``paid(paid, view)`` when a sale is paid, ``thanks()`` when the desk is done with the paid page,
``idle()`` when the desk leaves checkout.

States: idle (the shop's welcome) -> the bill as it is built -> paid (total, what was handed over,
the change) for ``PAID_SECONDS`` or until the desk finishes -> thank-you (with the next appointment,
refreshed if it is booked meanwhile) for ``THANKS_SECONDS`` -> idle. The client's greeting name and
language are read once per client on the runner (``CheckoutService.display_client``); everything
else is in the bill and the sale the checkout already holds.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget

from desk_app.checkout.bill import Bill
from desk_app.checkout.display import DisplayClient, bill_screen, display_language, paid_screen
from desk_app.checkout.views import PaidSale, SaleView
from desk_app.i18n import Fmt
from ui.checkout.customer_display import BILL, IDLE, PAID, THANKS, CustomerDisplay
from ui.context import UiContext
from ui.runner import Latest

log = logging.getLogger(__name__)

PAID_SECONDS = 20  # the total and the change stay while the change is counted out
THANKS_SECONDS = 30  # then the thank-you, then the welcome again


class DisplayFeed(QObject):
    def __init__(self, ctx: UiContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.window = CustomerDisplay(parent)
        self.on_screen = self.window.place(ctx.desk.display_screen)
        self._bill: Bill | None = None
        self._sale: tuple[PaidSale, SaleView] | None = None
        self._client: DisplayClient | None = None
        self._client_for: int | None = None  # the client id being read or read
        self._reading = False
        self._latest = Latest()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._next)
        ctx.signals.data_changed.connect(self._data_changed)
        self.idle()

    # ------------------------------------------------------------------ what the checkout calls
    def bill(self, bill: Bill) -> None:
        if not bill.lines and self.window.state in (PAID, THANKS):
            return  # the next sale's empty bill does not cut the thank-you short
        if not bill.lines and bill.client_id is None:
            self.idle()
            return
        self._timer.stop()
        self._sale = None
        self._bill = bill
        self._want_client(bill.client_id)
        self._render()

    def paid(self, paid: PaidSale, view: SaleView) -> None:
        self._bill = None
        self._sale = (paid, view)
        self._want_client(view.client_id)
        self._render()
        self._timer.start(PAID_SECONDS * 1000)

    def thanks(self) -> None:
        if self.window.state != PAID or self._sale is None:
            return
        self._show_thanks()

    def idle(self) -> None:
        self._timer.stop()
        self._bill, self._sale = None, None
        self._client, self._client_for, self._reading = None, None, False
        self._latest.cancel()
        shop = self.ctx.shop
        fmt = self._fmt(None)
        other = Fmt.for_shop("en" if fmt.is_zh else "zh_CN", shop.timezone, shop.currency)
        self.window.show_idle(shop.name, fmt, other)

    def close(self) -> None:
        self._timer.stop()
        self.ctx.signals.data_changed.disconnect(self._data_changed)
        self.window.close()
        self.window.deleteLater()

    # ------------------------------------------------------------------ the client
    def _want_client(self, client_id: int | None) -> None:
        """Read the client's greeting and language once (on the runner) when the client changes."""
        if client_id == self._client_for:
            return
        self._client, self._client_for, self._reading = None, client_id, client_id is not None
        if client_id is None:
            self._latest.cancel()
            return
        actor = self.ctx.actor
        if actor is None:
            self._reading = False
            return
        checkout = self.ctx.services.checkout
        seq = self._latest.next()
        self.ctx.runner.run(
            self,
            lambda: checkout.display_client(actor, client_id),
            on_done=self._latest.guard(seq, self._got_client),
            on_error=self._latest.guard(seq, self._no_client),
        )

    def _got_client(self, client: DisplayClient) -> None:
        if client.client_id != self._client_for:
            return
        self._client, self._reading = client, False
        self._render()

    def _no_client(self, exc: Exception) -> None:
        log.warning("customer display: the client was not read: %s", exc)
        self._reading = False
        self._render()

    def _fmt(self, client_language: str | None) -> Fmt:
        shop = self.ctx.shop
        return Fmt.for_shop(display_language(client_language, shop.locale), shop.timezone, shop.currency)

    # ------------------------------------------------------------------ showing
    def _render(self) -> None:
        if self._reading:
            return  # shown once the client's language is known: never flashes in another language
        client = self._client
        greeting = client.greeting if client is not None else ""
        if self._sale is not None:
            paid, view = self._sale
            fmt = self._fmt(view.client_language or (client.language if client else None))
            screen = paid_screen(paid, view, fmt)
            if self.window.state == THANKS:
                self.window.show_thanks(screen, greeting, self.ctx.shop.name, fmt)
            else:
                self.window.show_paid(screen, greeting, self.ctx.shop.name, fmt)
        elif self._bill is not None:
            fmt = self._fmt(client.language if client else None)
            self.window.show_bill(bill_screen(self._bill, fmt), greeting, self.ctx.shop.name, fmt)

    def _show_thanks(self) -> None:
        assert self._sale is not None
        paid, view = self._sale
        client = self._client
        fmt = self._fmt(view.client_language or (client.language if client else None))
        greeting = client.greeting if client is not None else ""
        self.window.show_thanks(paid_screen(paid, view, fmt), greeting, self.ctx.shop.name, fmt)
        self._timer.start(THANKS_SECONDS * 1000)

    def _next(self) -> None:
        state = self.window.state
        if state == PAID and self._sale is not None:
            self._show_thanks()
        elif state in (THANKS, PAID):
            self.idle()

    def _data_changed(self, kind: str, ident: int) -> None:
        """The next appointment is usually booked after payment (the visit's rebooking step): read the
        sale again and put it on the thank-you."""
        if self._sale is None or kind not in ("visit", "appointment") or self.window.state not in (PAID, THANKS):
            return
        paid, view = self._sale
        if kind == "visit" and ident not in (0, view.visit_id):
            return
        payments = self.ctx.services.payments
        sale_id = view.id

        def got(new: SaleView) -> None:
            if self._sale is None or self._sale[1].id != sale_id or new.next_appointment == view.next_appointment:
                return
            self._sale = (paid, new)
            if self.window.state == THANKS:
                self._show_thanks()  # shown afresh, for its full time
            else:
                self._render()

        self.ctx.runner.run(
            self, lambda: payments.get_sale(sale_id), on_done=got,
            on_error=lambda exc: log.warning("customer display: the sale was not read again: %s", exc),
        )


__all__ = ["BILL", "IDLE", "PAID", "THANKS", "DisplayFeed"]
