"""Several desks (separate PROCESSES) book at the same moment: exactly one wins, every time.

Runs on a SQLite file (BEGIN IMMEDIATE + triggers) and on a real PostgreSQL server (exclusion
constraints under READ COMMITTED). Scenarios, each repeated ROUNDS times on its own day:

* same: every desk books the same stylist at the same time;
* overlap: the desks book overlapping but different times for the same stylist;
* chair: different stylists at the same time, and the branch has one chair left;
* guard only: as "same" with the in-transaction check switched off, so that only the database's
  own guard (trigger / exclusion constraint) stands between the desks.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import time
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from desk_app.bootstrap import open_database
from desk_app.container import Services
from desk_app.db.models import Appointment, Resource
from tests.conftest import OWNER_PIN, FakeClock
from tests.integration.test_calendar_support import at, new_client, new_stylist, race_worker, service_id

DESKS = 4
ROUNDS = 10
FIRST_DAY = date(2026, 11, 19)


def _setup(url: str) -> tuple[Any, list[list[dict[str, Any]]], dict[str, int]]:
    db = open_database(url)
    clock = FakeClock()
    services = Services(db, clock=clock)
    owner = services.shop.create_shop(
        name="Race", currency="CNY", language="en", owner_name="Owner", owner_pin=OWNER_PIN
    )
    stylists = [new_stylist(db, f"S{i}") for i in range(DESKS)]
    clients = [new_client(db, f"Client {i}", phone=f"+861380000000{i}") for i in range(DESKS)]
    cut = service_id(db, "CUT-W")  # 60 min, needs a chair
    with db.uow() as uow:  # leave one chair so that the chair scenario competes for it
        chairs = uow.session.scalars(
            select(Resource.id).where(Resource.kind == "chair").order_by(Resource.id)
        ).all()
        uow.session.execute(update(Resource).where(Resource.id.in_(chairs[1:])).values(active=False))
        uow.commit()
    rounds: list[list[dict[str, Any]]] = []
    offsets = [(11, 0), (11, 30), (10, 45), (11, 15)]
    for k in range(ROUNDS * 4):
        day = FIRST_DAY + timedelta(days=k)
        scenario = k % 4
        specs = []
        for w in range(DESKS):
            if scenario == 0:
                specs.append({"staff_id": stylists[0], "start_at": at(day, 11)})
            elif scenario == 1:
                hh, mm = offsets[w]
                specs.append({"staff_id": stylists[0], "start_at": at(day, hh, mm)})
            elif scenario == 2:
                specs.append({"staff_id": stylists[w], "start_at": at(day, 11)})
            else:
                specs.append(
                    {
                        "staff_id": stylists[w % 2],
                        "start_at": at(day, 11),
                        "guard_only": True,
                        "resource_id": chairs[0],
                    }
                )
            specs[-1] |= {"client_id": clients[w], "service_ids": [cut]}
        rounds.append(specs)
    db.dispose()
    return owner, rounds, {"stylist": stylists[0], "chair": chairs[0]}


def _collect(results: Any, procs: list[Any], expected: int) -> list[tuple[Any, ...]]:
    """Every desk's answers; a desk that died or broke the barrier fails the test with its reason."""
    got: list[tuple[Any, ...]] = []
    deadline = time.monotonic() + 300
    while len(got) < expected:
        try:
            item = results.get(timeout=2)
        except queue.Empty:
            dead = [p.exitcode for p in procs if not p.is_alive()]
            assert not dead and time.monotonic() < deadline, (
                f"{len(got)} of {expected} answers; desks ended with {dead}; "
                f"errors: {[g for g in got if g[2] == 'error']}"
            )
            continue
        got.append(item)
        assert item[0] >= 0, f"desk {item[1]} failed: {item[3]}"
    return got


def _race(url: str) -> None:
    owner, rounds, ids = _setup(url)
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(DESKS)
    results = ctx.Queue()
    now = FakeClock().now
    procs = [
        ctx.Process(target=race_worker, args=(url, w, owner, now, rounds, barrier, results))
        for w in range(DESKS)
    ]
    for p in procs:
        p.start()
    got = _collect(results, procs, len(rounds) * DESKS)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    errors = [g for g in got if g[2] == "error"]
    assert not errors, "\n".join(g[3] for g in errors)
    for r in range(len(rounds)):
        mine = [g for g in got if g[0] == r]
        winners = [g for g in mine if g[2] == "won"]
        losers = [g for g in mine if g[2] == "taken"]
        assert len(winners) == 1, (r, mine)
        assert len(losers) == DESKS - 1
        assert all(g[4] > 0 for g in losers), "every losing desk is offered the nearest free slots"
        assert all("already booked" in g[3] or "No free chair" in g[3] for g in losers)
    # and the database agrees: one appointment per round, none overlapping
    db = open_database(url, run_migrations=False)
    with db.uow(write=False) as uow:
        appts = uow.session.scalars(select(Appointment).order_by(Appointment.start_at)).all()
        assert len(appts) == len(rounds)
        for col in ("staff_id", "resource_id"):
            for a in appts:
                for b in appts:
                    if a.id < b.id and getattr(a, col) == getattr(b, col):
                        assert not (a.start_at < b.block_end_at and b.start_at < a.block_end_at)
        assert {a.resource_id for a in appts} == {ids["chair"]}
    db.dispose()


@pytest.mark.slow
def test_race_on_sqlite(tmp_path: Any) -> None:
    _race(str(tmp_path / "race.sqlite3"))


@pytest.mark.slow
@pytest.mark.postgres
def test_race_on_postgresql(pg_url: str) -> None:
    _race(pg_url)


def test_services_container_builds_the_calendar(services: Services) -> None:
    assert type(services.calendar).__name__ == "CalendarService"
