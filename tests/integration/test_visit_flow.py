"""The guided visit, steps 1-3, against a real migrated database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from desk_app.container import Services
from desk_app.core.service import ServiceError, ValidationError
from desk_app.db.models import Appointment, Client, StockMovement, Visit, VisitEvent
from desk_app.domain.permissions import Actor
from desk_app.settings import S
from desk_app.visits.service import PlanItemIn
from desk_app.visits.views import appt_status_label
from tests.conftest import FakeClock
from tests.integration import visit_helpers as h

COLOUR = [{"product": "Koleston", "shade": "6/1", "developer": "20 vol", "amount": "40 g", "minutes": 35}]


def _to_service(services: Services, owner: Actor, clock: FakeClock, client_id: int) -> int:
    v = services.visits
    vid = v.start_walk_in(owner)
    clock.advance(seconds=10)
    v.greet(owner, vid, client_id)
    clock.advance(minutes=2)
    services.consultation.save_assessment(
        owner,
        vid,
        kind="hair",
        answers={"desired_result": "ash brown", "hair_type": "fine"},
        goals="cover greys",
    )
    services.consultation.set_plan(owner, vid, [PlanItemIn("service", service_id=h.service_id(services.db, "COL-ROOT"))])
    clock.advance(minutes=1)
    services.consultation.confirm_plan(owner, vid)
    return vid


def test_walk_in_through_service(services: Services, owner: Actor, clock: FakeClock) -> None:
    v = services.visits
    cid = h.add_client(services.db, "张三")
    vid = v.start_walk_in(owner)
    today = v.list_today()
    assert [r.visit_id for r in today.walk_ins] == [vid]
    assert today.in_progress[0].step == "greeting"

    clock.advance(seconds=20)
    v.greet(owner, vid, cid)
    view = v.get(vid)
    assert view.step == "needs" and view.is_new_client and view.client and view.client.name == "张三"
    assert view.checks[0].met is True  # greeted within 30 s

    clock.advance(minutes=3)
    services.consultation.save_assessment(
        owner,
        vid,
        kind="hair",
        answers={"desired_result": "ash brown", "hair_type": "fine"},
        goals="cover the greys",
        expectations="natural",
        priority="high",
        allergies="PPD (hair dye)",
        contraindications="",
    )
    retail, _stock = h.product(services.db, backbar=False)
    est = services.consultation.set_plan(
        owner,
        vid,
        [
            PlanItemIn("service", service_id=h.service_id(services.db, "COL-ROOT")),
            PlanItemIn("product", product_id=retail, quantity=1),
            PlanItemIn("product", product_id=retail, suggested_only=True),
        ],
    )
    assert est.total_minor == 29800 + est.lines[1].total_minor
    assert len(est.suggestions) == 1 and est.duration_min == 75
    # allergies went onto the profile
    with services.db.uow(write=False) as uow:
        c = uow.session.get(Client, cid)
        assert c is not None and c.allergies == "PPD (hair dye)"

    # a colour for a PPD allergy: the patch test is recorded first (docs/safety.md)
    services.safety.record_patch_test(owner, cid, "Koleston 7/1", "negative")
    est = services.consultation.confirm_plan(owner, vid)
    view = v.get(vid)
    assert view.step == "service" and view.estimate.confirmed_minor == est.total_minor
    assert view.estimate_confirmed_by_name == owner.name and view.assessed_at == clock.now
    assert view.client is not None and view.client.has_alert

    stylist = h.add_stylist(services.db, owner.branch_id)
    services.service_log.assign(owner, vid, stylist.staff_id, None)
    assert [m.row.visit_id for m in v.my_visits(stylist)] == [vid]
    clock.advance(minutes=2)
    services.service_log.start_service(stylist, vid)
    bb, before = h.product(services.db, backbar=True)
    services.service_log.use_product(stylist, vid, bb, 2)
    assert h.stock(services.db, bb) == before - 2
    with services.db.uow(write=False) as uow:
        mv = uow.session.execute(select(StockMovement).where(StockMovement.visit_id == vid)).scalar_one()
        assert (mv.qty_delta, mv.reason) == (-2, "backbar")
    f = services.service_log.add_formula(stylist, vid, COLOUR, notes="roots only")
    assert f.locks_at == clock.now + timedelta(hours=24)
    services.service_log.log_service(stylist, vid, h.service_id(services.db, "COL-ROOT"), notes="even coverage", problem="")
    view = v.get(vid)
    assert view.care_advice and view.care_advice[0].advice
    assert view.products_used[0].quantity == 2
    clock.advance(minutes=60)
    services.service_log.end_service(stylist, vid)
    view = v.get(vid)
    assert view.step == "checkout" and view.status == "done"
    assert view.arrived_at <= view.greeted_at <= view.assessed_at <= view.service_started_at  # type: ignore[operator]
    assert view.service_started_at <= view.service_ended_at  # type: ignore[operator]
    with services.db.uow(write=False) as uow:
        steps = [
            e.to_step
            for e in uow.session.execute(
                select(VisitEvent).where(VisitEvent.visit_id == vid).order_by(VisitEvent.id)
            ).scalars()
        ]
    assert steps == ["needs", "service", "checkout"]


def test_booked_regular_with_allergy(services: Services, owner: Actor, clock: FakeClock) -> None:
    v = services.visits
    stylist = h.add_stylist(services.db, owner.branch_id)
    cid = h.add_client(services.db, "Amy Wong", allergies="latex")
    sid = h.service_id(services.db, "FAC-HYD")
    # an earlier visit, so she is a regular
    old = v.start_walk_in(owner, cid)
    v.greet(owner, old, cid)
    services.consultation.save_assessment(owner, old, kind="skin", answers={}, goals="hydration", skin_type="dry")
    services.consultation.set_plan(owner, old, [PlanItemIn("service", service_id=sid)])
    services.consultation.confirm_plan(owner, old)
    services.service_log.start_service(owner, old)
    services.service_log.end_service(owner, old)
    clock.advance(days=1)
    aid = h.book(
        services.db,
        branch_id=owner.branch_id,
        client_id=cid,
        staff_id=stylist.staff_id,
        start=clock.now + timedelta(minutes=5),
        service_ids=[sid],
    )
    today = v.list_today()
    assert today.appointments[0].status == "booked" and today.appointments[0].has_alert
    services.calendar.confirm(owner, aid)  # the reminder call reached the client
    confirmed = v.list_today().appointments[0]
    assert confirmed.status == "confirmed"  # Today says Confirmed, as the calendar does
    assert appt_status_label(confirmed.status) == services.calendar.appointment(aid).status_label == "Confirmed"
    vid = v.arrive(owner, aid)
    assert v.arrive(owner, aid) == vid  # a second desk gets the same visit
    view = v.get(vid)
    assert view.step == "greeting" and view.staff_id == stylist.staff_id
    assert [p.service_id for p in view.plan] == [sid]  # booked services are the starting plan
    assert view.client is not None and "latex" in view.client.alert_text
    assert view.client.history and view.client.history[0].visit_id == old
    v.greet(owner, vid, cid)
    assert not v.get(vid).is_new_client
    appt = v.list_today().appointments[0]
    assert appt.status == "arrived" and appt.visit_id == vid
    with services.db.uow(write=False) as uow:
        a = uow.session.get(Appointment, aid)
        assert a is not None and a.status == "arrived"


def test_vip_estimate_uses_member_price(services: Services, owner: Actor) -> None:
    v = services.visits
    cid = h.add_client(services.db, "VIP Lin", tier="vip")
    vid = v.start_walk_in(owner)
    v.greet(owner, vid, cid)
    est = services.consultation.set_plan(owner, vid, [PlanItemIn("service", service_id=h.service_id(services.db, "CUT-W"))])
    assert est.is_member and est.member_discount_minor == 2016  # 12 % of 168.00
    assert est.total_minor == 16800 - 2016


def test_tax_excluded_estimate(services: Services, owner: Actor) -> None:
    services.settings.set(S.MONEY_PRICES_INCLUDE_TAX, False)
    services.settings.set(S.MONEY_TAX_RATE_SERVICE_BP, 600)
    v = services.visits
    vid = v.start_walk_in(owner)
    v.greet(owner, vid, None)
    est = services.consultation.set_plan(owner, vid, [PlanItemIn("service", service_id=h.service_id(services.db, "CUT-M"))])
    assert (est.tax_minor, est.total_minor) == (528, 8800 + 528)


def test_required_question_and_empty_plan_refused(services: Services, owner: Actor) -> None:
    v = services.visits
    vid = v.start_walk_in(owner)
    v.greet(owner, vid, None)
    with pytest.raises(ValidationError) as e:
        services.consultation.save_assessment(owner, vid, kind="hair", answers={}, goals="shorter")
    assert "hair_type" in e.value.errors and "goals" not in e.value.errors  # "shorter" is the desired result
    with pytest.raises(ValidationError) as e2:
        services.consultation.confirm_plan(owner, vid)
    assert "plan" in e2.value.errors
    assert v.get(vid).step == "needs"


def test_formula_lock_and_versions(services: Services, owner: Actor, clock: FakeClock) -> None:
    v = services.visits
    cid = h.add_client(services.db, "Colour Client")
    vid = _to_service(services, owner, clock, cid)
    f1 = services.service_log.add_formula(owner, vid, COLOUR)
    # before the lock its author fixes it in place
    fixed = services.service_log.correct_formula(owner, f1.id, [dict(COLOUR[0], amount="45 g")])
    assert fixed.id == f1.id and fixed.version_no == 1 and fixed.components[0].amount == "45 g"
    clock.advance(hours=25)
    f2 = services.service_log.correct_formula(owner, f1.id, [dict(COLOUR[0], shade="6/0")], notes="corrected shade")
    assert f2.id != f1.id and f2.version_no == 2 and f2.root_id == f1.id
    hist = services.service_log.formula_history(f2.id)
    assert [(x.version_no, x.is_current) for x in hist] == [(1, False), (2, True)]
    assert hist[0].components[0].shade == "6/1" and hist[0].locked
    with pytest.raises(ServiceError):
        services.service_log.correct_formula(owner, f1.id, COLOUR)  # an old version cannot be edited
    assert [f.version_no for f in v.get(vid).formulas] == [1, 2]
    with pytest.raises(ValidationError) as e:
        services.service_log.add_formula(owner, vid, [{"product": "", "amount": ""}])
    assert "components.1.product" in e.value.errors


def test_someone_else_correcting_makes_a_version(services: Services, owner: Actor, clock: FakeClock) -> None:
    cid = h.add_client(services.db, "B")
    vid = _to_service(services, owner, clock, cid)
    f1 = services.service_log.add_formula(owner, vid, COLOUR)
    stylist = h.add_stylist(services.db, owner.branch_id)
    f2 = services.service_log.correct_formula(stylist, f1.id, COLOUR)
    assert f2.version_no == 2 and f2.author_id == stylist.staff_id


def test_skip_needs_reason_and_required_steps(services: Services, owner: Actor) -> None:
    v = services.visits
    vid = v.start_walk_in(owner)
    with pytest.raises(ValidationError):
        v.skip(owner, vid, "  ")
    with pytest.raises(ServiceError) as e:
        v.skip(owner, vid, "in a hurry")  # greeting is required by default
    assert "cannot be skipped" in e.value.message
    services.settings.set(S.VISIT_REQUIRED_STEPS, ["service", "checkout"])
    v.skip(owner, vid, "regular, known")
    v.skip(owner, vid, "client knows what she wants")
    view = v.get(vid)
    assert view.step == "service"
    assert view.skipped_steps == {"greeting": "regular, known", "needs": "client knows what she wants"}
    assert view.greeted_at is None and view.assessed_at is None


def test_cancel_and_back(services: Services, owner: Actor, clock: FakeClock) -> None:
    v = services.visits
    vid = _to_service(services, owner, clock, h.add_client(services.db, "C"))
    v.back(owner, vid)
    view = v.get(vid)
    assert view.step == "needs" and not view.estimate.is_confirmed
    services.consultation.confirm_plan(owner, vid)
    with pytest.raises(ValidationError):
        v.cancel(owner, vid, "")
    v.cancel(owner, vid, "client had to leave")
    assert v.get(vid).step == "cancelled"
    assert vid not in [r.visit_id for r in v.list_today().in_progress]
    with pytest.raises(ServiceError):
        v.greet(owner, vid, None)


def test_standards_breaches_in_today(services: Services, owner: Actor, clock: FakeClock) -> None:
    v = services.visits
    stylist = h.add_stylist(services.db, owner.branch_id)
    cid = h.add_client(services.db, "Late Greet")
    aid = h.book(
        services.db,
        branch_id=owner.branch_id,
        client_id=cid,
        staff_id=stylist.staff_id,
        start=clock.now,
        service_ids=[h.service_id(services.db, "CUT-W")],
    )
    vid = v.arrive(owner, aid)
    clock.advance(seconds=45)
    row = v.list_today().in_progress[0]
    assert row.visit_id == vid and [c.key for c in row.breaches] == ["greet"]
    v.greet(owner, vid, cid)
    clock.advance(minutes=16)
    row = v.list_today().in_progress[0]
    assert {c.key for c in row.breaches} == {"greet", "reception", "service_start"}
    assert row.status == "delayed" and row.waited >= timedelta(minutes=16)


def test_stylist_cannot_skip_without_permission_but_can_log(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    v = services.visits
    vid = _to_service(services, owner, clock, h.add_client(services.db, "D"))
    stylist = h.add_stylist(services.db, owner.branch_id)
    services.service_log.assign(owner, vid, stylist.staff_id, None)
    services.service_log.start_service(stylist, vid)
    services.service_log.end_service(stylist, vid)  # nothing logged: the plan's services count as done
    view = v.get(vid)
    assert [lg.service_id for lg in view.service_logs] == [h.service_id(services.db, "COL-ROOT")]


def test_restart_resumes_at_step(db_path: Path, services: Services, owner: Actor, clock: FakeClock) -> None:
    vid = _to_service(services, owner, clock, h.add_client(services.db, "E"))
    services.db.dispose()
    from desk_app.bootstrap import open_database

    db2 = open_database(str(db_path))
    try:
        s2 = Services(db2, clock=clock)
        view = s2.visits.get(vid)
        assert view.step == "service" and view.estimate.is_confirmed
        assert [r.visit_id for r in s2.visits.list_today().in_progress] == [vid]
    finally:
        db2.dispose()


def test_every_timestamp_in_order_in_db(services: Services, owner: Actor, clock: FakeClock) -> None:
    vid = _to_service(services, owner, clock, h.add_client(services.db, "F"))
    with services.db.uow(write=False) as uow:
        row = uow.session.get(Visit, vid)
        assert row is not None and row.greeted_at and row.assessed_at
        assert row.arrived_at <= row.greeted_at <= row.assessed_at


def test_stylist_sees_a_masked_phone(services: Services, owner: Actor) -> None:
    cid = h.add_client(services.db, "Phone Owner", phone="+8613812345678")
    vid = services.visits.start_walk_in(owner, cid)
    stylist = h.add_stylist(services.db, owner.branch_id)
    services.service_log.assign(owner, vid, stylist.staff_id, None)
    full = services.visits.get(vid, owner).client
    masked = services.visits.get(vid, stylist).client
    assert full is not None and full.phone == "138 1234 5678"  # shown in the national format
    assert masked is not None and "5678" in masked.phone and "1234" not in masked.phone
    mine = services.visits.my_visits(stylist)[0].client
    assert mine is not None and mine.phone == masked.phone


@pytest.mark.postgres
def test_visit_steps_on_postgresql(pg_url: str) -> None:
    from desk_app.bootstrap import open_database

    db = open_database(pg_url)
    try:
        clock = FakeClock()
        sv = Services(db, clock=clock)
        owner = sv.shop.create_shop(
            name="PG", currency="CNY", language="en", owner_name="O", owner_pin="1234"
        )
        vid = _to_service(sv, owner, clock, h.add_client(db, "PG Client", allergies="nuts"))
        sv.service_log.start_service(owner, vid)
        f = sv.service_log.add_formula(owner, vid, COLOUR)
        clock.advance(hours=25)
        sv.service_log.correct_formula(owner, f.id, COLOUR)
        sv.service_log.end_service(owner, vid)
        view = sv.visits.get(vid)
        assert view.step == "checkout" and [x.version_no for x in view.formulas] == [1, 2]
        today = sv.visits.list_today()
        assert today.in_progress[0].has_alert and today.in_progress[0].step == "checkout"
    finally:
        db.dispose()


def test_mark_greeted_before_the_profile_meets_the_greeting_standard(
    services: Services, owner: Actor, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new client is greeted at once; finding or creating their profile takes minutes."""
    from desk_app.db.models import AuditEntry

    v = services.visits
    vid = v.start_walk_in(owner)
    arrived = v.get(vid).arrived_at
    clock.advance(seconds=12)
    writes: list[bool] = []
    real_uow = services.db.uow

    def counting_uow(write: bool = True) -> Any:
        writes.append(write)
        return real_uow(write)

    monkeypatch.setattr(services.db, "uow", counting_uow)
    at = v.mark_greeted(owner, vid)
    monkeypatch.undo()
    assert writes.count(True) == 1  # one write unit of work
    view = v.get(vid)
    assert view.step == "greeting" and view.client is None  # still on the greeting step
    assert view.greeted_at == at and (at - arrived) == timedelta(seconds=12)
    assert v.list_today().in_progress[0].breaches == ()  # the 30-second standard is met

    clock.advance(seconds=40)
    assert v.mark_greeted(owner, vid) == at  # a second press keeps the first time
    clock.advance(minutes=3)  # the profile is created meanwhile
    cid = h.add_client(services.db, "新客户")
    v.link_client(owner, vid, cid)
    v.greet(owner, vid, cid)
    view = v.get(vid)
    assert view.step == "needs" and view.greeted_at == at
    assert view.checks[0].key == "greet" and view.checks[0].met is True
    with services.db.uow(write=False) as uow:
        rows = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "mark_greeted", AuditEntry.entity_id == str(vid))
        ).all()
        assert len(rows) == 1 and rows[0].staff_id == owner.staff_id


