"""Taking payment: one row per method (splits), cash tendered -> change, the Pay button."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desk_app.checkout.bill import Bill
from desk_app.checkout.bill import money as fmt_money
from desk_app.checkout.service import PaymentIn
from desk_app.checkout.vouchers import VoucherCard
from desk_app.clients.points import PointsCard
from desk_app.domain import voucher as gv
from desk_app.domain.money import parse_amount
from desk_app.domain.payment import COUNTER_METHODS
from desk_app.domain.payment import METHOD_LABELS as METHOD_LABELS_BY_ENUM
from desk_app.i18n import _, format_number, ngettext
from ui.checkout.vouchers import card_text
from ui.context import UiContext
from ui.runner import Latest
from ui.shared.widgets import Button, ErrorLabel, error_text

METHOD_LABELS: dict[str, str] = {str(m): METHOD_LABELS_BY_ENUM[m] for m in COUNTER_METHODS}
METHOD_ICONS = {"cash": "cash", "card": "card", "wechat": "message", "alipay": "wallet", "prepaid": "gift",
                "voucher": "tag", "points": "star"}


class PaymentBox(QWidget):
    pay_requested = Signal()

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.bill: Bill | None = None
        self.balance = 0
        self.points: PointsCard | None = None  # the client's loyalty points (docs/loyalty.md)
        self._rewards_need = 0  # the points the bill's rewards take
        self._points_held = 0  # the client's points before them
        self.voucher: VoucherCard | None = None  # the gift voucher whose code was given last
        self.more_vouchers: list[tuple[VoucherCard, int]] = []  # earlier vouchers on this bill, with what each pays
        self._voucher_latest = Latest()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        # no "Payment" heading and no "To pay: …" line: the bill's Total right above says it, and the room
        # went to the points row (the column must hold every method, Pay and a two-line refusal under it
        # at 1366×768 without moving Pay)
        grid = QGridLayout()
        grid.setVerticalSpacing(3)  # eight rows of 40-px targets; with the style's 8 px Pay fell below 728 px
        self.amounts: dict[str, QLineEdit] = {}
        self.method_buttons: dict[str, Button] = {}
        for r, m in enumerate(METHOD_LABELS):
            b = Button(_(METHOD_LABELS[m]), METHOD_ICONS[m], "secondary")
            b.setToolTip(_("Put what is still due on this method"))
            if m == "voucher":
                b.setToolTip(_("Type or scan the gift voucher's code; what it covers goes on it"))
                b.clicked.connect(self.ask_voucher)
            else:
                b.clicked.connect(lambda _c=False, m=m: self.fill(m))
            e = QLineEdit()
            e.setMinimumHeight(40)
            e.setAlignment(Qt.AlignmentFlag.AlignRight)
            e.setPlaceholderText("0.00")
            e.textChanged.connect(self._update)
            e.returnPressed.connect(self.pay_requested.emit)
            e.editingFinished.connect(lambda e=e: self._tidy(e))
            grid.addWidget(b, r, 0)
            grid.addWidget(e, r, 1)
            self.amounts[m] = e
            self.method_buttons[m] = b
        r = len(METHOD_LABELS)
        grid.addWidget(QLabel(_("Cash handed over")), r, 0)
        self.tendered = QLineEdit()
        self.tendered.setMinimumHeight(40)
        self.tendered.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.tendered.textChanged.connect(self._update)
        self.tendered.textEdited.connect(self._cash_by_tendered)
        self.tendered.returnPressed.connect(self.pay_requested.emit)
        grid.addWidget(self.tendered, r, 1)
        lay.addLayout(grid)
        self.vouchers_note = QLabel()  # the other gift vouchers on this bill, with a link to take them off
        self.vouchers_note.setObjectName("muted")
        self.vouchers_note.setWordWrap(True)
        self.vouchers_note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.vouchers_note.linkActivated.connect(lambda _l: self._drop_more_vouchers())
        self.vouchers_note.hide()
        self.change = QLabel()
        self.change.setObjectName("total")
        lay.addWidget(self.change)
        self.remaining = QLabel()
        self.remaining.setObjectName("muted")
        self.remaining.setWordWrap(True)
        # a long hint wraps inside the column instead of widening it (the bill beside it needs the room)
        self.remaining.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        lay.addWidget(self.remaining)
        self.error = ErrorLabel()
        self.error.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # wraps, never widens
        row = QHBoxLayout()
        self.pay_btn = Button(_("Pay (F9)"), "check", "primary")
        self.pay_btn.setMinimumHeight(52)
        self.pay_btn.clicked.connect(self.pay_requested.emit)
        self.pay_btn.setEnabled(False)  # until a bill is shown and covered
        row.addWidget(self.pay_btn)
        lay.addLayout(row)
        # what comes and goes (a refusal, a second voucher) goes under Pay: Pay never moves under the pointer
        lay.addWidget(self.error)
        lay.addWidget(self.vouchers_note)
        lay.addStretch(1)

    def _cash_by_tendered(self, _text: str) -> None:
        """Cash handed over typed first: the cash amount is what is still due (walk: typing 50 there
        left Cash at 0 and Pay off, and the Cash button was ten Shift+Tabs back)."""
        if self.bill is None or self.amounts["cash"].text().strip():
            return
        left = self.bill.total_minor - self._sum()
        if left > 0:
            self.amounts["cash"].setText(str(fmt_plain(left, self.bill.currency)))

    def _tidy(self, e: QLineEdit) -> None:
        """A typed amount written as the filled ones are ("100" became "100.00"; a bad one is left
        for the message under the fields)."""
        if self.bill is None or not e.text().strip():
            return
        try:
            minor = self._parse(e.text())
        except ValueError:
            return
        e.setText(str(fmt_plain(minor, self.bill.currency)))

    def _parse(self, text: str) -> int:
        text = text.strip()
        if not text or self.bill is None:
            return 0
        return parse_amount(text, self.bill.currency).minor

    def set_bill(self, bill: Bill, prepaid_balance: int = 0, points: PointsCard | None = None) -> None:
        first = self.bill is None
        self.bill = bill
        self.balance = prepaid_balance
        self.method_buttons["prepaid"].setEnabled(bill.client_id is not None and prepaid_balance > 0)
        self.amounts["prepaid"].setEnabled(bill.client_id is not None and prepaid_balance > 0)
        self.method_buttons["prepaid"].setText(
            _("Prepaid ({amount})").format(amount=fmt_money(prepaid_balance, bill.currency))
            if bill.client_id
            else _(METHOD_LABELS["prepaid"])
        )
        self.points = points if bill.client_id is not None and points is not None \
            and points.client_id == bill.client_id else None
        self._rewards_need = bill.reward_points
        self._points_held = self.points.available if self.points is not None else 0
        if self.points is not None:  # what the bill's rewards take is not there to pay with
            self.points = self.points.less(self._rewards_need)
        worth = self.points.worth_minor if self.points is not None else 0
        pb = self.method_buttons["points"]
        pb.setEnabled(worth > 0)
        self.amounts["points"].setEnabled(worth > 0)
        if self.points is None:
            pb.setText(_(METHOD_LABELS["points"]))
            pb.setToolTip(_("Loyalty points pay only with the client on the bill"))
        else:  # how many, and what they pay; lapsed or too few to pay anything: said on the button
            pb.setText(_("Points {points}").format(points=format_number(self.points.available)))
            if self.points.lapsed:
                pb.setToolTip(_("The client's points lapsed: nothing earned or spent for too long"))
            elif worth <= 0:
                pb.setToolTip(_("The client has no points to pay with yet: this sale earns some"))
            else:
                pb.setToolTip(_("The client's points pay up to {amount}: pressed, they pay what is still due").format(
                    amount=fmt_money(worth, bill.currency)))
        if first:
            for e in self.amounts.values():
                e.clear()
            self._set_voucher(None)
            self.more_vouchers.clear()
            self._show_more_vouchers()
            self._steady_widths(bill.currency)
        self._update()

    def fill(self, method: str) -> None:
        """Put what is still due on ``method`` (prepaid: up to the balance)."""
        if self.bill is None:
            return
        self.amounts[method].clear()
        left = self.bill.total_minor - self._sum()
        if method == "prepaid":
            left = min(left, self.balance)
        if method == "voucher":
            left = min(left, self.voucher.balance_minor if self.voucher is not None else 0)
        if method == "points":
            left = min(left, self.points.worth_minor if self.points is not None else 0)
        if left > 0:
            self.amounts[method].setText(str(fmt_plain(left, self.bill.currency)))
        if method == "cash":
            self.tendered.setFocus()
        self._update()

    def _sum(self) -> int:
        total = sum(amount for _card, amount in self.more_vouchers)
        for e in self.amounts.values():
            try:
                total += self._parse(e.text())
            except ValueError:
                pass
        return total

    def payments(self) -> list[PaymentIn]:
        """The payments typed; raises ValueError with a message to show when an amount is not an amount."""
        out: list[PaymentIn] = [PaymentIn("voucher", amount, reference=card.code) for card, amount in self.more_vouchers]
        for m, e in self.amounts.items():
            try:
                amt = self._parse(e.text())
            except ValueError as exc:
                raise ValueError(
                    _("The {method} amount is not an amount.").format(method=_(METHOD_LABELS[m]))
                ) from exc
            if amt <= 0:
                continue
            if m == "voucher" and self.voucher is None:
                raise ValueError(_("Press Gift voucher and give the voucher's code first."))
            tendered = None
            if m == "cash" and self.tendered.text().strip():
                try:
                    tendered = self._parse(self.tendered.text())
                except ValueError as exc:
                    raise ValueError(_("The cash handed over is not an amount.")) from exc
            out.append(PaymentIn(m, amt, tendered_minor=tendered,
                                 reference=self.voucher.code if m == "voucher" and self.voucher else ""))
        return out

    # -- a gift voucher: its code first, then what it covers
    def ask_voucher(self) -> None:
        actor = self.ctx.actor
        if self.bill is None or actor is None:
            return
        text, ok = QInputDialog.getText(
            self, _("Gift voucher"), _("Type or scan the voucher's code:"),
            text=gv.shown(self.voucher.code) if self.voucher else "",
        )
        if not ok:
            return
        vouchers = self.ctx.services.vouchers
        seq = self._voucher_latest.next()
        self.ctx.runner.run(self, lambda: vouchers.find(actor, text),
                            on_done=self._voucher_latest.guard(seq, self._voucher_found),
                            on_error=self._voucher_latest.guard(seq, self._voucher_failed))

    def _voucher_failed(self, exc: Exception) -> None:
        self._set_voucher(None)
        self.error.show_error(error_text(exc))

    def _voucher_found(self, card: VoucherCard) -> None:
        if card.state is not gv.State.ACTIVE:  # said as at Pay: why it cannot be spent, and what to do
            problem = gv.state_problem(card.state, card.expires_on)
            if card.to_code:
                problem += " " + _("Its new code is {code}.").format(code=gv.shown(card.to_code))
            self.error.show_error(_("Gift voucher {code}: {problem}").format(code=card.shown_code, problem=problem))
            return
        if any(c.code == card.code for c, _a in self.more_vouchers):
            self.error.show_error(_("Gift voucher {code} is on this bill already.").format(code=card.shown_code))
            return
        current = self.voucher
        if current is not None and current.code != card.code:
            try:
                amount = self._parse(self.amounts["voucher"].text())
            except ValueError:
                amount = 0
            if amount > 0:  # a second voucher: the first keeps what it pays, the new one takes the rest
                self.more_vouchers.append((current, amount))
                self._show_more_vouchers()
        self._set_voucher(card)
        self.fill("voucher")

    def _show_more_vouchers(self) -> None:
        if self.bill is None or not self.more_vouchers:
            self.vouchers_note.hide()
            return
        cur = self.bill.currency
        paid = ", ".join(f"{c.shown_code} {fmt_money(a, cur)}" for c, a in self.more_vouchers)
        drop = _("take off")
        self.vouchers_note.setText(
            _("Also paid by gift voucher: {vouchers}").format(vouchers=html.escape(paid))
            + f' · <a href="drop">{html.escape(drop)}</a>'
        )
        self.vouchers_note.show()

    def _drop_more_vouchers(self) -> None:
        self.more_vouchers.clear()
        self._show_more_vouchers()
        self._update()

    def _set_voucher(self, card: VoucherCard | None) -> None:
        self.voucher = card
        b = self.method_buttons["voucher"]
        if card is None:
            b.setText(_(METHOD_LABELS["voucher"]))
            self.amounts["voucher"].clear()
        else:
            b.setText(_("Voucher …{tail}").format(tail=card.code[-4:]))  # which voucher the field is for
            b.setToolTip(card.shown_code + " · " + card_text(card))

    def _update(self) -> None:
        bill = self.bill
        if bill is None:
            return
        cur = bill.currency
        self.error.show_error(None)
        left = bill.total_minor - self._sum()
        if not bill.lines:
            self.remaining.setText(
                _("Nothing on the bill yet: scan a barcode, search a product or add an item first.")
            )
        elif left > 0:
            self.remaining.setText(_("Still to pay: {amount}").format(amount=fmt_money(left, cur)))
        elif left < 0:
            self.remaining.setText(
                _("{amount} too much: lower one of the amounts").format(amount=fmt_money(-left, cur))
            )
        else:
            self.remaining.setText(_("✓ Covered exactly"))
        change = ""
        try:
            cash = self._parse(self.amounts["cash"].text())
            tendered = self._parse(self.tendered.text())
            if tendered and cash:
                change = (
                    _("Change: {amount}").format(amount=fmt_money(tendered - cash, cur))
                    if tendered >= cash
                    else _("The cash handed over is less than the cash amount.")
                )
        except ValueError:
            change = _("Type amounts such as 12.50.")
        self.change.setText(change)
        voucher_problem = self._voucher_problem() or self._points_problem()
        self.pay_btn.setEnabled(
            left == 0 and bool(bill.lines) and not bill.needs_estimate_agreement and not voucher_problem
        )
        if voucher_problem:
            self.error.show_error(voucher_problem)
        if bill.needs_estimate_agreement:
            self.error.show_error(_("The total is above the estimate: record the client's agreement first."))

    def clear(self) -> None:
        for e in self.amounts.values():
            e.clear()
        self.tendered.clear()

    def _voucher_problem(self) -> str:
        """What is wrong with the gift voucher amount, said before Pay (not after it)."""
        try:
            amount = self._parse(self.amounts["voucher"].text())
        except ValueError:
            return ""
        if amount <= 0:
            return ""
        if self.voucher is None:
            return _("Press Gift voucher and give the voucher's code first.")
        if amount > self.voucher.balance_minor:
            return _("Gift voucher {code} has {amount} left: lower its amount.").format(
                code=self.voucher.shown_code, amount=fmt_money(self.voucher.balance_minor, self.voucher.currency))
        return ""

    def _points_problem(self) -> str:
        """More than the client's points pay, said before Pay (a newcomer typed 50 for points worth 35.30:
        "Covered exactly", then a refusal at F9); rewards taking more points than the client holds
        (a reward line's quantity raised), likewise."""
        if self._rewards_need > self._points_held:
            return ngettext(
                "The rewards on the bill take {need} points; the client has {held} point: take one off or lower its quantity.",
                "The rewards on the bill take {need} points; the client has {held} points: take one off or lower its quantity.",
                self._points_held,
            ).format(need=format_number(self._rewards_need), held=format_number(self._points_held))
        try:
            amount = self._parse(self.amounts["points"].text())
        except ValueError:
            return ""
        if amount <= 0:
            return ""
        card = self.points
        if card is None:
            return _("Loyalty points need the client on the bill.")
        if amount > card.worth_minor:
            return _("The client's {points} points pay at most {amount}: lower the points amount.").format(
                points=format_number(card.available), amount=fmt_money(card.worth_minor, card.currency))
        return ""

    def _steady_widths(self, currency: str) -> None:
        """The method buttons as wide as their longest label can be ("Voucher …K7QM (CN¥9,999.99)"), so
        the payment column never widens under the pointer when a balance or a voucher appears."""
        probe = self.method_buttons["voucher"]
        probe.ensurePolished()
        shown = probe.text()
        widest = 0
        for text in (
            _("Prepaid ({amount})").format(amount=fmt_money(999_999, currency)),
            _("Voucher …{tail}").format(tail="WWWW"),
            *(_(label) for label in METHOD_LABELS.values()),
        ):
            probe.setText(text)  # measured as the button draws it (its font, icon and padding)
            widest = max(widest, probe.sizeHint().width())
        probe.setText(shown)
        for b in self.method_buttons.values():
            b.setMinimumWidth(widest)

    def reset(self) -> None:
        """No bill yet: no amounts, nothing to pay, Pay waits."""
        self.bill = None
        self.balance = 0
        self.points = None
        self.clear()
        self._set_voucher(None)
        self.more_vouchers.clear()
        self._show_more_vouchers()
        self.remaining.setText("")
        self.change.setText("")
        self.error.show_error(None)
        self.pay_btn.setEnabled(False)


def fmt_plain(minor: int, currency: str) -> str:
    """An amount as typed in a field (no symbol, no grouping): 12345 -> '123.45'."""
    from desk_app.domain.money import Money

    return str(Money.from_minor(minor, currency).amount)
