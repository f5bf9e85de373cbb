"""Issue 15, staff appraisal: a base pay per person (owner only) turns the performance share into an
amount; each staff member reads their own month, nobody else's (docs/service-standard.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from desk_app.container import Services
from desk_app.core.service import ValidationError
from desk_app.db.models import AuditEntry, Staff
from desk_app.demo.sample import generate
from desk_app.domain.permissions import Actor, NotAllowed, Role
from desk_app.reports.pdf import appraisal_note, appraisal_rows
from desk_app.settings import S
from tests.conftest import FakeClock


def _stylists(services: Services) -> list[Actor]:
    with services.db.uow(write=False) as uow:
        rows = uow.session.execute(
            select(Staff.id, Staff.name, Staff.branch_id).where(Staff.role == "stylist").order_by(Staff.id)
        ).all()
    return [Actor(staff_id=i, name=n, role=Role.STYLIST, branch_id=b) for i, n, b in rows]


def test_the_owner_sets_a_base_pay_and_nobody_else_reads_it(services: Services, owner: Actor) -> None:
    leo = services.auth.save_staff(owner, staff_id=None, name="Leo", role="stylist", pin="482915")
    stylist = Actor(staff_id=leo.id, name="Leo", role=Role.STYLIST, branch_id=leo.branch_id)
    assert services.auth.base_pays(owner) == {}
    services.auth.save_staff(owner, staff_id=leo.id, name="Leo", role="stylist", base_pay="6,000")
    assert services.auth.base_pays(owner) == {leo.id: Decimal("6000.00")}
    with pytest.raises(NotAllowed):
        services.auth.base_pays(stylist)
    with pytest.raises(ValidationError) as e:
        services.auth.save_staff(owner, staff_id=leo.id, name="Leo Changed", role="stylist", base_pay="lots")
    assert "base_pay" in e.value.errors
    assert services.auth.base_pays(owner) == {leo.id: Decimal("6000.00")}
    assert {s.name for s in services.auth.list_staff()} >= {"Leo"}  # the refused save changed nothing
    services.auth.save_staff(owner, staff_id=leo.id, name="Leo", role="stylist", base_pay="6000")  # the same
    services.auth.save_staff(owner, staff_id=leo.id, name="Leo", role="stylist", base_pay="0")  # cleared
    assert services.auth.base_pays(owner) == {}
    with services.db.uow(write=False) as uow:
        changed = [
            e.after["base_pay_changed"]
            for e in uow.session.scalars(
                select(AuditEntry).where(AuditEntry.entity == "staff", AuditEntry.entity_id == str(leo.id))
            )
            if e.after
        ]
    assert changed == [False, True, False, True]  # the amount itself is never in the log


def test_performance_pay_as_an_amount_and_each_person_reads_their_own_month(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    generate(services.db, start_month="2026-10", months=2, clients=30, stylists=3, visits_per_day=4, seed=6)
    first, second = _stylists(services)[:2]
    services.auth.save_staff(owner, staff_id=first.staff_id, name=first.name, role="stylist", base_pay="6000")
    # given on Nov 18: November's base pay, not October's (a month's figures keep the pay of that month)
    before = {r["staff_id"]: r for r in services.reports.monthly(owner, "2026-10").data["appraisal"]["staff"]}
    assert before[first.staff_id]["base_pay"] is None
    data = services.reports.monthly(owner, "2026-11").data
    rows = {r["staff_id"]: r for r in data["appraisal"]["staff"]}
    mine = rows[first.staff_id]
    assert mine["score"] is not None and mine["base_pay"] == "6000.00"
    expected = (Decimal("6000") * Decimal(mine["performance_pay_percent"]) / 100).quantize(Decimal("0.01"))
    assert Decimal(mine["performance_pay"]) == expected
    assert rows[second.staff_id]["performance_pay"] is None  # no base pay given
    table = appraisal_rows(data)
    assert any(r[0] == first.name and "·" in r[-1] for r in table[1:])
    # the complaints column: points off as a negative number, a plain 0 for none (never "-0")
    for r in table[1:]:
        penalty = next(s["penalty"] for s in data["appraisal"]["staff"] if s["name"] == r[0])
        assert r[5] == (f"-{penalty}" if penalty else "0"), r
    quiet = dict(data["appraisal"]["staff"][0], name="Quiet One", complaints=0, penalty=0)  # nobody complained
    with_quiet = {**data, "appraisal": {**data["appraisal"], "staff": [*data["appraisal"]["staff"], quiet]}}
    assert next(r for r in appraisal_rows(with_quiet)[1:] if r[0] == "Quiet One")[5] == "0"
    assert "base pay" in appraisal_note(data)  # some have none
    # a stylist reads their own month: the same figures, and nobody else's
    month = services.reports.my_month(first, "2026-11")
    assert month["me"]["staff_id"] == first.staff_id and month["me"]["score"] == mine["score"]
    assert "staff" not in month and second.name not in str(month)
    # the weights no longer add up to 100: the report says so
    services.settings.set(S.APPRAISAL_WEIGHT_STANDARDS, 0)
    data = services.reports.monthly(owner, "2026-10").data
    assert data["appraisal"]["rules"]["weights_sum"] == 90
    assert "add up to 90" in appraisal_note(data)
