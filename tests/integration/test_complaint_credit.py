"""Issue 15: a voucher or discount promised on a complaint reaches the client's next checkout.

It was stored as a number on the ticket and never reached the client. Now it is owed (client_credits)
until a checkout uses it, once; a void of that sale makes it owed again; the books stay whole."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from desk_app.checkout.service import PaymentIn
from desk_app.container import Services
from desk_app.core.service import ConflictError, ServiceError, ValidationError
from desk_app.db.models import ClientCredit, SaleLine
from desk_app.domain.permissions import Actor
from desk_app.trust.integrity import check_invariants
from tests.integration.test_aftercare_data import add_client, first_service


def _owed(services: Services, client_id: int) -> list[tuple[str, int, int | None]]:
    with services.db.uow(write=False) as uow:
        return [
            (c.kind, c.amount_minor, c.used_sale_id)
            for c in uow.session.scalars(select(ClientCredit).where(ClientCredit.client_id == client_id))
        ]


def test_a_complaint_voucher_is_owed_and_taken_off_the_next_bill_once(services: Services, owner: Actor) -> None:
    cid = add_client(services.db, "Li Na", "+8613900001111")
    c = services.complaints.open_complaint(owner, description="Colour too dark", client_id=cid)
    services.complaints.resolve(owner, c.id, "Sorry: 50 off next time", "voucher", amount=Decimal("50"))
    assert _owed(services, cid) == [("voucher", 5000, None)]

    co = services.checkout
    bill = co.add_service(co.build_bill(owner, client_id=cid), first_service(services.db))
    assert [k.amount_minor for k in bill.ctx.credits] == [5000]
    before = bill.total_minor
    second_desk = bill  # another desk opens the same client's bill
    bill = co.use_credit(bill, bill.ctx.credits[0].id)
    assert bill.total_minor == before - 5000 and not bill.needs_discount_approval  # approved when promised
    paid = services.payments.pay(owner, bill, [PaymentIn("cash", bill.total_minor)])
    assert _owed(services, cid) == [("voucher", 5000, paid.sale_id)]
    with services.db.uow(write=False) as uow:
        reasons = uow.session.scalars(select(SaleLine.discount_reason).where(SaleLine.sale_id == paid.sale_id)).all()
    assert any("complaint voucher" in r for r in reasons)
    # the other desk's bill still offers it: paying with it is refused and charges nothing
    stale = co.use_credit(second_desk, second_desk.ctx.credits[0].id)
    with pytest.raises(ConflictError):
        services.payments.pay(owner, stale, [PaymentIn("cash", stale.total_minor)])
    # the next bill owes nothing more
    assert co.build_bill(owner, client_id=cid).ctx.credits == ()
    # a void of the sale makes it owed again
    services.payments.void(owner, paid.sale_id, "wrong client")
    assert _owed(services, cid) == [("voucher", 5000, None)]
    assert check_invariants(services.db) == []


def test_a_credit_needs_a_bill_that_covers_it_and_a_client(services: Services, owner: Actor) -> None:
    cid = add_client(services.db, "Wang Fang", "+8613900002222")
    c = services.complaints.open_complaint(owner, description="Late", client_id=cid)
    services.complaints.resolve(owner, c.id, "Big voucher", "discount", amount=Decimal("10000"))
    co = services.checkout
    bill = co.add_service(co.build_bill(owner, client_id=cid), first_service(services.db))
    with pytest.raises(ValidationError) as e:
        co.use_credit(bill, bill.ctx.credits[0].id)
    assert "credit" in e.value.errors
    # a complaint with no client cannot promise "next time"
    anon = services.complaints.open_complaint(owner, description="Someone on the phone")
    with pytest.raises(ServiceError):
        services.complaints.resolve(owner, anon.id, "Voucher", "voucher", amount=Decimal("20"))
    assert services.complaints.complaint(anon.id).status != "resolved"
