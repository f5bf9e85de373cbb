"""Rewards for loyalty points on a real database (docs/loyalty.md): the owner's catalogue, a bill line
made free for points, refused when short or when the reward changed, given back by a refund, the
receipt, the report and the checks."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from desk_app.checkout import bill as cb
from desk_app.checkout.service import PaymentIn
from desk_app.container import Services
from desk_app.core.service import ValidationError
from desk_app.db.models import PointsMovement, PointsReward, Sale, SaleLine
from desk_app.domain.permissions import Actor, NotAllowed, Role
from desk_app.printing.escpos_out import receipt_text
from desk_app.printing.receipt import receipt_fmt, render_receipt
from desk_app.trust.integrity import check_invariants
from tests.integration.test_checkout_support import new_client, product, service


def _moves(sv: Services, sale_id: int) -> list[tuple[str, int, int | None]]:
    with sv.db.uow(write=False) as uow:
        return [(m.kind, m.points, m.line_no) for m in uow.session.scalars(
            select(PointsMovement).where(PointsMovement.sale_id == sale_id).order_by(PointsMovement.id))]


def _receptionist(owner: Actor) -> Actor:
    return Actor(staff_id=owner.staff_id, name="Desk", role=Role.RECEPTIONIST, branch_id=owner.branch_id)


def _earn(sv: Services, owner: Actor, cid: int, times: int) -> int:
    """The client buys a bottle of oil ``times`` times by card; returns the points they hold."""
    pid = product(sv.db, "OIL-50")[0]
    for _i in range(times):
        bill = sv.checkout.add_product(sv.checkout.build_bill(owner, client_id=cid), pid)
        sv.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)])
    return sv.points.card(owner, cid, moves=False).available


def test_the_owner_keeps_the_catalogue_and_nobody_else_changes_it(services: Services, owner: Actor) -> None:
    sv = services
    sid, price = service(sv.db, "CUT-W")
    item = sv.catalog.save_reward(owner, None, {"item": f"service:{sid}", "points": "800", "active": True})
    assert (item.kind, item.item_id, item.points, item.active) == ("service", sid, 800, True)
    assert item.price == Decimal(price) / 100 and item.name
    assert item.worth == Decimal("8.00")  # what 800 points pay on a bill (100 pay 1.00)
    with pytest.raises(ValidationError) as twice:  # one reward on offer for an item
        sv.catalog.save_reward(owner, None, {"item": f"service:{sid}", "points": "500", "active": True})
    assert "800 points" in str(twice.value.errors["item"])
    assert any(key == f"service:{sid}" for key, _label in sv.catalog.reward_choices())
    with pytest.raises(NotAllowed):
        sv.catalog.save_reward(_receptionist(owner), item.id, {"item": f"service:{sid}", "points": "1", "active": True})
    with pytest.raises(ValidationError) as bad:
        sv.catalog.save_reward(owner, None, {"item": "service:999999", "points": "0", "active": True})
    assert set(bad.value.errors) == {"item", "points"}
    with sv.db.uow(write=False) as uow:
        assert [(r.points, r.active) for r in uow.session.scalars(select(PointsReward))] == [(800, True)]
    sv.catalog.save_reward(owner, item.id, {"item": f"service:{sid}", "points": "900", "active": False})
    assert sv.catalog.rewards(include_inactive=False) == []
    assert [r.points for r in sv.catalog.rewards()] == [900]


def test_a_reward_makes_a_line_free_for_points_and_a_refund_gives_them_back(
    services: Services, owner: Actor
) -> None:
    sv = services
    cid = new_client(sv.db)
    sid, price = service(sv.db, "CUT-W")
    pid, oil_price, _stock = product(sv.db, "OIL-50")
    reward = sv.catalog.save_reward(owner, None, {"item": f"service:{sid}", "points": "500", "active": True})
    held = _earn(sv, owner, cid, 1)
    assert 0 < held < 500  # one purchase is not enough
    bill = sv.checkout.add_service(sv.checkout.build_bill(owner, client_id=cid), sid)
    key = bill.lines[0].key
    opt = sv.checkout.reward_option(bill, key)
    assert opt is not None and opt.reward_id == reward.id and opt.points == 500 and not opt.enough
    with pytest.raises(ValidationError) as short:
        sv.checkout.use_reward(bill, key, True)
    assert "500" in str(short.value.errors["reward"]) and str(held) in str(short.value.errors["reward"])
    held = _earn(sv, owner, cid, 6)
    assert held >= 500
    bill = sv.checkout.add_product(sv.checkout.use_reward(bill, key, True), pid)
    assert bill.lines[0].reward_id == reward.id and bill.p.lines[0].line_total_minor == 0
    assert "a reward for 500 points" in bill.views[0].explanation
    assert bill.total_minor == oil_price  # only the oil is paid with money
    paid = sv.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)])
    earned_now = oil_price // 100  # the free haircut earns nothing
    assert _moves(sv, paid.sale_id) == [("reward", -500, 1), ("earn", earned_now, None)]
    card = sv.points.card(owner, cid)
    assert card.available == held - 500 + earned_now
    assert card.moves[1].kind == "reward" and card.moves[1].word == "Reward"
    with sv.db.uow(write=False) as uow:
        line = uow.session.scalars(select(SaleLine).where(SaleLine.sale_id == paid.sale_id, SaleLine.line_no == 1)).one()
        assert (line.discount_reason, line.line_total_minor, line.discount_minor) == ("reward", 0, price)
        line_id = line.id
    view = sv.payments.get_sale(paid.sale_id)
    assert view.points is not None and view.points.used == 500
    assert check_invariants(sv.db) == []
    # the haircut alone refunded: its points go back (the oil's earning stays)
    refund = sv.payments.refund(owner, paid.sale_id, [line_id], "redo")
    assert refund.total_minor == 0
    assert _moves(sv, refund.sale_id) == [("reward_refund", 500, 1)]
    assert sv.points.card(owner, cid).available == held + earned_now
    assert check_invariants(sv.db) == []


def test_refused_rewards_change_nothing(services: Services, owner: Actor) -> None:
    sv = services
    cid = new_client(sv.db)
    sid, _price = service(sv.db, "CUT-W")
    reward = sv.catalog.save_reward(owner, None, {"item": f"service:{sid}", "points": "100", "active": True})
    held = _earn(sv, owner, cid, 2)
    assert held >= 200
    bill = sv.checkout.add_service(sv.checkout.build_bill(owner, client_id=cid), sid)
    bill = sv.checkout.use_reward(bill, bill.lines[0].key, True)
    # the owner raises the reward's points after it went on the bill: the bill is refused, not charged
    sv.catalog.save_reward(owner, reward.id, {"item": f"service:{sid}", "points": "150", "active": True})
    with sv.db.uow(write=False) as uow:
        sales_before = len(list(uow.session.scalars(select(Sale.id))))
    with pytest.raises(ValidationError) as changed:
        sv.payments.pay(owner, bill, [])
    assert "changed" in str(changed.value.errors["reward"])
    # two of it at 150 each: more than the client holds once the other is taken
    bill = sv.checkout.use_reward(sv.checkout.use_reward(bill, bill.lines[0].key, False), bill.lines[0].key, True)
    greedy = cb.update_line(bill, bill.lines[0].key, quantity=held // 150 + 1)
    with pytest.raises(ValidationError) as short:
        sv.payments.pay(owner, greedy, [])
    need = 150 * (held // 150 + 1)
    assert f"take {need:,} points; the client has {held:,} points" in str(short.value.errors["reward"])
    with sv.db.uow(write=False) as uow:
        assert len(list(uow.session.scalars(select(Sale.id)))) == sales_before
    assert sv.points.card(owner, cid).available == held
    # another client on the bill: the reward (theirs to take) comes off
    other = new_client(sv.db, "另一位")
    moved = sv.checkout.set_client(bill, other)
    assert moved.lines[0].reward_id is None and moved.total_minor == moved.lines[0].unit_price_minor
    # no client on the bill: no reward
    walk_in = sv.checkout.add_service(sv.checkout.build_bill(owner), sid)
    assert sv.checkout.reward_option(walk_in, walk_in.lines[0].key) is None


def test_the_receipt_and_the_report_show_the_reward(services: Services, owner: Actor) -> None:
    from desk_app.reports.monthly import build_monthly

    sv = services
    cid = new_client(sv.db)
    sid, price = service(sv.db, "CUT-W")
    sv.catalog.save_reward(owner, None, {"item": f"service:{sid}", "points": "300", "active": True})
    _earn(sv, owner, cid, 4)
    bill = sv.checkout.add_service(sv.checkout.build_bill(owner, client_id=cid), sid)
    bill = sv.checkout.use_reward(bill, bill.lines[0].key, True)
    paid = sv.payments.pay(owner, bill, [])
    assert paid.total_minor == 0
    view = sv.payments.get_sale(paid.sale_id)
    for lang, label in (("en", "reward for points"), ("zh_CN", "积分兑换")):
        buf = io.BytesIO()
        render_receipt(view, buf, receipt_fmt(view, lang))
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(buf.getvalue())).pages)
        assert label in text, lang
    assert "reward for points" in receipt_text(view, receipt_fmt(view, "en"))
    month = sv.clock().strftime("%Y-%m")
    lp = build_monthly(sv.db, month, settings=sv.settings, now=sv.clock(), compare=False)["loyalty_points"]
    assert (lp["rewards"], lp["reward_points"], lp["reward_value"]) == (1, 300, str((Decimal(price) / 100).quantize(Decimal("0.01"))))
