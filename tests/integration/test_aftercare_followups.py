"""Follow-up calls: the due window, no-answer rescheduling and give-up, scores, low score -> complaint."""

from __future__ import annotations

from datetime import timedelta

import pytest

from desk_app.container import Services
from desk_app.core.service import ServiceError, ValidationError
from desk_app.db.models import AuditEntry, Complaint, Feedback
from desk_app.domain.permissions import Actor
from desk_app.settings import S
from tests.conftest import FakeClock
from tests.integration.test_aftercare_data import add_client, add_staff, rows, shanghai, visit


@pytest.fixture
def desk(services: Services, owner: Actor) -> Actor:
    return add_staff(services.db, owner.branch_id, "Amy", "receptionist")


@pytest.fixture
def paid(services: Services, owner: Actor, desk: Actor, clock: FakeClock) -> int:
    """A visit paid on Wed 18 Nov 2026 at 17:10 Shanghai (arrived 16:00)."""
    stylist = add_staff(services.db, owner.branch_id, "Leo")
    cid = add_client(services.db, "Wang Fang", "+8613812345678")
    return visit(
        services.db,
        services.settings,
        branch_id=owner.branch_id,
        client_id=cid,
        stylist_id=stylist.staff_id,
        desk_id=desk.staff_id,
        arrived=shanghai(2026, 11, 18, 16, 0),
    )


def _state(services: Services, desk: Actor) -> dict[str, list[int]]:
    lists = services.aftercare.followups(actor=desk)
    return {k: [f.visit_id for f in getattr(lists, k)] for k in ("due", "overdue", "later", "done")}


def test_due_window_is_two_to_three_local_days(
    services: Services, desk: Actor, paid: int, clock: FakeClock
) -> None:
    assert _state(services, desk)["later"] == [paid]
    # Friday 20 Nov 09:00 Shanghai: before 17:10 but on the first day of the window -> due
    clock.now = shanghai(2026, 11, 20, 9, 0)
    assert _state(services, desk)["due"] == [paid]
    clock.now = shanghai(2026, 11, 21, 23, 30)
    assert _state(services, desk)["due"] == [paid]
    # Sunday just after midnight: the window's last day is over and nobody called
    clock.now = shanghai(2026, 11, 22, 0, 5)
    assert _state(services, desk)["overdue"] == [paid]


def test_list_shows_what_was_done_and_masks_the_number(
    services: Services, owner: Actor, paid: int, clock: FakeClock
) -> None:
    no_phone = add_staff(services.db, owner.branch_id, "Kai", "receptionist", {"see_phone": False})
    clock.now = shanghai(2026, 11, 20, 10)
    fu = services.aftercare.followups(actor=no_phone).due[0]
    assert fu.client_name == "Wang Fang"
    assert fu.phone_masked == "138****5678"
    assert fu.served_by == "Leo"
    assert fu.services and fu.services[0]
    # "Call" reveals the number and leaves a trace in the audit log
    assert services.aftercare.reveal_phone(no_phone, fu.id) == "+8613812345678"
    trail = rows(services.db, AuditEntry, entity="client_phone")
    assert len(trail) == 1 and trail[0].staff_id == no_phone.staff_id
    script = services.aftercare.call_script(no_phone, fu.id)
    assert "Wang Fang" in script[0] and "Kai" in script[0] and "Leo" in script[0]
    assert any("attitude" in line for line in script)


def test_no_answer_reschedules_next_day_then_gives_up(
    services: Services, desk: Actor, paid: int, clock: FakeClock
) -> None:
    services.settings.set(S.FOLLOWUP_MAX_ATTEMPTS, 2)
    clock.now = shanghai(2026, 11, 20, 10)
    fu_id = services.aftercare.followups(actor=desk).due[0].id
    r = services.aftercare.record_call(desk, fu_id, "no_answer")
    assert not r.gave_up and r.followup.status == "no_answer"
    assert r.followup.callback_at == clock.now + timedelta(days=1)
    assert _state(services, desk)["later"] == [paid]
    clock.advance(days=1)
    assert _state(services, desk)["due"] == [paid]
    r = services.aftercare.record_call(desk, fu_id, "no_answer")
    assert r.gave_up and r.followup.status == "gave_up" and r.followup.attempts == 2
    assert _state(services, desk)["done"] == [paid]
    with pytest.raises(ServiceError):
        services.aftercare.record_call(desk, fu_id, "reached", timeliness=5)


def test_a_rescheduled_call_is_never_overdue(
    services: Services, desk: Actor, paid: int, clock: FakeClock
) -> None:
    clock.now = shanghai(2026, 11, 21, 20)
    fu_id = services.aftercare.followups(actor=desk).due[0].id
    services.aftercare.record_call(desk, fu_id, "call_back", callback_at=clock.now + timedelta(days=2))
    clock.advance(days=1)  # past the window, but a call-back is planned
    assert _state(services, desk)["later"] == [paid]
    clock.advance(days=1, minutes=1)
    assert _state(services, desk)["due"] == [paid]


