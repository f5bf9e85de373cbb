"""Receipt numbers: taken last in the payment's unit of work (the counter row's lock is held only for
its end, server mode), yet consecutive, gap-free and never the stand-in the sale is first written with."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from desk_app.checkout.service import PaymentIn
from desk_app.container import Services
from desk_app.core.service import ValidationError
from desk_app.db.models import AuditEntry, Sale
from desk_app.domain.permissions import Actor
from tests.integration.test_checkout_support import new_client


def _pay(services: Services, actor: Actor, client_id: int, pays: list[PaymentIn] | None = None) -> str:
    co = services.checkout
    bill = co.add_counter_item(co.build_bill(actor, client_id=client_id), "Fringe trim", 3000)
    return services.payments.pay(actor, bill, pays or [PaymentIn("card", bill.total_minor)]).receipt_no


def test_receipt_numbers_are_consecutive_and_a_refused_sale_takes_none(services: Services, owner: Actor) -> None:
    cid = new_client(services.db)
    first = _pay(services, owner, cid)
    with pytest.raises(ValidationError):  # not enough money: refused, nothing written
        _pay(services, owner, cid, [PaymentIn("card", 100)])
    second = _pay(services, owner, cid)
    assert first.startswith("R") and int(second[1:]) == int(first[1:]) + 1
    with services.db.uow(write=False) as uow:
        s = uow.session
        assert sorted(s.scalars(select(Sale.receipt_no))) == [first, second]
        logged = [(a.after or {})["receipt_no"] for a in s.scalars(select(AuditEntry).where(AuditEntry.action == "sale"))]
        assert logged == [first, second]  # the audit row has the real number, not the stand-in
