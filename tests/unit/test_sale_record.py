"""checkout/record.py: the one description of what a sale and a refund write (pure, no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from desk_app.checkout import bill as cb
from desk_app.checkout import record
from desk_app.domain.vip import VipRule

AT = datetime(2026, 3, 1, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai: expiry counts shop days


def _bill(*lines: cb.DraftLine, member: bool = False, spent: int = 0) -> cb.Bill:
    ctx = cb.BillContext(
        currency="CNY",
        prices_include_tax=True,
        rounding_step_minor=0,
        discount_limit_percent=Decimal(20),
        vip_rule=VipRule(),
        is_member=member,
        client_full_price_spend_minor=spent,
        estimate_minor=None,
    )
    keyed = tuple(replace(ln, key=f"L{i}") for i, ln in enumerate(lines, 1))
    return cb.Bill(ctx, visit_id=None, client_id=7, lines=keyed)


def _state(**kw: object) -> record.SaleState:
    base: dict[str, object] = {
        "sale_id": 100,
        "receipt_no": "R1",
        "branch_id": 1,
        "cashier_id": 2,
        "at": AT,
        "tz": ZoneInfo("Asia/Shanghai"),
    }
    base.update(kw)
    return record.SaleState(**base)  # type: ignore[arg-type]


def _ids() -> record.Ids:
    counter = iter(range(1, 10_000))
    return lambda _table: next(counter)


def test_a_top_up_with_bonus_then_the_balance_and_expiry() -> None:
    bill = _bill(cb.DraftLine("", cb.TOPUP, "充值", "Top-up", 1, 100_000, member_price=False))
    rows = record.sale_rows(
        bill,
        [cb.PaymentIn("card", 100_000)],
        _state(prepaid_account_id=5, prepaid_balance_minor=3_000, prepaid_available_minor=3_000,
               topup_bonus_percent=Decimal(10), prepaid_validity_days=365),  # fmt: skip
        _ids(),
    )
    moves = [(m["kind"], m["amount_minor"], m["balance_after_minor"]) for m in rows.tables["prepaid_movements"]]
    assert moves == [("topup", 100_000, 103_000), ("bonus", 10_000, 113_000)]
    assert rows.prepaid_balance_minor == 113_000
    assert str(rows.prepaid_expires_on) == "2027-03-01"  # 2 March in Shanghai + 365 days
    assert rows.goods_minor == 0 and rows.sale["total_minor"] == 100_000


def test_spending_more_than_the_available_balance_is_refused() -> None:
    bill = _bill(cb.DraftLine("", cb.SERVICE, "剪", "Cut", 1, 18_000, service_id=1))
    with pytest.raises(record.SaleRefused) as err:
        record.sale_rows(
            bill,
            [cb.PaymentIn("prepaid", 18_000)],
            _state(prepaid_account_id=5, prepaid_balance_minor=20_000, prepaid_available_minor=10_000),
            _ids(),
        )
    assert err.value.field == "prepaid"


def test_a_redeemed_session_and_a_package_bought_twice() -> None:
    bill = _bill(
        cb.DraftLine("", cb.SERVICE, "剪", "Cut", 1, 18_000, service_id=1, client_package_id=40),
        cb.DraftLine("", cb.PACKAGE, "五次卡", "5 cuts", 2, 200_000, package_id=9),
    )
    rows = record.sale_rows(
        bill,
        [cb.PaymentIn("wechat", 400_000)],
        _state(
            packages={9: record.PackageTerms(service_id=1, sessions=5, valid_days=0)},
            held={40: record.HeldPackage(client_id=7, service_id=1, sessions_total=3, sessions_used=1, price_minor=50_000)},
        ),
        _ids(),
    )
    assert rows.sessions_used == {40: 1}
    assert [r["value_minor"] for r in rows.tables["package_redemptions"]] == [16_667]  # 50,000 / 3, half up
    assert [(p["sessions_total"], p["price_minor"], p["expires_on"]) for p in rows.tables["client_packages"]] == [
        (5, 200_000, None),
        (5, 200_000, None),
    ]
    # 4,000 in one purchase passes the 3,000 single-purchase threshold: VIP from the next purchase
    assert rows.sale["total_minor"] == 400_000 and rows.becomes_member and rows.sale["member_upgrade"]
    assert [m["client_id"] for m in rows.tables["memberships"]] == [7]


def test_refund_money_goes_back_card_first_then_cash_and_never_twice() -> None:
    paid = {("cash", None): 5_000, ("card", None): 10_000}
    assert record.refund_payments(12_000, paid, {}) == [("card", None, 10_000), ("cash", None, 2_000)]
    # an earlier refund already gave 8,000 back on the card
    assert record.refund_payments(6_000, paid, {("card", None): 8_000}) == [
        ("card", None, 2_000),
        ("cash", None, 4_000),
    ]
    assert record.refund_payments(0, paid, {}) == []


def test_a_refund_line_negates_the_original() -> None:
    original = {k: 0 for k in record.LINE_COLUMNS} | {
        "kind": cb.PRODUCT,
        "description": "Shampoo",
        "quantity": 2,
        "unit_price_minor": 9_000,
        "discount_minor": 1_000,
        "member_discount_minor": 500,
        "tax_minor": 300,
        "line_total_minor": 16_500,
        "full_price": False,
        "discount_reason": "offer",
    }
    row = record.refund_line(original, 55, 101, 1)
    assert (row["quantity"], row["line_total_minor"], row["tax_minor"], row["original_line_id"]) == (-2, -16_500, -300, 55)
    totals = record.refund_totals([original])
    assert totals.sale_columns()["total_minor"] == -16_500 and totals.goods_minor == 16_500
    assert totals.full_price_goods_minor == 0
