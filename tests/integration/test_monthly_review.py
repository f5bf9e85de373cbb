"""Issue 15: the monthly review (PDCA). Reviewing a month, the owner records improvement actions;
the next month's review asks of each whether it was done; a carried one moves into the new month."""

from __future__ import annotations

from datetime import date

import pytest

from desk_app.container import Services
from desk_app.core.service import ServiceError, ValidationError
from desk_app.db.models import ImprovementAction
from desk_app.domain.permissions import Actor, NotAllowed
from tests.conftest import FakeClock
from tests.integration.test_aftercare_data import add_staff, rows


def test_actions_are_reviewed_the_next_month(services: Services, owner: Actor, clock: FakeClock) -> None:
    amy = add_staff(services.db, owner.branch_id, "Amy", "receptionist")
    with pytest.raises(NotAllowed):
        services.review.add_action(amy, "2026-10", "Greet within 30 s", amy.staff_id, date(2026, 11, 30))
    with pytest.raises(ValidationError):
        services.review.add_action(owner, "2026-10", " ", None, date(2026, 11, 30))
    assert rows(services.db, ImprovementAction) == []
    a = services.review.add_action(owner, "2026-10", "A greeting rota at the door on Saturdays", amy.staff_id, date(2026, 11, 30))
    b = services.review.add_action(owner, "2026-10", "Refresher on the follow-up script", owner.staff_id, date(2026, 11, 15))
    c = services.review.add_action(owner, "2026-10", "New towel warmer", owner.staff_id, date(2026, 11, 20))
    nov = services.review.review(owner, "2026-11")
    assert [x.id for x in nov.previous] == [a.id, b.id, c.id] and nov.current == []
    assert nov.previous[0].owner == "Amy" and nov.previous[0].outcome == "open"
    services.review.record_outcome(owner, a.id, "done")
    with pytest.raises(ValidationError):
        services.review.record_outcome(owner, b.id, "not_done", "")  # say why
    services.review.record_outcome(owner, b.id, "not_done", "Amy was on leave")
    services.review.record_outcome(owner, c.id, "carried")
    with pytest.raises(ServiceError):
        services.review.record_outcome(owner, a.id, "not_done", "again")
    nov = services.review.review(owner, "2026-11")
    assert [x.outcome for x in nov.previous] == ["done", "not_done", "carried"]
    assert [(x.what, x.carried_from_id, x.outcome) for x in nov.current] == [("New towel warmer", c.id, "open")]
    rep = services.reports.monthly(owner, "2026-11").data["review"]
    assert rep["previous"] == {"open": 0, "done": 1, "not_done": 1, "carried": 1, "count": 3}
    assert rep["actions"] == {"open": 1, "done": 0, "not_done": 0, "carried": 0, "count": 1}
