"""Purchasing and stocktake on a real database (docs/stock.md): suppliers, orders drafted from the
low-stock list, deliveries received in part (refused past what is still to come, or on a stale
order), counts closed with their variance, rights, and the checks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from desk_app.checkout.service import PaymentIn
from desk_app.container import Services
from desk_app.core.service import ConflictError, ValidationError
from desk_app.db.models import PurchaseOrder, StockMovement
from desk_app.domain.permissions import Actor, NotAllowed, Role
from desk_app.trust.integrity import check_invariants
from tests.integration.test_checkout_support import product


def _desk(sv: Services, owner: Actor) -> Actor:
    staff = sv.auth.save_staff(owner, staff_id=None, name="Desk Lin", role="receptionist", pin="4321")
    return Actor(staff_id=staff.id, name=staff.name, role=Role.RECEPTIONIST, branch_id=owner.branch_id)


def _product_data(sv: Services, sku: str, **changes: object) -> dict[str, object]:
    p = next(x for x in sv.catalog.products() if x.sku == sku)
    data: dict[str, object] = {
        "name_zh": p.name_zh, "name_en": p.name_en, "brand": p.brand, "sku": p.sku, "barcode": p.barcode,
        "price_minor": str(p.price), "cost_minor": str(p.cost), "stock_qty": p.stock_qty, "unit": p.unit,
        "reorder_level": p.reorder_level, "supplier_id": str(p.supplier_id or ""), "pack_qty": p.pack_qty,
        "usage_advice_zh": p.usage_advice_zh, "usage_advice_en": p.usage_advice_en,
        "is_retail": p.is_retail, "is_backbar": p.is_backbar, "active": p.active,
    }
    data.update(changes)
    return data


def _set(sv: Services, owner: Actor, sku: str, **changes: object) -> int:
    pid = product(sv.db, sku)[0]
    sv.catalog.save_product(owner, pid, _product_data(sv, sku, **changes))
    return pid


def _moves(sv: Services, pid: int) -> list[tuple[str, int]]:
    with sv.db.uow(write=False) as uow:
        return [(m.reason, m.qty_delta) for m in uow.session.scalars(
            select(StockMovement).where(StockMovement.product_id == pid).order_by(StockMovement.id))]


def test_suppliers_are_the_owners_and_checked(services: Services, owner: Actor) -> None:
    sv = services
    desk = _desk(sv, owner)
    a = sv.stock.save_supplier(owner, None, {"name": "  Lotus  Beauty Supply ", "phone": "021-5555 0101"})
    assert a.name == "Lotus Beauty Supply" and a.active
    with pytest.raises(ValidationError) as bad:
        sv.stock.save_supplier(owner, None, {"name": "lotus beauty supply", "email": "nobody"})
    assert set(bad.value.errors) == {"email"}  # the form first; the name's clash after
    with pytest.raises(ValidationError) as twice:
        sv.stock.save_supplier(owner, None, {"name": "lotus beauty supply"})
    assert "already" in twice.value.errors["name"]
    with pytest.raises(NotAllowed):
        sv.stock.save_supplier(desk, a.id, {"name": "Renamed by the desk"})
    assert [x.name for x in sv.stock.suppliers()] == ["Lotus Beauty Supply"]
    with pytest.raises(ValidationError) as contact:
        sv.stock.save_supplier(owner, None, {"name": "North Pro", "phone": "abc", "email": "li@"})
    assert set(contact.value.errors) == {"phone", "email"}
    pid = _set(sv, owner, "CURL-150", supplier_id=str(a.id), stock_qty=0, reorder_level=5)
    sv.stock.save_supplier(owner, a.id, {"name": a.name, "active": False})
    assert sv.catalog.supplier_choices()[1:] == [(str(a.id), "Lotus Beauty Supply (retired)")]
    assert not sv.stock.suppliers()[0].active
    _set(sv, owner, "CURL-150", reorder_level=6)  # a product keeps its retired supplier when saved...
    with pytest.raises(ValidationError) as retired:  # ...but another product cannot be given it
        _set(sv, owner, "OIL-50", supplier_id=str(a.id))
    assert "retired" in retired.value.errors["supplier_id"]
    low = next(t for t in sv.stock.to_order() if t.product_id == pid)
    assert low.supplier_id is None and low.supplier_name == ""  # not ordered from a retired supplier


def test_an_order_from_the_low_stock_list_received_in_two_deliveries(services: Services, owner: Actor) -> None:
    sv = services
    desk = _desk(sv, owner)
    sup = sv.stock.save_supplier(owner, None, {"name": "Lotus Beauty Supply"})
    shampoo = _set(sv, owner, "SH-COL-250", stock_qty=3, reorder_level=10, supplier_id=str(sup.id), pack_qty=6,
                   cost_minor="52")
    oil = _set(sv, owner, "OIL-50", stock_qty=1, reorder_level=4, supplier_id="")
    low = {t.product_id: t for t in sv.stock.to_order()}
    assert low[shampoo].suggested == 18 and low[shampoo].on_hand == 3  # 17 to reach 20, in packs of 6
    assert low[oil].supplier_id is None
    drafted = sv.stock.draft_from_low_stock(owner, [shampoo, oil])
    assert [o.supplier_name for o in drafted.orders] == ["Lotus Beauty Supply"]
    assert drafted.no_supplier == (low[oil].name,)
    order = drafted.orders[0]
    assert order.state == "draft" and order.number.startswith("PO")
    assert [(ln.product_id, ln.ordered, ln.unit_cost) for ln in order.lines] == [(shampoo, 18, Decimal("52.00"))]
    on_list = {t.product_id: t for t in sv.stock.to_order()}[shampoo]
    assert (on_list.on_draft, on_list.draft_no) == (18, order.number)  # said on the list, not drafted again
    with pytest.raises(ValidationError) as drafted_already:
        sv.stock.draft_from_low_stock(owner, [shampoo])
    assert order.number in drafted_already.value.errors["order"]
    again = sv.stock.order(order.id)
    assert len(again.lines) == 1
    with pytest.raises(NotAllowed):
        sv.stock.send(desk, again.id, again.version)
    with pytest.raises(ValidationError) as bad:
        sv.stock.save_draft(owner, again.id, again.version, [{"product_id": shampoo, "qty": "0", "unit_cost": "x"}])
    assert set(bad.value.errors) == {"0.qty", "0.unit_cost"}
    edited = sv.stock.save_draft(owner, again.id, again.version,
                                 [{"product_id": shampoo, "qty": "12", "unit_cost": "50"},
                                  {"product_id": oil, "qty": "6", "unit_cost": "30.5"}], note="Before Friday")
    assert edited.total == Decimal("783.00") and edited.note == "Before Friday"
    with pytest.raises(ConflictError):  # a second desk's copy of the draft
        sv.stock.send(owner, edited.id, again.version)
    sent = sv.stock.send(owner, edited.id, edited.version)
    assert sent.state == "sent" and sent.sent_at is not None
    with pytest.raises(ValidationError):
        sv.stock.save_draft(owner, sent.id, sent.version, [])
    assert {t.product_id: t.on_order for t in sv.stock.to_order()}[shampoo] == 12

    line = {ln.product_id: ln.id for ln in sent.lines}
    before = _moves(sv, shampoo)
    with pytest.raises(ValidationError) as past:  # more than is still to come: nothing changes
        sv.stock.receive(desk, sent.id, sent.version, {line[shampoo]: 13, line[oil]: 6})
    assert "12" in past.value.errors[str(line[shampoo])]
    assert _moves(sv, shampoo) == before and product(sv.db, "SH-COL-250")[2] == 3
    first = sv.stock.receive(desk, sent.id, sent.version, {line[shampoo]: 8, line[oil]: 0})
    assert first.state == "partly" and first.open_qty == 10
    with pytest.raises(ConflictError):  # the same delivery typed again on a stale screen
        sv.stock.receive(desk, sent.id, sent.version, {line[shampoo]: 8})
    assert product(sv.db, "SH-COL-250")[2] == 11
    done = sv.stock.receive(desk, first.id, first.version, {line[shampoo]: 4, line[oil]: 6})
    assert done.state == "received" and done.open_qty == 0
    assert product(sv.db, "SH-COL-250")[2] == 15 and product(sv.db, "OIL-50")[2] == 7
    assert _moves(sv, shampoo)[-2:] == [("receive", 8), ("receive", 4)]
    assert next(p for p in sv.catalog.products() if p.id == oil).cost == Decimal("30.50")  # the latest cost
    with pytest.raises(ValidationError):
        sv.stock.cancel(owner, done.id, done.version)
    assert check_invariants(sv.db) == []


def test_a_cancelled_order_keeps_what_came(services: Services, owner: Actor) -> None:
    sv = services
    sup = sv.stock.save_supplier(owner, None, {"name": "North Pro"})
    pid = _set(sv, owner, "CUT-OIL", supplier_id=str(sup.id))
    order = sv.stock.new_order(owner, sup.id)
    with pytest.raises(ValidationError):  # nothing on it yet
        sv.stock.send(owner, order.id, order.version)
    order = sv.stock.save_draft(owner, order.id, order.version, [{"product_id": pid, "qty": 10, "unit_cost": ""}])
    order = sv.stock.send(owner, order.id, order.version)
    order = sv.stock.receive(owner, order.id, order.version, {order.lines[0].id: 4})
    stock = product(sv.db, "CUT-OIL")[2]
    cancelled = sv.stock.cancel(owner, order.id, order.version)
    assert cancelled.state == "cancelled" and cancelled.lines[0].received == 4 and cancelled.open_qty == 0
    assert product(sv.db, "CUT-OIL")[2] == stock
    with pytest.raises(ValidationError):
        sv.stock.receive(owner, order.id, cancelled.version, {order.lines[0].id: 1})
    assert pid not in {t.product_id for t in sv.stock.to_order() if t.on_order}
    with sv.db.uow(write=False) as uow:
        assert uow.session.scalar(select(PurchaseOrder.status).where(PurchaseOrder.id == order.id)) == "cancelled"
    assert check_invariants(sv.db) == []


def test_a_count_books_its_variance_against_the_record_when_counted(services: Services, owner: Actor) -> None:
    sv = services
    desk = _desk(sv, owner)
    oil_id, _price, oil_before = product(sv.db, "OIL-50")
    curl_id, _p, curl_before = product(sv.db, "CURL-150")
    count = sv.stock.start_count(desk, "retail")
    assert {ln.product_id for ln in count.lines} >= {oil_id, curl_id}
    assert all(ln.counted is None for ln in count.lines)
    assert "BB-COLOR" not in {ln.sku for ln in count.lines}  # used in services only: the back-bar's count
    with pytest.raises(ValidationError):
        sv.stock.start_count(owner, "backbar")  # one count at a time
    with pytest.raises(ValidationError):
        sv.stock.record_count(desk, count.id, oil_id, "two")
    sv.stock.record_count(desk, count.id, oil_id, oil_before - 2)  # two bottles missing
    sv.stock.record_count(desk, count.id, curl_id, curl_before)
    # a sale after the oil was counted: the bottle sold is not missing
    bill = sv.checkout.add_product(sv.checkout.build_bill(owner), oil_id)
    sv.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)])
    view = sv.stock.count(count.id)
    oil = next(ln for ln in view.lines if ln.product_id == oil_id)
    assert (oil.counted, oil.expected, oil.variance, oil.on_record) == (oil_before - 2, oil_before, -2, oil_before - 1)
    with pytest.raises(NotAllowed):  # the desk counts; the owner books the difference
        sv.stock.close_count(desk, count.id)
    closed = sv.stock.close_count(owner, count.id)
    assert closed.status == "closed" and closed.variance_qty == -2 and closed.counted == 2
    assert closed.variance_value == -2 * oil.unit_cost
    assert product(sv.db, "OIL-50")[2] == oil_before - 3 and product(sv.db, "CURL-150")[2] == curl_before
    assert _moves(sv, oil_id)[-1] == ("count", -2)
    with pytest.raises(ValidationError):
        sv.stock.record_count(desk, count.id, oil_id, 1)
    assert sv.stock.open_count() is None and [c.id for c in sv.stock.counts()] == [count.id]
    abandoned = sv.stock.start_count(desk, "backbar")
    colour = next(ln for ln in abandoned.lines if ln.sku == "BB-COLOR")
    sv.stock.record_count(desk, abandoned.id, colour.product_id, colour.on_record + 5)
    sv.stock.abandon_count(desk, abandoned.id)
    assert product(sv.db, "BB-COLOR")[2] == colour.on_record  # nothing booked
    assert check_invariants(sv.db) == []


def test_the_migration_opens_each_products_stock_with_a_movement(services: Services, owner: Actor) -> None:
    """A shop from before purchasing: stock set in the catalogue without movements, a sale's movement
    after it. Upgrading gives each product the opening movement its stock needs, dated with its first
    movement, and the check passes."""
    from sqlalchemy import text

    from desk_app.db import migrate

    sv = services
    oil_id, _price, _stock = product(sv.db, "OIL-50")
    bill = sv.checkout.add_product(sv.checkout.build_bill(owner), oil_id)
    sv.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)])
    migrate.downgrade(sv.db, "0031")
    with sv.db.engine.begin() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM stock_movements WHERE reason = 'opening'")).scalar() == 0
        conn.execute(text("UPDATE products SET stock_qty = 30 WHERE id = :p"), {"p": oil_id})
    migrate.upgrade(sv.db)
    assert check_invariants(sv.db) == []
    assert [r for r, _q in _moves(sv, oil_id)] == ["sale", "opening"] and _moves(sv, oil_id)[1][1] == 31
    with sv.db.engine.connect() as conn:
        sale_at, opening_at = conn.execute(text(
            "SELECT at FROM stock_movements WHERE product_id = :p ORDER BY id"), {"p": oil_id}).scalars().all()
    assert opening_at == sale_at


def test_the_report_and_the_export_show_the_stock(services: Services, owner: Actor, clock: object) -> None:
    """The month's report: the shelves at cost at its end (retail apart from the back-bar), what came
    from suppliers at the order's cost, what a count found; the PDF says it; the CSV export has every
    movement with its order."""
    import io

    from pypdf import PdfReader

    from desk_app.reports.exports import export

    sv = services
    sup = sv.stock.save_supplier(owner, None, {"name": "Lotus Beauty Supply"})
    oil = _set(sv, owner, "OIL-50", supplier_id=str(sup.id), cost_minor="20")
    month = sv.clock().strftime("%Y-%m")
    before = sv.reports.monthly(owner, month).data["stock"]
    order = sv.stock.new_order(owner, sup.id)
    order = sv.stock.save_draft(owner, order.id, order.version, [{"product_id": oil, "qty": 5, "unit_cost": "18"}])
    order = sv.stock.send(owner, order.id, order.version)
    sv.stock.receive(owner, order.id, order.version, {order.lines[0].id: 5})
    count = sv.stock.start_count(owner, "retail")
    on_hand = product(sv.db, "OIL-50")[2]
    sv.stock.record_count(owner, count.id, oil, on_hand - 1)
    sv.stock.close_count(owner, count.id)
    report = sv.reports.monthly(owner, month)
    stock = report.data["stock"]
    assert stock["received"] == {"units": 5, "value": "90.00"}  # at the order's 18.00, not the catalogue's
    assert stock["counts"] == {"closed": 1, "units": -1, "value": "-18.00"}  # at the cost the delivery set
    assert stock["retail"]["units"] == before["retail"]["units"] + 4
    assert stock["backbar"]["units"] == before["backbar"]["units"] and stock["backbar"]["units"] > 0
    text = "".join(pg.extract_text() for pg in PdfReader(io.BytesIO(sv.reports.pdf_bytes(owner, report, "en"))).pages)
    assert "Received from suppliers" in text and "Back-bar at month end" in text
    out = io.StringIO()
    export(sv.db, "stock", out, month=month)
    rows = [ln.split(",") for ln in out.getvalue().lstrip("\ufeff").splitlines()]
    assert rows[0][:5] == ["at", "sku", "product", "reason", "qty"]
    got = [r for r in rows[1:] if r[3] == "receive"]
    assert [(r[1], r[4], r[5], r[6]) for r in got] == [("OIL-50", "5", order.number, "18.00")]
    assert any(r[3] == "count" and r[4] == "-1" for r in rows[1:])


@pytest.mark.postgres
def test_two_desks_receiving_one_delivery_count_it_once_on_postgres(pg_url: str) -> None:
    """Server mode: two desks type the same delivery at the same moment; one is received, the other
    is refused (the order changed), and the stock rises once."""
    import threading

    from desk_app.bootstrap import open_database
    from desk_app.core.service import ServiceError
    from tests.conftest import OWNER_PIN, FakeClock

    db = open_database(pg_url)
    try:
        sv = Services(db, clock=FakeClock())
        owner = sv.shop.create_shop(name="PG Salon", currency="CNY", language="en", owner_name="O",
                                    owner_pin=OWNER_PIN)
        sup = sv.stock.save_supplier(owner, None, {"name": "Lotus Beauty Supply"})
        oil, _price, stock = product(db, "OIL-50")
        order = sv.stock.new_order(owner, sup.id)
        order = sv.stock.save_draft(owner, order.id, order.version, [{"product_id": oil, "qty": 6, "unit_cost": "20"}])
        order = sv.stock.send(owner, order.id, order.version)
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def desk() -> None:
            barrier.wait()
            try:
                sv.stock.receive(owner, order.id, order.version, {order.lines[0].id: 6})
                outcomes.append("received")
            except ServiceError:
                outcomes.append("refused")

        threads = [threading.Thread(target=desk) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(outcomes) == ["received", "refused"]
        assert product(db, "OIL-50")[2] == stock + 6
        assert sv.stock.order(order.id).state == "received"
        assert check_invariants(db) == []
    finally:
        db.dispose()
