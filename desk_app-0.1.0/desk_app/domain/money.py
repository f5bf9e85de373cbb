"""Exact money: ``Decimal`` amounts with a currency, never float.

Rounding follows the currency's minor unit from CLDR (through Babel) and is
always explicit (half-up unless said otherwise). The database stores integer
minor units; ``Money.from_minor`` / ``Money.minor`` convert.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.numbers import get_currency_precision

HALF_UP = ROUND_HALF_UP
HALF_EVEN = ROUND_HALF_EVEN


@lru_cache(maxsize=64)
def currency_exponent(currency: str) -> int:
    return int(get_currency_precision(currency))


@lru_cache(maxsize=64)
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-currency_exponent(currency))


class CurrencyMismatch(ValueError):
    pass


@dataclass(frozen=True, slots=True, order=False)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, float):
            raise TypeError("Money never takes a float; pass a Decimal, int or str")
        if not isinstance(self.amount, Decimal):
            object.__setattr__(self, "amount", Decimal(self.amount))
        if len(self.currency) != 3:
            raise ValueError(f"not an ISO 4217 currency code: {self.currency!r}")

    # -- construction ------------------------------------------------------
    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        return cls(Decimal(amount), currency).rounded()

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency).rounded()

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        return cls(Decimal(int(minor)).scaleb(-currency_exponent(currency)), currency).rounded()

    # -- conversion ----------------------------------------------------------
    @property
    def minor(self) -> int:
        """Integer minor units; the amount must already be on the currency's grid."""
        q = self.rounded()
        if q.amount != self.amount:
            raise ValueError(f"{self.amount} has fractions of the minor unit of {self.currency}")
        return int(q.amount.scaleb(currency_exponent(self.currency)))

    def rounded(self, rounding: str = HALF_UP) -> Money:
        return Money(self.amount.quantize(_quantum(self.currency), rounding=rounding), self.currency)

    def round_to(self, step: Decimal, rounding: str = HALF_UP) -> Money:
        """Cash rounding to a step such as Decimal('0.1') or Decimal('0.05')."""
        if step <= 0:
            return self.rounded(rounding)
        units = (self.amount / step).quantize(Decimal(1), rounding=rounding)
        return Money(units * step, self.currency).rounded(rounding)

    # -- arithmetic ----------------------------------------------------------
    def _check(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError("Money can only be combined with Money")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} vs {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise TypeError("Money never multiplies by a float")
        return Money(self.amount * Decimal(factor), self.currency)

    __rmul__ = __mul__

    def times(self, factor: Decimal | int, rounding: str = HALF_UP) -> Money:
        return (self * factor).rounded(rounding)

    def _cmp(self, other: Money) -> tuple[Decimal, Decimal]:
        self._check(other)
        return self.amount, other.amount

    def __lt__(self, other: Money) -> bool:
        a, b = self._cmp(other)
        return a < b

    def __le__(self, other: Money) -> bool:
        a, b = self._cmp(other)
        return a <= b

    def __gt__(self, other: Money) -> bool:
        a, b = self._cmp(other)
        return a > b

    def __ge__(self, other: Money) -> bool:
        a, b = self._cmp(other)
        return a >= b

    def is_zero(self) -> bool:
        return self.amount == 0

    def allocate(self, weights: list[int]) -> list[Money]:
        """Split into parts proportional to ``weights`` that sum exactly to self.

        Largest-remainder on minor units, so no fraction of a fen is lost or made.
        """
        total_minor = self.rounded().minor
        if not weights:
            return []
        wsum = sum(weights)
        if wsum == 0:
            parts = [0] * len(weights)
            parts[0] = total_minor
            return [Money.from_minor(p, self.currency) for p in parts]
        sign = -1 if total_minor < 0 else 1
        t = abs(total_minor)
        raw = [t * w for w in weights]
        base = [r // wsum for r in raw]
        rem = t - sum(base)
        order = sorted(range(len(weights)), key=lambda i: (-(raw[i] % wsum), i))
        for i in order[:rem]:
            base[i] += 1
        return [Money.from_minor(sign * b, self.currency) for b in base]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def to_minor(amount: Decimal, currency: str) -> int:
    return Money(amount, currency).rounded().minor


def from_minor(minor: int, currency: str) -> Decimal:
    return Money.from_minor(minor, currency).amount


def parse_amount(text: str, currency: str) -> Money:
    """Parse what a person typed ("12.5", "1,200", "¥30") into Money.

    Raises ValueError with a message fit to show when the text is not an amount
    or has more decimals than the currency allows.
    """
    cleaned = text.strip().replace(",", "").replace("，", "")
    for sym in ("¥", "￥", "$", "€", "£", "HK$", "元", currency):
        cleaned = cleaned.replace(sym, "")
    cleaned = cleaned.strip()
    if not cleaned:
        raise ValueError("empty amount")
    try:
        value = Decimal(cleaned)
    except Exception as exc:  # decimal.InvalidOperation
        raise ValueError(f"not an amount: {text!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not an amount: {text!r}")
    m = Money(value, currency)
    if m.rounded().amount != value:
        raise ValueError(f"too many decimals for {currency}: {text!r}")
    return m.rounded()
