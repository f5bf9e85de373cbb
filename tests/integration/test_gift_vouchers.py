"""Gift vouchers end to end on a real database (docs/vouchers.md): sold with a code, spent in part
over several visits, refused when wrong, expired, refunded, moved to a new code, and checked."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desk_app.bootstrap import open_database
from desk_app.checkout.service import PaymentIn
from desk_app.container import Services
from desk_app.core.service import NotAllowed, ServiceError, ValidationError, shop_tz
from desk_app.db.models import GiftVoucher, Payment, Sale, SaleHour, VoucherMovement
from desk_app.domain import voucher as gv
from desk_app.domain.permissions import Actor
from desk_app.settings import S
from desk_app.trust.integrity import check_invariants
from tests.conftest import OWNER_PIN, FakeClock
from tests.integration.test_checkout_support import new_client, new_staff, product


def _sell(sv: Services, actor: Actor, amount: int, quantity: int = 1, method: str = "card") -> tuple[int, list[str]]:
    bill = sv.checkout.add_voucher(sv.checkout.build_bill(actor), amount, quantity)
    paid = sv.payments.pay(actor, bill, [PaymentIn(method, bill.total_minor)])
    view = sv.payments.get_sale(paid.sale_id)
    return paid.sale_id, [v.code for v in view.vouchers_sold]


def _product_bill(sv: Services, actor: Actor, sku: str = "OIL-50", qty: int = 1):  # type: ignore[no-untyped-def]
    return sv.checkout.add_product(sv.checkout.build_bill(actor), product(sv.db, sku)[0], qty)


def test_sold_then_spent_in_part_then_used_up(services: Services, owner: Actor, clock: FakeClock) -> None:
    sv = services
    sale_id, codes = _sell(sv, owner, 50000, quantity=2)
    assert len(codes) == 2 and len(set(codes)) == 2
    assert all(isinstance(gv.normalize(c), str) for c in codes)  # each code passes its own check
    view = sv.payments.get_sale(sale_id)
    assert view.total_minor == 100000 and [ln.kind for ln in view.lines] == ["gift_voucher"]
    assert view.tax_minor == 0 and view.discount_minor == 0
    with sv.db.uow(write=False) as uow:  # a voucher-only sale is money owed, not a ticket
        assert uow.session.scalar(select(func.sum(SaleHour.tickets))) == 0
    # spent in part: the code typed in lower case with spaces works
    bill = _product_bill(sv, owner)
    total = bill.total_minor
    typed = gv.shown(codes[0]).lower().replace("-", " ")
    clock.advance(days=3)
    paid = sv.payments.pay(owner, bill, [PaymentIn("voucher", total, reference=typed)])
    card = sv.vouchers.find(owner, codes[0])
    assert card.balance_minor == 50000 - total and card.state is gv.State.ACTIVE
    assert [m.kind for m in card.moves] == ["redeem"] and card.moves[0].receipt_no == paid.receipt_no
    spent = sv.payments.get_sale(paid.sale_id).vouchers_spent
    assert [(v.code, v.amount_minor, v.balance_minor) for v in spent] == [(codes[0], total, 50000 - total)]
    # more than is left: refused with the balance named, nothing written
    big = _product_bill(sv, owner, qty=20)
    with pytest.raises(ValidationError) as err:
        sv.payments.pay(owner, big, [PaymentIn("voucher", big.total_minor, reference=codes[0])])
    assert "left" in str(err.value.errors["voucher"])
    assert sv.vouchers.find(owner, codes[0]).balance_minor == 50000 - total
    # the rest, split with cash
    rest = 50000 - total
    big_total = big.total_minor
    sv.payments.pay(owner, big, [PaymentIn("voucher", rest, reference=codes[0]), PaymentIn("cash", big_total - rest)])
    assert sv.vouchers.find(owner, codes[0]).state is gv.State.USED
    bill = _product_bill(sv, owner)
    with pytest.raises(ValidationError) as err:
        sv.payments.pay(owner, bill, [PaymentIn("voucher", bill.total_minor, reference=codes[0])])
    assert "used up" in str(err.value.errors["voucher"])
    assert check_invariants(sv.db) == []


def test_wrong_codes_are_told_apart(services: Services, owner: Actor) -> None:
    sv = services
    _sale, (code,) = _sell(sv, owner, 10000)
    bill = _product_bill(sv, owner)
    typo = code[:-1] + next(ch for ch in gv.ALPHABET if ch != code[-1])
    other = gv.new_code()
    for ref, word in ((typo, "typing mistake"), ("", "scan"), ("ABC", "12 letters"), ("O" * 12, "no 0, O"),
                      (other, "No voucher")):
        with pytest.raises(ValidationError) as err:
            sv.payments.pay(owner, bill, [PaymentIn("voucher", 100, reference=ref), PaymentIn("cash", bill.total_minor - 100)])
        assert word in str(err.value.errors), (ref, err.value.errors)
    with sv.db.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(VoucherMovement)) == 0
        assert uow.session.scalar(select(func.count()).select_from(Sale)) == 1
    # a voucher cannot buy a voucher or a top-up
    again = sv.checkout.add_voucher(sv.checkout.build_bill(owner), 5000)
    with pytest.raises(ValidationError):
        sv.payments.pay(owner, again, [PaymentIn("voucher", 5000, reference=code)])


def test_expiry_follows_the_owners_rule(services: Services, owner: Actor, clock: FakeClock) -> None:
    sv = services
    sv.settings.set(S.VOUCHER_VALIDITY_DAYS, 30)
    _sale, (code,) = _sell(sv, owner, 10000)
    card = sv.vouchers.find(owner, code)
    with sv.db.uow(write=False) as uow:
        tz = shop_tz(uow.session)
    assert card.expires_on == (card.issued_at.astimezone(tz) + timedelta(days=30)).date()
    clock.advance(days=31)
    bill = _product_bill(sv, owner)
    with pytest.raises(ValidationError) as err:
        sv.payments.pay(owner, bill, [PaymentIn("voucher", 1000, reference=code), PaymentIn("cash", bill.total_minor - 1000)])
    assert "expired" in str(err.value.errors["voucher"])
    assert sv.vouchers.find(owner, code).state is gv.State.EXPIRED
    sv.settings.set(S.VOUCHER_VALIDITY_DAYS, 0)  # no end
    _sale, (forever,) = _sell(sv, owner, 10000)
    assert sv.vouchers.find(owner, forever).expires_on is None


def test_refunds_void_an_unspent_voucher_and_give_back_to_a_spent_one(services: Services, owner: Actor) -> None:
    sv = services
    sale_id, (a, b) = _sell(sv, owner, 20000, quantity=2, method="cash")
    # spend part of b; refunding the line that sold both is refused (b is no longer whole)
    bill = _product_bill(sv, owner)
    paid = sv.payments.pay(owner, bill, [PaymentIn("voucher", bill.total_minor, reference=b)])
    with pytest.raises(ValidationError):
        sv.payments.void(owner, sale_id, "changed mind")
    assert sv.vouchers.find(owner, a).state is gv.State.ACTIVE
    # the product sale is refunded: its money goes back onto b
    sv.payments.refund(owner, paid.sale_id, None, "wrong oil")
    assert sv.vouchers.find(owner, b).balance_minor == 20000
    # now both are whole: the voucher sale is voided, both codes are dead, the cash goes back
    sv.payments.void(owner, sale_id, "changed mind")
    for code in (a, b):
        card = sv.vouchers.find(owner, code)
        assert card.state is gv.State.VOID and card.balance_minor == 0
    with sv.db.uow(write=False) as uow:
        back = uow.session.scalars(
            select(Payment.method).join(Sale, Sale.id == Payment.sale_id).where(Sale.original_sale_id == sale_id)
        ).all()
    assert back == ["cash"]
    assert check_invariants(sv.db) == []


def test_moved_to_a_new_code(services: Services, owner: Actor) -> None:
    sv = services
    _sale, (code,) = _sell(sv, owner, 30000)
    desk = new_staff(sv.db, owner.branch_id, "Amy", "receptionist")
    with pytest.raises(NotAllowed):
        sv.vouchers.transfer(desk, code, "lost it")
    with pytest.raises(ValidationError):
        sv.vouchers.transfer(owner, code, "  ")
    new = sv.vouchers.transfer(owner, code, "lost the paper")
    assert new.balance_minor == 30000 and new.from_code == code and new.code != code
    old = sv.vouchers.find(owner, code)
    assert old.state is gv.State.TRANSFERRED and old.to_code == new.code and old.balance_minor == 0
    bill = _product_bill(sv, owner)
    with pytest.raises(ValidationError) as err:
        sv.payments.pay(owner, bill, [PaymentIn("voucher", bill.total_minor, reference=code)])
    assert "new code" in str(err.value.errors["voucher"])
    sv.payments.pay(owner, bill, [PaymentIn("voucher", bill.total_minor, reference=new.code)])
    with pytest.raises(ValidationError):  # a closed voucher cannot move again
        sv.vouchers.transfer(owner, code, "again")
    assert [c.code for c in sv.vouchers.recent(owner, code[:6])][-1] == code
    assert check_invariants(sv.db) == []


def test_check_finds_a_balance_edited_by_hand(services: Services, owner: Actor) -> None:
    sv = services
    _sale, (code,) = _sell(sv, owner, 10000)
    with sv.db.uow() as uow:
        v = uow.session.scalars(select(GiftVoucher).where(GiftVoucher.code == code)).one()
        v.balance_minor = 99999
        uow.commit()
    assert any("gift voucher" in p for p in check_invariants(sv.db))


@pytest.mark.postgres
def test_two_desks_spending_one_voucher_on_postgres(pg_url: str) -> None:
    db = open_database(pg_url)
    try:
        sv = Services(db, clock=FakeClock())
        owner = sv.shop.create_shop(name="PG Salon", currency="CNY", language="en", owner_name="O", owner_pin=OWNER_PIN)
        new_client(db)
        for _round in range(4):
            _sale, (code,) = _sell(sv, owner, 10000)
            bills = [_product_bill(sv, owner) for _ in range(2)]
            spend = min(bills[0].total_minor, 10000)
            assert spend * 2 > 10000  # together the two would overdraw it
            outcomes = _race(sv, owner, code, spend, bills)
            assert sorted(outcomes) == ["paid", "refused"], outcomes
            # what the voucher holds is what was spent from it, once: no second write lost or doubled
            card = sv.vouchers.find(owner, code)
            redeems = [m for m in card.moves if m.kind == "redeem"]
            assert [m.amount_minor for m in redeems] == [-spend]
            assert card.balance_minor == 10000 - spend
            assert redeems[0].balance_after_minor == card.balance_minor
        assert check_invariants(db) == []
    finally:
        db.dispose()


def _race(sv: Services, owner: Actor, code: str, spend: int, bills: list) -> list[str]:  # type: ignore[type-arg]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def desk(i: int) -> None:
        b = bills[i]
        pays = [PaymentIn("voucher", spend, reference=code)]
        if b.total_minor > spend:
            pays.append(PaymentIn("cash", b.total_minor - spend))
        barrier.wait()
        try:
            sv.payments.pay(owner, b, pays)
            outcomes.append("paid")
        except ServiceError:
            outcomes.append("refused")

    threads = [threading.Thread(target=desk, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_the_vouchers_export_lists_every_voucher_and_what_is_left(
    services: Services, owner: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import csv

    from desk_app.cli import run
    from tests.conftest import OWNER_PIN as PIN

    sv = services
    _sale, (a, b) = _sell(sv, owner, 30000, quantity=2)
    bill = _product_bill(sv, owner)
    sv.payments.pay(owner, bill, [PaymentIn("voucher", bill.total_minor, reference=a)])
    moved = sv.vouchers.transfer(owner, b, "passed on")
    out = tmp_path / "vouchers.csv"
    db_path = str(sv.db.engine.url.database)
    monkeypatch.setenv("DESK_APP_PIN", PIN)  # the shop's only owner: their PIN is asked
    assert run(["export", "vouchers", "--db", db_path, "--out", str(out)]) == 0
    with out.open(encoding="utf-8-sig") as f:
        rows = {r["code"]: r for r in csv.DictReader(f)}
    assert set(rows) == {a, b, moved.code}
    assert rows[a]["value"] == "300.00" and rows[a]["balance"] == f"{(30000 - bill.total_minor) / 100:.2f}"
    assert rows[b]["closed"] == "transferred" and rows[b]["balance"] == "0.00"
    assert rows[moved.code]["from_code"] == b and rows[moved.code]["receipt_no"] == ""
    assert rows[a]["receipt_no"].startswith("R") and rows[a]["expires_on"]


def test_a_refund_goes_onto_the_code_a_voucher_moved_to(services: Services, owner: Actor) -> None:
    """Walk: money paid by a voucher since moved to a new code came back as cash at the counter."""
    sv = services
    _sale, (code,) = _sell(sv, owner, 40000)
    bill = _product_bill(sv, owner)
    paid = sv.payments.pay(owner, bill, [PaymentIn("voucher", bill.total_minor, reference=code)])
    new = sv.vouchers.transfer(owner, code, "passed on")
    refund = sv.payments.refund(owner, paid.sale_id, None, "wrong oil")
    view = sv.payments.get_sale(refund.sale_id)
    assert [(p.method, p.reference) for p in view.payments] == [("voucher", new.code)]
    assert sv.vouchers.find(owner, new.code).balance_minor == 40000
    assert sv.vouchers.find(owner, code).balance_minor == 0
    assert check_invariants(sv.db) == []


def test_a_refused_voucher_refund_names_the_spent_code(services: Services, owner: Actor) -> None:
    sv = services
    sale_id, (a, b) = _sell(sv, owner, 20000, quantity=2)
    bill = _product_bill(sv, owner)
    sv.payments.pay(owner, bill, [PaymentIn("voucher", bill.total_minor, reference=b)])
    with pytest.raises(ValidationError) as err:
        sv.payments.void(owner, sale_id, "changed mind")
    assert gv.shown(b) in err.value.errors["lines"] and gv.shown(a) not in err.value.errors["lines"]
