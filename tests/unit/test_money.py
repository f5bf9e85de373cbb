from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desk_app.domain.money import CurrencyMismatch, Money, currency_exponent, parse_amount

minor = st.integers(min_value=-10**12, max_value=10**12)


def test_currency_exponents_come_from_cldr() -> None:
    assert currency_exponent("CNY") == 2
    assert currency_exponent("JPY") == 0
    assert currency_exponent("USD") == 2


def test_round_half_up_not_bankers() -> None:
    assert Money(Decimal("0.125"), "CNY").rounded().amount == Decimal("0.13")
    assert Money(Decimal("2.5"), "JPY").rounded().amount == Decimal("3")


def test_float_is_refused() -> None:
    with pytest.raises(TypeError):
        Money(0.1, "CNY")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.of("1", "CNY") * 1.5  # type: ignore[operator]


def test_currencies_do_not_mix() -> None:
    with pytest.raises(CurrencyMismatch):
        Money.of("1", "CNY") + Money.of("1", "USD")


def test_cash_rounding_to_a_tenth() -> None:
    assert Money.of("12.34", "CNY").round_to(Decimal("0.1")).amount == Decimal("12.30")
    assert Money.of("12.35", "CNY").round_to(Decimal("0.1")).amount == Decimal("12.40")


def test_parse_amount_messages() -> None:
    assert parse_amount("¥1,200.50", "CNY").amount == Decimal("1200.50")
    with pytest.raises(ValueError, match="too many decimals"):
        parse_amount("1.234", "CNY")
    with pytest.raises(ValueError, match="not an amount"):
        parse_amount("abc", "CNY")


@given(minor)
def test_minor_round_trip(m: int) -> None:
    assert Money.from_minor(m, "CNY").minor == m


@given(minor, st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=12))
def test_allocate_sums_exactly_and_never_splits_a_fen(m: int, weights: list[int]) -> None:
    parts = Money.from_minor(m, "CNY").allocate(weights)
    assert sum(p.minor for p in parts) == m
    assert all(p.rounded() == p for p in parts)


@given(minor, minor)
def test_addition_is_exact(a: int, b: int) -> None:
    assert (Money.from_minor(a, "CNY") + Money.from_minor(b, "CNY")).minor == a + b


@given(minor, st.integers(min_value=0, max_value=100))
def test_percentage_discount_stays_on_the_grid(m: int, pct: int) -> None:
    cut = Money.from_minor(m, "CNY").times(Decimal(pct) / 100)
    assert cut.rounded() == cut
