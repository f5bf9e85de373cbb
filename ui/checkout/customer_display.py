"""The customer-facing display: a frameless full-screen window on the desk's second screen that
shows the client their bill as it is built, the estimate they confirmed beside it, how far they
are from VIP, the total and change, then a thank-you with their next appointment.

It only shows what it is given (the views of desk_app/checkout/display.py, each in the ``Fmt`` of
the client's language) and reads nothing itself; ``ui/checkout/display_feed.py`` decides what and
when. It never takes the keyboard focus from the desk (the desk keeps typing into its own window).
"""

from __future__ import annotations

import logging
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QProgressBar,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desk_app.checkout.display import BillScreen, PaidScreen
from desk_app.domain.money import Money
from desk_app.domain.payment import METHOD_LABELS, PaymentMethod
from desk_app.i18n import Fmt

log = logging.getLogger(__name__)

IDLE, BILL, PAID, THANKS = "idle", "bill", "paid", "thanks"
MAX_LINES = 7  # lines shown at once (the newest); more say "+ N more above"


def money(fmt: Fmt, minor: int, currency: str) -> str:
    return fmt.money(Money.from_minor(minor, currency).amount, currency)


def method_word(fmt: Fmt, method: str) -> str:
    try:
        return fmt._(METHOD_LABELS[PaymentMethod(method)])
    except ValueError:
        return method


def _label(text: str = "", name: str = "", wrap: bool = False) -> QLabel:
    lbl = QLabel(text)
    if name:
        lbl.setObjectName(name)
    lbl.setWordWrap(wrap)
    return lbl


def _put(grid: QGridLayout, w: QWidget, row: int, col: int) -> None:
    grid.addWidget(w, row, col)
    w.show()  # not hidden from now on (a layout shows a new child only on its next pass)


