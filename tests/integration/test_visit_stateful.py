"""Random sequences of visit actions never break the visit's invariants (hypothesis state machine)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from desk_app.bootstrap import open_database
from desk_app.container import Services
from desk_app.core.service import ServiceError
from desk_app.db.models import Visit, VisitEvent
from desk_app.settings import S
from desk_app.visits.service import PlanItemIn
from tests.conftest import FakeClock
from tests.integration import visit_helpers as h

ORDER = ["greeting", "needs", "service", "checkout", "rebooking", "done"]
# what a visit at each step must already have (unless the step before was skipped)
NEEDED = {"service": "estimate_confirmed_at", "checkout": "service_ended_at"}


def test_visit_state_machine(tmp_path: Path) -> None:
    db = open_database(str(tmp_path / "machine.sqlite3"))
    clock = FakeClock()
    sv = Services(db, clock=clock)
    owner = sv.shop.create_shop(name="M", currency="CNY", language="en", owner_name="O", owner_pin="1234")
    sv.settings.set(S.VISIT_REQUIRED_STEPS, ["service", "checkout"])
    cut = h.service_id(db, "CUT-W")
    client = h.add_client(db, "Machine")

    class VisitMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.vid = sv.visits.start_walk_in(owner)
            self.refused = 0

        def _try(self, fn: object, *args: object, **kw: object) -> None:
            clock.advance(seconds=30)
            try:
                fn(owner, self.vid, *args, **kw)  # type: ignore[operator]
            except ServiceError:
                self.refused += 1  # refused with a message; nothing may have changed

        @rule()
        def greet(self) -> None:
            self._try(sv.visits.greet, client)

        @rule()
        def assess(self) -> None:
            self._try(sv.consultation.save_assessment, kind="generic", answers={"request": "trim"}, goals="trim")

        @rule()
        def plan(self) -> None:
            self._try(sv.consultation.set_plan, [PlanItemIn("service", service_id=cut)])

        @rule()
        def confirm(self) -> None:
            self._try(sv.consultation.confirm_plan)

        @rule()
        def start(self) -> None:
            self._try(sv.service_log.start_service)

        @rule()
        def log(self) -> None:
            self._try(sv.service_log.log_service, cut)

        @rule()
        def end(self) -> None:
            self._try(sv.service_log.end_service)

        @rule(reason=st.sampled_from(["", "in a hurry"]))
        def skip(self, reason: str) -> None:
            self._try(sv.visits.skip, reason)

        @rule()
        def back(self) -> None:
            self._try(sv.visits.back)

        @rule(reason=st.sampled_from(["", "left"]))
        def cancel(self, reason: str) -> None:
            self._try(sv.visits.cancel, reason)

        @invariant()
        def consistent(self) -> None:
            with db.uow(write=False) as uow:
                v = uow.session.get(Visit, self.vid)
                assert v is not None
                events = list(
                    uow.session.execute(
                        select(VisitEvent).where(VisitEvent.visit_id == v.id).order_by(VisitEvent.id)
                    ).scalars()
                )
                # the event log replays to the current step
                step = "greeting"
                for e in events:
                    assert e.from_step == step, (e.from_step, step)
                    step = e.to_step
                    if e.action == "skip":
                        assert e.reason.strip()
                assert step == v.step
                skipped = v.skipped_steps or {}
                for s in ("service", "checkout"):
                    assert s not in skipped  # required steps are never skipped
                if v.step in NEEDED and ORDER[ORDER.index(v.step) - 1] not in skipped:
                    assert getattr(v, NEEDED[v.step]) is not None, v.step
                stamps = [
                    t
                    for t in (
                        v.arrived_at,
                        v.greeted_at,
                        v.assessed_at,
                        v.service_started_at,
                        v.service_ended_at,
                    )
                    if t is not None
                ]
                assert stamps == sorted(stamps)
                if v.step == "cancelled":
                    assert v.status == "cancelled"

    try:
        run_state_machine_as_test(
            VisitMachine,
            settings=settings(
                max_examples=12,
                stateful_step_count=14,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    finally:
        db.dispose()
