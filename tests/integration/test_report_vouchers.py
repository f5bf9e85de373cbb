"""Gift vouchers in the monthly report (docs/vouchers.md, docs/money-model.md): stored value sold is
not revenue nor a ticket, spending one is not money taken, and the report's own section shows what
was sold, spent, voided and is still owed at the month's end, apart from what expired unspent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from desk_app import i18n
from desk_app.checkout.service import PaymentIn
from desk_app.container import Services
from desk_app.domain.permissions import Actor
from desk_app.reports.monthly import build_monthly
from desk_app.reports.pdf import gift_voucher_rows, payment_rows, reconcile_rows, render_pdf_bytes
from desk_app.settings import S
from tests.conftest import FakeClock
from tests.integration.test_checkout_support import product

MONTH = "2026-11"  # the FakeClock starts on 18 November 2026


def _report(sv: Services, month: str = MONTH, **kw: Any) -> dict[str, Any]:
    return build_monthly(sv.db, month, settings=sv.settings, now=sv.clock(), compare=False, **kw)


def _sell_voucher(sv: Services, actor: Actor, amount: int, method: str = "card") -> tuple[int, str]:
    bill = sv.checkout.add_voucher(sv.checkout.build_bill(actor), amount, 1)
    paid = sv.payments.pay(actor, bill, [PaymentIn(method, bill.total_minor)])
    (code,) = [v.code for v in sv.payments.get_sale(paid.sale_id).vouchers_sold]
    return paid.sale_id, code


def _product_bill(sv: Services, actor: Actor, qty: int = 1):  # type: ignore[no-untyped-def]
    return sv.checkout.add_product(sv.checkout.build_bill(actor), product(sv.db, "OIL-50")[0], qty)


def _m(minor: int) -> str:
    return str(Decimal(minor).scaleb(-2))


def test_a_voucher_sale_is_neither_revenue_nor_a_ticket(services: Services, owner: Actor, clock: FakeClock) -> None:
    sv = services
    bill = _product_bill(sv, owner)
    price = bill.total_minor
    sv.payments.pay(owner, bill, [PaymentIn("card", price)])
    before = _report(sv)
    clock.advance(hours=1)
    _sell_voucher(sv, owner, 50000)
    after = _report(sv)
    for d in (before, after):
        assert d["revenue"]["total"] == _m(price) and d["revenue"]["other"] == "0.00"
        assert d["sales"]["tickets"] == 1  # the voucher-only sale is not a ticket
        assert d["average_ticket"] == _m(price)
        assert sum(Decimal(x["total"]) for x in d["revenue"]["by_day"]) == Decimal(_m(price))
        assert sum(Decimal(c["total"]) for c in d["revenue"]["by_category"]) == Decimal(_m(price))
    assert before["sales"]["gift_vouchers_sold"] == "0.00" and before["sales"]["count"] == 1
    assert after["sales"]["gift_vouchers_sold"] == "500.00" and after["sales"]["count"] == 2
    assert after["sales"]["prepaid_topups_sold"] == "0.00"
    assert after["by_staff"] == before["by_staff"]
    assert after["gift_vouchers"]["sold"] == {"count": 1, "amount": "500.00"}
    # read as the month before December's comparison (December over): the same revenue and ticket rule
    dec = build_monthly(sv.db, "2026-12", settings=sv.settings, now=clock.advance(days=50))
    figures = dec["comparison"]["figures"]
    assert figures["revenue.total"]["previous"] == _m(price)
    assert figures["average_ticket"]["previous"] == _m(price)


def test_takings_reconcile_with_a_voucher_sold_by_card_then_partly_spent(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    sv = services
    _sale, code = _sell_voucher(sv, owner, 50000, method="card")
    clock.advance(days=3)
    bill = _product_bill(sv, owner, qty=2)
    total = bill.total_minor
    by_voucher = total // 2
    sv.payments.pay(owner, bill, [PaymentIn("voucher", by_voucher, reference=code), PaymentIn("cash", total - by_voucher)])
    d = _report(sv)
    tk = d["takings"]
    assert "voucher" not in tk["by_method"]
    assert tk["by_method"] == {"cash": _m(total - by_voucher), "card": "500.00"}
    assert tk["total"] == _m(50000 + total - by_voucher)
    assert tk["paid_by_voucher"] == _m(by_voucher)
    rc = tk["reconciliation"]
    assert rc["revenue"] == d["revenue"]["total"] == _m(total)
    assert rc["gift_vouchers_sold"] == "500.00" and rc["paid_by_voucher"] == _m(-by_voucher)
    assert rc["unexplained"] == "0.00"
    assert d["by_payment_method"]["voucher"] == _m(by_voucher)
    gv = d["gift_vouchers"]
    assert gv["sold"] == {"count": 1, "amount": "500.00"}
    assert gv["redeemed"] == _m(by_voucher) and gv["voided"] == "0.00"
    assert gv["outstanding"] == _m(50000 - by_voucher) and gv["expired_unspent"] == "0.00"
    # the PDF's rows: the reconciliation names both, and the section shows the liability
    assert any(r[0] == "+ gift vouchers sold" for r in reconcile_rows(d))
    assert any(r[0] == "− paid by gift voucher" for r in reconcile_rows(d))
    assert any(r[0] == "Paid by gift voucher" for r in payment_rows(d))
    assert [r[0] for r in gift_voucher_rows(d)][4] == "Outstanding at month end"
    assert render_pdf_bytes(d, i18n.current())[:4] == b"%PDF"
    i18n.set_language("zh_CN")
    try:
        assert gift_voucher_rows(d)[0][0] == "礼品券" and render_pdf_bytes(d, i18n.current())[:4] == b"%PDF"
    finally:
        i18n.set_language("en")
    # the next month: nothing sold or spent, the same balance still owed
    nxt = _report(sv, "2026-12")
    assert nxt["gift_vouchers"]["sold"] == {"count": 0, "amount": "0.00"}
    assert nxt["gift_vouchers"]["redeemed"] == "0.00"
    assert nxt["gift_vouchers"]["outstanding"] == _m(50000 - by_voucher)
    # the month before: nothing issued yet
    assert _report(sv, "2026-10")["gift_vouchers"]["outstanding"] == "0.00"


def test_a_voided_voucher_is_no_longer_owed(services: Services, owner: Actor) -> None:
    sv = services
    sale_id, _code = _sell_voucher(sv, owner, 20000, method="cash")
    sv.payments.void(owner, sale_id, "changed mind")
    d = _report(sv)
    gv = d["gift_vouchers"]
    assert gv["sold"] == {"count": 1, "amount": "200.00"}
    assert gv["voided"] == "200.00" and gv["outstanding"] == "0.00" and gv["redeemed"] == "0.00"
    assert d["sales"]["gift_vouchers_sold"] == "0.00"  # sold, then given back
    assert d["takings"]["reconciliation"]["unexplained"] == "0.00"


def test_expired_vouchers_are_apart_from_the_outstanding(services: Services, owner: Actor, clock: FakeClock) -> None:
    sv = services
    sv.settings.set(S.VOUCHER_VALIDITY_DAYS, 5)  # 18 November: its last day is the 23rd, before the 30th
    _sale, _short = _sell_voucher(sv, owner, 10000)
    sv.settings.set(S.VOUCHER_VALIDITY_DAYS, 20)  # its last day is 8 December
    _sale, _long = _sell_voucher(sv, owner, 30000)
    sv.settings.set(S.VOUCHER_VALIDITY_DAYS, 0)  # never
    _sale, _forever = _sell_voucher(sv, owner, 5000)
    d = _report(sv)
    gv = d["gift_vouchers"]
    assert gv["sold"] == {"count": 3, "amount": "450.00"}
    assert gv["expired_unspent"] == "100.00" and gv["outstanding"] == "350.00"
    dec = _report(sv, "2026-12")["gift_vouchers"]  # by the end of December the 20-day one has run out too
    assert dec["expired_unspent"] == "400.00" and dec["outstanding"] == "50.00"


def test_the_branch_filter_applies(services: Services, owner: Actor) -> None:
    sv = services
    _sell_voucher(sv, owner, 10000)
    d = _report(sv, branch=owner.branch_id)
    assert d["gift_vouchers"]["sold"]["count"] == 1 and d["gift_vouchers"]["outstanding"] == "100.00"
