"""The cash drawer: float, sales, cash in/out, refunds, close with a count, Z report, past days."""

from __future__ import annotations

import pytest

from desk_app.checkout.service import PaymentIn
from desk_app.container import Services
from desk_app.core.service import ServiceError, ValidationError
from desk_app.domain.permissions import Actor, NotAllowed
from tests.conftest import FakeClock
from tests.integration.test_checkout_support import new_staff


def test_day_balanced_and_z_report(services: Services, owner: Actor, clock: FakeClock) -> None:
    cash, co = services.cash, services.checkout
    desk = new_staff(services.db, owner.branch_id, "Amy", "receptionist")
    assert cash.current(owner.branch_id) is None
    with pytest.raises(ServiceError):
        cash.move(desk, "in", 100, "coins")
    cash.open(desk, 50000)
    with pytest.raises(ServiceError):
        cash.open(desk, 100)
    b = co.add_counter_item(co.build_bill(desk), "Cut", 16800)
    s1 = services.payments.pay(desk, b, [PaymentIn("cash", 16800, tendered_minor=20000)])
    b = co.add_counter_item(co.build_bill(desk), "Blow-dry", 6800)
    b = co.add_tip(b, owner.staff_id, 1000)
    services.payments.pay(desk, b, [PaymentIn("card", 4000), PaymentIn("cash", 3800)])
    cash.move(desk, "in", 10000, "change from the bank")
    with pytest.raises(ValidationError):
        cash.move(desk, "out", 5000, "  ")
    cash.move(desk, "out", 3000, "flowers")
    services.payments.refund(owner, s1.sale_id, None, "unhappy with the cut")
    cur = cash.current(owner.branch_id)
    assert cur is not None
    expected = 50000 + 16800 + 3800 + 10000 - 3000 - 16800
    assert cur.expected_minor == expected
    clock.advance(hours=9)
    closed = cash.close(desk, expected)
    assert closed.over_short_minor == 0 and not closed.is_open
    z = cash.z_report(closed.id)
    by = {m: (n, a) for m, n, a in z.by_method}
    assert by["cash"] == (3, 16800 + 3800 - 16800) and by["card"] == (1, 4000)
    assert z.sales_count == 2 and z.refunds_count == 1 and z.refunds_total_minor == -16800
    assert z.tips_minor == 1000 and z.tips_by_staff == ((owner.name, 1000),)
    assert z.net_takings_minor == 16800 + 7800 - 16800
    # a new day: open again, close short; both days are kept
    cash.open(desk, 50000)
    short = cash.close(desk, 49000, "a note missing")
    assert short.over_short_minor == -1000
    assert [d.id for d in cash.history(owner.branch_id)] == [short.id, closed.id]


def test_stylist_cannot_use_the_drawer(services: Services, owner: Actor) -> None:
    leo = new_staff(services.db, owner.branch_id, "Leo", "stylist")
    with pytest.raises(NotAllowed):
        services.cash.open(leo, 100)


def test_cash_taken_with_no_drawer_open_is_counted_in_the_next_drawer(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    cash, co = services.cash, services.checkout
    desk = new_staff(services.db, owner.branch_id, "Amy", "receptionist")
    b = co.add_counter_item(co.build_bill(desk), "Shampoo", 12800)
    services.payments.pay(desk, b, [PaymentIn("cash", 12800, tendered_minor=13000)])  # before the morning float
    clock.advance(minutes=5)
    opened = cash.open(desk, 50000)
    assert opened.expected_minor == 50000 + 12800
    closed = cash.close(desk, 62800)
    assert closed.over_short_minor == 0
    z = cash.z_report(closed.id)
    assert z.sales_count == 1 and dict((m, a) for m, _n, a in z.by_method)["cash"] == 12800
