"""The planner on a shop with fixed dates: birthdays (29 February on the 28th), rebook nudges at
the service's return interval, low balances, expiries at the reminder days, and reminders for
bookings that have none (an import). Each pass is idempotent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from desk_app.container import Services
from desk_app.db.models import (
    Appointment,
    AppointmentService,
    Client,
    PrepaidAccount,
    PrepaidMovement,
    Service,
)
from desk_app.domain.permissions import Actor
from desk_app.messages.planner import plan
from desk_app.settings import S
from tests.integration.messages_helpers import client, email_set_up, outbox
from tests.integration.test_aftercare_data import visit
from tests.integration.test_calendar_support import at, new_stylist, service_id


@pytest.fixture
def shop(services: Services, owner: Actor) -> Services:
    email_set_up(services.settings, 2525)
    return services


def run_plan(services: Services, now: datetime) -> int:
    with services.db.uow() as uow:
        n = plan(uow.session, now, services.settings)
        uow.commit()
    return n


def sh(y: int, m: int, d: int, h: int = 10) -> datetime:
    return at(date(y, m, d), h)


def test_birthdays_on_the_shops_day_with_29_february_on_the_28th(shop: Services) -> None:
    db = shop.db
    today = client(db, "Today", marketing=True, birthday=date(1990, 11, 18))
    client(db, "No marketing", marketing=False, birthday=date(1990, 11, 18))
    client(db, "Tomorrow", marketing=True, birthday=date(1990, 11, 19))
    leap = client(db, "Leap", marketing=True, birthday=date(2000, 2, 29))
    # 00:30 on the 18th in Shanghai is still the 17th in UTC: the shop's day counts
    assert run_plan(shop, datetime(2026, 11, 17, 16, 30, tzinfo=UTC)) == 1
    assert [(r.client_id, r.kind, r.dedupe_key) for r in outbox(db)] == [
        (today, "birthday", f"birthday:client:{today}:2026")]
    assert run_plan(shop, sh(2026, 11, 18, 15)) == 0  # idempotent
    assert run_plan(shop, sh(2027, 2, 28)) == 1  # 2027 has no 29 February
    assert outbox(db, client_id=leap)[0].dedupe_key == f"birthday:client:{leap}:2027"
    assert run_plan(shop, sh(2028, 2, 28)) == 0  # 2028 has one
    assert run_plan(shop, sh(2028, 2, 29)) == 1


def test_rebook_nudge_when_the_return_interval_passed_without_a_booking(shop: Services, owner: Actor) -> None:
    db = shop.db
    cut = service_id(db, "CUT-W")
    with db.uow() as uow:
        svc = uow.session.get(Service, cut)
        assert svc is not None
        svc.return_interval_days = 42
        uow.commit()
    leo = new_stylist(db, "Leo")
    lapsed = client(db, "Lapsed", marketing=True)
    booked = client(db, "Booked", marketing=True)
    recent = client(db, "Recent", marketing=True)
    now = sh(2026, 11, 18)
    for cid, days in ((lapsed, 45), (booked, 45), (recent, 20)):
        arrived = now - timedelta(days=days)
        visit(db, shop.settings, branch_id=owner.branch_id, client_id=cid, stylist_id=leo, desk_id=None,
              arrived=arrived, service_id=cut)
        with db.uow() as uow:
            c = uow.session.get(Client, cid)
            assert c is not None
            c.last_visit_at = arrived
            uow.commit()
    with db.uow() as uow:  # "Booked" already has the next visit
        a = Appointment(branch_id=owner.branch_id, client_id=booked, staff_id=leo, start_at=now + timedelta(days=3),
                        end_at=now + timedelta(days=3, hours=1), block_end_at=now + timedelta(days=3, hours=1))
        uow.session.add(a)
        uow.commit()
    n = run_plan(shop, now)
    rebook = outbox(db, kind="rebook")
    day = (now - timedelta(days=45)).date()
    assert [(r.client_id, r.dedupe_key) for r in rebook] == [(lapsed, f"rebook:client:{lapsed}:{day.isoformat()}")]
    assert n == 1 and run_plan(shop, now + timedelta(hours=3)) == 0
    assert run_plan(shop, now + timedelta(days=21)) == 0  # "Recent": 41 days, not yet
    assert run_plan(shop, now + timedelta(days=23)) == 1  # 43 days: its nudge
    assert [r.client_id for r in outbox(db, kind="rebook")] == [lapsed, recent]


def test_low_balance_after_its_last_movement_and_expiry_at_each_reminder_day(shop: Services) -> None:
    db = shop.db
    now = sh(2026, 11, 18)
    low = client(db, "Low")
    expiring = client(db, "Expiring")
    long_ago = client(db, "Long ago")
    with db.uow() as uow:
        s = uow.session
        a = PrepaidAccount(client_id=low, balance_minor=5000)
        b = PrepaidAccount(client_id=expiring, balance_minor=50000, expires_on=date(2026, 12, 28))  # in 40 days
        s.add_all([a, b])
        s.flush()
        m = PrepaidMovement(account_id=a.id, kind="spend", amount_minor=-3000, balance_after_minor=5000,
                            at=now - timedelta(days=2))
        s.add(m)
        s.flush()
        low_acc, exp_acc, move_id = a.id, b.id, m.id
        old = PrepaidAccount(client_id=long_ago, balance_minor=3000)  # low for months: not news
        s.add(old)
        s.flush()
        s.add(PrepaidMovement(account_id=old.id, kind="spend", amount_minor=-100, balance_after_minor=3000,
                              at=now - timedelta(days=60)))
        uow.commit()
    assert run_plan(shop, now) == 2
    assert sorted((r.kind, r.dedupe_key) for r in outbox(db)) == [
        ("balance_low", f"balance_low:prepaid:{low_acc}:{move_id}"),
        ("package_expiring", f"package_expiring:prepaid:{exp_acc}:60"),
    ]
    assert run_plan(shop, now + timedelta(days=1)) == 0
    assert run_plan(shop, now + timedelta(days=34)) == 1  # 6 days left: the one-week reminder
    assert outbox(db, kind="package_expiring")[-1].dedupe_key == f"package_expiring:prepaid:{exp_acc}:7"
    shop.settings.set(S.MESSAGES_KINDS, ["reminder"])  # the shop stopped these kinds
    assert run_plan(shop, now + timedelta(days=38)) == 0


def test_a_booking_without_a_reminder_gets_one(shop: Services, owner: Actor) -> None:
    """An imported booking (written without the calendar's hook) is found by the planner."""
    db = shop.db
    leo = new_stylist(db, "Leo")
    cid = client(db, "Imported")
    start = sh(2026, 11, 19, 15)
    with db.uow() as uow:
        a = Appointment(branch_id=owner.branch_id, client_id=cid, staff_id=leo, start_at=start,
                        end_at=start + timedelta(hours=1), block_end_at=start + timedelta(hours=1), source="import")
        uow.session.add(a)
        uow.session.flush()
        uow.session.add(AppointmentService(appointment_id=a.id, service_id=service_id(db, "CUT-W"), duration_min=60))
        aid = a.id
        uow.commit()
    now = sh(2026, 11, 18)
    assert run_plan(shop, now) == 1
    r = outbox(db)
    assert [(x.kind, x.ref_id, x.due_at) for x in r] == [("reminder", aid, start - timedelta(hours=24))]
    assert run_plan(shop, now) == 0


def test_the_planner_on_postgresql(pg_url: str, clock: object) -> None:
    """The bulk insert (INSERT ... ON CONFLICT DO NOTHING) on the server, in the shop's language;
    a key another desk wrote is skipped, not an error."""
    from desk_app.bootstrap import open_database
    from desk_app.db.models import Client as ClientRow
    from desk_app.messages.outbox import Planned, enqueue_many, ready_channels
    from tests.conftest import OWNER_PIN

    db = open_database(pg_url)
    try:
        services = Services(db, clock=clock)  # type: ignore[arg-type]
        services.shop.create_shop(name="Lotus", currency="CNY", language="zh_CN", owner_name="Mia", owner_pin=OWNER_PIN)
        email_set_up(services.settings, 2525)
        cid = client(db, "寿星", marketing=True, birthday=date(1990, 11, 18), language="")
        assert run_plan(services, sh(2026, 11, 18)) == 1
        assert run_plan(services, sh(2026, 11, 18, 12)) == 0
        row = outbox(db)[0]
        assert (row.kind, row.language, row.dedupe_key) == ("birthday", "zh_CN", f"birthday:client:{cid}:2026")
        with db.uow() as uow:  # another desk writes the same key first
            c = uow.session.get(ClientRow, cid)
            assert c is not None
            item = Planned(c, "birthday", "client", cid, sh(2026, 11, 18), "k-race", None)
            other = db.engine.connect()
            other.exec_driver_sql(
                "INSERT INTO outbox (client_id, kind, channel, language, ref_kind, dedupe_key, planned_at, due_at, "
                "state, attempts, last_error_code, last_error, provider_id, to_address, subject, body, claimed_by, "
                "created_at) VALUES (%s, 'birthday', 'email', 'en', 'client', 'k-race', now(), now(), 'queued', 0, "
                "'', '', '', '', '', '', '', now())", (cid,))
            other.commit()
            other.close()
            enqueue_many(uow.session, [item], services.settings, ready_channels(services.settings))
            uow.commit()
        assert [r.dedupe_key for r in outbox(db)] == [f"birthday:client:{cid}:2026", "k-race"]
    finally:
        db.dispose()