def test_good_call_is_done_with_handled_feedback(
    services: Services, desk: Actor, paid: int, clock: FakeClock
) -> None:
    clock.now = shanghai(2026, 11, 20, 10)
    fu_id = services.aftercare.followups(actor=desk).due[0].id
    r = services.aftercare.record_call(
        desk, fu_id, "reached", timeliness=5, professionalism=4, effectiveness=5, attitude=5
    )
    assert r.complaint_id is None
    assert r.followup.state == "done" and r.followup.satisfaction == 5  # 4.75 rounds half up
    fb = rows(services.db, Feedback, id=r.feedback_id)[0]
    assert (fb.source, fb.score, fb.status) == ("followup", 5, "handled")


def test_one_low_dimension_opens_a_complaint_linked_to_the_visit(
    services: Services, desk: Actor, paid: int, clock: FakeClock
) -> None:
    clock.now = shanghai(2026, 11, 20, 10)
    fu_id = services.aftercare.followups(actor=desk).due[0].id
    r = services.aftercare.record_call(
        desk,
        fu_id,
        "reached",
        timeliness=5,
        professionalism=5,
        effectiveness=4,
        attitude=2,
        comments="The stylist was on the phone the whole time",
    )
    assert r.complaint_id is not None
    c = services.complaints.complaint(r.complaint_id)
    assert c.visit_id == paid and c.source == "followup_score" and c.category == "attitude"
    assert c.staff_involved == "Leo" and c.status == "open"
    assert c.first_response_due_at == clock.now + timedelta(hours=24)
    assert "on the phone" in c.description
    fb = rows(services.db, Feedback, id=r.feedback_id)[0]
    assert fb.status == "pending" and fb.score == 4


def test_call_validation(services: Services, desk: Actor, paid: int, clock: FakeClock) -> None:
    clock.now = shanghai(2026, 11, 20, 10)
    fu_id = services.aftercare.followups(actor=desk).due[0].id
    with pytest.raises(ValidationError) as e:
        services.aftercare.record_call(desk, fu_id, "call_back")
    assert "callback_at" in e.value.errors
    with pytest.raises(ValidationError) as e:
        services.aftercare.record_call(desk, fu_id, "reached", attitude=6)
    assert "attitude" in e.value.errors
    with pytest.raises(ValidationError):
        services.aftercare.record_call(desk, fu_id, "shouted")
    r = services.aftercare.record_call(desk, fu_id, "wrong_number")
    assert r.followup.state == "done"


def test_checkout_satisfaction_low_opens_complaint(
    services: Services, owner: Actor, desk: Actor, paid: int
) -> None:
    fb = services.aftercare.record_checkout_satisfaction(desk, paid, None, 2, "Too expensive")
    assert fb.source == "checkout" and fb.score == 2 and fb.status == "pending"
    assert fb.complaint_id is not None
    c = rows(services.db, Complaint, id=fb.complaint_id)[0]
    assert (c.visit_id, c.source, c.status) == (paid, "checkout_score", "open")
    # asking again does not open a second ticket
    again = services.aftercare.record_checkout_satisfaction(desk, paid, None, 1)
    assert again.complaint_id == fb.complaint_id
    assert len(rows(services.db, Complaint)) == 1


def test_checkout_satisfaction_good_no_complaint(services: Services, desk: Actor, paid: int) -> None:
    fb = services.aftercare.record_checkout_satisfaction(desk, paid, None, 5)
    assert fb.complaint_id is None and fb.status == "handled"
    assert rows(services.db, Complaint) == []
    with pytest.raises(ValidationError):
        services.aftercare.record_checkout_satisfaction(desk, paid, None, 0)


def test_paid_through_checkout_gets_followup_and_low_score_complaint(
    services: Services, owner: Actor, desk: Actor, clock: FakeClock
) -> None:
    """End to end: checkout's payment creates the follow-up (window from the settings); its 1-5 question
    goes through aftercare.record_checkout_satisfaction to a feedback record and an automatic complaint."""
    from desk_app.checkout.service import PaymentIn

    services.settings.set(S.STANDARDS_FOLLOWUP_MIN_DAYS, 1)
    services.settings.set(S.STANDARDS_FOLLOWUP_MAX_DAYS, 4)
    stylist = add_staff(services.db, owner.branch_id, "Leo")
    cid = add_client(services.db, "Zhou Ting")
    vid = visit(
        services.db,
        services.settings,
        branch_id=owner.branch_id,
        client_id=cid,
        stylist_id=stylist.staff_id,
        desk_id=desk.staff_id,
        arrived=clock.now - timedelta(minutes=90),
        end_min=80,
        paid_min=None,
        step="checkout",
    )
    co = services.checkout
    bill = co.build_bill(desk, visit_id=vid)
    paid = services.payments.pay(desk, bill, [PaymentIn("card", bill.total_minor)])
    fu = services.aftercare.followups(actor=desk).later
    assert [f.visit_id for f in fu] == [vid]
    assert fu[0].due_from == clock.now + timedelta(days=1) and fu[0].due_by == clock.now + timedelta(days=4)
    services.aftercare.record_checkout_satisfaction(desk, None, paid.sale_id, 1, "Burnt my scalp")
    c = rows(services.db, Complaint)
    assert len(c) == 1 and (c[0].visit_id, c[0].source) == (vid, "checkout_score")
    fb = rows(services.db, Feedback)
    assert len(fb) == 1 and fb[0].score == 1 and fb[0].content == "Burnt my scalp"
