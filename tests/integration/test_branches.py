"""Branches run by the owner (issue 18): add, edit, close and reopen; staff at several branches;
the desk's branch at sign-in and on what is recorded there (real SQLite, real migrations)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from desk_app.calendar.views import BookingRequest
from desk_app.container import Services
from desk_app.core.service import ValidationError
from desk_app.db.models import AuditEntry, StaffBranch
from desk_app.domain.permissions import Actor, NotAllowed
from desk_app.trust.pins import PinRefused
from tests.conftest import OWNER_PIN, FakeClock
from tests.integration.test_calendar_support import HOURS, at, new_client, service_id

TOMORROW = date(2026, 11, 19)
PIN = "246813"


def east(services: Services, owner: Actor) -> int:
    return services.branches.add(
        owner, {"code": "east", "name": "Lotus East", "address": "88 Dong Lu", "phone": "021-5555 0101",
                "receipt_header": "Open 10-21 every day"}
    ).id


def staff(services: Services, owner: Actor, name: str, branch_ids: list[int], role: str = "stylist") -> int:
    return services.auth.save_staff(
        owner, staff_id=None, name=name, role=role, pin=PIN, working_hours=HOURS, branch_ids=branch_ids
    ).id


def test_owner_adds_edits_closes_and_reopens_a_branch(services: Services, owner: Actor, clock: FakeClock) -> None:
    bid = east(services, owner)
    listed = {b.code: b for b in services.branches.list()}
    assert set(listed) == {"MAIN", "EAST"}  # the code is kept in capitals
    assert listed["EAST"].receipt_header == "Open 10-21 every day" and listed["EAST"].active
    services.branches.edit(owner, bid, {"code": "EAST", "name": "Lotus East Side", "address": "88 Dong Lu",
                                        "phone": "", "receipt_header": ""})
    assert services.branches.get(bid).name == "Lotus East Side"
    closed = services.branches.close(owner, bid)
    assert not closed.active and closed.closed_at == clock()
    assert [b.code for b in services.branches.list(open_only=True)] == ["MAIN"]
    assert services.branches.reopen(owner, bid).active
    with services.db.uow(write=False) as uow:
        actions = [a for (a,) in uow.session.execute(
            select(AuditEntry.action).where(AuditEntry.entity == "branch").order_by(AuditEntry.id))]
    assert actions == ["create", "update", "close", "reopen"]


def test_bad_branches_are_refused_and_change_nothing(services: Services, owner: Actor) -> None:
    east(services, owner)
    with pytest.raises(ValidationError) as e:
        services.branches.add(owner, {"code": "EAST", "name": "Again"})
    assert "code" in e.value.errors
    with pytest.raises(ValidationError) as e:
        services.branches.add(owner, {"code": "W 1", "name": ""})
    assert set(e.value.errors) == {"code", "name"}
    assert len(services.branches.list()) == 2


def test_the_last_open_branch_and_one_with_an_open_drawer_stay_open(services: Services, owner: Actor) -> None:
    main = services.shop.info().branch_id
    with pytest.raises(ValidationError):
        services.branches.close(owner, main)  # the only one
    bid = east(services, owner)
    at_east = services.auth.sign_in(owner.staff_id, OWNER_PIN, "EAST")
    services.cash.open(at_east, 50000)
    with pytest.raises(ValidationError) as e:
        services.branches.close(owner, bid)
    assert "drawer" in e.value.errors["branch"]
    assert services.branches.get(bid).active


def test_only_the_owner_runs_branches(services: Services, owner: Actor) -> None:
    sid = staff(services, owner, "Rita", [services.shop.info().branch_id], role="receptionist")
    rita = services.auth.sign_in(sid, PIN)
    with pytest.raises(NotAllowed):
        services.branches.add(rita, {"code": "EAST", "name": "Lotus East"})
    assert len(services.branches.list()) == 1


def test_staff_work_at_the_branches_ticked_home_among_them(services: Services, owner: Actor) -> None:
    main = services.shop.info().branch_id
    bid = east(services, owner)
    leo = staff(services, owner, "Leo", [main, bid])
    amy = staff(services, owner, "Amy", [bid])
    views = {v.name: v for v in services.auth.list_staff()}
    assert views["Leo"].branch_ids == (main, bid) and views["Leo"].branch_id == main
    assert views["Amy"].branch_ids == (bid,) and views["Amy"].branch_id == bid  # home follows the ticks
    with pytest.raises(ValidationError) as e:
        services.auth.save_staff(owner, staff_id=leo, name="Leo", role="stylist", branch_ids=[])
    assert "branches" in e.value.errors
    services.auth.save_staff(owner, staff_id=leo, name="Leo", role="stylist", branch_ids=[bid])
    with services.db.uow(write=False) as uow:
        rows = set(uow.session.execute(select(StaffBranch.staff_id, StaffBranch.branch_id)))
    assert (leo, main) not in rows and (leo, bid) in rows and (amy, bid) in rows
    # a closed branch cannot be newly given
    services.branches.add(owner, {"code": "WEST", "name": "West"})
    west = next(b.id for b in services.branches.list() if b.code == "WEST")
    services.branches.close(owner, west)
    with pytest.raises(ValidationError):
        services.auth.save_staff(owner, staff_id=amy, name="Amy", role="stylist", branch_ids=[bid, west])


def test_sign_in_at_a_desk_works_at_the_desks_branch(services: Services, owner: Actor) -> None:
    main = services.shop.info().branch_id
    bid = east(services, owner)
    leo = staff(services, owner, "Leo", [main, bid])
    amy = staff(services, owner, "Amy", [main])
    assert services.auth.sign_in(leo, PIN, "EAST").branch_id == bid
    assert services.auth.sign_in(leo, PIN, "").branch_id == main  # no branch set: the first open one
    with pytest.raises(PinRefused) as e:
        services.auth.sign_in(amy, PIN, "EAST")
    assert "Lotus East" in e.value.message
    assert services.auth.sign_in(owner.staff_id, OWNER_PIN, "EAST").branch_id == bid  # the owner anywhere
    names = {s.name for s in services.auth.sign_in_staff("EAST")}
    assert names == {"Leo", "Mia Chen"}
    services.branches.close(owner, bid)  # a desk set to a closed branch works at the first open one
    assert services.auth.sign_in(leo, PIN, "EAST").branch_id == main


def test_what_a_desk_records_carries_its_branch(services: Services, owner: Actor, clock: FakeClock) -> None:
    db = services.db
    main = services.shop.info().branch_id
    bid = east(services, owner)
    leo = staff(services, owner, "Leo", [main, bid])
    amy = staff(services, owner, "Amy", [main])
    assert {s.name for s in services.calendar.bookable_staff(bid)} == {"Leo"}
    assert {s.name for s in services.calendar.bookable_staff(main)} == {"Leo", "Amy", "Mia Chen"}
    at_east = services.auth.sign_in(leo, PIN, "EAST")
    cut = service_id(db, "CUT-W")
    appt = services.calendar.book(at_east, BookingRequest(
        client_id=new_client(db), staff_id=leo, start_at=at(TOMORROW, 11), service_ids=[cut]))
    assert appt.branch_id == bid  # the desk's branch, not Leo's home branch
    with pytest.raises(ValidationError):  # Amy does not work at East
        services.calendar.book(at_east, BookingRequest(
            client_id=new_client(db, "李娜", phone="+8613900001111"), staff_id=amy,
            start_at=at(TOMORROW, 14), service_ids=[cut]))
    drawer = services.cash.open(services.auth.sign_in(owner.staff_id, OWNER_PIN, "EAST"), 10000)
    assert services.cash.current(bid) == drawer and services.cash.current(main) is None
    assert services.cash.z_report(drawer.id).branch_name == "Lotus East"


def test_receipts_and_the_z_report_print_the_branch(services: Services, owner: Actor) -> None:
    from desk_app.checkout.service import PaymentIn
    from desk_app.i18n import Fmt
    from desk_app.printing.escpos_out import receipt_text

    east(services, owner)
    at_east = services.auth.sign_in(owner.staff_id, OWNER_PIN, "EAST")
    drawer = services.cash.open(at_east, 10000)
    co = services.checkout
    bill = co.add_service(co.build_bill(at_east, client_id=new_client(services.db)), service_id(services.db, "CUT-W"))
    paid = services.payments.pay(at_east, bill, [PaymentIn("cash", bill.total_minor)])
    view = services.payments.get_sale(paid.sale_id)
    text = receipt_text(view, Fmt.for_shop("en", "Asia/Shanghai", "CNY"))
    assert "Lotus Hair & Spa · Lotus East" in text and "88 Dong Lu" in text and "Open 10-21 every day" in text
    z = services.cash.z_report(drawer.id)
    assert (z.branch_name, z.address, z.phone, z.receipt_header) == (
        "Lotus East", "88 Dong Lu", "021-5555 0101", "Open 10-21 every day")
    at_main = services.auth.sign_in(owner.staff_id, OWNER_PIN, "MAIN")
    bill = co.add_service(co.build_bill(at_main, client_id=new_client(services.db, "李娜", phone="+8613900001111")),
                          service_id(services.db, "CUT-W"))
    main_sale = services.payments.get_sale(services.payments.pay(at_main, bill, [PaymentIn("card", bill.total_minor)]).sale_id)
    assert main_sale.shop.name == "Lotus Hair & Spa" and "Lotus East" not in receipt_text(
        main_sale, Fmt.for_shop("en", "Asia/Shanghai", "CNY"))


def test_an_actor_claiming_a_branch_they_do_not_work_at_is_refused(services: Services, owner: Actor) -> None:
    from dataclasses import replace


    main = services.shop.info().branch_id
    bid = east(services, owner)
    rita = services.auth.sign_in(staff(services, owner, "Rita", [main], role="receptionist"), PIN, "")
    assert services.clients.create(rita, {"name": "王芳", "phone": "+8613812345678"}).id
    with pytest.raises(NotAllowed):  # a hand-made actor at a branch Rita does not work at
        services.clients.create(replace(rita, branch_id=bid), {"name": "李娜", "phone": "+8613900001111"})
