"""Money and percent inputs (issue #13 item 13): the owner types "100.50" (the shop's currency sign
shown before it) and "6.5" (a "%" shown after it), never cents or basis points.

Storage does not change: ``MoneyEdit.value()`` gives integer minor units (or a ``Decimal`` in
currency units when that is how the value is kept) and ``PercentEdit.value()`` gives integer basis
points (or a ``Decimal`` percent). Decimal throughout, never float. A wrong entry raises
``UnitError`` whose ``message`` is the sentence to put under the field.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from desk_app.domain.money import Money, currency_exponent
from desk_app.i18n import _, currency_symbol

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
# spaces and thousands separators people type or paste: "1,000.50", "1 000.50"
_NOISE = str.maketrans("", "", " \u00a0\u3000\u202f,，_")
PERCENT_DECIMALS = 2  # basis points: 6.25 % is 625


class UnitError(ValueError):
    """A typed amount or percentage that cannot be stored; ``message`` says why and what to type."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def plain(value: Decimal) -> str:
    """``value`` as typed digits: no exponent, no needless zeros after the point (6.50 → "6.5")."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _decimal(text: str, strip: tuple[str, ...]) -> Decimal | None:
    t = text.strip()
    for s in strip:
        if s:
            t = t.replace(s, "")
    t = t.translate(_NOISE)
    if not t:
        return None
    if not _NUMBER.match(t):
        raise InvalidOperation(t)
    value = Decimal(t)
    if not value.is_finite():
        raise InvalidOperation(t)
    return value


def _decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def parse_money(text: str, currency: str) -> Decimal:
    """The amount in currency units; UnitError when empty, not a number, negative or finer than
    the currency's smallest coin ("100.505" in CNY)."""
    try:
        value = _decimal(text, (currency, currency_symbol(currency), "¥", "$", "€", "£", "￥"))
    except InvalidOperation:
        raise UnitError(_("This is not an amount. Type digits, for example 100 or 100.50.")) from None
    if value is None:
        raise UnitError(_("Enter an amount, for example 100 or 100.50."))
    if value < 0:
        raise UnitError(_("The amount cannot be negative."))
    places = currency_exponent(currency)
    if _decimals(value.normalize()) > places:
        if places == 0:
            raise UnitError(_("{currency} has no decimals here: type a whole amount, for example 100.").format(currency=currency))
        raise UnitError(_("Use at most {n} decimal places, for example 100.50.").format(n=places))
    return value


def parse_percent(text: str, maximum: Decimal | None = None) -> Decimal:
    """The percentage typed as "6", "6.5" or "6.5 %"; UnitError when empty, not a number,
    negative, above ``maximum`` or finer than a hundredth of a percent."""
    try:
        value = _decimal(text, ("%", "％"))
    except InvalidOperation:
        raise UnitError(_("This is not a percentage. Type digits, for example 6 or 6.5.")) from None
    if value is None:
        raise UnitError(_("Enter a percentage, for example 6 or 6.5."))
    if value < 0:
        raise UnitError(_("A percentage cannot be negative."))
    if maximum is not None and value > maximum:
        raise UnitError(_("The percentage cannot be above {n} %.").format(n=plain(maximum)))
    if _decimals(value.normalize()) > PERCENT_DECIMALS:
        raise UnitError(_("Use at most two decimal places, for example 6.25."))
    return value


class UnitLineEdit(QLineEdit):
    """A line edit with a fixed sign before (¥) or after (%) the digits; the sign is not part of
    ``text()``. Digits are right-aligned, as in the rest of the forms."""

    def __init__(self, prefix: str = "", suffix: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.prefix_label = QLabel(self)
        self.prefix_label.setObjectName("muted")
        self.suffix_label = QLabel(self)
        self.suffix_label.setObjectName("muted")
        for label in (self.prefix_label, self.suffix_label):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            label.setStyleSheet("background: transparent; border: none; padding: 0px;")
        self.set_signs(prefix, suffix)

    def set_signs(self, prefix: str, suffix: str) -> None:
        self.prefix_label.setText(prefix)
        self.suffix_label.setText(suffix)
        self.prefix_label.setVisible(bool(prefix))
        self.suffix_label.setVisible(bool(suffix))
        self._place()

    def _place(self) -> None:
        pw = self.prefix_label.sizeHint().width() + 6 if self.prefix_label.text() else 0
        sw = self.suffix_label.sizeHint().width() + 6 if self.suffix_label.text() else 0
        self.setTextMargins(QMargins(pw, 0, sw, 0))
        h = self.height()
        for label, x in (
            (self.prefix_label, 11),
            (self.suffix_label, self.width() - 11 - self.suffix_label.sizeHint().width()),
        ):
            hint = label.sizeHint()
            label.setGeometry(x, (h - hint.height()) // 2, hint.width(), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt)
        super().resizeEvent(event)
        self._place()


class MoneyEdit(UnitLineEdit):
    """An amount typed in currency units. ``minor=True``: ``value()`` is integer minor units (the
    way most amounts are kept), else a ``Decimal`` in currency units."""

    def __init__(self, currency: str, minor: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self.minor = minor
        self.currency = currency
        self.set_currency(currency)
        self.setPlaceholderText("0.00" if currency_exponent(currency) == 2 else "0")

    def set_currency(self, currency: str) -> None:
        self.currency = currency
        self.set_signs(currency_symbol(currency), "")

    def set_value(self, value: object) -> None:
        if value is None or value == "":
            self.setText("")
        elif self.minor:
            self.setText(str(Money.from_minor(int(str(value)), self.currency).amount))
        else:
            self.setText(plain(Decimal(str(value))))

    def value(self) -> int | Decimal:
        amount = parse_money(self.text(), self.currency)
        return Money(amount, self.currency).minor if self.minor else amount


class PercentEdit(UnitLineEdit):
    """A percentage typed as "6.5". ``basis_points=True``: ``value()`` is an int (650), else a
    ``Decimal`` percent. ``maximum`` is in percent (100 for a tax rate)."""

    def __init__(
        self, basis_points: bool = True, maximum: Decimal | None = Decimal(100), parent: QWidget | None = None
    ) -> None:
        super().__init__("", "%", parent)
        self.basis_points = basis_points
        self.maximum = maximum
        self.setPlaceholderText("0")

    def set_value(self, value: object) -> None:
        if value is None or value == "":
            self.setText("")
            return
        number = Decimal(str(value))
        self.setText(plain(number.scaleb(-2) if self.basis_points else number))

    def value(self) -> int | Decimal:
        percent = parse_percent(self.text(), self.maximum)
        return int(percent.scaleb(2)) if self.basis_points else percent
