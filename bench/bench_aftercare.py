"""After-care speed (issue 6): the lists a desk opens and the standards the monthly report reads.

A month of a busy shop: 3,000 paid visits (each with its follow-up), 300 complaints, 3,000 feedback records.

* ``aftercare.followups_lists``: ``AftercareService.followups`` (due / overdue / later / done) -- runs off
  the GUI thread; target <= 300 ms for ~2,000 open and recent calls;
* ``aftercare.complaints_list``: ``complaints()`` with the open ones and the last 30 days (target <= 100 ms);
* ``aftercare.standards_month``: ``standards_summary`` over the month, every standard, per staff and
  per day (used by the monthly report; target <= 500 ms);
* ``aftercare.today_standards``: today's live figures for the Today strip (target <= 50 ms).

    .venv/bin/python -m bench.bench_aftercare [--quick]
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench.common import figure, time_call  # noqa: E402

NOW = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def _seed(path: Path, visits: int) -> Any:
    from desk_app.bootstrap import open_database
    from desk_app.container import Services
    from desk_app.db.models import Client, Complaint, Feedback, FollowUp, Service, ServiceLog, Staff, Visit
    from desk_app.trust.auth import hash_pin

    db = open_database(str(path))
    sv = Services(db, clock=lambda: NOW)
    owner = sv.shop.create_shop(name="Bench", currency="CNY", language="en", owner_name="O", owner_pin="1234")
    rnd = random.Random(6)
    with db.uow() as uow:
        s = uow.session
        pin = hash_pin("5678")
        staff = [
            Staff(
                branch_id=owner.branch_id, name=f"S{i}", role="stylist" if i else "receptionist", pin_hash=pin
            )
            for i in range(10)
        ]
        s.add_all(staff)
        clients = [
            Client(client_number=f"B{i:06d}", name=f"Client {i}", phone=f"+86138{i:08d}") for i in range(1500)
        ]
        s.add_all(clients)
        s.flush()
        svc_id = s.query(Service.id).first()[0]  # type: ignore[index]
        start = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
        vs = []
        for i in range(visits):
            arrived = start + timedelta(minutes=rnd.randrange(0, 29 * 24 * 60))
            paid = arrived + timedelta(minutes=rnd.randrange(40, 150))
            vs.append(
                Visit(
                    branch_id=owner.branch_id,
                    client_id=clients[i % len(clients)].id,
                    staff_id=staff[1 + i % 9].id,
                    created_by_id=staff[0].id,
                    step="done",
                    status="done",
                    arrived_at=arrived,
                    greeted_at=arrived + timedelta(seconds=rnd.randrange(5, 60)),
                    assessed_at=arrived + timedelta(minutes=rnd.randrange(3, 14)),
                    booked_start_at=arrived if i % 2 else None,
                    service_started_at=arrived + timedelta(minutes=rnd.randrange(5, 25)),
                    service_ended_at=paid - timedelta(minutes=5),
                    paid_at=paid,
                )
            )
        s.add_all(vs)
        s.flush()
        for i, v in enumerate(vs):
            assert v.paid_at is not None
            s.add(ServiceLog(visit_id=v.id, service_id=svc_id, staff_id=v.staff_id, price_minor=10000))
            called = v.paid_at + timedelta(days=2, hours=1) if i % 3 else None
            s.add(
                FollowUp(
                    visit_id=v.id,
                    client_id=v.client_id,
                    staff_id=v.staff_id,
                    due_from=v.paid_at + timedelta(days=2),
                    due_by=v.paid_at + timedelta(days=3),
                    status="done" if called and called < NOW else "pending",
                    attempts=1 if called else 0,
                    called_at=called,
                    completed_at=called,
                    called_by_id=staff[0].id if called else None,
                )
            )
            s.add(
                Feedback(
                    client_id=v.client_id,
                    visit_id=v.id,
                    staff_id=v.staff_id,
                    score=rnd.randint(1, 5),
                    content="ok" if i % 4 == 0 else "",
                    at=v.paid_at,
                    status="handled" if i % 2 else "pending",
                    handled_at=v.paid_at + timedelta(hours=rnd.randrange(1, 100)) if i % 2 else None,
                    responsible_id=staff[0].id if i % 2 else None,
                    improvement_action="x" if i % 2 else "",
                )
            )
            if i % 10 == 0:
                s.add(
                    Complaint(
                        branch_id=owner.branch_id,
                        client_id=v.client_id,
                        visit_id=v.id,
                        handler_id=staff[0].id,
                        opened_at=v.paid_at,
                        description="slow",
                        first_response_due_at=v.paid_at + timedelta(hours=24),
                        first_response_at=v.paid_at + timedelta(hours=rnd.randrange(1, 40))
                        if i % 20
                        else None,
                        status="responded" if i % 20 else "open",
                    )
                )
        uow.commit()
    return sv


def run(quick: bool) -> list[dict[str, Any]]:
    from desk_app.domain.permissions import Actor, Role
    from desk_app.reports.standards import standards_summary, today_standards

    visits = 800 if quick else 3000
    repeat = 3 if quick else 7
    with tempfile.TemporaryDirectory() as tmp:
        sv = _seed(Path(tmp) / "bench.sqlite3", visits)
        actor = Actor(staff_id=2, name="S0", role=Role.RECEPTIONIST, branch_id=1)
        out = [
            figure(
                "aftercare.followups_lists",
                time_call(lambda: sv.aftercare.followups(actor=actor), repeat),
                "ms",
                target=300,
                visits=visits,
            ),
            figure(
                "aftercare.complaints_list",
                time_call(lambda: sv.complaints.complaints(), repeat),
                "ms",
                target=100,
            ),
            figure(
                "aftercare.standards_month",
                time_call(
                    lambda: standards_summary(
                        sv.db, sv.settings, date(2026, 11, 1), date(2026, 12, 1), now=NOW
                    ),
                    repeat,
                ),
                "ms",
                target=500,
                visits=visits,
            ),
            figure(
                "aftercare.today_standards",
                time_call(lambda: today_standards(sv.db, sv.settings, NOW), repeat),
                "ms",
                target=50,
            ),
        ]
        sv.db.dispose()
    return out


if __name__ == "__main__":
    for f in run("--quick" in sys.argv):
        print(
            f"{f['name']:32} median {f['median']:8.1f} {f['unit']}  p95 {f['p95']:8.1f}  target {f.get('target')}"
        )
