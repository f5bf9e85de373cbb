"""Issue 15: the incident log. Any staff member records what went wrong (what, when, where, at which
step, who, its class, the corrective action, its owner, a re-check date); the owner re-checks it:
effective closes it, not effective keeps it open with a new action. Refusals change nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from desk_app.container import Services
from desk_app.core.service import ServiceError, ValidationError
from desk_app.db.models import AuditEntry, Incident
from desk_app.domain.permissions import Actor, NotAllowed
from tests.conftest import FakeClock
from tests.integration.test_aftercare_data import add_client, add_staff, rows, shanghai


@pytest.fixture
def stylist(services: Services, owner: Actor) -> Actor:
    return add_staff(services.db, owner.branch_id, "Leo", "stylist")


def _record(services: Services, who: Actor, **kw: object) -> object:
    args: dict[str, object] = {
        "happened_at": shanghai(2026, 11, 18, 10),
        "category": "safety",
        "description": "Water too hot at basin 2, client's neck red",
        "action": "Fit a thermostat; check the water before every wash",
        "recheck_on": date(2026, 11, 25),
        "place": "Basin 2",
        "step": "service",
        "severity": "high",
    }
    args.update(kw)
    return services.incidents.record(who, **args)  # type: ignore[arg-type]


def test_a_stylist_records_and_the_owner_rechecks(
    services: Services, owner: Actor, stylist: Actor, clock: FakeClock
) -> None:
    clock.now = shanghai(2026, 11, 18, 11)
    cid = add_client(services.db, "Li Na", "+8613900001111")
    inc = _record(services, stylist, client_id=cid, staff_involved_id=stylist.staff_id)
    assert inc.status == "open" and inc.action_owner == "Leo" and inc.client_name == "Li Na"  # type: ignore[attr-defined]
    assert [i.id for i in services.incidents.incidents("recheck")] == []  # not its day yet
    with pytest.raises(NotAllowed):
        services.incidents.recheck(stylist, inc.id, True, "fine")  # type: ignore[attr-defined]
    clock.now = shanghai(2026, 11, 26, 10)  # the day after its re-check day
    due = services.incidents.incidents("recheck")
    assert [i.id for i in due] == [inc.id] and due[0].recheck_overdue  # type: ignore[attr-defined]
    with pytest.raises(ValidationError) as err:
        services.incidents.recheck(owner, inc.id, False, "still too hot")  # type: ignore[attr-defined]
    assert {"action", "recheck_on"} <= set(err.value.errors)
    assert rows(services.db, Incident)[0].rechecks == 0  # refused: nothing written
    again = services.incidents.recheck(
        owner, inc.id, False, "still too hot", new_action="Replace the boiler valve", new_recheck_on=date(2026, 12, 3)  # type: ignore[attr-defined]
    )
    assert (again.status, again.rechecks, again.action, again.recheck_on) == ("open", 1, "Replace the boiler valve", date(2026, 12, 3))
    clock.now = shanghai(2026, 12, 3, 10)
    done = services.incidents.recheck(owner, inc.id, True, "40 degrees at the tap, fine")  # type: ignore[attr-defined]
    assert done.status == "closed" and done.closed_at == clock.now
    with pytest.raises(ServiceError):
        services.incidents.recheck(owner, inc.id, True, "again")  # type: ignore[attr-defined]
    assert services.incidents.incidents("open") == [] and len(services.incidents.incidents("all")) == 1
    with services.db.uow(write=False) as uow:
        acts = list(uow.session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "incident")))
    assert acts == ["create", "recheck", "recheck"]


def test_bad_input_is_named_and_changes_nothing(services: Services, owner: Actor, clock: FakeClock) -> None:
    clock.now = shanghai(2026, 11, 18, 11)
    with pytest.raises(ValidationError) as err:
        _record(services, owner, category="weather", description=" ", action="", step="lunch",
                happened_at=clock.now + timedelta(hours=1), recheck_on=date(2026, 11, 17))
    assert {"category", "description", "action", "step", "happened_at", "recheck_on"} <= set(err.value.errors)
    assert rows(services.db, Incident) == []


def test_the_month_counts_incidents_by_class_and_late_rechecks(
    services: Services, owner: Actor, stylist: Actor, clock: FakeClock
) -> None:
    clock.now = shanghai(2026, 11, 18, 11)
    _record(services, stylist)
    _record(services, stylist, category="equipment", description="Chair 3 will not lift", action="Call the repairer",
            recheck_on=date(2026, 11, 30))
    closed = _record(services, owner, category="equipment", description="Dryer sparks", action="Binned it",
                     recheck_on=date(2026, 11, 18))
    services.incidents.recheck(owner, closed.id, True, "new dryer")  # type: ignore[attr-defined]
    clock.now = shanghai(2026, 11, 27, 10)
    inc = services.reports.monthly(owner, "2026-11").data["incidents"]
    assert inc == {"count": 3, "open": 2, "recheck_overdue": 1, "by_category": {"equipment": 2, "safety": 1}}


def test_erasure_clears_an_incident_about_the_client(services: Services, owner: Actor, clock: FakeClock) -> None:
    clock.now = shanghai(2026, 11, 18, 11)
    cid = add_client(services.db, "Li Na", "+8613900001111")
    _record(services, owner, client_id=cid, description="Li Na slipped near basin 2", place="Li Na's chair")
    services.privacy.erase_client(owner, cid, "asked")
    inc = rows(services.db, Incident)[0]
    assert (inc.description, inc.place, inc.action) == ("", "", "")
    assert inc.category == "safety"  # what kind of thing happened stays for the month's figures
