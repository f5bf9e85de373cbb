"""The message planner's pass (issue 19's follow-up in issue 20): what each desk's background sender
reads every minute, on a demo shop with email and SMS set up.

* ``messages.planner_idle_pass``: ``planner.anything_new`` once everything due has been queued -- the
  read every pass makes when there is nothing new (every minute, on every desk, off the GUI thread);
  floor: one indexed read of the shop's upcoming appointments in the same window (the reminders'
  own query without the planner's other four steps);
* ``messages.planner_first_pass``: ``planner.plan`` on a shop with nothing queued yet (it writes the
  reminders, rebook nudges, birthdays and balance messages due; once, when messages are set up).

    .venv/bin/python -m bench.bench_messages [--quick]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DESK_APP_HOME", tempfile.mkdtemp(prefix="desk-bench-"))

from bench.common import figure, time_call  # noqa: E402

NOW = datetime(2026, 11, 18, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai


def run(quick: bool) -> list[dict[str, Any]]:
    from sqlalchemy import func, select

    from desk_app.bootstrap import open_database
    from desk_app.container import Services
    from desk_app.db.models import Appointment
    from desk_app.demo.shop import generate
    from desk_app.messages import planner
    from desk_app.settings import S

    tmp = Path(tempfile.mkdtemp(prefix="bench-messages-"))
    db_file = tmp / "messages.sqlite3"
    clients, months = (3_000, 2) if quick else (20_000, 6)
    generate(str(db_file), clients=clients, months=months, staff=8, seed=11, lang="zh_CN", today=NOW)
    db = open_database(str(db_file))
    sv = Services(db)
    for setting, value in (
        (S.MESSAGES_EMAIL_HOST, "smtp.example.com"),
        (S.MESSAGES_EMAIL_FROM_ADDRESS, "shop@example.com"),
        (S.MESSAGES_SMS_PROVIDER, "aliyun"),
        (S.MESSAGES_SMS_ACCOUNT, "LTAI-bench"),
    ):
        sv.settings.set(setting, value)
    settings = sv.settings

    with db.uow() as uow:
        t0 = time.perf_counter()
        queued = planner.plan(uow.session, NOW, settings)
        first = (time.perf_counter() - t0) * 1000.0
        uow.commit()

    def idle() -> bool:
        with db.uow(write=False) as uow:
            return planner.anything_new(uow.session, NOW, settings)

    assert not idle(), "a second pass found something new to queue"
    reps = 10 if quick else 30
    idle_ms = time_call(idle, repeat=reps, warmup=1)

    def floor_read() -> int:
        with db.uow(write=False) as uow:
            return int(
                uow.session.scalar(
                    select(func.count(Appointment.id)).where(
                        Appointment.start_at > NOW, Appointment.start_at <= NOW + timedelta(hours=48)
                    )
                )
                or 0
            )

    floor = time_call(floor_read, repeat=reps, warmup=1)
    db.dispose()
    floor_med = sorted(floor)[len(floor) // 2]
    return [
        figure("messages.planner_idle_pass", idle_ms, "ms", floor=floor_med, target=500.0, clients=clients),
        figure("messages.planner_first_pass", [first], "ms", clients=clients, queued=queued),
    ]


if __name__ == "__main__":
    for f in run("--quick" in sys.argv):
        print(
            f"{f['name']:32s} median {f['median']:9.2f} p95 {f['p95']:9.2f} {f['unit']}"
            f"  floor {f.get('floor', '-')}  target {f.get('target', '-')}"
        )
