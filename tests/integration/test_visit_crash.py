"""kill -9 in the middle of visits: every finished step is kept, the visit is at a consistent step."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select, text

from desk_app.bootstrap import open_database
from desk_app.container import Services
from desk_app.db.models import Visit, VisitEvent
from desk_app.domain.permissions import Actor

WORKER = r"""
import sys
from desk_app.bootstrap import open_database
from desk_app.domain.permissions import Actor, Role
from desk_app.container import Services
from desk_app.visits.service import PlanItemIn
from sqlalchemy import select
from desk_app.db.models import Service

db = open_database(sys.argv[1])
sv = Services(db)
me = Actor(staff_id=int(sys.argv[2]), name="Owner", role=Role.OWNER, branch_id=int(sys.argv[3]))
with db.uow(write=False) as uow:
    sid = uow.session.execute(select(Service.id).where(Service.code == "CUT-W")).scalar_one()
v = sv.visits
def say(word):
    print(word, flush=True)
while True:
    vid = v.start_walk_in(me); say("walk_in")
    v.greet(me, vid, None); say("greet")
    sv.consultation.save_assessment(me, vid, kind="generic", answers={"request": "trim"}, goals="trim"); say("assess")
    sv.consultation.set_plan(me, vid, [PlanItemIn("service", service_id=sid)]); say("plan")
    sv.consultation.confirm_plan(me, vid); say("confirm")
    sv.service_log.start_service(me, vid); say("start")
    sv.service_log.log_service(me, vid, sid, notes="ok"); say("log")
    sv.service_log.end_service(me, vid); say("end")
"""

# what a visit at each step must already have
NEEDS = {
    "greeting": (),
    "needs": ("greeted_at",),
    "service": ("greeted_at", "assessed_at", "estimate_confirmed_at", "estimate_minor"),
    "checkout": ("greeted_at", "assessed_at", "service_started_at", "service_ended_at", "estimate_minor"),
}


def test_kill_9_mid_visit_loses_no_finished_step(db_path: Path, services: Services, owner: Actor) -> None:
    services.db.dispose()
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    for lines_before_kill in (5, 13, 22):
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(db_path), str(owner.staff_id), str(owner.branch_id)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert proc.stdout is not None
        done: list[str] = []
        for _i in range(lines_before_kill):
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else "worker died"
            done.append(line.strip())
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()

    db = open_database(str(db_path))
    try:
        with db.uow(write=False) as uow:
            s = uow.session
            assert s.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
            visits = list(s.execute(select(Visit).order_by(Visit.id)).scalars())
            assert len(visits) >= 3
            for v in visits:
                for col in NEEDS[v.step]:
                    assert getattr(v, col) is not None, (v.id, v.step, col)
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
                assert stamps == sorted(stamps), v.id
                events = [
                    e.to_step
                    for e in s.execute(
                        select(VisitEvent).where(VisitEvent.visit_id == v.id).order_by(VisitEvent.id)
                    ).scalars()
                ]
                order = ["greeting", "needs", "service", "checkout"]
                assert events == order[1 : order.index(v.step) + 1], (v.id, events)
            last_id, last_step = visits[-1].id, visits[-1].step
        # and the visit goes on where it stopped
        view = Services(db).visits.get(last_id)
        assert view.step == last_step
    finally:
        db.dispose()
