"""The pricing function shared by the visit estimate and the checkout bill."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desk_app.domain.pricing import (
    LineIn,
    PricingError,
    cash_rounding,
    half_up,
    price_lines,
    rounding_step_minor,
)


def test_half_up_rounds_halves_away_from_zero() -> None:
    assert half_up(Decimal("2.5")) == 3
    assert half_up(Decimal("-2.5")) == -3
    assert half_up(Decimal("2.4999")) == 2


def test_vip_price_and_included_tax() -> None:
    bill = price_lines(
        [
            LineIn("service", "Cut", 1, 28800, tax_rate_bp=600),
            LineIn("product", "Shampoo", 2, 9900, tax_rate_bp=1300),
            LineIn("tip", "Tip", 1, 2000),
        ],
        prices_include_tax=True,
        member_percent=Decimal("12"),
    )
    cut, sham, tip = bill.lines
    assert cut.member_discount_minor == 3456  # 12 % of 288.00
    assert cut.line_total_minor == 25344
    assert cut.tax_minor == half_up(Decimal(25344) * 600 / Decimal(10600))
    assert sham.member_discount_minor == 2376
    assert tip.member_discount_minor == 0 and tip.tax_minor == 0
    assert bill.tip_minor == 2000
    assert bill.subtotal_minor == 28800 + 19800
    assert bill.total_minor == 25344 + 17424 + 2000
    assert not cut.full_price and tip.full_price


def test_excluded_tax_is_added() -> None:
    bill = price_lines([LineIn("service", "Facial", 1, 10000, tax_rate_bp=600)], prices_include_tax=False)
    assert bill.lines[0].tax_minor == 600
    assert bill.total_minor == 10600
    assert bill.tax_by_rate == ((600, 600),)


def test_bill_discount_shared_exactly() -> None:
    bill = price_lines(
        [LineIn("service", "a", 1, 100), LineIn("service", "b", 1, 100), LineIn("service", "c", 1, 100)],
        prices_include_tax=True,
        bill_discount_minor=100,
    )
    assert [p.discount_minor for p in bill.lines] == [34, 33, 33]
    assert bill.total_minor == 200


def test_cash_rounding() -> None:
    assert rounding_step_minor(Decimal("0.1"), "CNY") == 10
    assert cash_rounding(1234, 10) == -4
    assert cash_rounding(1235, 10) == 5
    bill = price_lines([LineIn("service", "a", 1, 1235)], prices_include_tax=True, rounding_step=10)
    assert bill.rounding_minor == 5 and bill.total_minor == 1240


def test_bad_lines_refused() -> None:
    with pytest.raises(PricingError):
        price_lines([LineIn("service", "a", 1, 100, discount_minor=200)], prices_include_tax=True)
    with pytest.raises(PricingError):
        price_lines([LineIn("service", "a", 1, 100)], prices_include_tax=True, bill_discount_minor=101)


line_st = st.builds(
    LineIn,
    kind=st.sampled_from(["service", "product", "package", "tip", "fee"]),
    description=st.just("x"),
    quantity=st.integers(1, 5),
    unit_price_minor=st.integers(0, 500_000),
    discount_minor=st.just(0),
    tax_rate_bp=st.sampled_from([0, 300, 600, 900, 1300]),
)


@given(
    lines=st.lists(line_st, min_size=1, max_size=8),
    include=st.booleans(),
    vip=st.sampled_from([None, Decimal("12"), Decimal("7.5")]),
    bill_disc_pct=st.integers(0, 100),
    step=st.sampled_from([0, 10, 50]),
)
def test_totals_are_whole_minor_units_and_add_up(
    lines: list[LineIn], include: bool, vip: Decimal | None, bill_disc_pct: int, step: int
) -> None:
    base = price_lines(lines, prices_include_tax=include, member_percent=vip)
    room = sum(p.gross_minor - p.member_discount_minor for p in base.lines if p.line.kind not in ("tip",))
    disc = room * bill_disc_pct // 100
    bill = price_lines(
        lines, prices_include_tax=include, member_percent=vip, bill_discount_minor=disc, rounding_step=step
    )
    for p in bill.lines:
        for v in (p.gross_minor, p.discount_minor, p.member_discount_minor, p.tax_minor, p.line_total_minor):
            assert isinstance(v, int)
        assert p.net_minor >= 0
        if include:
            assert p.line_total_minor == p.net_minor
        else:
            assert p.line_total_minor == p.net_minor + p.tax_minor
    assert sum(p.discount_minor for p in bill.lines) == disc
    assert bill.total_minor == sum(p.line_total_minor for p in bill.lines) + bill.rounding_minor
    assert bill.tax_minor == sum(t for _, t in bill.tax_by_rate)
    if step:
        assert bill.total_minor % step == 0
        assert abs(bill.rounding_minor) * 2 <= step