def _clear(layout: QLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        w = item.widget() if item is not None else None
        if w is not None:
            w.hide()
            w.deleteLater()


def _panel() -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("cdPanel")
    lay = QVBoxLayout(frame)
    lay.setContentsMargins(28, 22, 28, 22)
    lay.setSpacing(10)
    return frame, lay


class CustomerDisplay(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        flags = Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowDoesNotAcceptFocus
        super().__init__(parent, flags)
        self.setObjectName("customerDisplay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.state = IDLE
        self.screen_index = -1  # the screen it was put on (-1: none)
        root = QVBoxLayout(self)
        root.setContentsMargins(40, 28, 40, 28)
        root.setSpacing(18)
        top = QHBoxLayout()
        self.shop = _label(name="cdShop")
        self.greeting = _label(name="cdGreeting")
        top.addWidget(self.shop, 1)
        top.addWidget(self.greeting, 0, Qt.AlignmentFlag.AlignRight)
        root.addLayout(top)
        self.pages = QStackedWidget()
        root.addWidget(self.pages, 1)
        self.pages.addWidget(self._idle_page())
        self.pages.addWidget(self._bill_page())
        self.pages.addWidget(self._paid_page())
        self.pages.addWidget(self._thanks_page())

    # ------------------------------------------------------------------ the window
    def place(self, screen_index: int) -> bool:
        """Full screen on screen ``screen_index`` (0 is the main one); False, shown nowhere, when this
        computer has no such screen now."""
        self.screen_index = screen_index
        screens = QGuiApplication.screens()
        if not 0 <= screen_index < len(screens):
            log.warning(
                "customer display: screen %d is not connected (this computer has %d); not shown",
                screen_index, len(screens),
            )
            self.hide()
            return False
        screen = screens[screen_index]
        self.setScreen(screen)
        self.setGeometry(screen.geometry())
        # showFullScreen() would also activate the window, taking the keyboard from the desk's
        self.setWindowState(Qt.WindowState.WindowFullScreen)
        self.show()
        return True

    def texts(self) -> list[str]:
        """The words on show (the header and the page shown), for tests and the screenshots."""
        page = self.pages.currentWidget()
        out = [w.text() for w in (self.shop, self.greeting) if w.text()]
        if page is not None:
            out += [lbl.text() for lbl in page.findChildren(QLabel) if lbl.text() and lbl.isVisibleTo(self)]
        return out

    def text(self) -> str:
        return "\n".join(self.texts())

    # ------------------------------------------------------------------ idle
    def _idle_page(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.addStretch(2)
        self.idle_shop = _label(name="cdHello", wrap=True)
        self.idle_welcome = _label(name="cdWelcome", wrap=True)
        self.idle_other = _label(name="cdMuted", wrap=True)
        for w in (self.idle_shop, self.idle_welcome, self.idle_other):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lay.addWidget(w)
        lay.addStretch(3)
        return page

    def show_idle(self, shop_name: str, fmt: Fmt, other: Fmt | None = None) -> None:
        """The shop's name and a welcome in the shop's language (and the other one, smaller)."""
        self.state = IDLE
        self.shop.setText("")
        self.greeting.setText("")
        self.idle_shop.setText(shop_name)
        self.idle_welcome.setText(fmt._("Welcome"))
        self.idle_other.setText(other._("Welcome") if other is not None and other.language != fmt.language else "")
        self.idle_other.setVisible(bool(self.idle_other.text()))
        self.pages.setCurrentIndex(0)

    # ------------------------------------------------------------------ the bill
    def _bill_page(self) -> QWidget:
        page = QWidget()
        row = QHBoxLayout(page)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(24)
        bill, lay = _panel()
        self.bill_title = _label(name="cdTitle")
        lay.addWidget(self.bill_title)
        self.more_above = _label(name="cdMuted")
        lay.addWidget(self.more_above)
        self.lines_box = QGridLayout()
        self.lines_box.setHorizontalSpacing(16)
        self.lines_box.setVerticalSpacing(8)
        self.lines_box.setColumnStretch(0, 1)
        lines_host = QWidget()
        lines_host.setLayout(self.lines_box)
        lay.addWidget(lines_host)
        lay.addStretch(1)
        rule = QFrame()
        rule.setObjectName("cdRule")
        rule.setFixedHeight(2)
        lay.addWidget(rule)
        self.sums_box = QGridLayout()
        self.sums_box.setHorizontalSpacing(16)
        self.sums_box.setVerticalSpacing(4)
        self.sums_box.setColumnStretch(0, 1)
        lay.addLayout(self.sums_box)
        total_row = QHBoxLayout()
        self.total_label = _label(name="cdTotalLabel")
        self.total = _label(name="cdTotal")
        total_row.addWidget(self.total_label, 1, Qt.AlignmentFlag.AlignBottom)
        total_row.addWidget(self.total, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom)
        lay.addLayout(total_row)
        row.addWidget(bill, 3)

        side = QVBoxLayout()
        side.setSpacing(24)
        self.estimate_panel, est = _panel()
        self.estimate_title = _label(name="cdTitle", wrap=True)
        self.estimate = _label(name="cdFigure")
        self.now_label = _label(name="cdMuted", wrap=True)
        self.now = _label(name="cdFigureSmall")
        self.over = _label(name="cdOver", wrap=True)
        self.agreed = _label(name="cdAgreed", wrap=True)
        for w in (self.estimate_title, self.estimate, self.now_label, self.now, self.over, self.agreed):
            est.addWidget(w)
        side.addWidget(self.estimate_panel)
        self.vip_panel, vip = _panel()
        self.vip_title = _label(name="cdTitle", wrap=True)
        self.vip_text = _label(name="cdBody", wrap=True)
        self.vip_bar = QProgressBar()
        self.vip_bar.setObjectName("cdProgress")
        self.vip_bar.setRange(0, 1000)
        self.vip_bar.setTextVisible(False)
        vip.addWidget(self.vip_title)
        vip.addWidget(self.vip_text)
        vip.addWidget(self.vip_bar)
        side.addWidget(self.vip_panel)
        side.addStretch(1)
        row.addLayout(side, 2)
        return page

    def show_bill(self, s: BillScreen, greeting: str, shop_name: str, fmt: Fmt) -> None:
        self.state = BILL
        cur = s.currency
        self.shop.setText(shop_name)
        self.greeting.setText(fmt._("Welcome, {name}").format(name=greeting) if greeting else "")
        self.bill_title.setText(fmt._("Your bill"))
        _clear(self.lines_box)
        shown = s.lines[-MAX_LINES:]
        hidden = len(s.lines) - len(shown)
        self.more_above.setText(
            fmt.ngettext("+ {n} more item above", "+ {n} more items above", hidden).format(n=hidden) if hidden else ""
        )
        self.more_above.setVisible(hidden > 0)
        for r, ln in enumerate(shown):
            name = ln.name if ln.quantity == 1 else f"{ln.name}  × {ln.quantity}"
            name_lbl = _label(name, "cdLine")
            if ln.reward:
                amount = fmt._("reward for points")
            elif ln.redeemed:
                amount = fmt._("package session")
            elif ln.kind == "tip":
                name_lbl.setText(fmt._("Tip"))
                amount = money(fmt, ln.amount_minor, cur)
            else:
                amount = money(fmt, ln.amount_minor, cur)
            amount_lbl = _label(amount, "cdLineAmount")
            amount_lbl.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            _put(self.lines_box, name_lbl, r, 0)
            _put(self.lines_box, amount_lbl, r, 1)
        if not s.lines:
            _put(self.lines_box, _label(fmt._("Nothing on the bill yet."), "cdMuted"), 0, 0)
        _clear(self.sums_box)
        # the subtotal only when something stands between it and the total
        sums: list[tuple[str, int, bool]] = [(fmt._("Subtotal"), s.subtotal_minor, s.subtotal_minor != s.total_minor)]
        if s.savings_minor:
            label = fmt._("You save (VIP price included)") if s.member_price_minor else fmt._("You save")
            sums.append((label, -s.savings_minor, True))
        sums += [
            (fmt._("Tax"), s.tax_added_minor, bool(s.tax_added_minor)),
            (fmt._("Tip"), s.tip_minor, bool(s.tip_minor)),
            (fmt._("Rounding"), s.rounding_minor, bool(s.rounding_minor)),
        ]
        r = 0
        for what, minor, on in sums:
            if not on:
                continue
            a = _label(money(fmt, minor, cur), "cdSumAmount")
            a.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            _put(self.sums_box, _label(what, "cdSum"), r, 0)
            _put(self.sums_box, a, r, 1)
            r += 1
        self.total_label.setText(fmt._("Total"))
        self.total.setText(money(fmt, s.total_minor, cur))
        self._show_estimate(s, fmt)
        self._show_vip(s, fmt)
        self.pages.setCurrentIndex(1)

    def _show_estimate(self, s: BillScreen, fmt: Fmt) -> None:
        cur = s.currency
        self.estimate_panel.setVisible(s.estimate_minor is not None)
        if s.estimate_minor is None:
            return
        self.estimate_title.setText(fmt._("Your confirmed estimate"))
        self.estimate.setText(money(fmt, s.estimate_minor, cur))
        self.now_label.setText(fmt._("Services and products on the bill"))
        self.now.setText(money(fmt, s.goods_minor, cur))
        above = s.above_estimate
        self.over.setVisible(above)
        self.agreed.setVisible(above)
        self.estimate_panel.setProperty("tone", "warn" if above else "ok")
        if above:
            self.over.setText("▲ " + fmt._("{amount} above your estimate").format(amount=money(fmt, s.over_estimate_minor, cur)))
            self.agreed.setText(
                "✓ " + fmt._("You agreed to the difference.")
                if s.over_estimate_agreed
                else fmt._("Not agreed yet: we will explain the difference before you pay.")
            )
            self.agreed.setProperty("tone", "ok" if s.over_estimate_agreed else "warn")
        else:
            self.now_label.setText(fmt._("Services and products on the bill: within your estimate"))
        for w in (self.estimate_panel, self.agreed):
            w.style().unpolish(w)
            w.style().polish(w)

    def _show_vip(self, s: BillScreen, fmt: Fmt) -> None:
        cur = s.currency
        self.vip_title.setText(fmt._("VIP membership"))
        self.vip_bar.setVisible(s.vip_progress is not None)
        if s.is_member:
            text = (
                fmt._("VIP price: you save {amount} today.").format(amount=money(fmt, s.member_price_minor, cur))
                if s.member_price_minor
                else fmt._("Thank you for being a VIP member.")
            )
        elif s.becomes_member:
            text = "★ " + fmt._("This purchase makes you a VIP member!")
        elif s.vip_gap_minor is not None:
            text = fmt._("{amount} more to become a VIP member").format(amount=money(fmt, s.vip_gap_minor, cur))
            self.vip_bar.setValue(int((s.vip_progress or Decimal(0)) * 1000))
        else:
            text = ""
        self.vip_text.setText(text)
        self.vip_panel.setVisible(bool(text))

    # ------------------------------------------------------------------ paid
    def _paid_page(self) -> QWidget:
        page = QWidget()
        outer = QHBoxLayout(page)
        outer.addStretch(1)
        frame, lay = _panel()
        frame.setMinimumWidth(640)
        self.paid_title = _label(name="cdTitle")
        lay.addWidget(self.paid_title)
        self.paid_rows = QGridLayout()
        self.paid_rows.setColumnStretch(0, 1)
        self.paid_rows.setVerticalSpacing(8)
        lay.addLayout(self.paid_rows)
        rule = QFrame()
        rule.setObjectName("cdRule")
        rule.setFixedHeight(2)
        lay.addWidget(rule)
        change_row = QHBoxLayout()
        self.change_label = _label(name="cdTotalLabel")
        self.change = _label(name="cdChange")
        change_row.addWidget(self.change_label, 1, Qt.AlignmentFlag.AlignBottom)
        change_row.addWidget(self.change, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom)
        lay.addLayout(change_row)
        self.paid_vip = _label(name="cdVipNews", wrap=True)
        lay.addSpacing(12)
        lay.addWidget(self.paid_vip)
        outer.addWidget(frame, 3, Qt.AlignmentFlag.AlignVCenter)
        outer.addStretch(1)
        return page

    def show_paid(self, s: PaidScreen, greeting: str, shop_name: str, fmt: Fmt) -> None:
        self.state = PAID
        cur = s.currency
        self.shop.setText(shop_name)
        self.greeting.setText(fmt._("Thank you, {name}").format(name=greeting) if greeting else fmt._("Thank you"))
        self.paid_title.setText(fmt._("Paid"))
        _clear(self.paid_rows)
        rows = [(fmt._("Total"), s.total_minor)]
        for method, amount in s.payments:
            rows.append((method_word(fmt, method), amount))
        for r, (label, amount) in enumerate(rows):
            a = _label(money(fmt, amount, cur), "cdLineAmount")
            a.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            _put(self.paid_rows, _label(label, "cdLine"), r, 0)
            _put(self.paid_rows, a, r, 1)
        self.change_label.setText(fmt._("Your change"))
        self.change.setText(money(fmt, s.change_minor, cur))
        for w in (self.change_label, self.change):
            w.setVisible(s.change_minor > 0)
        self.paid_vip.setText("★ " + fmt._("You are now a VIP member. Welcome!") if s.became_member else "")
        self.paid_vip.setVisible(s.became_member)
        self.pages.setCurrentIndex(2)

    # ------------------------------------------------------------------ thank you
    def _thanks_page(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.addStretch(2)
        self.thanks = _label(name="cdHello", wrap=True)
        self.next_title = _label(name="cdWelcome", wrap=True)
        self.next_when = _label(name="cdFigure", wrap=True)
        self.next_what = _label(name="cdBody", wrap=True)
        self.goodbye = _label(name="cdMuted", wrap=True)
        lay.setSpacing(14)
        for w in (self.thanks, self.next_title, self.next_when, self.next_what, self.goodbye):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            if w is self.next_title or w is self.goodbye:
                lay.addSpacing(24)
            lay.addWidget(w)
        lay.addStretch(3)
        return page

    def show_thanks(self, s: PaidScreen | None, greeting: str, shop_name: str, fmt: Fmt) -> None:
        self.state = THANKS
        self.shop.setText(shop_name)
        self.greeting.setText("")
        self.thanks.setText(fmt._("Thank you, {name}!").format(name=greeting) if greeting else fmt._("Thank you!"))
        nxt = s.next_visit if s is not None else None
        for w in (self.next_title, self.next_when, self.next_what):
            w.setVisible(nxt is not None)
        if nxt is not None:
            self.next_title.setText(fmt._("Your next appointment"))
            self.next_when.setText(
                "{date}  {time}".format(date=fmt.date(nxt.start_at, "full"), time=fmt.time(nxt.start_at))
            )
            what = "、".join(nxt.services) if fmt.is_zh else ", ".join(nxt.services)
            if nxt.staff_name:
                what = fmt._("{services} with {name}").format(services=what, name=nxt.staff_name) if what else nxt.staff_name
            self.next_what.setText(what)
            self.goodbye.setText(fmt._("See you then!"))
        else:
            self.goodbye.setText(fmt._("We look forward to seeing you again."))
        self.pages.setCurrentIndex(3)