def test_choosing_a_client_stamps_the_greeting_once(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    v = services.visits
    vid = v.start_walk_in(owner)
    clock.advance(seconds=20)
    v.link_client(owner, vid, h.add_client(services.db, "Found"))
    first = v.get(vid).greeted_at
    assert first is not None and v.get(vid).step == "greeting"
    clock.advance(minutes=1)
    v.link_client(owner, vid, h.add_client(services.db, "Changed my mind"))  # another profile: same time
    assert v.get(vid).greeted_at == first
    clock.advance(minutes=1)
    v.greet(owner, vid, None)
    assert v.get(vid).greeted_at == first  # the step keeps the earlier time

    # a visit whose greeting was skipped is not stamped later
    services.settings.set(S.VISIT_REQUIRED_STEPS, ["service", "checkout"])
    vid2 = v.start_walk_in(owner)
    v.skip(owner, vid2, "regular, known")
    with pytest.raises(ServiceError):
        v.mark_greeted(owner, vid2)
    v.link_client(owner, vid2, h.add_client(services.db, "Later"))
    assert v.get(vid2).greeted_at is None


def test_a_service_is_logged_only_once_started(services: Services, owner: Actor, clock: FakeClock) -> None:
    """The newcomer's walk: "Log service" before "Start service" started the service itself, past
    the safety rules checked at the start, with the log credited to whoever typed it and the visit
    to no one. It is now refused and writes nothing; after Start it is logged to the stylist."""
    from desk_app.db.models import ServiceLog

    stylist = h.add_stylist(services.db, owner.branch_id)
    vid = _to_service(services, owner, clock, h.add_client(services.db, "Early Logger"))
    cut = h.service_id(services.db, "CUT-W")
    with pytest.raises(ServiceError, match="Start the service first"):
        services.service_log.log_service(owner, vid, cut, None, "ok", "")
    view = services.visits.get(vid)
    assert view.service_started_at is None and view.staff_id is None and not view.service_logs
    with services.db.uow(write=False) as uow:
        assert uow.session.execute(select(ServiceLog).where(ServiceLog.visit_id == vid)).first() is None
    services.service_log.assign(owner, vid, stylist.staff_id, None)
    services.service_log.start_service(owner, vid)
    services.service_log.log_service(owner, vid, cut, None, "ok", "")
    logs = services.visits.get(vid).service_logs
    assert [lg.staff_name for lg in logs] == [stylist.name]


def test_what_the_client_wants_is_one_answer(services: Services, owner: Actor) -> None:
    """The consultation's "goals" and the seeded question of what the client wants ("Desired result",
    required for hair) are one answer: written once in the form, kept in both; missing, it is asked
    for in the goals field; given only as the answer, the goals show it (the service step's
    "Client wants" went empty when only the question was answered)."""
    v = services.visits
    vid = v.start_walk_in(owner)
    v.greet(owner, vid, None)
    with pytest.raises(ValidationError) as e:
        services.consultation.save_assessment(owner, vid, kind="hair", answers={"hair_type": "fine"})
    assert set(e.value.errors) == {"goals"} and "Desired result" in e.value.errors["goals"]
    services.consultation.save_assessment(owner, vid, kind="hair", answers={"hair_type": "fine"}, goals="ash brown")
    a = v.get(vid).assessment
    assert a is not None and a.goals == "ash brown" and a.answers["desired_result"] == "ash brown"
    services.consultation.save_assessment(owner, vid, kind="generic", answers={"request": "a trim"}, goals="")
    a = v.get(vid).assessment
    assert a is not None and a.goals == "a trim"


def test_a_mistaken_check_in_keeps_the_booking(services: Services, owner: Actor, clock: FakeClock) -> None:
    """The third walk cancelled a client's mistaken check-in ("误点") and her 17:30 booking became
    cancelled. With keep_booking the booking goes back to as it was (confirmed here) and she can
    arrive again; without it, it is cancelled with the visit; once the service started it cannot
    be kept (nothing changes)."""
    stylist = h.add_stylist(services.db, owner.branch_id)
    cid = h.add_client(services.db, "Du Huili")
    cut = h.service_id(services.db, "CUT-W")
    aid = h.book(services.db, branch_id=owner.branch_id, client_id=cid, staff_id=stylist.staff_id,
                 start=clock.now + timedelta(hours=3), service_ids=[cut])
    services.calendar.confirm(owner, aid)
    vid = services.visits.arrive(owner, aid)
    services.visits.cancel(owner, vid, "checked in by mistake", keep_booking=True)
    assert services.calendar.appointment(aid).status == "confirmed"
    again = services.visits.arrive(owner, aid)
    assert again != vid and services.visits.get(again).step == "greeting"
    services.settings.set(S.VISIT_REQUIRED_STEPS, ["service", "checkout"])
    services.visits.skip(owner, again, "regular")
    services.visits.skip(owner, again, "regular")
    services.service_log.assign(owner, again, stylist.staff_id, None)
    services.service_log.start_service(owner, again)
    with pytest.raises(ServiceError):
        services.visits.cancel(owner, again, "oops", keep_booking=True)
    assert services.visits.get(again).step == "service" and services.calendar.appointment(aid).status != "cancelled"
    services.visits.cancel(owner, again, "client had to leave")
    assert services.calendar.appointment(aid).status == "cancelled"
