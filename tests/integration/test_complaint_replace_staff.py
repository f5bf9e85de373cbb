"""Issue 15: replacing the staff member as the remedy of a complaint (the source's "replace the
staff member"): the new stylist serves the client from now on, a redo is booked with them, the
calendar knows whom the client is no longer booked with, the month counts it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from desk_app.aftercare.views import RedoSpec
from desk_app.container import Services
from desk_app.core.service import ValidationError
from desk_app.db.models import AuditEntry, Client, Complaint
from desk_app.domain.permissions import Actor
from tests.conftest import FakeClock
from tests.integration.test_aftercare_data import add_client, add_staff, first_service, rows, shanghai


@pytest.fixture
def people(services: Services, owner: Actor) -> tuple[Actor, Actor, Actor]:
    desk = add_staff(services.db, owner.branch_id, "Amy", "receptionist")
    leo = add_staff(services.db, owner.branch_id, "Leo", "stylist")
    mia = add_staff(services.db, owner.branch_id, "Mia", "stylist")
    return desk, leo, mia


def test_another_stylist_from_now_on(
    services: Services, owner: Actor, clock: FakeClock, people: tuple[Actor, Actor, Actor]
) -> None:
    desk, leo, mia = people
    cid = add_client(services.db, "Li Na", "+8613900001111")
    c = services.complaints.open_complaint(desk, description="Rude and rushed", client_id=cid, staff_involved_id=leo.staff_id)
    start = shanghai(2026, 11, 19, 11, 0)
    r = services.complaints.resolve(
        desk,
        c.id,
        "Apologised; Mia redoes the cut and does her hair from now on",
        "redo",
        redo=RedoSpec(staff_id=mia.staff_id, start_at=start, service_ids=(first_service(services.db),)),
        replace_staff_id=mia.staff_id,
    )
    assert (r.replacement_staff_id, r.replacement_staff) == (mia.staff_id, "Mia")
    client = rows(services.db, Client, id=cid)[0]
    assert client.favourite_staff_id == mia.staff_id
    assert services.calendar.replaced_staff(cid) == {leo.staff_id: (c.id, "Mia")}
    assert services.calendar.replaced_staff(add_client(services.db, "Other", "+8613900002222")) == {}
    entry = rows(services.db, AuditEntry, action="resolve", entity="complaint")[0]
    assert entry.after and entry.after["replacement_staff_id"] == mia.staff_id
    c_month = services.reports.monthly(owner, "2026-11").data["complaints"]
    assert c_month["staff_replaced"] == 1 and c_month["count"] == 1


def test_a_replacement_that_cannot_be_is_refused_and_changes_nothing(
    services: Services, owner: Actor, clock: FakeClock, people: tuple[Actor, Actor, Actor]
) -> None:
    desk, leo, mia = people
    cid = add_client(services.db, "Li Na", "+8613900001111")
    named = services.complaints.open_complaint(desk, description="Rude", client_id=cid, staff_involved_id=leo.staff_id)
    nobody = services.complaints.open_complaint(desk, description="Long wait", client_id=cid)
    no_client = services.complaints.open_complaint(desk, description="Rude on the phone", staff_involved_id=leo.staff_id)
    cases = [
        (named.id, leo.staff_id, None, "replace_staff"),  # the same person
        (named.id, 99999, None, "replace_staff"),  # nobody
        (nobody.id, mia.staff_id, None, "replace_staff"),  # the complaint names no one
        (no_client.id, mia.staff_id, None, "replace_staff"),  # no client to serve
        (
            named.id,
            mia.staff_id,
            RedoSpec(staff_id=leo.staff_id, start_at=clock() + timedelta(days=1), service_ids=(first_service(services.db),)),
            "redo",
        ),  # the redo booked with the one replaced
    ]
    for complaint_id, staff_id, redo, field in cases:
        with pytest.raises(ValidationError) as e:
            services.complaints.resolve(
                desk, complaint_id, "Sorry", "redo" if redo else "", redo=redo, replace_staff_id=staff_id
            )
        assert field in e.value.errors, (complaint_id, staff_id, e.value.errors)
    assert all(c.status == "open" and c.replacement_staff_id is None for c in rows(services.db, Complaint))
    assert rows(services.db, Client, id=cid)[0].favourite_staff_id is None
