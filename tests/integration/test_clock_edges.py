"""Days that are not like the others, in a shop whose time zone has daylight saving (Europe/Berlin).

The process-wide formatting zone stays Asia/Shanghai (the test fixture sets it): every figure
below must come from the shop's own zone and the services' clock, never from the machine.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from desk_app.bootstrap import open_database
from desk_app.calendar.service import BookingRequest
from desk_app.checkout.service import PaymentIn
from desk_app.container import Services
from desk_app.db.models import AuditEntry, PrepaidAccount
from desk_app.domain.permissions import Actor
from desk_app.reports.monthly import build_monthly
from desk_app.settings import S
from tests.conftest import FakeClock
from tests.integration.test_calendar_support import new_client, new_stylist, service_id

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(y: int, mo: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, mo, d, hh, mm, tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def berlin_shop(tmp_path: Path) -> tuple[Services, Actor, FakeClock]:
    clock = FakeClock(berlin(2027, 3, 26, 9))  # the Friday before clocks go forward
    db = open_database(str(tmp_path / "berlin.sqlite3"))
    services = Services(db, clock=clock)
    owner = services.shop.create_shop(
        name="Salon Mitte", currency="EUR", language="en", owner_name="Jana", owner_pin="1234",
        timezone="Europe/Berlin", region="DE",
    )
    yield services, owner, clock
    db.dispose()


def test_the_short_and_the_long_day_in_the_calendar(berlin_shop: tuple[Services, Actor, FakeClock]) -> None:
    services, owner, _clock = berlin_shop
    leo = new_stylist(services.db, "Leo")
    cal = services.calendar
    short, normal, long_ = cal.day(date(2027, 3, 28)), cal.day(date(2027, 3, 27)), cal.day(date(2027, 10, 31))
    assert short.bounds.end - short.bounds.start == timedelta(hours=23)
    assert normal.bounds.end - normal.bounds.start == timedelta(hours=24)
    assert long_.bounds.end - long_.bounds.start == timedelta(hours=25)
    assert short.bounds.start == datetime(2027, 3, 27, 23, 0, tzinfo=UTC)  # local midnight, winter time
    # a 10:00 booking on the morning after the change is 08:00 UTC (summer time), shown on that day
    cut = service_id(services.db, "CUT-W")
    client = new_client(services.db, "Anna Weber", phone="+4915112345678")
    v = cal.book(owner, BookingRequest(client_id=client, staff_id=leo, start_at=berlin(2027, 3, 28, 10),
                                      service_ids=[cut]))
    assert v.start_at == datetime(2027, 3, 28, 8, 0, tzinfo=UTC)
    assert [a.id for a in cal.day(date(2027, 3, 28)).for_staff(leo)] == [v.id]
    assert cal.day(date(2027, 3, 27)).for_staff(leo) == []
    # free slots that day are on the local grid (whole slots after 10:00 Berlin time, not 09:00 or 11:00 UTC+1)
    slots = cal.free_slots(leo, berlin(2027, 3, 28, 0), berlin(2027, 3, 29, 0), 60)
    assert len(slots) >= 4
    for s in slots:
        local = s.start_at.astimezone(BERLIN)
        assert local.date() == date(2027, 3, 28) and local.minute % 15 == 0
        assert not (v.start_at <= s.start_at < v.start_at + timedelta(minutes=60))


def test_the_cash_day_and_the_month_end_are_the_shop_days(berlin_shop: tuple[Services, Actor, FakeClock]) -> None:
    services, owner, clock = berlin_shop
    co, cash = services.checkout, services.cash
    # 23:40 on the last day of a month in Berlin is already the next day in Shanghai (the formatting zone)
    clock.now = berlin(2027, 3, 31, 23, 40)
    day = cash.open(owner, 10000)
    assert day.business_date == date(2027, 3, 31)
    late = services.payments.pay(owner, co.add_counter_item(co.build_bill(owner), "Late trim", 3000), [PaymentIn("cash", 3000)])
    cash.close(owner, 13000)
    clock.now = berlin(2027, 4, 1, 0, 20)  # twenty minutes later: April in Berlin
    early = services.payments.pay(owner, co.add_counter_item(co.build_bill(owner), "Early trim", 2000), [PaymentIn("card", 2000)])
    assert cash.open(owner, 10000).business_date == date(2027, 4, 1)
    march = build_monthly(services.db, "2027-03", settings=services.settings, compare=False)
    april = build_monthly(services.db, "2027-04", settings=services.settings, compare=False)
    assert march["revenue"]["total"] == "30.00" and april["revenue"]["total"] == "20.00"
    assert late.sale_id != early.sale_id


def test_29_february_prepaid_expiry_and_audit_time(berlin_shop: tuple[Services, Actor, FakeClock]) -> None:
    services, owner, clock = berlin_shop
    services.settings.set(S.PREPAID_VALIDITY_DAYS, 365)
    clock.now = berlin(2028, 2, 29, 23, 30)  # a leap day, late evening in the shop (already 1 March in UTC+8)
    client = new_client(services.db, "Lena Fischer", phone="+4915198765432")
    co = services.checkout
    bill = co.add_topup(co.set_client(co.build_bill(owner), client), 50000)
    services.payments.pay(owner, bill, [PaymentIn("card", 50000)])
    with services.db.uow(write=False) as uow:
        acct = uow.session.scalars(select(PrepaidAccount).where(PrepaidAccount.client_id == client)).one()
        assert acct.expires_on == date(2029, 2, 28)  # 365 days after 29 February 2028, shop time
        last = uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
        assert last.at == clock()
