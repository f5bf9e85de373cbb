"""Keeping in touch (birthdays, expiring and low balances, CSV) and feedback records."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from desk_app.container import Services
from desk_app.core.service import ValidationError
from desk_app.db.models import ClientPackage, Package, PrepaidAccount, PrepaidMovement
from desk_app.domain.permissions import Actor
from desk_app.settings import S
from tests.conftest import FakeClock
from tests.integration.test_aftercare_data import add_client, add_staff, shanghai, visit


@pytest.fixture
def desk(services: Services, owner: Actor) -> Actor:
    return add_staff(services.db, owner.branch_id, "Amy", "receptionist", {"see_phone": False})


def _prepaid(
    services: Services, client_id: int, balance: int, expires: date | None, moved_at: object = None
) -> int:
    with services.db.uow() as uow:
        a = PrepaidAccount(client_id=client_id, balance_minor=balance, expires_on=expires)
        uow.session.add(a)
        uow.session.flush()
        if moved_at is not None:
            uow.session.add(
                PrepaidMovement(
                    account_id=a.id, kind="spend", amount_minor=-100, balance_after_minor=balance, at=moved_at
                )
            )
        aid = a.id
        uow.commit()
    return aid


def test_birthdays_this_week_in_shop_days(services: Services, desk: Actor, clock: FakeClock) -> None:
    # the clock is Wednesday 18 Nov 2026: the week runs Mon 16 to Sun 22
    add_client(services.db, "Sunday Girl", birthday=date(1990, 11, 22), channel="wechat", wechat="sunday_g")
    add_client(services.db, "Monday Man", birthday=date(1985, 11, 16))
    add_client(services.db, "Next Monday", birthday=date(1985, 11, 23))
    items = services.aftercare.birthdays_this_week(actor=desk)
    assert [i.client_name for i in items] == ["Monday Man", "Sunday Girl"]
    assert items[1].channel == "wechat" and items[1].contact == "sunday_g"
    assert items[0].contact == "138****5678"  # masked for a receptionist without phone rights
    assert "36" in items[1].detail  # turns 36
    services.aftercare.mark_outreach_done(desk, items[0])
    again = services.aftercare.birthdays_this_week(actor=desk)
    assert [(i.client_name, i.status) for i in again] == [("Sunday Girl", "open"), ("Monday Man", "done")]


def test_expiry_reminded_at_each_stage(services: Services, desk: Actor, clock: FakeClock) -> None:
    cid = add_client(services.db, "Zhao Lei")
    today = date(2026, 11, 18)
    _prepaid(services, cid, 50000, today + timedelta(days=40))
    items = services.aftercare.expiring(actor=desk)
    assert len(items) == 1 and items[0].kind == "prepaid_expiry"
    assert items[0].due_on == today + timedelta(days=40 - 60)  # the 60-day reminder
    assert "in 40 days" in items[0].detail
    services.aftercare.mark_outreach_done(desk, items[0])
    assert services.aftercare.expiring(actor=desk)[0].status == "done"
    clock.advance(days=34)  # 6 days left: the one-week reminder is a new task
    item = services.aftercare.expiring(actor=desk)[0]
    assert item.status == "open" and item.due_on == today + timedelta(days=33)
    clock.advance(days=7)  # expired: off the list
    assert services.aftercare.expiring(actor=desk) == []


def test_expiring_package_and_low_balances(services: Services, desk: Actor, clock: FakeClock) -> None:
    services.settings.set(S.OUTREACH_EXPIRY_REMINDERS_DAYS, [7, 3])
    cid = add_client(services.db, "Chen Jing")
    with services.db.uow() as uow:
        pkg = uow.session.query(Package).first()
        assert pkg is not None
        uow.session.add(
            ClientPackage(
                client_id=cid,
                package_id=pkg.id,
                service_id=pkg.service_id,
                sessions_total=10,
                sessions_used=9,
                price_minor=pkg.price_minor,
                purchased_at=clock.now,
                expires_on=date(2026, 11, 20),
            )
        )
        uow.session.add(
            ClientPackage(
                client_id=cid,
                package_id=pkg.id,
                service_id=pkg.service_id,
                sessions_total=10,
                sessions_used=2,
                price_minor=pkg.price_minor,
                purchased_at=clock.now,
                expires_on=date(2026, 12, 20),
            )
        )
        uow.commit()
    _prepaid(services, add_client(services.db, "Low Lu"), 8000, None, moved_at=clock.now - timedelta(days=1))
    exp = services.aftercare.expiring(actor=desk)
    assert [(i.kind, i.due_on) for i in exp] == [("package_expiry", date(2026, 11, 17))]
    low = services.aftercare.low_balances(actor=desk)
    assert sorted(i.kind for i in low) == ["low_balance", "package_low"]
    lb = next(i for i in low if i.kind == "low_balance")
    assert lb.client_name == "Low Lu" and "80.00" in lb.detail and lb.due_on == date(2026, 11, 17)


def test_csv_export_has_bom_and_all_lists(services: Services, desk: Actor) -> None:
    add_client(services.db, "王芳", birthday=date(1990, 11, 19))
    data = services.aftercare.outreach_csv(desk)
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][0] == "List" and table[1][2] == "王芳" and table[1][0] == "Birthday"
    assert "5678" in table[1][4] and "1234" not in table[1][4]  # masked


def test_feedback_pending_then_handled(
    services: Services, owner: Actor, desk: Actor, clock: FakeClock
) -> None:
    cid = add_client(services.db, "Sun Yue")
    vid = visit(
        services.db,
        services.settings,
        branch_id=owner.branch_id,
        client_id=cid,
        stylist_id=None,
        desk_id=desk.staff_id,
        arrived=shanghai(2026, 11, 18, 8),
    )
    fb = services.aftercare.record_checkout_satisfaction(desk, vid, None, 3, "Music too loud")
    assert fb.status == "pending" and fb.process_due_at == clock.now + timedelta(hours=72)
    clock.advance(hours=73)
    assert services.aftercare.feedback_list("pending")[0].overdue
    with pytest.raises(ValidationError) as e:
        services.aftercare.handle_feedback(desk, fb.id, "", None)
    assert {"improvement_action", "responsible_id"} == set(e.value.errors)
    done = services.aftercare.handle_feedback(desk, fb.id, "Quieter playlist after 6 pm", owner.staff_id)
    assert done.status == "handled" and done.responsible == "Mia Chen" and not done.overdue
    assert services.aftercare.feedback_list("pending") == []
