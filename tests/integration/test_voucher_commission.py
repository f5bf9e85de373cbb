"""Gift vouchers in the pay statements (issue 21): the owner chooses whether a voucher earns
commission when it is sold or on what it pays for, as for prepaid top-ups."""

from __future__ import annotations

from desk_app.checkout.service import PaymentIn
from desk_app.container import Services
from desk_app.domain import commission as cm
from desk_app.domain.permissions import Actor
from tests.conftest import FakeClock
from tests.integration.test_checkout_support import new_client, new_staff, visit_at_checkout
from tests.integration.test_payroll import MONTH, NOV_1, plan


def _day(services: Services, owner: Actor, clock: FakeClock) -> tuple[int, int]:
    """Dana sells a 200.00 voucher by card; Leo's cut is paid 50.00 from it and the rest in cash."""
    db, co, pay = services.db, services.checkout, services.payments
    dana = new_staff(db, owner.branch_id, "Dana", "receptionist")
    leo = new_staff(db, owner.branch_id, "Leo")
    sold = pay.pay(dana, co.add_voucher(co.build_bill(dana), 20000), [PaymentIn("card", 20000)])
    code = pay.get_sale(sold.sale_id).vouchers_sold[0].code
    clock.advance(hours=1)
    vid = visit_at_checkout(db, clock, owner.branch_id, new_client(db), leo.staff_id, ["CUT-W"])
    bill = co.build_bill(dana, visit_id=vid)
    cut = bill.total_minor
    pay.pay(dana, bill, [PaymentIn("voucher", 5000, reference=code), PaymentIn("cash", cut - 5000)])
    return cut, 5000


def test_on_redemption_the_voucher_earns_on_what_it_pays_for(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    cut, _from_voucher = _day(services, owner, clock)
    with_rate = plan()
    with_rate["rates"] = [*with_rate["rates"],  # type: ignore[list-item]
                          {"staff_id": None, "scope": "voucher", "category_id": None, "tiers": [[0, 300]]}]  # fmt: skip
    services.payroll.save_plan(owner, with_rate, NOV_1)
    by = {s.name: s for s in services.payroll.statements(owner, MONTH).statements}
    assert by["Leo"].commission_minor == round(cut * 0.10)  # the whole cut earns
    line = next(ln for ln in by["Dana"].lines if ln.line_kind == "gift_voucher")
    assert line.sold_minor == 20000 and line.basis_minor == 0 and line.note == "later"
    assert not any(g.scope == cm.VOUCHER for g in by["Dana"].groups)


def test_on_sale_the_voucher_earns_once_when_sold(services: Services, owner: Actor, clock: FakeClock) -> None:
    cut, from_voucher = _day(services, owner, clock)
    on_sale = plan(voucher_rule="sale")
    on_sale["rates"] = [*on_sale["rates"],  # type: ignore[list-item]
                        {"staff_id": None, "scope": "voucher", "category_id": None, "tiers": [[0, 300]]}]  # fmt: skip
    services.payroll.save_plan(owner, on_sale, NOV_1)
    saved, _since = services.payroll.plan(owner, NOV_1)
    assert saved.voucher_rule == cm.ON_SALE
    by = {s.name: s for s in services.payroll.statements(owner, MONTH).statements}
    assert next(g for g in by["Dana"].groups if g.scope == cm.VOUCHER).commission_minor == 600  # 3 % of 200.00
    assert by["Leo"].commission_minor == round((cut - from_voucher) * 0.10)  # the voucher's part earns nothing again
    assert any(ln.note == "voucher" for ln in by["Leo"].lines)
    # no rate for vouchers while they earn on sale: the owner is told before saving
    said = services.payroll.warnings(owner, cm.parse_plan(plan(voucher_rule="sale")), NOV_1)
    assert any("Gift vouchers earn when sold" in w for w in said)
