"""A sale is written with Core statements (one per table, for speed), which the session's flush
does not see: the change feed must still name the sale, the client whose totals moved and the
products whose stock moved, so that open screens (the client's profile, search, calendar) refresh."""

from __future__ import annotations

from sqlalchemy import select

from desk_app.checkout.service import PaymentIn
from desk_app.container import Services
from desk_app.db.engine import Change
from desk_app.db.models import Client, Product
from desk_app.domain.permissions import Actor
from tests.integration.test_checkout_support import new_client


def test_a_paid_sale_names_its_sale_client_and_products(services: Services, owner: Actor) -> None:
    heard: list[frozenset[Change]] = []

    def listen(changes: frozenset[Change]) -> None:
        heard.append(changes)

    services.db.changes.subscribe(listen)
    cid = new_client(services.db, "王小明")
    co = services.checkout
    pid = co.search_products("")[0].id
    bill = co.add_product(co.build_bill(owner, client_id=cid), pid, 2)
    heard.clear()
    paid = services.payments.pay(owner, bill, [PaymentIn("cash", bill.total_minor)])
    assert len(heard) == 1
    assert {("sale", paid.sale_id), ("client", cid), ("product", pid)} <= heard[0]
    with services.db.uow(write=False) as uow:
        client = uow.session.get(Client, cid)
        assert client is not None and client.total_spend_minor == bill.total_minor and client.version == 2
        stock = uow.session.scalar(select(Product.stock_qty).where(Product.id == pid))
    assert stock is not None
