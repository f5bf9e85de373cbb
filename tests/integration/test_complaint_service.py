"""Contacts and complaints: deadlines, overdue, escalation, resolution with compensation (refund, voucher, redo)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from desk_app.aftercare.views import RedoSpec
from desk_app.container import Services
from desk_app.core.service import ServiceError, ValidationError
from desk_app.db.models import Appointment, Complaint, Contact, Sale
from desk_app.domain.permissions import Actor
from desk_app.settings import S
from tests.conftest import FakeClock
from tests.integration.test_aftercare_data import add_client, add_staff, first_service, rows, shanghai, visit


@pytest.fixture
def desk(services: Services, owner: Actor) -> Actor:
    return add_staff(services.db, owner.branch_id, "Amy", "receptionist")


@pytest.fixture
def client_id(services: Services) -> int:
    return add_client(services.db, "Li Na", "+8613900001111")


def test_phone_complaint_logged_with_checklist_opens_ticket(
    services: Services, desk: Actor, client_id: int, clock: FakeClock
) -> None:
    checklist = {"greeting": True, "listen": True, "confirm": True, "answer": False, "anything_else": True}
    c = services.complaints.log_contact(
        desk,
        "phone",
        "complaint",
        client_id,
        summary="Colour faded in a week",
        checklist=checklist,
        severity="high",
        category="service",
    )
    assert c.complaint_id is not None and c.checklist == checklist
    ticket = services.complaints.complaint(c.complaint_id)
    assert ticket.client_name == "Li Na" and ticket.severity == "high" and ticket.handler == "Amy"
    # high severity is urgent: answered within 2 hours, resolved within 24 (docs/service-standard.md)
    assert ticket.first_response_due_at == clock.now + timedelta(hours=2)
    assert ticket.resolve_due_at == clock.now + timedelta(hours=24)
    assert rows(services.db, Contact)[0].checklist == checklist
    # an inquiry opens no ticket
    inq = services.complaints.log_contact(
        desk, "in_person", "inquiry", None, caller_name="Passer-by", summary="Opening hours?"
    )
    assert inq.complaint_id is None
    assert len(rows(services.db, Complaint)) == 1
    assert [x.kind for x in services.complaints.contacts(actor=desk)] == ["inquiry", "complaint"]


def test_contact_validation_names_each_field(services: Services, desk: Actor) -> None:
    with pytest.raises(ValidationError) as e:
        services.complaints.log_contact(desk, "fax", "rant", None, summary="", checklist={"smile": True})
    assert {"channel", "kind", "summary", "caller_name", "checklist"} <= set(e.value.errors)


def test_first_response_deadline_and_overdue(
    services: Services, desk: Actor, client_id: int, clock: FakeClock
) -> None:
    c = services.complaints.open_complaint(
        desk, description="Waited 40 minutes", client_id=client_id, category="wait"
    )
    clock.advance(hours=23, minutes=59)
    assert services.complaints.overdue_complaints() == []
    clock.advance(minutes=2)
    over = services.complaints.overdue_complaints()
    assert [x.id for x in over] == [c.id] and over[0].overdue
    assert services.complaints.complaints()[0].overdue  # overdue ones come first
    r = services.complaints.respond(desk, c.id, "Apologised, offered a free treatment")
    assert r.status == "responded" and r.first_response_at == clock.now and not r.overdue
    assert services.complaints.overdue_complaints() == []


def test_deadline_follows_the_setting(services: Services, desk: Actor, clock: FakeClock) -> None:
    services.settings.set(S.STANDARDS_COMPLAINT_RESPONSE_HOURS, 4)
    c = services.complaints.open_complaint(desk, description="Rude on the phone", category="attitude")
    assert c.first_response_due_at == clock.now + timedelta(hours=4)


def test_special_complaint_goes_to_the_owner(
    services: Services, owner: Actor, desk: Actor, client_id: int
) -> None:
    c = services.complaints.open_complaint(
        desk, description="Burn from the straightener", level="special", client_id=client_id, severity="high"
    )
    assert c.handler_id == owner.staff_id
    with pytest.raises(ServiceError):
        services.complaints.resolve(desk, c.id, "Paid the doctor's bill", "voucher", amount=Decimal("300"))
    r = services.complaints.resolve(owner, c.id, "Paid the doctor's bill", "voucher", amount=Decimal("300"))
    assert r.status == "resolved" and r.compensation == Decimal("300.00") and r.compensation_kind == "voucher"
    closed = services.complaints.close(owner, c.id)
    assert closed.status == "closed" and closed.closed_at is not None


def test_resolve_validation(services: Services, desk: Actor) -> None:
    c = services.complaints.open_complaint(desk, description="x")
    with pytest.raises(ValidationError) as e:
        services.complaints.resolve(desk, c.id, "", "discount")
    assert {"resolution", "amount"} <= set(e.value.errors)
    with pytest.raises(ValidationError):
        services.complaints.resolve(desk, c.id, "ok", "redo")
    with pytest.raises(ServiceError):
        services.complaints.close(desk, c.id)  # not resolved yet


def test_resolve_with_redo_books_the_calendar(
    services: Services, owner: Actor, desk: Actor, client_id: int, clock: FakeClock
) -> None:
    stylist = add_staff(services.db, owner.branch_id, "Leo")
    vid = visit(
        services.db,
        services.settings,
        branch_id=owner.branch_id,
        client_id=client_id,
        stylist_id=stylist.staff_id,
        desk_id=desk.staff_id,
        arrived=clock.now - timedelta(days=2),
    )
    c = services.complaints.open_complaint(desk, description="Uneven fringe", visit_id=vid)
    assert c.client_id == client_id and c.staff_involved == "Leo"
    start = shanghai(2026, 11, 19, 11, 0)
    r = services.complaints.resolve(
        desk,
        c.id,
        "Free fringe correction",
        "redo",
        redo=RedoSpec(staff_id=stylist.staff_id, start_at=start, service_ids=(first_service(services.db),)),
    )
    assert r.redo_appointment_id is not None and r.compensation_kind == "redo"
    appt = rows(services.db, Appointment, id=r.redo_appointment_id)[0]
    assert (appt.client_id, appt.staff_id, appt.start_at) == (client_id, stylist.staff_id, start)


def test_resolve_with_refund_goes_through_checkout(services: Services, owner: Actor, client_id: int) -> None:
    co = services.checkout
    bill = co.add_service(co.build_bill(owner, client_id=client_id), first_service(services.db))
    from desk_app.checkout.service import PaymentIn

    paid = services.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)])
    c = services.complaints.open_complaint(owner, description="Service not done", client_id=client_id)
    r = services.complaints.resolve(owner, c.id, "Full refund", "refund", refund_sale_id=paid.sale_id)
    assert r.refund_sale_id is not None and r.refund_sale_id != paid.sale_id
    refund = rows(services.db, Sale, id=r.refund_sale_id)[0]
    assert refund.kind == "refund" and refund.original_sale_id == paid.sale_id
    assert r.compensation == Decimal(paid.total_minor) / 100


def test_a_redo_that_cannot_be_booked_changes_nothing(
    services: Services, owner: Actor, desk: Actor, client_id: int
) -> None:
    """The redo booking and the resolution are one unit of work: a taken slot leaves the complaint open."""
    from desk_app.calendar.service import SlotTaken
    from desk_app.calendar.views import BookingRequest

    stylist = add_staff(services.db, owner.branch_id, "Leo")
    start = shanghai(2026, 11, 19, 11, 0)
    other = add_client(services.db, "Wang Fang", "+8613812345678")
    services.calendar.book(
        owner,
        BookingRequest(client_id=other, staff_id=stylist.staff_id, start_at=start, service_ids=[first_service(services.db)]),
    )
    c = services.complaints.open_complaint(desk, description="Uneven fringe", client_id=client_id)
    before = len(rows(services.db, Appointment))
    with pytest.raises(SlotTaken):
        services.complaints.resolve(
            desk, c.id, "Free fringe correction", "redo",
            redo=RedoSpec(staff_id=stylist.staff_id, start_at=start, service_ids=(first_service(services.db),)),
        )
    assert services.complaints.complaint(c.id).status == "open"
    assert len(rows(services.db, Appointment)) == before


def test_a_complaint_is_refunded_once(services: Services, owner: Actor, client_id: int) -> None:
    from desk_app.checkout.bill import PaymentIn

    co = services.checkout
    bill = co.add_service(co.build_bill(owner, client_id=client_id), first_service(services.db))
    paid = services.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)])
    c = services.complaints.open_complaint(owner, description="Service not done", client_id=client_id)
    services.complaints.resolve(owner, c.id, "Full refund", "refund", refund_sale_id=paid.sale_id)
    with pytest.raises(ServiceError):
        services.complaints.resolve(owner, c.id, "Full refund again", "refund", refund_sale_id=paid.sale_id)
    assert len([s for s in rows(services.db, Sale) if s.kind == "refund"]) == 1
