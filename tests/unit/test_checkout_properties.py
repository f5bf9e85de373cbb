"""Property tests of the bill arithmetic (hypothesis): exact, whole minor units, VIP edges, payments."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desk_app.checkout import bill as cb
from desk_app.checkout.bill import Bill, BillContext, DraftLine, PaymentIn
from desk_app.core.service import ValidationError
from desk_app.domain.pricing import half_up
from desk_app.domain.vip import VipRule


def ctx(
    include_tax: bool = True, member: bool = False, step: int = 0, spend: int = 0, estimate: int | None = None
) -> BillContext:
    return BillContext(
        currency="CNY",
        prices_include_tax=include_tax,
        rounding_step_minor=step,
        discount_limit_percent=Decimal(20),
        vip_rule=VipRule(),
        is_member=member,
        client_full_price_spend_minor=spend,
        estimate_minor=estimate,
    )


line_st = st.builds(
    lambda kind, qty, price, disc_pct, rate: DraftLine(
        key="",
        kind=kind,
        name_zh="项",
        name_en="item",
        quantity=qty if kind in ("service", "product") else 1,
        unit_price_minor=price,
        discount_minor=(price * (qty if kind in ("service", "product") else 1) * disc_pct) // 100
        if kind in ("service", "product")
        else 0,
        tax_rate_bp=rate,
    ),
    st.sampled_from(["service", "product", "package", "tip", "prepaid_topup"]),
    st.integers(1, 5),
    st.integers(0, 500_000),
    st.integers(0, 100),
    st.sampled_from([0, 300, 600, 900, 1300]),
)


def make(lines: list[DraftLine], c: BillContext, bill_discount: int = 0, client: int | None = 1) -> Bill:
    b = Bill(ctx=c, visit_id=None, client_id=client)
    for ln in lines:
        b = cb.add_line(b, ln)
    if bill_discount:
        from dataclasses import replace

        base = sum(
            v.gross_minor - v.discount_minor - v.member_discount_minor
            for ln, v in zip(b.lines, b.views, strict=True)
            if ln.kind in ("service", "product", "package")
        )
        b = cb.reprice(replace(b, bill_discount_minor=min(bill_discount, base)))
    return b


@settings(max_examples=200, deadline=None)
@given(
    st.lists(line_st, min_size=1, max_size=8),
    st.booleans(),
    st.booleans(),
    st.sampled_from([0, 10, 50, 100]),
    st.integers(0, 100_000),
)
def test_total_is_sum_of_lines_in_whole_minor_units(
    lines: list[DraftLine], include: bool, member: bool, step: int, bill_disc: int
) -> None:
    b = make(lines, ctx(include, member, step), bill_disc)
    p = b.p
    assert p.total_minor == sum(v.line_total_minor for v in b.views) + p.rounding_minor
    for v in b.views:
        for x in (v.gross_minor, v.discount_minor, v.member_discount_minor, v.tax_minor, v.line_total_minor):
            assert isinstance(x, int)
        net = v.gross_minor - v.discount_minor - v.member_discount_minor
        assert 0 <= net <= v.gross_minor
        if include:
            assert v.line_total_minor == net and 0 <= v.tax_minor <= net
        else:
            assert v.line_total_minor == net + v.tax_minor
            assert v.tax_minor == half_up(Decimal(net) * v.tax_rate_bp / Decimal(10000))
        if v.kind in ("tip", "prepaid_topup"):
            assert v.discount_minor == 0 and v.tax_minor == 0 and v.member_discount_minor == 0
    # the bill discount is shared out exactly
    own = sum(ln.discount_minor for ln in b.lines if ln.kind in ("service", "product", "package"))
    assert sum(v.discount_minor for v in b.views) == own + b.bill_discount_minor
    if step:
        assert p.total_minor % step == 0 and abs(p.rounding_minor) * 2 <= step


@settings(max_examples=200, deadline=None)
@given(
    st.lists(line_st, min_size=1, max_size=6),
    st.lists(st.integers(1, 10**6), min_size=1, max_size=4),
    st.integers(0, 10_000),
)
def test_payments_must_cover_the_total_exactly(
    lines: list[DraftLine], weights: list[int], extra_cash: int
) -> None:
    from dataclasses import replace

    b = make(lines, replace(ctx(), discount_limit_percent=Decimal(100)), client=1)
    total = b.total_minor
    if total <= 0:
        return
    parts = [total * w // sum(weights) for w in weights]
    parts[0] += total - sum(parts)
    parts = [x for x in parts if x > 0]
    has_topup = any(ln.kind == "prepaid_topup" for ln in b.lines)
    methods = ["cash", "card", "wechat", "alipay"] + ([] if has_topup else ["prepaid"])
    pays = [
        PaymentIn(
            methods[i % len(methods)],
            x,
            tendered_minor=x + extra_cash if methods[i % len(methods)] == "cash" else None,
        )
        for i, x in enumerate(parts)
    ]
    cb.validate_payments(b, pays)  # exact: accepted
    change = sum(cb.change_for(p) for p in pays)
    assert change == extra_cash * sum(1 for p in pays if p.method == "cash")
    for delta in (-1, 1):
        bad = [PaymentIn(pays[0].method, pays[0].amount_minor + delta, tendered_minor=None), *pays[1:]]
        if bad[0].amount_minor > 0:
            with pytest.raises(ValidationError):
                cb.validate_payments(b, bad)


def _service(price: int, disc: int = 0) -> DraftLine:
    return DraftLine(
        key="",
        kind="service",
        name_zh="x",
        name_en="x",
        quantity=1,
        unit_price_minor=price,
        discount_minor=disc,
        discount_reason="r" if disc else "",
    )


def test_discount_above_limit_blocks_payment_until_approved() -> None:
    from dataclasses import replace

    b = make([_service(10000, 2001)], ctx())
    assert b.needs_discount_approval
    with pytest.raises(cb.ApprovalNeeded):
        cb.validate_payments(b, [PaymentIn("card", b.total_minor)])
    cb.validate_payments(replace(b, discount_approved_by_id=1), [PaymentIn("card", b.total_minor)])


def test_vip_single_purchase_edge() -> None:
    assert make([_service(300000)], ctx()).vip_decision.becomes_member
    assert not make([_service(299999)], ctx()).vip_decision.becomes_member
    # a tip does not count toward the purchase
    tip = DraftLine(key="", kind="tip", name_zh="t", name_en="t", quantity=1, unit_price_minor=100)
    assert not make([_service(299900), tip], ctx()).vip_decision.becomes_member
    # no client, no membership
    assert not make([_service(300000)], ctx(), client=None).vip_decision.becomes_member


@given(st.integers(0, 499_999), st.integers(1, 200_000), st.integers(1, 100))
def test_vip_cumulative_counts_full_price_only(before: int, price: int, disc: int) -> None:
    disc = min(disc, price)
    full = make([_service(price)], ctx(spend=before))
    cut = make([_service(price, disc)], ctx(spend=before))
    if price < 300000:
        assert full.vip_decision.becomes_member == (before + price >= 500000)
        assert not cut.vip_decision.becomes_member  # a discounted purchase never counts toward 5,000


def test_member_price_is_12_percent_half_up() -> None:
    b = make([_service(12345)], ctx(member=True))
    assert b.views[0].member_discount_minor == half_up(Decimal(12345) * 12 / 100) == 1481


def test_over_estimate_needs_agreement_and_says_why() -> None:
    from dataclasses import replace

    c = replace(ctx(estimate=10000), plan=(("service", None, 10000),))
    b = make(
        [
            _service(10000),
            DraftLine(
                key="",
                kind="product",
                name_zh="洗发水",
                name_en="Shampoo",
                quantity=1,
                unit_price_minor=5000,
                product_id=7,
            ),
        ],
        c,
    )
    assert b.over_estimate_minor == 5000 and b.needs_estimate_agreement
    assert any("Shampoo" in r for r in cb.estimate_reasons(b))
    with pytest.raises(ValidationError):
        cb.validate_payments(b, [PaymentIn("card", b.total_minor)])
    b = replace(b, over_estimate_agreed=True)
    cb.validate_payments(b, [PaymentIn("card", b.total_minor)])
