"""CheckoutService end to end on a real (migrated) SQLite database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from desk_app.checkout.service import ApprovalNeeded, PaymentIn
from desk_app.container import Services
from desk_app.core.service import ValidationError
from desk_app.db.models import (
    Client,
    ClientPackage,
    FollowUp,
    Membership,
    Package,
    Payment,
    PrepaidAccount,
    Sale,
    SaleLine,
    StockMovement,
    Visit,
)
from desk_app.domain.permissions import Actor
from desk_app.settings import S
from desk_app.trust.integrity import check_invariants
from desk_app.trust.pins import PinRefused
from tests.conftest import OWNER_PIN, FakeClock
from tests.integration.test_checkout_support import new_client, new_staff, product, service, visit_at_checkout


def _topup(services: Services, actor: Actor, client_id: int, amount: int) -> int:
    co = services.checkout
    bill = co.add_topup(co.build_bill(actor, client_id=client_id), amount)
    return services.payments.pay(actor, bill, [PaymentIn("card", amount)]).sale_id


def test_visit_checkout_split_cash_prepaid_with_product_and_tip(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    db = services.db
    desk = new_staff(db, owner.branch_id, "Amy", "receptionist")
    leo = new_staff(db, owner.branch_id, "Leo")
    cid = new_client(db)
    _topup(services, owner, cid, 10000)
    vid = visit_at_checkout(db, clock, owner.branch_id, cid, leo.staff_id, ["CUT-W"])
    sham_id, sham_price, stock0 = product(db, "SH-COL-250")
    co = services.checkout
    bill = co.build_bill(desk, visit_id=vid)
    assert [(v.kind, v.staff_name) for v in bill.views] == [("service", "Leo")]
    bill = co.add_by_code(bill, "6901234500011")  # barcode scan
    bill = co.add_tip(bill, leo.staff_id, 2000)
    cut = service(db, "CUT-W")[1]
    assert bill.total_minor == cut + sham_price + 2000
    assert "Leo" in bill.views[-1].explanation
    # the estimate was the cut only: the shampoo makes the bill larger -> agreement first
    assert bill.over_estimate_minor == sham_price
    with pytest.raises(ValidationError):
        services.payments.pay(desk, bill, [PaymentIn("cash", bill.total_minor)])
    assert any("Added" in r for r in co.estimate_reasons(bill))
    bill = co.agree_over_estimate(bill, "client wants the shampoo")
    cash_part = bill.total_minor - 6000
    paid = services.payments.pay(
        desk,
        bill,
        [PaymentIn("cash", cash_part, tendered_minor=cash_part + 1000), PaymentIn("prepaid", 6000)],
    )
    assert paid.change_minor == 1000 and paid.receipt_no.startswith("R")
    with db.uow(write=False) as uow:
        s = uow.session
        sale = s.get(Sale, paid.sale_id)
        assert sale is not None and sale.total_minor == bill.total_minor and sale.tip_minor == 2000
        assert (
            sale.over_estimate_agreed_at is not None and sale.over_estimate_note == "client wants the shampoo"
        )
        assert s.scalar(select(func.count()).select_from(SaleLine).where(SaleLine.sale_id == sale.id)) == 3
        assert (
            s.scalar(select(func.sum(Payment.amount_minor)).where(Payment.sale_id == sale.id))
            == sale.total_minor
        )
        acct = s.scalars(select(PrepaidAccount).where(PrepaidAccount.client_id == cid)).one()
        assert acct.balance_minor == 4000
        assert s.scalar(select(StockMovement.qty_delta).where(StockMovement.sale_id == sale.id)) == -1
        v = s.get(Visit, vid)
        assert v is not None and v.step == "rebooking" and v.paid_at == clock()
        assert s.scalar(select(func.count()).select_from(FollowUp).where(FollowUp.visit_id == vid)) == 1
        c = s.get(Client, cid)
        assert c is not None and c.total_spend_minor == cut + sham_price
    assert product(db, "SH-COL-250")[2] == stock0 - 1
    view = services.payments.get_sale(paid.sale_id)
    assert view.prepaid_balance_after_minor == 4000 and view.change_minor == 1000
    assert view.care_services and view.care_services[0].staff_name == "Leo"
    # paying the same visit twice is refused
    with pytest.raises(Exception, match="not at checkout"):
        services.payments.pay(desk, bill, [PaymentIn("card", bill.total_minor)])
    assert check_invariants(db) == []


def test_vip_single_purchase_exactly_3000_qualifies(services: Services, owner: Actor) -> None:
    co = services.checkout
    cid = new_client(services.db)
    bill = co.add_counter_item(co.build_bill(owner, client_id=cid), "Bridal package", 299999)
    assert not bill.vip_decision.becomes_member
    bill = co.build_bill(owner, client_id=cid)
    bill = co.add_counter_item(bill, "Bridal package", 300000)
    assert bill.vip_decision.becomes_member and bill.vip_decision.reason == "single_purchase"
    paid = services.payments.pay(owner, bill, [PaymentIn("card", 300000)])
    assert paid.member_upgrade
    with services.db.uow(write=False) as uow:
        c = uow.session.get(Client, cid)
        assert c is not None and c.membership_tier == "vip"
        m = uow.session.scalars(select(Membership).where(Membership.client_id == cid)).one()
        assert m.sale_id == paid.sale_id and m.reason == "single_purchase"
    # a member now gets the member price (12 % off)
    bill = co.add_service(co.build_bill(owner, client_id=cid), service(services.db, "CUT-W")[0])
    assert bill.views[0].member_discount_minor == 16800 * 12 // 100
    assert not bill.vip_decision.becomes_member


def test_vip_cumulative_counts_only_full_price(services: Services, owner: Actor) -> None:
    co = services.checkout
    cid = new_client(services.db, full_price_spend=400000)  # 4,000 already at full price
    bill = co.add_counter_item(co.build_bill(owner, client_id=cid), "Treatment", 120000)
    bill = co.set_line_discount(owner, bill, bill.lines[0].key, 1000, "loyalty")
    assert not bill.vip_decision.becomes_member  # discounted: does not count toward 5,000
    bill = co.set_line_discount(owner, bill, bill.lines[0].key, 0, "")
    assert bill.vip_decision.becomes_member and bill.vip_decision.reason == "cumulative"


def test_discount_above_limit_needs_owner_pin(services: Services, owner: Actor) -> None:
    co = services.checkout
    desk = new_staff(services.db, owner.branch_id, "Amy", "receptionist")
    bill = co.add_counter_item(co.build_bill(desk), "Cut", 10000)
    bill = co.set_line_discount(desk, bill, bill.lines[0].key, 2000, "friend")  # 20 % = the limit: fine
    with pytest.raises(ApprovalNeeded) as asked:
        co.set_line_discount(desk, bill, bill.lines[0].key, 2100, "friend")
    # the limit as a person writes it (Decimal("2E+1") once printed as "2E+1%")
    assert asked.value.message == "A discount above 20% needs the owner's PIN."
    with pytest.raises(PinRefused):
        services.payments.approve_discount(desk, "0000")
    approval = services.payments.approve_discount(desk, OWNER_PIN)
    bill = co.set_line_discount(desk, bill, bill.lines[0].key, 5000, "redo", approval=approval)
    assert bill.discount_approved_by_id == owner.staff_id and bill.total_minor == 5000
    paid = services.payments.pay(desk, bill, [PaymentIn("cash", 5000)])
    with services.db.uow(write=False) as uow:
        sale = uow.session.get(Sale, paid.sale_id)
        assert sale is not None and sale.approved_by_id == owner.staff_id


def test_bill_discount_is_shared_exactly_and_tax_exclusive(services: Services, owner: Actor) -> None:
    services.settings.set(S.MONEY_PRICES_INCLUDE_TAX, False)
    services.settings.set(S.MONEY_TAX_RATE_PRODUCT_BP, 1300)
    co = services.checkout
    bill = co.build_bill(owner)
    for sku in ("SH-COL-250", "OIL-50", "CUT-OIL"):
        bill = co.add_product(bill, product(services.db, sku)[0])
    bill = co.set_bill_discount(owner, bill, 1001, "opening week")
    assert sum(v.discount_minor for v in bill.views) == 1001
    assert all(v.tax_minor > 0 for v in bill.views)
    assert bill.total_minor == sum(v.gross_minor - v.discount_minor + v.tax_minor for v in bill.views)
    paid = services.payments.pay(owner, bill, [PaymentIn("wechat", bill.total_minor)])
    assert check_invariants(services.db) == []
    assert services.payments.get_sale(paid.sale_id).tax_minor == sum(v.tax_minor for v in bill.views)


def test_cash_rounding_line(services: Services, owner: Actor) -> None:
    from decimal import Decimal

    services.settings.set(S.MONEY_CASH_ROUNDING, Decimal("1"))
    co = services.checkout
    bill = co.add_counter_item(co.build_bill(owner), "Polish", 1234)
    assert bill.total_minor == 1200 and bill.p.rounding_minor == -34
    paid = services.payments.pay(owner, bill, [PaymentIn("cash", 1200, tendered_minor=2000)])
    view = services.payments.get_sale(paid.sale_id)
    assert [ln.kind for ln in view.lines] == ["service", "rounding"] and view.rounding_minor == -34
    services.payments.refund(owner, paid.sale_id, None, "changed mind")
    assert services.payments.get_sale(paid.sale_id).refundable_minor == 0
    assert check_invariants(services.db) == []


def test_topup_bonus_and_prepaid_history(services: Services, owner: Actor) -> None:
    from decimal import Decimal

    services.settings.set(S.PREPAID_TOPUP_BONUS_PERCENT, Decimal("10"))
    cid = new_client(services.db)
    _topup(services, owner, cid, 100000)
    assert services.payments.prepaid_balance(cid) == 110000
    hist = services.payments.prepaid_history(cid)
    assert [(m.kind, m.amount_minor) for m in hist] == [("bonus", 10000), ("topup", 100000)]
    with services.db.uow(write=False) as uow:
        sale = uow.session.scalars(select(Sale)).one()
        assert sale.total_minor == 100000  # the top-up line, not revenue but money held
    co = services.checkout
    bill = co.add_counter_item(co.build_bill(owner, client_id=cid), "Massage", 120000)
    with pytest.raises(ValidationError):
        services.payments.pay(owner, bill, [PaymentIn("prepaid", 120000)])  # balance 1,100 < 1,200
    assert check_invariants(services.db) == []


def test_package_sold_then_redeemed_and_restored_by_refund(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    db = services.db
    co = services.checkout
    cid = new_client(db)
    with db.uow(write=False) as uow:
        pk = uow.session.scalars(select(Package).where(Package.sessions == 10)).first()
        assert pk is not None
        pk_id, pk_price = pk.id, pk.price_minor
    bill = co.add_package(co.build_bill(owner, client_id=cid), pk_id)
    services.payments.pay(owner, bill, [PaymentIn("alipay", pk_price)])
    leo = new_staff(db, owner.branch_id)
    vid = visit_at_checkout(db, clock, owner.branch_id, cid, leo.staff_id, ["BLOW"])
    bill = co.build_bill(owner, visit_id=vid)
    opts = co.package_options(bill)
    assert len(opts) == 1 and opts[0].sessions_left == 10
    bill = co.use_package(bill, opts[0].line_key, opts[0].client_package_id)
    assert bill.total_minor == 0 and "package" in bill.views[0].explanation
    paid = services.payments.pay(owner, bill, [])
    with db.uow(write=False) as uow:
        cp = uow.session.scalars(select(ClientPackage)).one()
        assert cp.sessions_used == 1
        line = uow.session.scalars(select(SaleLine).where(SaleLine.sale_id == paid.sale_id)).one()
        assert line.discount_reason == "package" and line.line_total_minor == 0 and not line.full_price
    services.payments.refund(owner, paid.sale_id, None, "session not done")
    with db.uow(write=False) as uow:
        assert uow.session.scalars(select(ClientPackage)).one().sessions_used == 0
    assert check_invariants(db) == []


def test_refund_a_line_then_void_rest_never_more_than_paid(services: Services, owner: Actor) -> None:
    db = services.db
    co = services.checkout
    cid = new_client(db)
    _topup(services, owner, cid, 5000)
    sham_id, sham_price, stock0 = product(db, "SH-COL-250")
    bill = co.add_product(co.build_bill(owner, client_id=cid), sham_id, 2)
    bill = co.add_counter_item(bill, "Fringe trim", 3000)
    total = bill.total_minor
    paid = services.payments.pay(owner, bill, [PaymentIn("prepaid", 5000), PaymentIn("cash", total - 5000)])
    view = services.payments.get_sale(paid.sale_id)
    desk = new_staff(db, owner.branch_id, "Amy", "receptionist")
    with pytest.raises(ApprovalNeeded):
        services.payments.refund(desk, paid.sale_id, [view.lines[0].id], "damaged bottle")
    with pytest.raises(ValidationError):
        services.payments.refund(owner, paid.sale_id, [view.lines[0].id], "  ")
    r1 = services.payments.refund(desk, paid.sale_id, [view.lines[0].id], "damaged bottle", approval_pin=OWNER_PIN)
    assert r1.total_minor == -2 * sham_price
    assert product(db, "SH-COL-250")[2] == stock0  # stock came back
    assert services.payments.prepaid_balance(cid) == 5000  # refunded to the prepaid balance first
    with pytest.raises(ValidationError):
        services.payments.refund(owner, paid.sale_id, [view.lines[0].id], "again")
    r2 = services.payments.void(owner, paid.sale_id, "wrong client")
    assert r1.total_minor + r2.total_minor == -total
    with pytest.raises(ValidationError):
        services.payments.void(owner, paid.sale_id, "once more")
    with db.uow(write=False) as uow:
        c = uow.session.get(Client, cid)
        assert c is not None and c.total_spend_minor == 0
        refund = uow.session.get(Sale, r1.sale_id)
        assert refund is not None and refund.kind == "refund" and refund.original_sale_id == paid.sale_id
        assert refund.approved_by_id == owner.staff_id
    assert check_invariants(db) == []


def test_refund_of_upgrading_sale_ends_membership(services: Services, owner: Actor) -> None:
    co = services.checkout
    cid = new_client(services.db)
    bill = co.add_counter_item(co.build_bill(owner, client_id=cid), "Bridal", 300000)
    paid = services.payments.pay(owner, bill, [PaymentIn("card", 300000)])
    services.payments.refund(owner, paid.sale_id, None, "cancelled wedding")
    with services.db.uow(write=False) as uow:
        c = uow.session.get(Client, cid)
        assert c is not None and c.membership_tier == ""
        tiers = [m.tier for m in uow.session.scalars(select(Membership).order_by(Membership.id))]
        assert tiers == ["vip", ""]


def test_payments_must_cover_the_total_exactly(services: Services, owner: Actor) -> None:
    co = services.checkout
    bill = co.add_counter_item(co.build_bill(owner), "Cut", 10000)
    for pays in (
        [PaymentIn("cash", 9999)],
        [PaymentIn("card", 10001)],
        [PaymentIn("cash", 10000, tendered_minor=5000)],
        [PaymentIn("bitcoin", 10000)],
        [PaymentIn("prepaid", 10000)],
    ):
        with pytest.raises(ValidationError):
            services.payments.pay(owner, bill, pays)
    with pytest.raises(ValidationError):
        services.payments.pay(owner, co.build_bill(owner), [])
    with services.db.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Sale)) == 0


def test_addons_from_plan_and_shop_history(services: Services, owner: Actor, clock: FakeClock) -> None:
    db = services.db
    co = services.checkout
    leo = new_staff(db, owner.branch_id)
    # history: two colour clients bought the conditioner
    for _ in range(2):
        b = co.add_service(co.build_bill(owner), service(db, "COL-ROOT")[0])
        b = co.add_product(b, product(db, "CO-COL-250")[0])
        services.payments.pay(owner, b, [PaymentIn("card", b.total_minor)])
    vid = visit_at_checkout(
        db, clock, owner.branch_id, new_client(db), leo.staff_id, ["COL-ROOT"], suggested=["SH-COL-250"]
    )
    offers = co.addon_offers(co.build_bill(owner, visit_id=vid))
    assert [o.product_id for o in offers][:2] == [product(db, "SH-COL-250")[0], product(db, "CO-COL-250")[0]]
    assert "assessment" in offers[0].why and "2" in offers[1].why


def test_satisfaction_is_stored_on_sale_and_visit(services: Services, owner: Actor, clock: FakeClock) -> None:
    db = services.db
    leo = new_staff(db, owner.branch_id)
    vid = visit_at_checkout(db, clock, owner.branch_id, new_client(db), leo.staff_id, ["CUT-M"])
    co = services.checkout
    bill = co.build_bill(owner, visit_id=vid)
    paid = services.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)])
    services.aftercare.record_checkout_satisfaction(owner, None, paid.sale_id, 5)
    with pytest.raises(ValidationError):
        services.aftercare.record_checkout_satisfaction(owner, None, paid.sale_id, 6)
    with db.uow(write=False) as uow:
        v = uow.session.get(Visit, vid)
        assert v is not None and v.satisfaction == 5
    assert services.payments.get_sale(paid.sale_id).satisfaction == 5


def test_low_satisfaction_opens_a_complaint(services: Services, owner: Actor, clock: FakeClock) -> None:
    from desk_app.db.models import Complaint, Feedback

    db = services.db
    leo = new_staff(db, owner.branch_id)
    vid = visit_at_checkout(db, clock, owner.branch_id, new_client(db), leo.staff_id, ["CUT-M"])
    co = services.checkout
    bill = co.build_bill(owner, visit_id=vid)
    paid = services.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)])
    services.aftercare.record_checkout_satisfaction(owner, None, paid.sale_id, 2, "fringe too short")
    with db.uow(write=False) as uow:
        assert (
            uow.session.scalar(select(func.count()).select_from(Complaint).where(Complaint.visit_id == vid))
            == 1
        )
        assert (
            uow.session.scalar(select(func.count()).select_from(Feedback).where(Feedback.visit_id == vid))
            >= 1
        )
