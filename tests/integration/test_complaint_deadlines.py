"""Issue 15: deadlines by severity (urgent ones in hours, a resolve deadline for every complaint)
and the call-back after a resolution: satisfied closes, not satisfied reopens (docs/service-standard.md)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from desk_app.container import Services
from desk_app.core.service import ServiceError, ValidationError
from desk_app.db.models import AuditEntry, ClientCredit, Complaint
from desk_app.domain.permissions import Actor, NotAllowed
from desk_app.settings import S
from tests.conftest import FakeClock
from tests.integration.test_aftercare_data import add_client, add_staff, rows


@pytest.fixture
def desk(services: Services, owner: Actor) -> Actor:
    return add_staff(services.db, owner.branch_id, "Amy", "receptionist")


@pytest.fixture
def client_id(services: Services) -> int:
    return add_client(services.db, "Li Na", "+8613900001111")


@pytest.mark.parametrize(
    ("severity", "answer_h", "resolve_h"), [("high", 2, 24), ("medium", 24, 72), ("low", 24, 168)]
)
def test_each_severity_has_its_answer_and_resolve_deadline(
    services: Services, desk: Actor, client_id: int, clock: FakeClock, severity: str, answer_h: int, resolve_h: int
) -> None:
    c = services.complaints.open_complaint(desk, description="Burnt scalp", client_id=client_id, severity=severity)
    assert c.first_response_due_at == clock.now + timedelta(hours=answer_h)
    assert c.resolve_due_at == clock.now + timedelta(hours=resolve_h)
    assert not c.resolve_overdue
    clock.advance(hours=resolve_h, minutes=1)
    late = services.complaints.complaint(c.id)
    assert late.resolve_overdue and late.overdue  # never answered, never resolved
    assert services.complaints.complaints()[0].id == c.id


def test_the_owner_sets_the_deadlines(services: Services, desk: Actor, client_id: int, clock: FakeClock) -> None:
    services.settings.set(S.STANDARDS_COMPLAINT_URGENT_RESPONSE_HOURS, 1)
    services.settings.set(S.STANDARDS_COMPLAINT_RESOLVE_HIGH_HOURS, 8)
    c = services.complaints.open_complaint(desk, description="Allergic reaction", client_id=client_id, severity="high")
    assert (c.first_response_due_at, c.resolve_due_at) == (clock.now + timedelta(hours=1), clock.now + timedelta(hours=8))


def test_the_call_back_closes_a_satisfied_complaint(
    services: Services, desk: Actor, client_id: int, clock: FakeClock
) -> None:
    c = services.complaints.open_complaint(desk, description="Colour faded", client_id=client_id)
    services.complaints.respond(desk, c.id, "Sorry, we will fix it")
    with pytest.raises(ServiceError):
        services.complaints.record_callback(desk, c.id, True)  # not resolved yet: nothing to ask
    r = services.complaints.resolve(desk, c.id, "Toned again for free")
    assert r.callback_due_at == clock.now + timedelta(days=2) and not r.callback_due
    clock.advance(days=2)
    due = services.complaints.complaint(c.id)
    assert due.callback_due and due.status == "resolved"
    assert services.complaints.complaints()[0].id == c.id  # a due call-back comes before quiet tickets
    done = services.complaints.record_callback(desk, c.id, True, "Happy with the colour now")
    assert (done.status, done.callback_result, done.callback_at) == ("closed", "satisfied", clock.now)
    assert not done.callback_due
    with pytest.raises(ServiceError):
        services.complaints.record_callback(desk, c.id, False, "again")  # closed: one call-back


def test_not_satisfied_reopens_with_a_new_deadline_and_keeps_the_first_remedy(
    services: Services, desk: Actor, owner: Actor, client_id: int, clock: FakeClock
) -> None:
    c = services.complaints.open_complaint(desk, description="Uneven cut", client_id=client_id)
    services.complaints.respond(desk, c.id, "Come back, we will look")
    services.complaints.resolve(owner, c.id, "Voucher for next time", "voucher", amount=Decimal("100"))
    clock.advance(days=2)
    with pytest.raises(ValidationError) as err:
        services.complaints.record_callback(desk, c.id, False, "  ")  # why, or nothing changes
    assert "note" in err.value.errors
    assert services.complaints.complaint(c.id).status == "resolved"
    again = services.complaints.record_callback(desk, c.id, False, "Still uneven at the back")
    assert again.status == "responded" and again.reopened_count == 1 and again.resolved_at is None
    assert again.resolve_due_at == clock.now + timedelta(hours=72) and again.callback_due_at is None
    assert again.callback_result == "not_satisfied"
    # the second resolution: the voucher the first one promised stays owed, once
    final = services.complaints.resolve(desk, c.id, "Recut by the senior stylist")
    assert final.status == "resolved" and final.compensation_kind == "voucher"
    assert len(rows(services.db, ClientCredit)) == 1
    with services.db.uow(write=False) as uow:
        from sqlalchemy import select

        acts = list(uow.session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "complaint")))
    assert acts.count("callback") == 1 and acts.count("resolve") == 2
    stored = rows(services.db, Complaint)[0]
    assert stored.callback_note == "Still uneven at the back"


def test_a_stylist_cannot_record_the_call_back(
    services: Services, desk: Actor, owner: Actor, client_id: int, clock: FakeClock
) -> None:
    stylist = add_staff(services.db, owner.branch_id, "Leo", "stylist")
    c = services.complaints.open_complaint(desk, description="Late start", client_id=client_id)
    services.complaints.resolve(desk, c.id, "Apologised")
    with pytest.raises(NotAllowed):
        services.complaints.record_callback(stylist, c.id, True)
    assert services.complaints.complaint(c.id).status == "resolved"


def test_the_month_counts_deadlines_by_severity_and_call_backs(
    services: Services, desk: Actor, owner: Actor, client_id: int, clock: FakeClock
) -> None:
    start = clock.now
    on_time = services.complaints.open_complaint(desk, description="a", client_id=client_id, severity="high")
    late = services.complaints.open_complaint(desk, description="b", client_id=client_id, severity="high")
    never = services.complaints.open_complaint(desk, description="c", client_id=client_id, severity="low")
    happy = services.complaints.open_complaint(desk, description="d", client_id=client_id)
    clock.advance(hours=3)
    services.complaints.resolve(desk, on_time.id, "fixed")  # within the 24 h of a high one
    services.complaints.resolve(desk, happy.id, "fixed")
    clock.advance(hours=30)
    services.complaints.resolve(desk, late.id, "fixed at last")  # 33 h: past the 24 h
    clock.advance(days=2)
    services.complaints.record_callback(desk, happy.id, True)
    services.complaints.record_callback(desk, on_time.id, False, "still sore")
    clock.now = start + timedelta(days=8)  # the low one's 7 days are over; late's call-back is waiting
    c = services.reports.monthly(owner, start.strftime("%Y-%m")).data["complaints"]
    assert c["count"] == 4 and c["by_severity"] == {"high": 2, "medium": 1, "low": 1}
    # resolved now: late and happy (on_time was reopened); on time among them: happy only
    assert (c["resolved"], c["resolved_on_time"]) == (2, 1)
    # past the deadline: late (resolved late), never (open past 7 days), on_time (reopened, 72 h over)
    assert c["resolve_overdue"] == 3
    assert c["callbacks"] == {"done": 2, "satisfied": 1, "waiting": 1, "reopened": 1}
    assert c["resolved_on_time"] <= c["resolved"] <= c["count"] and c["callbacks"]["satisfied"] <= c["callbacks"]["done"]
    assert never.id


def test_complaints_from_before_the_deadlines_get_the_medium_resolve_standard(
    services: Services, desk: Actor, client_id: int, clock: FakeClock
) -> None:
    """Migration 0009 on a shop that has complaints: each gets resolve_due_at = opened + 72 h,
    read back as the same moment (SQLite stores text)."""
    from desk_app.db import migrate

    c = services.complaints.open_complaint(desk, description="old one", client_id=client_id)
    migrate.downgrade(services.db, "0008")
    migrate.upgrade(services.db)
    services.db.dispose()
    back = services.complaints.complaint(c.id)
    assert back.resolve_due_at == c.opened_at + timedelta(hours=72)
    assert (back.callback_result, back.reopened_count) == ("", 0)


def test_inquiries_and_requests_have_an_answer_deadline_and_calls_their_rings(
    services: Services, desk: Actor, owner: Actor, client_id: int, clock: FakeClock
) -> None:
    start = clock.now
    now_answered = services.complaints.log_contact(desk, "phone", "inquiry", client_id, summary="Sunday hours?", rings=2)
    assert now_answered.replied_at == start and now_answered.reply_due_at == start + timedelta(hours=4)
    later = services.complaints.log_contact(
        desk, "phone", "service_request", client_id, summary="Move my booking", rings=5, answered=False
    )
    assert later.replied_at is None and later.reply_due_at == start + timedelta(hours=24) and not later.reply_overdue
    waiting = services.complaints.log_contact(desk, "message", "inquiry", client_id, summary="Price of a perm?", answered=False)
    with pytest.raises(ValidationError) as err:
        services.complaints.log_contact(desk, "message", "inquiry", client_id, summary="x", rings=2)
    assert "rings" in err.value.errors  # rings are for a phone call
    with pytest.raises(ValidationError):
        services.complaints.answer_contact(desk, later.id, " ")  # what was said, or nothing changes
    clock.advance(hours=5)
    assert [c.reply_overdue for c in services.complaints.contacts() if c.id == waiting.id] == [True]
    done = services.complaints.answer_contact(desk, later.id, "Moved to Friday 3 pm")
    assert done.replied_at == clock.now and done.reply == "Moved to Friday 3 pm"
    with pytest.raises(ServiceError):
        services.complaints.answer_contact(desk, later.id, "again")
    ct = services.reports.monthly(owner, start.strftime("%Y-%m")).data["contacts"]
    assert ct["inquiries"] == {"count": 2, "answered": 1, "answered_on_time": 1, "overdue": 1}
    assert ct["service_requests"] == {"count": 1, "answered": 1, "answered_on_time": 1, "overdue": 0}
    assert ct["phone"] == {"rings_limit": 3, "recorded": 2, "within": 1, "rate": "0.500"}
    services.settings.set(S.STANDARDS_PHONE_RINGS, 5)
    assert services.reports.monthly(owner, start.strftime("%Y-%m")).data["contacts"]["phone"]["within"] == 2


def test_a_problem_raised_on_a_follow_up_call_is_answered_within_working_days(
    services: Services, desk: Actor, owner: Actor, client_id: int, clock: FakeClock
) -> None:
    """Friday 16:00 in Shanghai + 5 working days = the next Friday 16:00 (the weekend does not
    count); only a reached client raises one; the month counts them apart from the desk's."""
    from desk_app.domain.standards import add_working_days
    from tests.integration.test_aftercare_data import shanghai, visit

    sh = ZoneInfo("Asia/Shanghai")
    fri = shanghai(2026, 11, 20, 16)
    assert add_working_days(fri, 5, sh) == shanghai(2026, 11, 27, 16)
    assert add_working_days(shanghai(2026, 11, 21, 9), 1, sh) == shanghai(2026, 11, 23, 9)  # Saturday -> Monday
    stylist = add_staff(services.db, owner.branch_id, "Leo", "stylist")
    visit(services.db, services.settings, branch_id=owner.branch_id, client_id=client_id,
          stylist_id=stylist.staff_id, desk_id=desk.staff_id, arrived=shanghai(2026, 11, 17, 10))
    clock.now = fri
    fu = services.aftercare.followups(actor=desk)
    fid = (*fu.due, *fu.overdue, *fu.later)[0].id
    with pytest.raises(ValidationError) as err:
        services.aftercare.record_call(desk, fid, "no_answer", problem="Wants a refund")
    assert "problem" in err.value.errors
    res = services.aftercare.record_call(desk, fid, "reached", timeliness=4, professionalism=4,
                                         effectiveness=4, attitude=4, problem="Wants the invoice by e-mail")
    assert res.problem_contact_id is not None
    waiting = [c for c in services.complaints.contacts(actor=desk) if c.id == res.problem_contact_id][0]
    assert waiting.reply_due_at == shanghai(2026, 11, 27, 16) and waiting.replied_at is None
    clock.now = shanghai(2026, 11, 30, 10)
    month = services.reports.monthly(owner, "2026-11").data["contacts"]
    assert month["followup_problems"] == {"count": 1, "answered": 0, "answered_on_time": 0, "overdue": 1}
    assert month["service_requests"]["count"] == 0  # the desk's requests are counted apart


