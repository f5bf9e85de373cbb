"""A visit's steps read the visit as columns and write it with one version-checked UPDATE
(desk_app/visits/row.py): the same rules as the ORM entity they replaced. Another desk's change
between the read and the write is refused with the visit's conflict message and the step writes
nothing; each step moves the version on once; the change feed still names what a step wrote."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select, update

from desk_app.bootstrap import open_database
from desk_app.container import Services
from desk_app.core.service import ConflictError, ServiceError
from desk_app.db.engine import Change, connection_of
from desk_app.db.models import AuditEntry, Client, ServiceLog, Visit, VisitEvent
from desk_app.domain.permissions import Actor
from desk_app.visits import row as visit_row
from desk_app.visits.service import PlanItemIn
from tests.conftest import OWNER_PIN, FakeClock
from tests.integration import visit_helpers as h

CONFLICT = "Another desk changed this visit a moment ago"


def _visit(services: Services, vid: int) -> Visit:
    with services.db.uow(write=False) as uow:
        v = uow.session.get(Visit, vid)
        assert v is not None
        uow.session.expunge(v)  # kept as read (the unit of work's rollback would expire it)
        return v


def _count(services: Services, model: Any, *where: Any) -> int:
    with services.db.uow(write=False) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_a_walk_in_is_written_as_the_entity_was_and_each_step_moves_the_version_once(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    cid = h.add_client(services.db, "张三")
    vid = services.visits.start_walk_in(owner)
    v = _visit(services, vid)
    assert (v.version, v.step, v.status, v.kind, v.is_new_client, v.skipped_steps) == (
        1,
        "greeting",
        "waiting",
        "walk_in",
        False,
        {},
    )
    assert (v.problem, v.notes, v.rebook_declined_reason, v.created_by_id) == ("", "", "", owner.staff_id)
    clock.advance(seconds=20)
    services.visits.greet(owner, vid, cid)
    v = _visit(services, vid)
    assert (v.version, v.step, v.client_id, v.is_new_client) == (2, "needs", cid, True)
    assert v.greeted_at is not None
    services.consultation.save_assessment(owner, vid, kind="generic", answers={"request": "trim"}, goals="trim")
    assert _visit(services, vid).version == 2  # the consultation changed nothing of the visit: no UPDATE
    services.consultation.set_plan(owner, vid, [PlanItemIn("service", service_id=h.service_id(services.db, "CUT-W"))])
    services.consultation.confirm_plan(owner, vid)
    v = _visit(services, vid)
    assert (v.version, v.step) == (3, "service") and v.estimate_confirmed_at is not None
    services.service_log.start_service(owner, vid)
    services.service_log.log_service(owner, vid, h.service_id(services.db, "CUT-W"), None, "ok", "split ends")
    services.service_log.end_service(owner, vid)
    v = _visit(services, vid)
    assert (v.version, v.step, v.status, v.problem) == (6, "checkout", "done", "split ends")
    assert v.service_started_at is not None and v.service_ended_at is not None
    steps = [(e.from_step, e.to_step) for e in _events(services, vid)]
    assert steps == [("greeting", "needs"), ("needs", "service"), ("service", "checkout")]
    assert _served(services, cid) == (1, v.arrived_at)  # recounted by the UPDATE that ends the service

    clock.advance(days=3)  # a second visit, cancelled: the count and the last visit stay
    other = services.visits.start_walk_in(owner)
    services.visits.greet(owner, other, cid)
    services.visits.cancel(owner, other, "left")
    assert _served(services, cid) == (1, v.arrived_at)
    clock.advance(days=3)  # a third, served: counted, and it is the last visit
    third = services.visits.start_walk_in(owner)
    services.visits.greet(owner, third, cid)
    with pytest.raises(ServiceError, match="requires"):  # the shop's required step, as with the entity
        services.visits.skip(owner, third, "knows what she wants")
    services.consultation.set_plan(owner, third, [PlanItemIn("service", service_id=h.service_id(services.db, "CUT-W"))])
    services.consultation.confirm_plan(owner, third)
    services.service_log.start_service(owner, third)
    services.service_log.end_service(owner, third)
    assert _served(services, cid) == (2, _visit(services, third).arrived_at)


def _served(services: Services, cid: int) -> tuple[int, Any]:
    with services.db.uow(write=False) as uow:
        c = uow.session.get(Client, cid)
        assert c is not None
        return c.visit_count, c.last_visit_at


def _events(services: Services, vid: int) -> list[VisitEvent]:
    with services.db.uow(write=False) as uow:
        events = list(
            uow.session.scalars(select(VisitEvent).where(VisitEvent.visit_id == vid).order_by(VisitEvent.id))
        )
        uow.session.expunge_all()
        return events


def test_a_step_on_a_visit_another_desk_changed_meanwhile_is_refused_and_writes_nothing(
    services: Services, owner: Actor, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = h.add_client(services.db, "李四")
    vid = services.visits.start_walk_in(owner)
    real_read = visit_row.VisitRow.read.__func__  # type: ignore[attr-defined]

    def read_then_other_desk(cls: type[visit_row.VisitRow], on: Any, visit_id: int) -> visit_row.VisitRow | None:
        got = real_read(cls, on, visit_id)
        # another desk's committed change, as PostgreSQL shows it to a transaction that read before it
        on.execute(update(Visit).where(Visit.id == visit_id).values(version=Visit.version + 1, notes="other desk"))
        return got

    monkeypatch.setattr(visit_row.VisitRow, "read", classmethod(read_then_other_desk))
    audits = _count(services, AuditEntry)
    with pytest.raises(ConflictError, match=CONFLICT):
        services.visits.greet(owner, vid, cid)
    monkeypatch.undo()
    v = _visit(services, vid)
    assert (v.step, v.client_id, v.greeted_at, v.version, v.notes) == ("greeting", None, None, 1, "")
    assert _events(services, vid) == []
    assert _count(services, AuditEntry) == audits  # the step's audit row went with its rollback
    services.visits.greet(owner, vid, cid)  # read again, the step goes through
    assert _visit(services, vid).step == "needs"


def test_each_step_names_what_it_wrote_to_the_change_feed(services: Services, owner: Actor) -> None:
    heard: list[frozenset[Change]] = []

    def listen(changes: frozenset[Change]) -> None:
        heard.append(changes)

    services.db.changes.subscribe(listen)
    cid = h.add_client(services.db, "王五")
    cut = h.service_id(services.db, "CUT-W")
    heard.clear()
    vid = services.visits.start_walk_in(owner)
    assert ("visit", vid) in heard[-1]
    services.visits.greet(owner, vid, cid)
    assert {("visit", vid), ("client", cid)} <= heard[-1]
    services.consultation.save_assessment(owner, vid, kind="generic", answers={"request": "trim"}, goals="trim")
    assert any(kind == "assessment" for kind, _id in heard[-1])
    services.consultation.set_plan(owner, vid, [PlanItemIn("service", service_id=cut)])
    assert ("visit", vid) in heard[-1]
    services.consultation.confirm_plan(owner, vid)
    assert ("visit", vid) in heard[-1]
    services.service_log.start_service(owner, vid)
    assert ("visit", vid) in heard[-1]
    lid = services.service_log.log_service(owner, vid, cut, None, "ok", "")
    assert {("visit", vid), ("service_log", lid)} <= heard[-1]
    assert _count(services, ServiceLog, ServiceLog.id == lid) == 1
    services.service_log.end_service(owner, vid)
    assert {("visit", vid), ("client", cid)} <= heard[-1]


def test_the_connection_of_a_transaction_is_not_kept_past_it(services: Services, owner: Actor) -> None:
    with services.db.uow() as uow:
        first = connection_of(uow.session)
        assert connection_of(uow.session) is first
        uow.commit()
        assert connection_of(uow.session) is not first  # a new transaction: asked of the session again
        assert not first.in_transaction()


@pytest.mark.postgres
def test_two_desks_assigning_one_visit_at_once_one_is_refused_on_postgres(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = open_database(pg_url)
    try:
        sv = Services(db, clock=FakeClock())
        owner = sv.shop.create_shop(
            name="PG Salon", currency="CNY", language="en", owner_name="O", owner_pin=OWNER_PIN
        )
        leo = h.add_stylist(db, owner.branch_id, "Leo")
        ann = h.add_stylist(db, owner.branch_id, "Ann")
        vid = sv.visits.start_walk_in(owner)
        both_read = threading.Barrier(2, timeout=20)
        real_read = visit_row.VisitRow.read.__func__  # type: ignore[attr-defined]

        def read_together(cls: type[visit_row.VisitRow], on: Any, visit_id: int) -> visit_row.VisitRow | None:
            got = real_read(cls, on, visit_id)
            both_read.wait()  # both desks hold the same version before either writes
            return got

        monkeypatch.setattr(visit_row.VisitRow, "read", classmethod(read_together))
        outcomes: list[str] = []

        def desk(stylist: Actor) -> None:
            try:
                sv.service_log.assign(owner, vid, stylist.staff_id, None)
                outcomes.append("assigned")
            except ConflictError as exc:
                assert CONFLICT in str(exc)
                outcomes.append("refused")

        threads = [threading.Thread(target=desk, args=(st,)) for st in (leo, ann)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        monkeypatch.undo()
        assert sorted(outcomes) == ["assigned", "refused"]
        with db.uow(write=False) as uow:
            v = uow.session.get(Visit, vid)
            assert v is not None and v.version == 2 and v.staff_id in (leo.staff_id, ann.staff_id)
            assigns = uow.session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "assign")
            )
            assert assigns == 1
    finally:
        db.dispose()
