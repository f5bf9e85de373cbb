"""#13 item 19: what the monthly report counts as a new client, a new profile and a staff member
worth listing. A newcomer read "New clients 1 (-97.1%)" while 22 clients had their first visit
that month, and a receptionist at CN¥0 in the revenue by stylist."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from desk_app.container import Services
from desk_app.db.models import Client, Staff, Visit
from desk_app.domain.permissions import Actor
from desk_app.i18n import Fmt
from desk_app.reports.monthly import build_monthly
from desk_app.reports.monthly_staff import earned
from desk_app.reports.pdf import render_pdf_bytes
from tests.integration.test_checkout_support import new_client, new_staff


def _at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 4, 0, tzinfo=UTC)  # midday in Shanghai


def _visit(services: Services, branch_id: int, client_id: int, staff_id: int, when: datetime, step: str = "done") -> None:
    with services.db.uow() as uow:
        uow.session.add(
            Visit(branch_id=branch_id, client_id=client_id, staff_id=staff_id, kind="walk_in", step=step,
                  status="done" if step == "done" else "cancelled", arrived_at=when, greeted_at=when)
        )  # fmt: skip
        uow.commit()


def _created(services: Services, client_id: int, when: datetime) -> None:
    with services.db.uow() as uow:
        uow.session.execute(update(Client).where(Client.id == client_id).values(created_at=when))
        uow.commit()


def test_a_new_client_is_one_whose_first_visit_is_in_the_month_and_the_month_before_counts_alike(
    services: Services, owner: Actor
) -> None:
    leo = new_staff(services.db, owner.branch_id)
    imported = new_client(services.db, "Imported in September")  # profile older than the month
    _created(services, imported, _at(9, 3))
    _visit(services, owner.branch_id, imported, leo.staff_id, _at(11, 5))  # first visit: November
    regular = new_client(services.db, "Regular")
    _created(services, regular, _at(10, 1))
    _visit(services, owner.branch_id, regular, leo.staff_id, _at(10, 2))  # new in October
    _visit(services, owner.branch_id, regular, leo.staff_id, _at(11, 9))  # returning in November
    booked_only = new_client(services.db, "Profile only")
    _created(services, booked_only, _at(11, 12))  # a profile made in November, never came
    cancelled = new_client(services.db, "Cancelled first")
    _created(services, cancelled, _at(11, 1))
    _visit(services, owner.branch_id, cancelled, leo.staff_id, _at(10, 20), step="cancelled")
    _visit(services, owner.branch_id, cancelled, leo.staff_id, _at(11, 20))  # a cancelled visit is no visit

    nov = build_monthly(services.db, "2026-11", settings=services.settings, now=_at(12, 1))
    assert nov["new_clients"] == 2  # imported + cancelled-first
    assert nov["returning_clients"] == 1  # regular
    assert nov["new_profiles"] == 2  # "Profile only" and "Cancelled first", made in November
    oct_ = build_monthly(services.db, "2026-10", settings=services.settings, now=_at(12, 1))
    assert oct_["new_clients"] == 1 and oct_["returning_clients"] == 0  # regular
    figures = nov["comparison"]["figures"]["new_clients"]
    assert figures["current"] == 2 and figures["previous"] == 1  # the same rule for both months


def test_staff_with_nothing_are_not_listed_and_only_sellers_are_in_the_revenue_chart(
    services: Services, owner: Actor
) -> None:
    leo = new_staff(services.db, owner.branch_id, "Leo")
    idle = new_staff(services.db, owner.branch_id, "Idle Ivy")
    cid = new_client(services.db, "Ann")
    _visit(services, owner.branch_id, cid, leo.staff_id, _at(11, 5))
    data = build_monthly(services.db, "2026-11", settings=services.settings, now=_at(12, 1))
    names = [s["name"] for s in data["by_staff"]]
    assert "Idle Ivy" not in names and "Leo" in names
    leo_row = next(s for s in data["by_staff"] if s["name"] == "Leo")
    assert not earned(leo_row)  # a visit but nothing sold: in the table, not in the chart
    text = render_pdf_bytes(data, Fmt.for_shop("en", "Asia/Shanghai", "CNY"))
    assert b"%PDF" in text[:8]
    with services.db.uow(write=False) as uow:
        assert uow.session.scalar(select(Staff.id).where(Staff.id == idle.staff_id)) is not None