def test_the_shops_public_holidays_are_not_working_days(
    services: Services, desk: Actor, owner: Actor, client_id: int, clock: FakeClock
) -> None:
    """The source counts working days without public holidays: the owner lists them (Settings ›
    Time standards); a problem raised before a two-day holiday is due two days later."""
    from desk_app.domain.standards import add_working_days
    from tests.integration.test_aftercare_data import shanghai, visit

    sh = ZoneInfo("Asia/Shanghai")
    fri = shanghai(2026, 11, 20, 16)
    assert add_working_days(fri, 5, sh, {date(2026, 11, 23)}) == shanghai(2026, 11, 30, 16)
    with pytest.raises(ValueError, match="2026/11/24"):
        services.settings.set(S.STANDARDS_HOLIDAYS, "2026-11-23 2026/11/24")
    assert services.settings.get(S.STANDARDS_HOLIDAYS) == ""  # refused: nothing stored
    with pytest.raises(ValidationError) as bad:  # the settings screen's path says which piece
        services.shop_details.save_setting(owner, S.STANDARDS_HOLIDAYS.key, "2027-01-01, Jan2")
    assert "Jan2 is not one" in bad.value.errors[S.STANDARDS_HOLIDAYS.key]
    services.settings.set(S.STANDARDS_HOLIDAYS, "2026-11-24，2026-11-23")
    assert services.settings.get(S.STANDARDS_HOLIDAYS) == "2026-11-23, 2026-11-24"  # written back in order
    stylist = add_staff(services.db, owner.branch_id, "Leo", "stylist")
    visit(services.db, services.settings, branch_id=owner.branch_id, client_id=client_id,
          stylist_id=stylist.staff_id, desk_id=desk.staff_id, arrived=shanghai(2026, 11, 17, 10))
    clock.now = fri
    fu = services.aftercare.followups(actor=desk)
    fid = (*fu.due, *fu.overdue, *fu.later)[0].id
    res = services.aftercare.record_call(desk, fid, "reached", timeliness=4, professionalism=4,
                                         effectiveness=4, attitude=4, problem="Wants the invoice by e-mail")
    waiting = [c for c in services.complaints.contacts(actor=desk) if c.id == res.problem_contact_id][0]
    assert waiting.reply_due_at == shanghai(2026, 12, 1, 16)  # Mon and Tue off: the next Tuesday

