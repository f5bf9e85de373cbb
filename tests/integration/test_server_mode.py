"""PostgreSQL server mode: several desks (processes) write at once; nothing is lost or duplicated.

Each desk process checks clients in (new client + walk-in visit), takes a payment through
CheckoutService and books appointments through CalendarService on a shared grid of slots
(so desks compete for the same ones) for a few seconds, then reports what it wrote. The test
then proves the database holds exactly that: counts and sums match, client numbers and
receipt numbers are unique, every sale's lines and payments add up to its total, and no
stylist is double-booked.

Each desk is at the branch its own desk.json names (``DeskSettings.branch``; the first desk names
none, so it is at the first open branch), and its person signs in there (``AuthService.sign_in``
with that code). The two stylists work at both branches, so desks of both branches book the same
diaries; every record carries its desk's branch, and each branch's monthly figures add up to the
all-branches figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parents[2]
DESKS = 3
SECONDS = 2.0


def _slot_grid(now: datetime) -> list[datetime]:
    """30-minute slots 10:00-12:30 Shanghai time, three days from now (inside the default hours)."""
    tz = ZoneInfo("Asia/Shanghai")
    day = (now.astimezone(tz) + timedelta(days=3)).date()
    start = datetime(day.year, day.month, day.day, 10, 0, tzinfo=tz)
    return [(start + timedelta(minutes=30 * i)).astimezone(UTC) for i in range(6)]


def desk_main(url: str, desk: int, seconds: float, staff_ids: list[int], service_id: int, pin: str) -> None:
    """One desk: runs in its own process and prints a JSON report of what it committed.

    ``staff_ids[0]`` is who works this desk, signing in with ``pin`` at the branch of this desk's
    desk.json (DESK_APP_HOME); the rest are stylists.
    """
    import random

    from desk_app.calendar.views import BookingRequest
    from desk_app.checkout.service import PaymentIn
    from desk_app.container import Services
    from desk_app.core.service import ServiceError
    from desk_app.db.engine import Database
    from desk_app.desk import load_desk

    db = Database.open(url)
    services = Services(db)
    owner = services.auth.sign_in(staff_ids[0], pin, load_desk().branch)  # this desk's branch
    rnd = random.Random(desk)
    slots = _slot_grid(datetime.now(UTC))
    report: dict[str, list[object]] = {
        "clients": [],
        "visits": [],
        "sales": [],
        "appointments": [],
        "taken": [],
        "branch": [owner.branch_id],
    }
    deadline = time.monotonic() + 3600.0
    i = 0
    while time.monotonic() < deadline:
        i += 1
        if i == 2:  # the first round loaded the modules and pinyin tables; now run for the time given
            deadline = time.monotonic() + seconds
        phone = f"138{desk:02d}{i:06d}"
        c = services.clients.create(owner, {"name": f"Desk{desk} 客人{i}", "phone": phone})
        report["clients"].append(c.id)
        report["visits"].append(services.visits.start_walk_in(owner, c.id))
        co = services.checkout
        bill = co.add_service(co.build_bill(owner, client_id=c.id), service_id)
        if i % 2:
            pays = [PaymentIn("card", bill.total_minor)]
        else:
            half = bill.total_minor // 2
            pays = [PaymentIn("wechat", half), PaymentIn("card", bill.total_minor - half)]
        sale = services.payments.pay(owner, bill, pays)
        report["sales"].append([sale.sale_id, bill.total_minor])
        slot = rnd.choice(slots)
        stylist = rnd.choice(staff_ids[1:])
        try:
            appt = services.calendar.book(
                owner,
                BookingRequest(
                    client_id=c.id,
                    staff_id=stylist,
                    start_at=slot,
                    service_ids=[service_id],
                    duration_min=30,
                    buffer_min=0,
                ),
            )
            report["appointments"].append(appt.id)
        except ServiceError as exc:  # the slot was taken by another desk (or earlier by us)
            report["taken"].append(exc.message[:60])
    db.dispose()
    print(json.dumps(report))


@pytest.mark.postgres
def test_several_desks_on_one_postgresql_server_lose_and_duplicate_nothing(pg_url: str, tmp_path: Path) -> None:
    from sqlalchemy import func, select, text

    from desk_app.bootstrap import open_database
    from desk_app.catalog_defaults import DEFAULT_HOURS
    from desk_app.container import Services
    from desk_app.db.models import Appointment, Client, Payment, Sale, SaleLine, Service, Visit
    from desk_app.desk import DeskSettings, save_desk
    from desk_app.reports.monthly import build_monthly

    db = open_database(pg_url)  # migrations run against the server
    services = Services(db)
    owner = services.shop.create_shop(
        name="Lotus", currency="CNY", language="en", owner_name="Mia", owner_pin="1234"
    )
    # a second branch, added as the owner does it (Settings > Branches), with its own receptionist
    east_branch = services.branches.add(owner, {"code": "EAST", "name": "Lotus East"}).id
    stylists = [  # the stylists work at both branches
        services.auth.save_staff(
            owner, staff_id=None, name=f"Stylist {k}", role="stylist", pin="5678", working_hours=DEFAULT_HOURS,
            branch_ids=[owner.branch_id, east_branch],
        ).id
        for k in range(2)
    ]
    east = services.auth.save_staff(
        owner, staff_id=None, name="East desk", role="receptionist", pin="2468", branch_ids=[east_branch]
    ).id
    desk_staff = {d: (owner.staff_id, "1234") for d in range(1, DESKS)} | {DESKS: (east, "2468")}
    # each desk's own desk.json: the first names no branch (the first open one), the second MAIN,
    # the last EAST
    desk_branch = {1: "", 2: "MAIN", DESKS: "EAST"}
    homes = {d: tmp_path / f"desk{d}" for d in range(1, DESKS + 1)}
    for d, home in homes.items():
        save_desk(DeskSettings(branch=desk_branch[d]), home / "desk.json")
    with db.uow(write=False) as uow:
        service_id = uow.session.scalars(
            select(Service.id)
            .where(Service.resource_kind == "", Service.active.is_(True))
            .order_by(Service.id)
        ).first()
    assert service_id is not None
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                pg_url,
                str(d),
                str(SECONDS),
                json.dumps([desk_staff[d][0], *stylists]),
                str(service_id),
                desk_staff[d][1],
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT), "DESK_APP_HOME": str(homes[d])},
            cwd=ROOT,
        )
        for d in range(1, DESKS + 1)
    ]
    reports = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err[-3000:]
        reports.append(json.loads(out.strip().splitlines()[-1]))
    clients = [c for r in reports for c in r["clients"]]
    visits = [v for r in reports for v in r["visits"]]
    sales = {s[0]: s[1] for r in reports for s in r["sales"]}
    appts = [a for r in reports for a in r["appointments"]]
    print(
        f"server mode: {len(clients)} check-ins, {len(sales)} sales, {len(appts)} bookings, "
        f"{sum(len(r['taken']) for r in reports)} refused as taken"
    )
    assert len(clients) >= DESKS * 3 and len(appts) >= 2  # every desk really worked
    assert len(set(clients)) == len(clients) and len(sales) == sum(len(r["sales"]) for r in reports)
    with db.uow(write=False) as uow:
        s = uow.session
        assert sorted(s.scalars(select(Client.id))) == sorted(clients)
        numbers = list(s.scalars(select(Client.client_number)))
        assert len(set(numbers)) == len(numbers) == len(clients)
        assert sorted(int(n[1:]) for n in numbers) == list(range(1, len(clients) + 1))  # no gaps, no repeats
        assert sorted(s.scalars(select(Visit.id))) == sorted(visits)
        assert sorted(s.scalars(select(Sale.id))) == sorted(sales)
        assert s.scalar(select(func.sum(Sale.total_minor))) == sum(sales.values())
        receipts = list(s.scalars(select(Sale.receipt_no)))
        assert len(set(receipts)) == len(receipts)
        for sale_id, total in sales.items():
            lines = s.scalar(select(func.sum(SaleLine.line_total_minor)).where(SaleLine.sale_id == sale_id))
            paid = s.scalar(select(func.sum(Payment.amount_minor)).where(Payment.sale_id == sale_id))
            assert lines == paid == total, sale_id
        assert sorted(s.scalars(select(Appointment.id))) == sorted(appts)
        overlaps = s.execute(
            text(
                "SELECT count(*) FROM appointments a JOIN appointments b ON a.staff_id = b.staff_id AND a.id < b.id "
                "AND a.status NOT IN ('cancelled','no_show') AND b.status NOT IN ('cancelled','no_show') "
                "AND a.start_at < b.block_end_at AND b.start_at < a.block_end_at"
            )
        ).scalar()
        assert overlaps == 0
    # each record knows its branch: the east desk's clients, visits and sales are the east branch's
    with db.uow(write=False) as uow:
        s = uow.session
        for r in reports:
            branch = r["branch"][0]
            ids = [x[0] for x in r["sales"]]
            assert set(s.scalars(select(Sale.branch_id).where(Sale.id.in_(ids)))) == {branch}
            assert set(s.scalars(select(Visit.branch_id).where(Visit.id.in_(r["visits"])))) == {branch}
            assert set(s.scalars(select(Client.branch_id).where(Client.id.in_(r["clients"])))) == {branch}
            assert set(s.scalars(select(Appointment.branch_id).where(Appointment.id.in_(r["appointments"])))) <= {branch}
        assert [r["branch"][0] for r in reports] == [owner.branch_id, owner.branch_id, east_branch]
        sold = list(s.scalars(select(Sale.sold_at)))
    # each branch's monthly figures add up to the all-branches figures (every month the sales fall in)
    months = sorted({t.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m") for t in sold})
    for month in months:
        whole = build_monthly(db, month, compare=False)
        parts = [build_monthly(db, month, branch=code, compare=False) for code in ("MAIN", "EAST")]
        assert parts[1]["branch"]["code"] == "EAST"
        for key in ("revenue", "takings"):
            assert sum(Decimal(p[key]["total"]) for p in parts) == Decimal(whole[key]["total"]), key
        assert sum(p["sales"]["count"] for p in parts) == whole["sales"]["count"]
        for method, amount in whole["by_payment_method"].items():
            assert sum(Decimal(p["by_payment_method"].get(method, "0")) for p in parts) == Decimal(amount)
    east_total = sum(t for r in reports if r["branch"][0] == east_branch for _i, t in r["sales"])
    assert east_total > 0 and sum(
        Decimal(build_monthly(db, m, branch="EAST", compare=False)["revenue"]["total"]) for m in months
    ) == Decimal(east_total) / 100
    # every slot a desk was refused was really taken: booked + refused = attempts
    assert len(appts) + sum(len(r["taken"]) for r in reports) == len(clients)
    assert len(appts) <= len(_slot_grid(datetime.now(UTC))) * len(stylists)
    db.dispose()


@pytest.mark.postgres
def test_backups_on_the_server_are_pg_dumps(pg_url: str, tmp_path: Path) -> None:
    """The built-in backup dumps a server with pg_dump, once a day (tests/integration/test_pg_backup.py
    covers verification, rotation, restore and the command line)."""
    from desk_app.bootstrap import open_database
    from desk_app.container import Services
    from desk_app.settings import S
    from tests.conftest import FakeClock

    db = open_database(pg_url)
    clock = FakeClock()
    services = Services(db, clock=clock)
    owner = services.shop.create_shop(
        name="Lotus", currency="CNY", language="en", owner_name="Mia", owner_pin="1234"
    )
    services.settings.set(S.BACKUP_FOLDER, str(tmp_path / "backups"))
    daily = services.backup.maybe_daily_backup(clock())
    assert daily is not None and daily.ok and daily.path.endswith(".dump")
    assert Path(daily.path).read_bytes()[:5] == b"PGDMP"
    assert services.backup.maybe_daily_backup(clock()) is None  # once a day
    manual = services.backup.backup(actor=owner)
    assert manual.ok and Path(manual.path).parent == tmp_path / "backups"
    assert (ROOT / "docs" / "server-mode.md").read_text(encoding="utf-8").count("pg_dump") >= 2
    db.dispose()


if __name__ == "__main__":
    desk_main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4]), int(sys.argv[5]),
              sys.argv[6])
