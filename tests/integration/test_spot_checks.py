"""Issue 15: a supervisor's spot checks. Each week a few finished visits, calls and complaints of the
last seven days are drawn (the same draw for the same week, never a record twice); the owner
confirms or flags each (a flag needs a note); the writer marks a flagged one corrected."""

from __future__ import annotations

import pytest

from desk_app.container import Services
from desk_app.core.service import ServiceError, ValidationError
from desk_app.db.models import SpotCheck
from desk_app.domain.permissions import Actor, NotAllowed
from desk_app.settings import S
from tests.conftest import FakeClock
from tests.integration.test_aftercare_data import add_client, add_staff, rows, shanghai, visit


@pytest.fixture
def week(services: Services, owner: Actor, clock: FakeClock) -> tuple[Actor, Actor, list[int]]:
    desk = add_staff(services.db, owner.branch_id, "Amy", "receptionist")
    leo = add_staff(services.db, owner.branch_id, "Leo", "stylist")
    vids = []
    for day in (16, 17, 18, 19, 20):  # Monday 16 .. Friday 20 November 2026
        cid = add_client(services.db, f"Client {day}", f"+86139000011{day}")
        vids.append(visit(services.db, services.settings, branch_id=owner.branch_id, client_id=cid,
                          stylist_id=leo.staff_id, desk_id=desk.staff_id, arrived=shanghai(2026, 11, day, 10)))
    return desk, leo, vids


def test_the_weeks_draw_is_fixed_and_never_repeats_a_record(
    services: Services, owner: Actor, clock: FakeClock, week: tuple[Actor, Actor, list[int]]
) -> None:
    desk, leo, vids = week
    services.settings.set(S.SPOTCHECK_PER_KIND, 2)
    clock.now = shanghai(2026, 11, 21, 10)  # Saturday: the week of Monday 16th
    first = services.spotchecks.this_week(owner)
    visits = [c for c in first if c.kind == "visit"]
    assert len(visits) == 2 and {c.record_id for c in visits} <= set(vids)
    assert all(c.staff == "Leo" and c.status == "pending" and c.facts for c in visits)
    assert [c.id for c in services.spotchecks.this_week(owner)] == [c.id for c in first]  # drawn once
    with pytest.raises(NotAllowed):
        services.spotchecks.this_week(desk)
    clock.advance(days=2)  # Monday 23rd: a new week, the remaining visits of the last 7 days
    second = [c for c in services.spotchecks.this_week(owner) if c.kind == "visit" and c.week_of.day == 23]
    assert {c.record_id for c in second}.isdisjoint({c.record_id for c in visits})
    assert len(rows(services.db, SpotCheck)) == len({(r.kind, r.record_id) for r in rows(services.db, SpotCheck)})


def test_flag_then_corrected_by_the_writer_and_the_month_counts_it(
    services: Services, owner: Actor, clock: FakeClock, week: tuple[Actor, Actor, list[int]]
) -> None:
    desk, leo, _vids = week
    clock.now = shanghai(2026, 11, 21, 10)
    queue = [c for c in services.spotchecks.this_week(owner) if c.kind == "visit"]
    a, b = queue[0], queue[1]
    with pytest.raises(ValidationError):
        services.spotchecks.mark(owner, a.id, False, "  ")  # a flag says what is wrong
    assert rows(services.db, SpotCheck, id=a.id)[0].status == "pending"
    services.spotchecks.mark(owner, b.id, True)
    flagged = services.spotchecks.mark(owner, a.id, False, "No formula recorded for the colour")
    assert flagged.status == "flagged"
    with pytest.raises(ServiceError):
        services.spotchecks.mark(owner, a.id, True)  # checked once
    assert [c.id for c in services.spotchecks.flagged_for(leo)] == [a.id]
    assert services.spotchecks.flagged_for(desk) == []
    with pytest.raises(ServiceError):
        services.spotchecks.corrected(desk, a.id)  # not hers
    done = services.spotchecks.corrected(leo, a.id)
    assert done.status == "corrected" and services.spotchecks.flagged_for(leo) == []
    sc = services.reports.monthly(owner, "2026-11").data["spot_checks"]
    assert sc == {"checked": 2, "flagged": 1, "corrected": 1}
