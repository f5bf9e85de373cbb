"""The same checkout on PostgreSQL (server mode): sale, refund, drawer, invariants."""

from __future__ import annotations

import pytest

from desk_app.bootstrap import open_database
from desk_app.checkout.service import PaymentIn
from desk_app.container import Services
from desk_app.trust.integrity import check_invariants
from tests.conftest import OWNER_PIN, FakeClock
from tests.integration.test_checkout_support import new_client, product


@pytest.mark.postgres
def test_checkout_refund_and_check_on_postgres(pg_url: str) -> None:
    db = open_database(pg_url)
    try:
        sv = Services(db, clock=FakeClock())
        owner = sv.shop.create_shop(
            name="PG Salon", currency="CNY", language="en", owner_name="O", owner_pin=OWNER_PIN
        )
        co = sv.checkout
        cid = new_client(db)
        sv.cash.open(owner, 10000)
        b = co.add_topup(co.build_bill(owner, client_id=cid), 5000)
        sv.payments.pay(owner, b, [PaymentIn("card", 5000)])
        b = co.add_product(co.build_bill(owner, client_id=cid), product(db, "OIL-50")[0], 2)
        b = co.add_tip(b, owner.staff_id, 500)
        paid = sv.payments.pay(
            owner,
            b,
            [
                PaymentIn("prepaid", 5000),
                PaymentIn("cash", b.total_minor - 5000, tendered_minor=b.total_minor),
            ],
        )
        assert paid.receipt_no == "R00000002"
        sv.payments.refund(owner, paid.sale_id, [sv.payments.get_sale(paid.sale_id).lines[0].id], "broken bottle")
        assert sv.payments.prepaid_balance(cid) == 5000
        d = sv.cash.close(owner, sv.cash.current(owner.branch_id).expected_minor)  # type: ignore[union-attr]
        assert d.over_short_minor == 0
        assert check_invariants(db) == []
    finally:
        db.dispose()


@pytest.mark.postgres
def test_two_desks_paying_one_visit_charge_once(pg_url: str) -> None:
    import threading

    from sqlalchemy import func, select

    from desk_app.core.service import ServiceError
    from desk_app.db.models import Sale
    from tests.integration.test_checkout_support import new_staff, visit_at_checkout

    db = open_database(pg_url)
    try:
        clock = FakeClock()
        sv = Services(db, clock=clock)
        owner = sv.shop.create_shop(
            name="PG Salon", currency="CNY", language="en", owner_name="O", owner_pin=OWNER_PIN
        )
        leo = new_staff(db, owner.branch_id)
        vid = visit_at_checkout(db, clock, owner.branch_id, new_client(db), leo.staff_id, ["CUT-W"])
        bills = [sv.checkout.build_bill(owner, visit_id=vid) for _ in range(2)]
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def desk(i: int) -> None:
            barrier.wait()
            try:
                sv.payments.pay(owner, bills[i], [PaymentIn("card", bills[i].total_minor)])
                outcomes.append("paid")
            except ServiceError:
                outcomes.append("refused")

        threads = [threading.Thread(target=desk, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(outcomes) == ["paid", "refused"]
        with db.uow(write=False) as uow:
            assert uow.session.scalar(select(func.count()).select_from(Sale)) == 1
        assert check_invariants(db) == []
    finally:
        db.dispose()
