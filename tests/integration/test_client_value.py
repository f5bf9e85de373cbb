"""Issue 15: client value segments (the source's current and potential value) order the follow-up
calls, show on the profile and are counted in the month (docs/service-standard.md)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

from desk_app.container import Services
from desk_app.db.models import Appointment, Client, Sale, SaleLine
from desk_app.domain.permissions import Actor
from desk_app.settings import S
from tests.conftest import FakeClock
from tests.integration.test_aftercare_data import add_client, add_staff, visit

_receipts = itertools.count(1)


def spend(
    services: Services, branch_id: int, client_id: int, at: datetime, amount: int, kind: str = "sale", tip: int = 0
) -> None:
    """A sale (a refund: ``amount`` negative) of ``amount`` yuan of services to the client at
    ``at``, with a tip (not spend: the profile's total spend leaves tips out too)."""
    with services.db.uow() as uow:
        sale = Sale(
            branch_id=branch_id,
            receipt_no=f"T{next(_receipts):08d}",
            kind=kind,
            client_id=client_id,
            sold_at=at,
            currency="CNY",
            subtotal_minor=amount * 100,
            tip_minor=tip * 100,
            total_minor=(amount + tip) * 100,
        )
        uow.session.add(sale)
        uow.session.flush()
        lines = [("service", amount)] + ([("tip", tip)] if tip else [])
        for n, (line_kind, value) in enumerate(lines, start=1):
            uow.session.add(
                SaleLine(
                    sale_id=sale.id,
                    line_no=n,
                    kind=line_kind,
                    description=line_kind,
                    unit_price_minor=value * 100,
                    line_total_minor=value * 100,
                )
            )
        uow.commit()


def first_visit(services: Services, client_id: int, at: datetime) -> None:
    with services.db.uow() as uow:
        c = uow.session.get(Client, client_id)
        assert c is not None
        c.first_visit_at = at
        uow.commit()


def test_follow_ups_call_key_clients_first_and_the_profile_says_why(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    now = clock()
    b = owner.branch_id
    stylist = add_staff(services.db, b, "Leo")
    # created (and due) in the reverse of the order they are to be called in
    standard = add_client(services.db, "Dora Standard", "+8613900000004")
    develop = add_client(services.db, "Cleo Develop", "+8613900000003")
    keep = add_client(services.db, "Bea Keep", "+8613900000002")
    key = add_client(services.db, "Ann Key", "+8613900000001")
    for cid in (standard, develop, keep, key):
        first_visit(services, cid, now - timedelta(days=700))
    spend(services, b, key, now - timedelta(days=30), 4000, tip=50)  # the tip is not spend
    with services.db.uow() as uow:  # Ann is booked again: a sign of potential
        uow.session.add(
            Appointment(
                branch_id=b,
                client_id=key,
                staff_id=stylist.staff_id,
                start_at=now + timedelta(days=20),
                end_at=now + timedelta(days=20, hours=1),
                block_end_at=now + timedelta(days=20, hours=1),
                status="booked",
            )
        )
        uow.commit()
    spend(services, b, keep, now - timedelta(days=250), 3500)  # high, but nothing growing
    spend(services, b, keep, now - timedelta(days=400), 9000)  # over a year ago: not counted
    first_visit(services, develop, now - timedelta(days=20))  # new: high potential
    spend(services, b, develop, now - timedelta(days=20), 300)
    spend(services, b, standard, now - timedelta(days=300), 800)
    spend(services, b, standard, now - timedelta(days=290), -800, kind="refund")  # net 0
    for cid in (standard, develop, keep, key):
        visit(
            services.db,
            services.settings,
            branch_id=b,
            client_id=cid,
            stylist_id=stylist.staff_id,
            desk_id=owner.staff_id,
            arrived=now - timedelta(days=2, hours=3),
        )
    lists = services.aftercare.followups(actor=owner)
    assert [f.client_id for f in lists.due] == [key, keep, develop, standard]
    assert [f.segment for f in lists.due] == ["key", "loyal", "promising", "standard"]

    ann = services.clients.get(owner, key)
    assert ann.segment == "key" and ann.spend_12m == Decimal("4000") and "booked again" in ann.segment_why
    assert services.clients.get(owner, develop).segment_why == "first visit recently"
    assert services.clients.get(owner, standard).spend_12m == Decimal("0")

    # the owner raises the bar: 4,000 is no longer a high current value
    services.settings.set(S.SEGMENT_HIGH_VALUE, Decimal("5000"))
    lists = services.aftercare.followups(actor=owner)
    assert [f.segment for f in lists.due] == ["promising", "promising", "standard", "standard"]
    assert [f.client_id for f in lists.due][:2] == [develop, key]  # then by when the call is due (same: first made)


def test_the_month_counts_the_clients_it_served_by_value(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    now = clock()
    b = owner.branch_id
    big = add_client(services.db, "Big Spender", "+8613900000011")
    fresh = add_client(services.db, "New Face", "+8613900000012")
    quiet = add_client(services.db, "Not This Month", "+8613900000013")
    first_visit(services, big, now - timedelta(days=500))
    first_visit(services, fresh, now - timedelta(days=3))
    first_visit(services, quiet, now - timedelta(days=500))
    spend(services, b, big, now - timedelta(days=3), 3200)
    spend(services, b, fresh, now - timedelta(days=3), 150)
    spend(services, b, quiet, now - timedelta(days=60), 9000)  # not served this month
    cv = services.reports.monthly(owner, now.strftime("%Y-%m")).data["client_value"]
    assert cv["served"] == 2 == sum(cv["by_segment"].values())
    assert cv["by_segment"] == {"key": 0, "loyal": 1, "promising": 1, "standard": 0}
    from desk_app.reports.pdf import client_value_rows

    rows = client_value_rows(cv)
    assert rows[0][1] == "2" and rows[1][1] == "0 / 1 / 1 / 0"
