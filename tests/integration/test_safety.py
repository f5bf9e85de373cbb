"""Contraindication rules (issue 13 item 8, docs/safety.md): checked when the plan is confirmed and
when the service starts; a refused check writes nothing; an override records who and why; a
recent patch test with no reaction lets the service through."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from desk_app.container import Services
from desk_app.db.models import AuditEntry, SafetyOverride, Visit
from desk_app.domain.permissions import Actor, NotAllowed, Role
from desk_app.domain.safety import parse_keywords
from desk_app.visits.safety import SafetyCheckNeeded
from desk_app.visits.views import PlanItemIn
from tests.conftest import FakeClock
from tests.integration import visit_helpers as h


def _at_needs(services: Services, owner: Actor, allergies: str, code: str = "COL-ROOT", consult_allergy: str = "") -> int:
    cid = h.add_client(services.db, "Lin Mei", allergies=allergies)
    vid = services.visits.start_walk_in(owner)
    services.visits.greet(owner, vid, cid)
    services.consultation.save_assessment(
        owner, vid, kind="generic", answers={"request": "colour"}, goals="cover greys", allergies=consult_allergy
    )
    services.consultation.set_plan(owner, vid, [PlanItemIn("service", service_id=h.service_id(services.db, code))])
    return vid


def _count(services: Services, model: type, **where: object) -> int:
    with services.db.uow(write=False) as uow:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return int(uow.session.scalar(q) or 0)


def test_a_colour_for_a_ppd_allergy_is_stopped_and_nothing_is_written(services: Services, owner: Actor) -> None:
    vid = _at_needs(services, owner, "PPD hair dye")
    with pytest.raises(SafetyCheckNeeded) as stop:
        services.consultation.confirm_plan(owner, vid)
    (hit,) = stop.value.hits
    assert hit.service_name == "Root colour" and hit.matched == "PPD" and "patch test" in hit.reason
    assert "Root colour" in stop.value.message
    v = services.visits.get(vid)
    assert v.step == "needs" and v.estimate.confirmed_minor is None
    assert _count(services, SafetyOverride) == 0
    assert services.safety.check_visit(owner, vid) == [hit]  # what the plan screen shows


def test_an_override_records_who_and_why_and_counts_at_service_start(
    services: Services, owner: Actor
) -> None:
    vid = _at_needs(services, owner, "", consult_allergy="对苯二胺 (PPD) 过敏")  # typed in this visit only
    with pytest.raises(SafetyCheckNeeded):
        services.consultation.confirm_plan(owner, vid, override_reason="   ")  # blank is no reason
    services.consultation.confirm_plan(owner, vid, override_reason="Patch test at her usual salon on Monday")
    assert services.visits.get(vid).step == "service"
    (o,) = services.safety.overrides(vid)
    assert (o.staff_name, o.reason, o.service_name) == (owner.name, "Patch test at her usual salon on Monday", "Root colour")
    assert _count(services, AuditEntry, action="safety_override", entity_id=str(vid)) == 1
    leo = h.add_stylist(services.db, owner.branch_id)
    services.service_log.assign(owner, vid, leo.staff_id, None)
    services.service_log.start_service(leo, vid)  # overridden once for this visit: no second stop
    with services.db.uow(write=False) as uow:
        assert uow.session.get(Visit, vid).service_started_at is not None  # type: ignore[union-attr]


def test_a_recent_negative_patch_test_lets_it_through_and_an_old_or_positive_one_does_not(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    vid = _at_needs(services, owner, "染发剂过敏")  # the default rule's Chinese word 染发
    cid = services.visits.get(vid).client.id  # type: ignore[union-attr]
    services.safety.record_patch_test(owner, cid, "Koleston 7/1", "negative")
    clock.advance(days=8)  # the default rule wants one within 7 days
    with pytest.raises(SafetyCheckNeeded) as stop:
        services.consultation.confirm_plan(owner, vid)
    assert "the last was on" in stop.value.hits[0].reason
    services.safety.record_patch_test(owner, cid, "Koleston 7/1", "positive")
    with pytest.raises(SafetyCheckNeeded) as stop:
        services.consultation.confirm_plan(owner, vid)
    assert "showed a reaction" in stop.value.hits[0].reason
    clock.advance(minutes=1)
    services.safety.record_patch_test(owner, cid, "Koleston 7/1", "negative")
    services.consultation.confirm_plan(owner, vid)  # the latest test, today, no reaction
    assert services.visits.get(vid).step == "service"
    assert [t.result.value for t in services.safety.patch_tests(owner, cid)] == ["negative", "positive", "negative"]


def test_services_outside_the_rule_and_clients_without_the_allergy_are_not_stopped(
    services: Services, owner: Actor
) -> None:
    services.consultation.confirm_plan(owner, _at_needs(services, owner, "PPD", code="CUT-W"))
    services.consultation.confirm_plan(owner, _at_needs(services, owner, "latex gloves"))


def test_the_owner_edits_the_rules_and_a_receptionist_cannot(services: Services, owner: Actor) -> None:
    assert parse_keywords("PPD，染发；hair dye, ") == ("PPD", "染发", "hair dye")
    desk = Actor(staff_id=owner.staff_id, name="Desk", role=Role.RECEPTIONIST, branch_id=owner.branch_id)
    perm = h.service_id(services.db, "PERM")
    with pytest.raises(NotAllowed):
        services.safety.save_rule(
            desk, None, label="x", keywords="x", category_id=None, service_id=perm, patch_test_days=None
        )
    rid = services.safety.save_rule(
        owner, None, label="Scalp condition", keywords="psoriasis, 银屑病", category_id=None, service_id=perm,
        patch_test_days=None,
    )  # fmt: skip
    assert [r.covers for r in services.safety.rules() if r.id == rid] == ["Digital perm"]
    vid = _at_needs(services, owner, "psoriasis on the scalp", code="PERM")
    with pytest.raises(SafetyCheckNeeded) as stop:
        services.consultation.confirm_plan(owner, vid)
    assert "override" in stop.value.hits[0].reason  # no patch test can allow it
    services.safety.remove_rule(owner, rid)
    services.consultation.confirm_plan(owner, vid)

